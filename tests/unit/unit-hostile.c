/* SPDX-License-Identifier: MIT */
/* Hostile input at the unit level, no preload: every variable at
 * once with ~100 KB values and control characters, the bounds of the
 * per-descriptor table, and what a warning line can contain. */
#include "autoconfig.h"
#include "common/config.h"
#include "preload/fdstate.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/tap.h"

/* The library defines the table in descriptors.c; the unit test owns one. */
tk_fd_entry tk_fd_table[2 * TK_FDSTATE_SIZE];

static const char *const all_vars[] = {
	"TCPKEEP_ENABLE", "TCPKEEP_IDLE", "TCPKEEP_INTVL", "TCPKEEP_CNT",
	"TCPKEEP_USER_TIMEOUT", "TCPKEEP_DIRECTION", "TCPKEEP_ONLY",
	"TCPKEEP_SKIP", "TCPKEEP_FORCE", "TCPKEEP_DEBUG", "TCPKEEP_LOG",
	"TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_USER_TIMEOUT",
	"LIBKEEPALIVE_DEBUG", "DD_TCP_KEEPALIVE_TIME", "DD_TCP_KEEPALIVE_INTVL",
	"DD_TCP_KEEPALIVE_PROBES", "DD_USE_KEEPALIVE", "DD_DEBUG", "KEEPIDLE",
	"KEEPINTVL", "KEEPCNT", "KEEPALIVE", NULL
};
#define NVARS (sizeof all_vars / sizeof all_vars[0] - 1)

/* Every variable set to the same value; with SECURE_MODE the secure
 * lookup hides everything, as secure_getenv does. */
struct hostile_env {
	const char *value;
	bool secure_mode;
	unsigned lookups;
};

static const char *hostile_lookup(void *ctx, const char *name, bool secure)
{
	struct hostile_env *env = ctx;

	env->lookups++;
	if (secure && env->secure_mode)
		return NULL;
	for (size_t i = 0; i < NVARS; i++)
		if (strcmp(all_vars[i], name) == 0)
			return env->value;
	return NULL;
}

struct seen {
	unsigned count;
	unsigned per_var[NVARS];
	unsigned unknown;
	size_t longest_shown;
	unsigned control_chars;
};

static void record(void *ctx, const char *var, const char *value,
		   const char *accepted)
{
	struct seen *s = ctx;
	char shown[200];
	size_t len, i;
	bool found = false;

	(void)accepted;
	s->count++;
	for (i = 0; i < NVARS; i++)
		if (strcmp(all_vars[i], var) == 0) {
			s->per_var[i]++;
			found = true;
		}
	if (!found)
		s->unknown++;
	/* What the library's warning line shows of the value. */
	len = tk_escape_value(shown, sizeof shown, value, 64);
	if (len > s->longest_shown)
		s->longest_shown = len;
	for (i = 0; i < len; i++)
		if ((unsigned char)shown[i] < 0x20 || shown[i] == 0x7f)
			s->control_chars++;
}

static void check_all(const char *what, const char *value, bool secure)
{
	struct hostile_env env = { value, secure, 0 };
	struct seen s;
	struct tk_config cfg;
	unsigned warnings, most = 0;

	memset(&s, 0, sizeof s);
	warnings = tk_config_load(&cfg, hostile_lookup, &env, record, &s);
	for (size_t i = 0; i < NVARS; i++)
		if (s.per_var[i] > most)
			most = s.per_var[i];
	is_int(warnings, s.count, "%s: return value counts the warnings", what);
	ok(most <= 1 && s.unknown == 0,
	   "%s: at most one warning per variable (%u warnings)", what, s.count);
	/* The TCPKEEP_ names win over their aliases: 11 settings, 11
	 * warnings, none about an alias.  In secure execution every
	 * variable is ignored without a word (libtcpkeep(7), ENVIRONMENT). */
	if (secure)
		is_int(s.count, 0, "%s: no warning at all", what);
	else
		is_int(s.count, 11, "%s: one warning per setting, none for the aliases behind them", what);
	ok(cfg.enabled && cfg.idle_s == 60 && cfg.intvl_s == 10 &&
	   cfg.cnt == 6 && !cfg.user_timeout_set && !cfg.force && !cfg.debug &&
	   cfg.direction == TK_DIR_BOTH && !tk_config_has_filters(&cfg) &&
	   cfg.log == TK_LOG_STDERR,
	   "%s: every setting keeps its default", what);
	ok(s.longest_shown < 200 && s.control_chars == 0,
	   "%s: the value shown is bounded (%zu bytes) and has no control characters",
	   what, s.longest_shown);
}

static void fd_table_bounds(void)
{
	tk_fd_put(0, TK_FD_MANAGED);
	is_int(tk_fd_get(0), TK_FD_MANAGED, "fd 0: stored");
	tk_fd_put((int)TK_FDSTATE_SIZE - 1, TK_FD_NOT_TCP);
	is_int(tk_fd_get((int)TK_FDSTATE_SIZE - 1), TK_FD_NOT_TCP,
	       "fd (1<<20)-1, the last entry: stored");
	tk_fd_add_prog((int)TK_FDSTATE_SIZE - 1, TK_PROG_IDLE);
	is_int(tk_fd_get((int)TK_FDSTATE_SIZE - 1), TK_FD_NOT_TCP | TK_PROG_IDLE,
	       "fd (1<<20)-1: program bits added");
	tk_fd_put(1000000, TK_FD_PENDING);
	is_int(tk_fd_get(1000000), TK_FD_PENDING, "fd 1000000: stored");
	tk_fd_put((int)TK_FDSTATE_SIZE, TK_FD_MANAGED);
	tk_fd_add_prog((int)TK_FDSTATE_SIZE, TK_PROG_CNT);
	is_int(tk_fd_get((int)TK_FDSTATE_SIZE), TK_FD_UNSEEN,
	       "fd 1<<20, past the table: ignored, reads as never seen");
	tk_fd_put(INT_MAX, TK_FD_MANAGED);
	is_int(tk_fd_get(INT_MAX), TK_FD_UNSEEN, "fd INT_MAX: reads as never seen");
	tk_fd_put(-1, TK_FD_MANAGED);
	tk_fd_add_prog(-1, TK_PROG_CNT);
	is_int(tk_fd_get(-1), TK_FD_UNSEEN, "fd -1: reads as never seen");
	tk_fd_put(INT_MIN, TK_FD_MANAGED);
	is_int(tk_fd_get(INT_MIN), TK_FD_UNSEEN, "fd INT_MIN: reads as never seen");
}

int main(void)
{
	size_t big = 100 * 1024;
	char *huge = malloc(big + 1);
	char *huge_path = malloc(big + 1);
	char *huge_rules = malloc(big + 1);
	char *huge_digits = malloc(big + 1);
	char escaped[64];

	if (!huge || !huge_path || !huge_rules || !huge_digits)
		return 99;
	memset(huge, 'x', big);
	huge[big] = '\0';
	memset(huge_path, 'a', big);
	huge_path[0] = '/';
	huge_path[big] = '\0';
	/* "10.0.0.1," repeated: valid rules, far too many of them. */
	for (size_t i = 0; i < big; i++)
		huge_rules[i] = "10.0.0.1,"[i % 9];
	huge_rules[big] = '\0';
	memset(huge_digits, '9', big);
	huge_digits[big] = '\0';

	check_all("100 KB of 'x' in all 25 variables", huge, false);
	check_all("100 KB absolute path in all 25 variables", huge_path, false);
	check_all("100 KB of valid rules in all 25 variables", huge_rules, false);
	check_all("100 KB of digits in all 25 variables", huge_digits, false);
	check_all("control characters in all 25 variables",
		  "30\n\r\t\033[31mred\a\b\x7f\x01", false);
	check_all("a value past the end of a UTF-8 sequence",
		  "\xff\xfe\xc3", false);
	check_all("the same, set-user-ID", huge_path, true);
	check_all("empty strings in all 25 variables", "", false);

	/* The cut is announced and stays inside the buffer. */
	tk_escape_value(escaped, sizeof escaped, "\x01\x02\x03\x04\x05\x06\x07"
			"\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13", 64);
	ok(strlen(escaped) < sizeof escaped &&
	   strcmp(escaped + strlen(escaped) - 3, "...") == 0,
	   "escaping many control characters into a small buffer: cut, marked '...' (%s)",
	   escaped);
	tk_escape_value(escaped, 1, huge, 64);
	is_int(escaped[0], 0, "escaping into a 1-byte buffer gives an empty string");

	fd_table_bounds();

	free(huge);
	free(huge_path);
	free(huge_rules);
	free(huge_digits);
	return done_testing();
}
