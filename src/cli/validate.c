/* SPDX-License-Identifier: MIT */
/* Validation: each VAR:OPTION pair the wrapper passes is checked with the
 * library's own parser, so the wrapper and the library cannot disagree
 * about what a value means. */
#include "autoconfig.h"

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "helper.h"

/* A value for messages: escaped and cut, so one line stays one line. */
const char *shown(const char *value, char *buf, size_t len)
{
	tk_escape_value(buf, len, value, 200);
	return buf;
}

static int bad_value(const char *option, const char *value,
		     const char *reason, const char *accepted)
{
	char buf[1024];

	fprintf(stderr, "%s: bad value '%s' for %s%s%s: expected %s\n", me,
		shown(value, buf, sizeof buf), option,
		reason ? " " : "", reason ? reason : "", accepted);
	return -1;
}

/* Checks one VAR:OPTION pair against the variable's parser. */
int validate_one(const char *pair)
{
	static struct tk_rules rules;	/* large; keep it off the stack */
	char var[64], reason[160], path[TK_LOG_PATH_MAX], why[200];
	const char *colon = strchr(pair, ':');
	const char *option, *value;
	size_t n;
	union {
		int i;
		unsigned u;
		bool b;
		enum tk_direction d;
		enum tk_log_dest l;
	} out;
	bool is_auto;

	if (colon == NULL || (n = (size_t)(colon - pair)) >= sizeof var) {
		fprintf(stderr, "%s: internal error: bad check '%s'\n", me, pair);
		return -1;
	}
	memcpy(var, pair, n);
	var[n] = '\0';
	option = colon + 1;
	value = getenv(var);
	if (value == NULL)
		value = "";

	if (strcmp(var, "TCPKEEP_IDLE") == 0 || strcmp(var, "TCPKEEP_INTVL") == 0) {
		if (tk_parse_seconds(value, &out.i) < 0)
			return bad_value(option, value, NULL, tk_accepts_seconds);
	} else if (strcmp(var, "TCPKEEP_CNT") == 0) {
		if (tk_parse_count(value, &out.i) < 0)
			return bad_value(option, value, NULL, tk_accepts_count);
	} else if (strcmp(var, "TCPKEEP_USER_TIMEOUT") == 0) {
		if (tk_parse_user_timeout(value, &out.u, &is_auto) < 0)
			return bad_value(option, value, NULL,
					 tk_accepts_user_timeout);
	} else if (strcmp(var, "TCPKEEP_DIRECTION") == 0) {
		if (tk_parse_direction(value, &out.d) < 0)
			return bad_value(option, value, NULL,
					 tk_accepts_direction);
	} else if (strcmp(var, "TCPKEEP_ONLY") == 0 ||
		   strcmp(var, "TCPKEEP_SKIP") == 0) {
		reason[0] = '\0';
		if (tk_rules_parse(value, &rules, reason, sizeof reason) < 0) {
			snprintf(why, sizeof why, "(%s)",
				 reason[0] ? reason : "not a rule list");
			return bad_value(option, value, why, tk_accepts_rules);
		}
	} else if (strcmp(var, "TCPKEEP_LOG") == 0) {
		if (tk_parse_log(value, &out.l, path, sizeof path) < 0)
			return bad_value(option, value, NULL, tk_accepts_log);
	} else if (strcmp(var, "TCPKEEP_FORCE") == 0 ||
		   strcmp(var, "TCPKEEP_DEBUG") == 0 ||
		   strcmp(var, "TCPKEEP_ENABLE") == 0) {
		if (tk_parse_bool(value, &out.b) < 0)
			return bad_value(option, value, NULL, tk_accepts_bool);
	} else {
		fprintf(stderr, "%s: internal error: unknown variable %s\n",
			me, var);
		return -1;
	}
	return 0;
}

const char *accepted_for(const char *var)
{
	if (strcmp(var, "TCPKEEP_IDLE") == 0 || strcmp(var, "TCPKEEP_INTVL") == 0)
		return tk_accepts_seconds;
	if (strcmp(var, "TCPKEEP_CNT") == 0)
		return tk_accepts_count;
	if (strcmp(var, "TCPKEEP_USER_TIMEOUT") == 0)
		return tk_accepts_user_timeout;
	if (strcmp(var, "TCPKEEP_DIRECTION") == 0)
		return tk_accepts_direction;
	if (strcmp(var, "TCPKEEP_ONLY") == 0 || strcmp(var, "TCPKEEP_SKIP") == 0)
		return tk_accepts_rules;
	if (strcmp(var, "TCPKEEP_LOG") == 0)
		return tk_accepts_log;
	return "a value";
}
