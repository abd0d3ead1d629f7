/* SPDX-License-Identifier: MIT */
/* Validation: the values the wrapper exported are judged by the library's
 * own loader, tk_config_load(), so the wrapper, the helper and the library
 * cannot disagree about what a value means, and no table of variables and
 * parsers is kept here (the loader's is the only one).
 *
 * CHECKS are the wrapper's VAR:OPTION words: which variable each option
 * set, and the spelling the user typed, for the message. */
#include "autoconfig.h"

#include "common/config.h"
#include "common/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rules.h"
#include "cli/helper.h"

/* A value for messages: escaped and cut, so one line stays one line. */
const char *shown(const char *value, char *buf, size_t len)
{
	tk_escape_value(buf, len, value, 200);
	return buf;
}

struct judge {
	int count;
	char *const *checks;	/* VAR:OPTION words */
	bool environment;	/* also every TCPKEEP_ variable not in CHECKS */
	bool failed;		/* one line printed already */
};

/* The OPTION of the last VAR:OPTION word naming VAR (the last of a
 * repeated option is the value in the environment), or NULL. */
static const char *option_for(const struct judge *j, const char *var)
{
	size_t n = strlen(var);
	const char *found = NULL;

	for (int i = 0; i < j->count; i++)
		if (strncmp(j->checks[i], var, n) == 0 &&
		    j->checks[i][n] == ':')
			found = j->checks[i] + n + 1;
	return found;
}

static const char *judged_lookup(void *ctx, const char *name, bool secure)
{
	const struct judge *j = ctx;

	(void)secure;	/* the helper is never set-user-ID */
	if (option_for(j, name) != NULL ||
	    (j->environment && strncmp(name, "TCPKEEP_", 8) == 0))
		return getenv(name);
	return NULL;
}

/* The loader's rejection, as the wrapper's one line: the option the user
 * typed, or the variable when the value came from the environment. */
static void judged_reject(void *ctx, const char *var, const char *value,
			  const char *accepted)
{
	static struct tk_rules rules;	/* large; keep it off the stack */
	struct judge *j = ctx;
	const char *option = option_for(j, var);
	char buf[1024], reason[160];

	if (j->failed)
		return;
	j->failed = true;
	reason[0] = '\0';
	/* A rule list says which rule is wrong; the loader keeps only the
	 * verdict, so ask the rule parser for the reason. */
	if (accepted == tk_accepts_rules &&
	    (tk_rules_parse(value, &rules, reason, sizeof reason) == 0 ||
	     reason[0] == '\0'))
		snprintf(reason, sizeof reason, "not a rule list");
	fprintf(stderr, "%s: bad value '%s' %s %s%s%s%s: expected %s\n", tk_me,
		shown(value, buf, sizeof buf), option ? "for" : "in",
		option ? option : var, reason[0] ? " (" : "", reason,
		reason[0] ? ")" : "", accepted);
}

int validate_checks(int count, char *const *checks, bool environment)
{
	static struct tk_config cfg;	/* large; keep it off the stack */
	struct judge j = { count, checks, environment, false };

	for (int i = 0; i < count; i++) {
		const char *colon = strchr(checks[i], ':');

		if (strncmp(checks[i], "TCPKEEP_", 8) != 0 || colon == NULL ||
		    colon[1] == '\0') {
			fprintf(stderr, "%s: internal error: bad check '%s'\n",
				tk_me, checks[i]);
			return -1;
		}
	}
	tk_config_load(&cfg, judged_lookup, &j, judged_reject, &j);
	return j.failed ? -1 : 0;
}

/* What VAR accepts, in the loader's words: the loader's answer to an
 * empty value, which no variable accepts. */
struct empty {
	const char *var;
	const char *accepted;
};

static const char *empty_lookup(void *ctx, const char *name, bool secure)
{
	const struct empty *e = ctx;

	(void)secure;
	return strcmp(name, e->var) == 0 ? "" : NULL;
}

static void empty_reject(void *ctx, const char *var, const char *value,
			 const char *accepted)
{
	struct empty *e = ctx;

	(void)var;
	(void)value;
	e->accepted = accepted;
}

const char *accepted_for(const char *var)
{
	static struct tk_config cfg;
	struct empty e = { var, "a value" };

	tk_config_load(&cfg, empty_lookup, &e, empty_reject, &e);
	return e.accepted;
}
