/* SPDX-License-Identifier: MIT */
/* Every parsing rule of libtcpkeep(7), ENVIRONMENT, as tables, without
 * preloading. */
#include "autoconfig.h"
#include "common/config.h"

#include <string.h>

#include "../lib/tap.h"

struct case_int {
	const char *text;
	int ok;		/* 1: accepted with WANT, 0: rejected */
	long long want;
};

static void seconds_table(void)
{
	static const struct case_int cases[] = {
		{ "0", 0, 0 }, { "1", 1, 1 }, { "60", 1, 60 },
		{ "32767", 1, 32767 }, { "32768", 0, 0 },
		{ "1s", 1, 1 }, { "90s", 1, 90 }, { "2m", 1, 120 },
		{ "1h", 1, 3600 }, { "9h", 1, 32400 }, { "10h", 0, 0 },
		{ "1000ms", 1, 1 }, { "2000ms", 1, 2 }, { "1500ms", 0, 0 },
		{ "999ms", 0, 0 }, { "0s", 0, 0 }, { "546m", 1, 32760 },
		{ "547m", 0, 0 }, { "32767000ms", 1, 32767 },
		{ "", 0, 0 }, { "abc", 0, 0 }, { "30x", 0, 0 }, { "30 ", 0, 0 },
		{ " 30", 0, 0 }, { "-5", 0, 0 }, { "+5", 0, 0 }, { "0x10", 0, 0 },
		{ "1.5", 0, 0 }, { "30S", 0, 0 }, { "30sec", 0, 0 }, { "s", 0, 0 },
		{ "2147483648", 0, 0 },
		{ "18446744073709551615", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "99999999999999999999999h", 0, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = -7;
		int rc = tk_parse_seconds(cases[i].text, &got);

		if (cases[i].ok)
			is_int(rc == 0 ? got : -1, cases[i].want,
			       "seconds '%s' -> %lld", cases[i].text, cases[i].want);
		else
			ok(rc == -1 && got == -7, "seconds '%s' rejected, output untouched",
			   cases[i].text);
	}
	ok(tk_parse_seconds(NULL, &(int){0}) == -1, "seconds NULL rejected");
}

static void count_table(void)
{
	static const struct case_int cases[] = {
		{ "0", 0, 0 }, { "1", 1, 1 }, { "6", 1, 6 }, { "127", 1, 127 },
		{ "128", 0, 0 }, { "", 0, 0 }, { "5s", 0, 0 }, { "-1", 0, 0 },
		{ "x", 0, 0 }, { "2147483648", 0, 0 }, { "007", 1, 7 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = -7;
		int rc = tk_parse_count(cases[i].text, &got);

		if (cases[i].ok)
			is_int(rc == 0 ? got : -1, cases[i].want, "count '%s'",
			       cases[i].text);
		else
			ok(rc == -1 && got == -7, "count '%s' rejected", cases[i].text);
	}
}

static void user_timeout_table(void)
{
	static const struct case_int cases[] = {
		{ "0", 1, 0 }, { "1", 1, 1 }, { "1500", 1, 1500 },
		{ "1500ms", 1, 1500 }, { "30s", 1, 30000 }, { "2m", 1, 120000 },
		{ "1h", 1, 3600000 }, { "2147483647", 1, 2147483647LL },
		{ "2147483648", 0, 0 }, { "2147483647ms", 1, 2147483647LL },
		{ "2147484s", 0, 0 }, { "2147483s", 1, 2147483000LL },
		{ "596h", 1, 2145600000LL }, { "597h", 0, 0 },
		{ "", 0, 0 }, { "-1", 0, 0 }, { "10q", 0, 0 }, { "autox", 0, 0 },
	};
	bool is_auto;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned got = 7;
		int rc;

		is_auto = true;
		rc = tk_parse_user_timeout(cases[i].text, &got, &is_auto);
		if (cases[i].ok)
			ok(rc == 0 && !is_auto && got == (unsigned)cases[i].want,
			   "user timeout '%s' -> %lld ms", cases[i].text,
			   cases[i].want);
		else
			ok(rc == -1 && got == 7, "user timeout '%s' rejected",
			   cases[i].text);
	}
	is_auto = false;
	ok(tk_parse_user_timeout("auto", &(unsigned){0}, &is_auto) == 0 && is_auto,
	   "user timeout 'auto'");
	is_auto = false;
	ok(tk_parse_user_timeout("AUTO", &(unsigned){0}, &is_auto) == 0 && is_auto,
	   "user timeout 'AUTO'");
}

static void duration_units(void)
{
	uint64_t ms = 0;

	ok(tk_parse_duration_ms("90", TK_UNIT_S, &ms) == 0 && ms == 90000,
	   "bare number in seconds");
	ok(tk_parse_duration_ms("90", TK_UNIT_MS, &ms) == 0 && ms == 90,
	   "bare number in milliseconds");
	ok(tk_parse_duration_ms("1500ms", TK_UNIT_S, &ms) == 0 && ms == 1500,
	   "ms unit");
	ok(tk_parse_duration_ms("2m", TK_UNIT_S, &ms) == 0 && ms == 120000,
	   "m unit");
	ok(tk_parse_duration_ms("3h", TK_UNIT_MS, &ms) == 0 && ms == 10800000,
	   "h unit");
	ok(tk_parse_duration_ms("5120000000000000h", TK_UNIT_S, &ms) == -1,
	   "overflow in the unit multiplication rejected");
	ok(tk_parse_duration_ms("1d", TK_UNIT_S, &ms) == -1, "unknown unit d");
	ok(tk_parse_duration_ms("1 s", TK_UNIT_S, &ms) == -1, "space before unit");
}

static void bool_table(void)
{
	static const char *const yes[] = { "1", "on", "ON", "yes", "Yes", "true", "TRUE" };
	static const char *const no[] = { "0", "off", "Off", "no", "NO", "false", "False" };
	static const char *const bad[] = { "", "2", "y", "n", "enable", " on", "on ", "10" };
	bool v;

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		v = false;
		ok(tk_parse_bool(yes[i], &v) == 0 && v, "bool '%s' is true", yes[i]);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		v = true;
		ok(tk_parse_bool(no[i], &v) == 0 && !v, "bool '%s' is false", no[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(tk_parse_bool(bad[i], &v) == -1, "bool '%s' rejected", bad[i]);
}

/* The ASCII-only, locale-free comparison behind every keyword. */
static void word_table(void)
{
	ok(tk_word_is("SysLog", "syslog"), "word: mixed case matches");
	ok(!tk_word_is("syslo", "syslog"), "word: a prefix does not match");
	ok(!tk_word_is("syslogs", "syslog"), "word: a longer text does not match");
	ok(!tk_word_is("", "in"), "word: empty text does not match");
	ok(tk_word_is("", ""), "word: empty matches empty");
	/* '@' and '`' differ only in the bit that case folding uses. */
	ok(!tk_word_is("@", "`"), "word: '@' is not '`'");
	ok(!tk_word_is("[", "{"), "word: '[' is not '{'");
	ok(!tk_word_is("\xc9", "\xe9"), "word: bytes above ASCII are not folded");
	ok(!tk_word_is("o\x0e", "on"), "word: no folding outside letters");
}

static void direction_and_log(void)
{
	enum tk_direction d = TK_DIR_BOTH;
	enum tk_log_dest l = TK_LOG_STDERR;
	char path[32] = "";

	ok(tk_parse_direction("out", &d) == 0 && d == TK_DIR_OUT, "direction out");
	ok(tk_parse_direction("IN", &d) == 0 && d == TK_DIR_IN, "direction IN");
	ok(tk_parse_direction("both", &d) == 0 && d == TK_DIR_BOTH, "direction both");
	ok(tk_parse_direction("inbound", &d) == -1, "direction inbound rejected");
	ok(tk_parse_direction("", &d) == -1, "direction empty rejected");

	ok(tk_parse_log("syslog", &l, path, sizeof path) == 0 && l == TK_LOG_SYSLOG,
	   "log syslog");
	ok(tk_parse_log("none", &l, path, sizeof path) == 0 && l == TK_LOG_NONE,
	   "log none");
	ok(tk_parse_log("stderr", &l, path, sizeof path) == 0 && l == TK_LOG_STDERR,
	   "log stderr");
	ok(tk_parse_log("/tmp/x.log", &l, path, sizeof path) == 0 &&
	   l == TK_LOG_FILE && strcmp(path, "/tmp/x.log") == 0, "log absolute path");
	ok(tk_parse_log("x.log", &l, path, sizeof path) == -1, "log relative path rejected");
	ok(tk_parse_log("", &l, path, sizeof path) == -1, "log empty rejected");
	ok(tk_parse_log("/a/path/much/longer/than/thirty-two/bytes", &l, path,
			sizeof path) == -1, "log path longer than the buffer rejected");
}

/* A fake environment for tk_config_load. */
struct fake_env {
	const char *const *pairs;	/* name, value, name, value, ..., NULL */
	bool secure_mode;		/* as in a set-user-ID process */
};

static const char *fake_lookup(void *ctx, const char *name, bool secure)
{
	const struct fake_env *env = ctx;

	if (secure && env->secure_mode)
		return NULL;
	for (const char *const *p = env->pairs; *p != NULL; p += 2)
		if (strcmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

struct warnings {
	unsigned count;
	char last_var[64];
	char last_value[64];
	char last_accepted[256];
};

static void record_warning(void *ctx, const char *var, const char *value,
			   const char *accepted)
{
	struct warnings *w = ctx;

	w->count++;
	snprintf(w->last_var, sizeof w->last_var, "%s", var);
	snprintf(w->last_value, sizeof w->last_value, "%s", value);
	snprintf(w->last_accepted, sizeof w->last_accepted, "%s", accepted);
}

static unsigned load(struct tk_config *cfg, struct warnings *w, bool secure,
		     const char *const *pairs)
{
	struct fake_env env = { pairs, secure };

	memset(w, 0, sizeof *w);
	return tk_config_load(cfg, fake_lookup, &env, record_warning, w);
}

static void config_load(void)
{
	struct tk_config cfg;
	struct warnings w;

	{
		static const char *const env[] = { NULL };
		is_int(load(&cfg, &w, false, env), 0, "empty environment: no warning");
		ok(cfg.enabled && cfg.idle_s == 60 && cfg.intvl_s == 10 &&
		   cfg.cnt == 6 && !cfg.user_timeout_set && !cfg.debug &&
		   !cfg.force && cfg.direction == TK_DIR_BOTH &&
		   cfg.log == TK_LOG_STDERR && !tk_config_has_filters(&cfg),
		   "defaults 60 s / 10 s / 6, user timeout left to the kernel");
	}
	{
		static const char *const env[] = {
			"TCPKEEP_IDLE", "2m", "TCPKEEP_INTVL", "5s",
			"TCPKEEP_CNT", "3", "TCPKEEP_USER_TIMEOUT", "auto",
			"TCPKEEP_DEBUG", "yes", NULL };
		is_int(load(&cfg, &w, false, env), 0, "valid values: no warning");
		ok(cfg.idle_s == 120 && cfg.intvl_s == 5 && cfg.cnt == 3 &&
		   cfg.debug, "values taken");
		ok(cfg.user_timeout_set && cfg.user_timeout_auto &&
		   cfg.user_timeout_ms == 135000,
		   "auto = (IDLE + INTVL x CNT) in ms = 135000");
	}
	{
		static const char *const env[] = {
			"TCPKEEP_IDLE", "32767", "TCPKEEP_INTVL", "32767",
			"TCPKEEP_CNT", "127", "TCPKEEP_USER_TIMEOUT", "auto", NULL };
		load(&cfg, &w, false, env);
		is_int(cfg.user_timeout_ms, 2147483647,
		       "auto past INT_MAX ms is clamped to 2147483647");
	}
	{
		static const char *const env[] = {
			"TCPKEEP_IDLE", "abc", "TCPKEEP_CNT", "6", NULL };
		is_int(load(&cfg, &w, false, env), 1, "one bad value: one warning");
		ok(strcmp(w.last_var, "TCPKEEP_IDLE") == 0 &&
		   strcmp(w.last_value, "abc") == 0 &&
		   strstr(w.last_accepted, "32767") != NULL,
		   "warning names variable, value and what is accepted");
		is_int(cfg.idle_s, 60, "bad value keeps the default");
	}
	{
		static const char *const env[] = {
			"TCPKEEP_ENABLE", "maybe", "TCPKEEP_IDLE", "0",
			"TCPKEEP_INTVL", "32768", "TCPKEEP_CNT", "128",
			"TCPKEEP_USER_TIMEOUT", "2147483648",
			"TCPKEEP_DIRECTION", "sideways", "TCPKEEP_FORCE", "",
			"TCPKEEP_DEBUG", "2", "TCPKEEP_LOG", "relative.log", NULL };
		is_int(load(&cfg, &w, false, env), 9,
		       "nine bad values: nine warnings");
		ok(cfg.enabled && cfg.idle_s == 60 && cfg.intvl_s == 10 &&
		   cfg.cnt == 6 && !cfg.user_timeout_set &&
		   cfg.direction == TK_DIR_BOTH && !cfg.force && !cfg.debug &&
		   cfg.log == TK_LOG_STDERR, "every bad value keeps its default");
	}
	{
		static const char *const env[] = { "TCPKEEP_ENABLE", "off", NULL };
		load(&cfg, &w, false, env);
		ok(!cfg.enabled, "TCPKEEP_ENABLE=off");
	}
	{
		static const char *const env[] = {
			"TCPKEEP_LOG", "/tmp/tcpkeep.log", NULL };
		load(&cfg, &w, false, env);
		ok(cfg.log == TK_LOG_FILE &&
		   strcmp(cfg.log_path, "/tmp/tcpkeep.log") == 0,
		   "TCPKEEP_LOG file path honoured normally");
		is_int(load(&cfg, &w, true, env), 0,
		       "TCPKEEP_LOG file path in a secure-execution process: no warning");
		ok(cfg.log == TK_LOG_STDERR && cfg.log_path[0] == '\0',
		   "and not honoured (stderr)");
	}
}

/* libtcpkeep(7), ENVIRONMENT: a secure-execution process takes nothing from its
 * environment but a master switch that turns the library off. */
static void secure_execution(void)
{
	struct tk_config cfg;
	struct warnings w;

	{
		static const char *const env[] = {
			"TCPKEEP_DEBUG", "1", "TCPKEEP_FORCE", "1",
			"TCPKEEP_IDLE", "5", "TCPKEEP_INTVL", "2",
			"TCPKEEP_CNT", "1", "TCPKEEP_USER_TIMEOUT", "1",
			"TCPKEEP_DIRECTION", "in", "TCPKEEP_ONLY", "10.0.0.0/8",
			"TCPKEEP_SKIP", "loopback", "TCPKEEP_LOG", "none",
			"TCPKEEP_ENABLE", "1", NULL };
		is_int(load(&cfg, &w, true, env), 0,
		       "secure: every TCPKEEP_ variable ignored without a word");
		ok(cfg.enabled && cfg.idle_s == 60 && cfg.intvl_s == 10 &&
		   cfg.cnt == 6 && cfg.idle_set && cfg.intvl_set &&
		   cfg.cnt_set && !cfg.user_timeout_set && !cfg.debug &&
		   !cfg.force && cfg.direction == TK_DIR_BOTH &&
		   !tk_config_has_filters(&cfg) && cfg.log == TK_LOG_STDERR,
		   "secure: the defaults, no debug, no force, stderr");
	}
	{
		static const char *const env[] = {
			"LIBKEEPALIVE_DEBUG", "1", "TCP_KEEPIDLE", "0",
			"TCP_USER_TIMEOUT", "-1", "DD_TCP_KEEPALIVE_TIME", "7",
			"KEEPCNT", "2", NULL };
		is_int(load(&cfg, &w, true, env), 0,
		       "secure: aliases ignored without a word");
		ok(!cfg.debug && cfg.idle_set && cfg.idle_s == 60 &&
		   cfg.cnt == 6 && !cfg.user_timeout_set,
		   "secure: LIBKEEPALIVE_DEBUG, TCP_KEEPIDLE=0, -1 and the rest ignored");
	}
	{
		static const char *const env[] = { "DD_DEBUG", "1", NULL };
		load(&cfg, &w, true, env);
		ok(!cfg.debug, "secure: DD_DEBUG=1 ignored");
	}
	{
		static const char *const env[] = { "TCPKEEP_ENABLE", "0", NULL };
		load(&cfg, &w, true, env);
		ok(!cfg.enabled, "secure: TCPKEEP_ENABLE=0 turns it off");
	}
	{
		static const char *const env[] = { "DD_USE_KEEPALIVE", "0", NULL };
		load(&cfg, &w, true, env);
		ok(!cfg.enabled, "secure: DD_USE_KEEPALIVE=0 turns it off");
	}
	{
		static const char *const env[] = { "KEEPALIVE", "skip", NULL };
		load(&cfg, &w, true, env);
		ok(!cfg.enabled, "secure: KEEPALIVE=skip turns it off");
	}
	{
		static const char *const env[] = {
			"TCPKEEP_ENABLE", "yes", "KEEPALIVE", "off", NULL };
		load(&cfg, &w, true, env);
		ok(cfg.enabled, "secure: TCPKEEP_ENABLE=yes still wins over KEEPALIVE=off");
	}
	{
		static const char *const env[] = {
			"TCPKEEP_ENABLE", "maybe", NULL };
		is_int(load(&cfg, &w, true, env), 0,
		       "secure: a bad TCPKEEP_ENABLE is ignored without a word");
		ok(cfg.enabled, "secure: and the library stays on");
	}
}

static void aliases(void)
{
	struct tk_config cfg;
	struct warnings w;

	{
		static const char *const env[] = {
			"TCP_KEEPIDLE", "7", "TCP_KEEPINTVL", "8", "TCP_KEEPCNT", "9",
			"TCP_USER_TIMEOUT", "1234", "LIBKEEPALIVE_DEBUG", "1", NULL };
		load(&cfg, &w, false, env);
		ok(cfg.idle_s == 7 && cfg.intvl_s == 8 && cfg.cnt == 9 &&
		   cfg.user_timeout_set && cfg.user_timeout_ms == 1234 &&
		   cfg.debug, "libkeepalive (Santos) variables");
		ok(cfg.idle_from && strcmp(cfg.idle_from, "TCP_KEEPIDLE") == 0,
		   "source of idle recorded as TCP_KEEPIDLE");
	}
	{
		static const char *const env[] = {
			"DD_TCP_KEEPALIVE_TIME", "11", "DD_TCP_KEEPALIVE_INTVL", "12",
			"DD_TCP_KEEPALIVE_PROBES", "13", "DD_DEBUG", "1", NULL };
		load(&cfg, &w, false, env);
		ok(cfg.idle_s == 11 && cfg.intvl_s == 12 && cfg.cnt == 13 &&
		   cfg.debug && cfg.enabled, "libdontdie variables");
	}
	{
		static const char *const env[] = { "DD_USE_KEEPALIVE", "0", NULL };
		load(&cfg, &w, false, env);
		ok(!cfg.enabled, "DD_USE_KEEPALIVE=0 disables");
	}
	{
		static const char *const env[] = {
			"KEEPIDLE", "21", "KEEPINTVL", "22", "KEEPCNT", "23", NULL };
		load(&cfg, &w, false, env);
		ok(cfg.idle_s == 21 && cfg.intvl_s == 22 && cfg.cnt == 23,
		   "original libkeepalive variables");
	}
	{
		static const char *const env[] = { "KEEPALIVE", "off", NULL };
		load(&cfg, &w, false, env);
		ok(!cfg.enabled, "KEEPALIVE=off disables");
	}
	{
		static const char *const env[] = {
			"TCPKEEP_IDLE", "31", "TCP_KEEPIDLE", "32",
			"DD_TCP_KEEPALIVE_TIME", "33", "KEEPIDLE", "34",
			"DD_TCP_KEEPALIVE_INTVL", "35", "KEEPINTVL", "36",
			"KEEPCNT", "37", "TCPKEEP_ENABLE", "1", "KEEPALIVE", "off",
			NULL };
		load(&cfg, &w, false, env);
		ok(cfg.idle_s == 31 && cfg.intvl_s == 35 && cfg.cnt == 37 &&
		   cfg.enabled, "precedence: TCPKEEP_, then Santos, libdontdie, original");
	}
	{
		static const char *const env[] = {
			"TCP_KEEPIDLE", "bogus", "DD_TCP_KEEPALIVE_TIME", "40", NULL };
		is_int(load(&cfg, &w, false, env), 1, "bad alias value warned");
		ok(cfg.idle_s == 60 && strcmp(w.last_var, "TCP_KEEPIDLE") == 0,
		   "the set alias wins even when bad: default kept, later alias unused");
	}
}

/* libtcpkeep(7), ENVIRONMENT: an alias value means what the earlier library
 * documented. */
static void alias_meanings(void)
{
	struct tk_config cfg;
	struct warnings w;

	{
		static const char *const env[] = { "TCP_KEEPIDLE", "0", NULL };
		is_int(load(&cfg, &w, false, env), 0, "TCP_KEEPIDLE=0: no warning");
		ok(!cfg.idle_set && cfg.intvl_set && cfg.cnt_set &&
		   cfg.idle_from != NULL &&
		   strcmp(cfg.idle_from, "TCP_KEEPIDLE") == 0,
		   "TCP_KEEPIDLE=0 (Santos): idle left at the system default");
	}
	{
		static const char *const env[] = {
			"TCP_KEEPINTVL", "0", "TCP_KEEPCNT", "00", NULL };
		is_int(load(&cfg, &w, false, env), 0,
		       "TCP_KEEPINTVL=0 TCP_KEEPCNT=00: no warning");
		ok(cfg.idle_set && !cfg.intvl_set && !cfg.cnt_set && cfg.idle_s == 60,
		   "TCP_KEEPINTVL=0, TCP_KEEPCNT=00: left at the system default");
	}
	{
		static const char *const env[] = { "TCP_USER_TIMEOUT", "-1", NULL };
		is_int(load(&cfg, &w, false, env), 0, "TCP_USER_TIMEOUT=-1: no warning");
		ok(cfg.user_timeout_set && cfg.user_timeout_auto &&
		   cfg.user_timeout_ms == 120000,
		   "TCP_USER_TIMEOUT=-1 (Santos) = auto = (60 + 10 x 6) s");
	}
	{
		static const char *const env[] = {
			"TCP_KEEPIDLE", "0", "TCP_KEEPCNT", "0",
			"TCP_USER_TIMEOUT", "-1", NULL };
		load(&cfg, &w, false, env);
		is_int(cfg.user_timeout_ms, (7200 + 10 * 9) * 1000,
		       "auto counts an unset option with the kernel's default (7200 s, 9)");
	}
	{
		static const char *const env[] = { "KEEPALIVE", "skip", NULL };
		is_int(load(&cfg, &w, false, env), 0, "KEEPALIVE=skip: no warning");
		ok(!cfg.enabled, "KEEPALIVE=skip (HOWTO) leaves sockets alone like off");
	}
	{
		static const char *const env[] = { "KEEPALIVE", "SKIP", NULL };
		load(&cfg, &w, false, env);
		ok(!cfg.enabled, "KEEPALIVE=SKIP: any case, as the other words");
	}
	/* Values none of the earlier libraries accepted: warned as before. */
	{
		static const char *const env[] = { "TCPKEEP_ENABLE", "skip", NULL };
		is_int(load(&cfg, &w, false, env), 1, "TCPKEEP_ENABLE=skip warned");
		ok(cfg.enabled, "TCPKEEP_ENABLE=skip: stays on");
	}
	{
		static const char *const env[] = { "DD_USE_KEEPALIVE", "skip", NULL };
		is_int(load(&cfg, &w, false, env), 1, "DD_USE_KEEPALIVE=skip warned");
	}
	{
		static const char *const env[] = { "KEEPALIVE", "maybe", NULL };
		is_int(load(&cfg, &w, false, env), 1, "KEEPALIVE=maybe warned");
		ok(strstr(w.last_accepted, "skip") != NULL,
		   "and the warning says skip is accepted: %s", w.last_accepted);
	}
	{
		static const char *const env[] = {
			"TCPKEEP_IDLE", "0", "KEEPIDLE", "0",
			"DD_TCP_KEEPALIVE_INTVL", "0", "KEEPCNT", "0",
			"TCPKEEP_USER_TIMEOUT", "-1", NULL };
		is_int(load(&cfg, &w, false, env), 4,
		       "0 in TCPKEEP_IDLE, DD_TCP_KEEPALIVE_INTVL, KEEPCNT and -1 in TCPKEEP_USER_TIMEOUT: warned");
		ok(cfg.idle_set && cfg.intvl_set && cfg.cnt_set &&
		   cfg.idle_s == 60 && cfg.intvl_s == 10 && cfg.cnt == 6 &&
		   !cfg.user_timeout_set, "and the defaults kept");
	}
	{
		static const char *const env[] = {
			"TCP_KEEPIDLE", "0s", "TCP_KEEPINTVL", "-1",
			"TCP_KEEPCNT", " 0", "TCP_USER_TIMEOUT", "-2", NULL };
		is_int(load(&cfg, &w, false, env), 4,
		       "TCP_KEEPIDLE=0s, TCP_KEEPINTVL=-1, TCP_KEEPCNT=' 0', TCP_USER_TIMEOUT=-2: warned");
		ok(cfg.idle_set && cfg.intvl_set && cfg.cnt_set &&
		   !cfg.user_timeout_set, "and the defaults kept");
	}
}

static void escaping(void)
{
	char out[64];

	tk_escape_value(out, sizeof out, "a\nb'c\\", 64);
	ok(strcmp(out, "a\\x0ab\\x27c\\x5c") == 0, "control characters and quotes escaped: %s", out);
	tk_escape_value(out, sizeof out, "0123456789", 4);
	ok(strcmp(out, "0123...") == 0, "long values cut with ...: %s", out);
	tk_escape_value(out, 8, "0123456789", 64);
	ok(strlen(out) < 8, "never past the buffer: %s", out);
}

/* Every name the loader asks for must be in tk_config_names, or the
 * library's one-pass environment scan would never find it. */
static unsigned unknown_names;

static const char *listing_lookup(void *ctx, const char *name, bool secure)
{
	const char *const *n;

	(void)ctx;
	(void)secure;
	for (n = tk_config_names; *n != NULL; n++)
		if (strcmp(*n, name) == 0)
			break;
	if (*n == NULL) {
		diag("asked for %s, not in tk_config_names", name);
		unknown_names++;
	}
	/* A value for everything, so that every branch asks its names. */
	return strcmp(name, "TCPKEEP_LOG") == 0 ? "/x" : "1";
}

static void environment_scan(void)
{
	const char *const envp[] = {
		"PATH=/bin", "TCPKEEP_IDLE=30", "TCPKEEP_IDLEX=99",
		"TCPKEEP_INTVL", "TERM=xterm", "KEEPCNT=4", "TCPKEEP_IDLE=31",
		"DD_DEBUG=", "LD_PRELOAD=/x.so", "KEEPCNT=5", NULL
	};
	struct tk_env env;
	struct tk_config cfg;
	struct warnings w;

	unknown_names = 0;
	memset(&w, 0, sizeof w);
	tk_config_load(&cfg, listing_lookup, NULL, record_warning, &w);
	is_int(unknown_names, 0, "every variable the loader reads is listed");

	tk_env_scan(&env, envp);
	ok(strcmp(tk_env_snapshot_lookup(&env, "TCPKEEP_IDLE", false), "30") == 0,
	   "first occurrence wins, as with getenv");
	ok(tk_env_snapshot_lookup(&env, "TCPKEEP_INTVL", false) == NULL,
	   "an entry without '=' is not a value");
	ok(strcmp(tk_env_snapshot_lookup(&env, "KEEPCNT", false), "4") == 0,
	   "alias found, first occurrence");
	ok(strcmp(tk_env_snapshot_lookup(&env, "DD_DEBUG", false), "") == 0,
	   "empty value is a value");
	ok(tk_env_snapshot_lookup(&env, "TCPKEEP_CNT", false) == NULL,
	   "unset name is NULL");
	ok(tk_env_snapshot_lookup(&env, "TCPKEEP_IDLEX", false) == NULL &&
	   tk_env_snapshot_lookup(&env, "PATH", false) == NULL,
	   "names tcpkeep does not read are not answered");
	tk_env_scan(&env, NULL);
	ok(tk_env_snapshot_lookup(&env, "TCPKEEP_IDLE", false) == NULL,
	   "no environment at all");
}

/* What the scan must find for one entry: the name of tk_config_names it
 * starts with, followed by '=' (the plain search, name by name). */
static int reference_name(const char *entry)
{
	for (int n = 0; tk_config_names[n] != NULL; n++) {
		size_t len = strlen(tk_config_names[n]);

		if (strncmp(entry, tk_config_names[n], len) == 0 &&
		    entry[len] == '=')
			return n;
	}
	return -1;
}

/* The index the scan gives ENTRY alone, -1 for none; *VALUE its value. */
static int scanned_name(const char *entry, const char **value)
{
	const char *envp[] = { entry, NULL };
	struct tk_env env;

	tk_env_scan_as(&env, envp, false);
	*value = NULL;
	if (env.count == 0)
		return -1;
	*value = env.value[env.found[0]];
	return env.count == 1 ? env.found[0] : -2;
}

/* The scan compares an entry only with the names of its start (TCPKEEP_,
 * TCP_, DD_, KEEP, LIBKEEPALIVE_): every name, each of its prefixes, the
 * name with more after it and with each byte changed must come out as the
 * plain search says. */
static void environment_names(void)
{
	static const char swaps[] = "TCPKEDL_=aSz\001";
	static const char *const tails[] = {
		"=", "=1", "==", "X=1", "_=1", "_IDLE=2", "", "E",
	};
	unsigned checked = 0, wrong = 0, found = 0;
	bool rows = true;

	for (int n = 0; n < TK_CONFIG_NAME_COUNT; n++) {
		const char *name = tk_config_names[n];
		size_t len = strlen(name);
		char entry[64];
		const char *value;

		rows &= name == tk_config_name_text[n] &&
			len < TK_CONFIG_NAME_SIZE;
		/* The name itself, with a value. */
		snprintf(entry, sizeof entry, "%s=v%d", name, n);
		if (scanned_name(entry, &value) == n && value == entry + len + 1)
			found++;
		else
			diag("%s not found by the scan", entry);
		/* Its prefixes, with and without '=', and with tails. */
		for (size_t cut = 0; cut <= len; cut++) {
			for (size_t t = 0; t < sizeof tails / sizeof tails[0];
			     t++) {
				int got;

				snprintf(entry, sizeof entry, "%.*s%s",
					 (int)cut, name, tails[t]);
				got = scanned_name(entry, &value);
				checked++;
				if (got != reference_name(entry) ||
				    (got >= 0 && value != entry +
				     strlen(tk_config_names[got]) + 1)) {
					diag("scan of '%s' gave %d", entry, got);
					wrong++;
				}
			}
		}
		/* Each byte changed. */
		for (size_t at = 0; at < len; at++) {
			for (size_t k = 0; k < sizeof swaps - 1; k++) {
				int got;

				snprintf(entry, sizeof entry, "%s=x", name);
				entry[at] = swaps[k];
				got = scanned_name(entry, &value);
				checked++;
				if (got != reference_name(entry)) {
					diag("scan of '%s' gave %d", entry, got);
					wrong++;
				}
			}
		}
	}
	ok(rows, "every name is its row of characters, with its NUL");
	is_int(found, TK_CONFIG_NAME_COUNT, "every name is found by the scan");
	is_int(wrong, 0, "%u prefixes, extensions and near misses: as the plain search", checked);
}

/* 32 repeated entries passed by a raw execve once made a later
 * TCPKEEP_SKIP invisible.  Every name must get what getenv() would find,
 * however many entries come first. */
static void environment_many(void)
{
	enum { REPEATS = 5000 };
	static char entries[REPEATS][24];
	static const char *envp[REPEATS + 8];
	struct tk_env env;
	struct tk_config cfg;
	struct warnings w;
	unsigned n = 0;

	for (unsigned i = 0; i < REPEATS; i++) {
		snprintf(entries[i], sizeof entries[i], "%s=%u",
			 i % 2 ? "TCPKEEP_CNT" : "KEEPIDLE", 3 + i % 100);
		envp[n++] = entries[i];
	}
	envp[n++] = "TCPKEEP_SKIP=loopback";
	envp[n++] = "TCPKEEP_IDLE=44";
	envp[n++] = "TCPKEEP_CNT=99";
	envp[n] = NULL;

	tk_env_scan(&env, envp);
	ok(tk_env_snapshot_lookup(&env, "TCPKEEP_SKIP", false) != NULL &&
	   strcmp(tk_env_snapshot_lookup(&env, "TCPKEEP_SKIP", false),
		  "loopback") == 0,
	   "TCPKEEP_SKIP after %u matching entries is found", REPEATS);
	memset(&w, 0, sizeof w);
	is_int(tk_config_load(&cfg, tk_env_snapshot_lookup, &env,
			      record_warning, &w), 0,
	       "loading that environment: no warning");
	ok(cfg.have_skip && cfg.skip.count == 1, "TCPKEEP_SKIP=loopback in force");
	is_int(cfg.idle_s, 44, "TCPKEEP_IDLE after them is found");
	is_int(cfg.cnt, 4, "TCPKEEP_CNT: the first of its 2501 entries wins (4)");
	for (unsigned i = 0; i < 40; i++)
		envp[i] = "TCPKEEP_CNT=7";
	envp[40] = "TCPKEEP_SKIP=10.0.0.0/8";
	envp[41] = NULL;
	tk_env_scan(&env, envp);
	ok(tk_env_snapshot_lookup(&env, "TCPKEEP_SKIP", false) != NULL,
	   "40 TCPKEEP_CNT entries then TCPKEEP_SKIP (the reported case)");
	ok(strcmp(tk_env_snapshot_lookup(&env, "TCPKEEP_CNT", false), "7") == 0,
	   "and TCPKEEP_CNT is 7");
}

/* The snapshot answers by index (tk_config_apply_found): the same
 * settings, sources and warnings as a lookup by name over the same
 * variables, in a plain and in a secure-execution process. */
static bool same_config(const struct tk_config *a, const struct tk_config *b)
{
	const char *const fa[] = {
		a->idle_from, a->intvl_from, a->cnt_from, a->user_timeout_from,
		a->syncnt_from, a->maxseg_from, a->window_clamp_from,
		a->defer_accept_from,
	};
	const char *const fb[] = {
		b->idle_from, b->intvl_from, b->cnt_from, b->user_timeout_from,
		b->syncnt_from, b->maxseg_from, b->window_clamp_from,
		b->defer_accept_from,
	};

	for (size_t i = 0; i < sizeof fa / sizeof fa[0]; i++)
		if ((fa[i] == NULL) != (fb[i] == NULL) ||
		    (fa[i] != NULL && strcmp(fa[i], fb[i]) != 0))
			return false;
	return a->enabled == b->enabled && a->idle_set == b->idle_set &&
	       a->idle_s == b->idle_s && a->intvl_set == b->intvl_set &&
	       a->intvl_s == b->intvl_s && a->cnt_set == b->cnt_set &&
	       a->cnt == b->cnt && a->user_timeout_set == b->user_timeout_set &&
	       a->user_timeout_auto == b->user_timeout_auto &&
	       a->user_timeout_ms == b->user_timeout_ms &&
	       a->syncnt_set == b->syncnt_set && a->syncnt == b->syncnt &&
	       a->maxseg_set == b->maxseg_set && a->maxseg == b->maxseg &&
	       a->window_clamp_set == b->window_clamp_set &&
	       a->defer_accept_set == b->defer_accept_set &&
	       a->direction == b->direction && a->have_only == b->have_only &&
	       a->have_skip == b->have_skip &&
	       (!a->have_only || a->only.count == b->only.count) &&
	       (!a->have_skip || a->skip.count == b->skip.count) &&
	       a->force == b->force && a->debug == b->debug &&
	       a->log == b->log && strcmp(a->log_path, b->log_path) == 0 &&
	       a->behind_s == b->behind_s;
}

static void snapshot_by_index(void)
{
	static const char *const cases[][13] = {
		{ NULL },
		{ "TCPKEEP_CONFIG", "/etc/x.conf", NULL },
		{ "TCPKEEP_IDLE", "30", "TCP_KEEPIDLE", "40", "KEEPCNT", "0",
		  "TCP_KEEPINTVL", "0", NULL },
		{ "TCPKEEP_ENABLE", "0", "TCPKEEP_IDLE", "5", "TCPKEEP_LOG",
		  "/tmp/x.log", "TCPKEEP_DEBUG", "1", NULL },
		{ "KEEPALIVE", "skip", "DD_DEBUG", "yes", "TCP_USER_TIMEOUT", "-1",
		  "TCP_SYNCNT", "0", "TCP_MAXSEG", "0", NULL },
		{ "TCPKEEP_ENABLE", "maybe", "TCPKEEP_SKIP", "bad/rule",
		  "TCPKEEP_BEHIND", "1", "TCP_WINDOW_CLAMP", "x", NULL },
		{ "TCPKEEP_BEHIND", "aws-nlb", "TCPKEEP_INTVL", "3",
		  "TCPKEEP_ONLY", ":80 loopback", "TCPKEEP_DIRECTION", "in",
		  "TCPKEEP_FORCE", "yes", "TCPKEEP_SYNCNT", "2", NULL },
		{ "DD_USE_KEEPALIVE", "no", "TCP_DEFER_ACCEPT", "5",
		  "LIBKEEPALIVE_DEBUG", "x", "DD_TCP_KEEPALIVE_PROBES", "200",
		  NULL },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int secure = 0; secure <= 1; secure++) {
			static struct tk_config by_name, by_index;
			struct fake_env fake = { cases[i], secure };
			const char *envp[8];
			char entries[6][64];
			struct warnings wn, wi;
			struct tk_env env;
			unsigned n = 0, un, ui;

			for (const char *const *p = cases[i]; *p != NULL; p += 2) {
				snprintf(entries[n], sizeof entries[n], "%s=%s",
					 p[0], p[1]);
				envp[n] = entries[n];
				n++;
			}
			envp[n] = NULL;
			tk_env_scan(&env, envp);
			env.secure = secure;
			memset(&wn, 0, sizeof wn);
			memset(&wi, 0, sizeof wi);
			un = tk_config_load(&by_name, fake_lookup, &fake,
					    record_warning, &wn);
			ui = tk_config_load(&by_index, tk_env_snapshot_lookup,
					    &env, record_warning, &wi);
			ok(un == ui && wn.count == wi.count &&
			   strcmp(wn.last_var, wi.last_var) == 0 &&
			   strcmp(wn.last_value, wi.last_value) == 0 &&
			   same_config(&by_name, &by_index),
			   "snapshot case %zu%s: as the lookup by name (%u warnings)",
			   i, secure ? ", secure" : "", ui);
		}
	}
}

int main(void)
{
	seconds_table();
	count_table();
	user_timeout_table();
	duration_units();
	bool_table();
	word_table();
	direction_and_log();
	config_load();
	secure_execution();
	aliases();
	alias_meanings();
	escaping();
	environment_scan();
	environment_names();
	environment_many();
	snapshot_by_index();
	return done_testing();
}
