/* SPDX-License-Identifier: MIT */
/* The configuration file's parser and layers (src/common/conffile.c), as
 * tables: file text, program, environment -> values and problems.  The
 * files the reader refuses (owner, mode, kind, size) are in
 * tests/preload/conffile.tap, which makes them. */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/behind.h"
#include "common/conffile.h"
#include "tk-paths.h"
#include "../lib/tap.h"

static struct tk_conf conf;

struct env {
	const char *const *pairs;
	bool secure;
};

static const char *env_lookup(void *ctx, const char *name, bool secure)
{
	const struct env *e = ctx;

	if (secure && e->secure)
		return NULL;
	for (const char *const *p = e->pairs; p != NULL && *p != NULL; p += 2)
		if (strcmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

/* TEXT as if read from "/etc/tcpkeep.conf", for PROGRAM, under ENV. */
static unsigned load(const char *text, const char *program,
		     const char *const *env, bool secure,
		     struct tk_config *cfg)
{
	struct env e = { env, secure };

	memset(&conf, 0, sizeof conf);
	conf.path = "/etc/tcpkeep.conf";
	conf.state = TK_CONF_LOADED;
	conf.secure = secure;
	conf.program = program;
	conf.len = strlen(text);
	memcpy(conf.text, text, conf.len + 1);
	tk_config_defaults(cfg);
	tk_conf_parse(&conf);
	tk_conf_apply(&conf, cfg, NULL);
	(void)tk_config_apply(cfg, env_lookup, &e, NULL, NULL, NULL);
	tk_config_finish(cfg);
	return conf.problems;
}

static const char example[] =
	"# the example of libtcpkeep(7)\n"
	"[defaults]\n"
	"idle = 4m\n"
	"interval = 15s\n"
	"count = 4\n"
	"user_timeout = auto\n"
	"skip = loopback\n"
	"\n"
	"[program /usr/sbin/sshd]\n"
	"enable = no\n"
	"\n"
	"[program redis-server]\n"
	"idle = 30s   # trailing comment\n"
	"only = :6379\n";

static void sections(void)
{
	struct tk_config cfg;

	is_int(load(example, "", NULL, false, &cfg), 0, "example: no problem");
	ok(cfg.enabled && cfg.idle_s == 240 && cfg.intvl_s == 15 &&
	   cfg.cnt == 4 && cfg.user_timeout_set &&
	   cfg.user_timeout_ms == (240 + 15 * 4) * 1000 && cfg.have_skip &&
	   !cfg.have_only, "[defaults] for a plain process");

	load(example, "/usr/sbin/sshd", NULL, false, &cfg);
	ok(!cfg.enabled && cfg.idle_s == 240, "[program /usr/sbin/sshd]: off");
	load(example, "/opt/sshd", NULL, false, &cfg);
	ok(cfg.enabled, "a path section matches only that path");

	load(example, "/usr/bin/redis-server", NULL, false, &cfg);
	ok(cfg.enabled && cfg.idle_s == 30 && cfg.intvl_s == 15 &&
	   cfg.have_only && cfg.have_skip &&
	   cfg.user_timeout_ms == (30 + 15 * 4) * 1000,
	   "[program redis-server] by base name, on top of [defaults]; auto counts the section's idle");

	{
		static const char text[] =
			"[program /usr/bin/x]\nidle = 11\n"
			"[program x]\nidle = 22\ncount = 3\n";

		load(text, "/usr/bin/x", NULL, false, &cfg);
		ok(cfg.idle_s == 11 && cfg.cnt == 3,
		   "a path section wins over a base-name section, whatever the order");
	}
	{
		static const char text[] = "idle = 33\n[defaults]\ncnt = 2\n";

		is_int(load(text, "", NULL, false, &cfg), 0,
		       "keys before any section: no problem");
		ok(cfg.idle_s == 33 && cfg.cnt == 2, "... they are [defaults]");
	}
	{
		static const char text[] = "[defaults]\nidle = 10\nidle = 20\n";

		load(text, "", NULL, false, &cfg);
		is_int(cfg.idle_s, 20, "a key given twice: the later line");
	}
	{
		static const char text[] =
			"[defaults]\r\n  IDLE\t=\t45s  \r\n";

		is_int(load(text, "", NULL, false, &cfg), 0,
		       "CRLF, tabs, upper-case key");
		is_int(cfg.idle_s, 45, "... read");
	}
}

/* TCPKEEP_SYNCNT's keys, syncnt and syn_retries (as --syn-retries says
 * it); libkeepalive's variables are no keys. */
static void syncnt(void)
{
	struct tk_config cfg;
	static const char *const env[] = { "TCPKEEP_SYNCNT", "9", NULL };
	static const char *const alias[] = { "TCP_SYNCNT", "8", NULL };

	is_int(load("[defaults]\nsyncnt = 3\n", "", NULL, false, &cfg), 0,
	       "syncnt = 3: no problem");
	ok(cfg.syncnt_set && cfg.syncnt == 3, "syncnt = 3 sets TCP_SYNCNT 3");
	is_int(load("[program x]\nsyn_retries = 4\n", "/bin/x", NULL, false,
		    &cfg), 0, "syn_retries = 4: no problem");
	ok(cfg.syncnt_set && cfg.syncnt == 4, "syn_retries = 4 sets TCP_SYNCNT 4");
	load("syncnt = 3\n", "", env, false, &cfg);
	is_int(cfg.syncnt, 9, "TCPKEEP_SYNCNT over the file");
	load("syncnt = 3\n", "", alias, false, &cfg);
	is_int(cfg.syncnt, 8, "libkeepalive's TCP_SYNCNT is the environment too");
	is_int(load("syncnt = 128\n", "", NULL, false, &cfg), 1,
	       "syncnt = 128: out of range, one problem");
	ok(!cfg.syncnt_set, "... left to the kernel");
	for (const char *const *k = (const char *const[]){
		     "tcp_syncnt", "tcp_maxseg", "tcp_window_clamp",
		     "tcp_defer_accept", "maxseg", "config", NULL };
	     *k != NULL; k++) {
		char text[64];

		snprintf(text, sizeof text, "%s = 5\n", *k);
		load(text, "", NULL, false, &cfg);
		ok(conf.problems == 1 && conf.problem[0].reason != NULL &&
		   strcmp(conf.problem[0].reason, "unknown key") == 0 &&
		   !cfg.syncnt_set && !cfg.maxseg_set && !cfg.window_clamp_set &&
		   !cfg.defer_accept_set, "%s is no key", *k);
	}
}

static void precedence(void)
{
	struct tk_config cfg;
	static const char text[] =
		"[defaults]\nidle = 100\nintvl = 20\ncnt = 5\n"
		"[program prog]\nidle = 200\nintvl = 30\n"
		"[program /bin/prog]\nidle = 300\n";
	static const char *const env[] = { "TCPKEEP_IDLE", "400", NULL };
	static const char *const alias[] = { "TCP_KEEPINTVL", "40", NULL };
	static const char *const bad[] = { "TCPKEEP_IDLE", "abc", NULL };

	load(text, "/bin/prog", env, false, &cfg);
	ok(cfg.idle_s == 400 && cfg.intvl_s == 30 && cfg.cnt == 5,
	   "environment > [program PATH] > [program NAME] > [defaults]");
	load(text, "/bin/prog", alias, false, &cfg);
	ok(cfg.idle_s == 300 && cfg.intvl_s == 40,
	   "an earlier library's alias is the environment too");
	load(text, "/bin/prog", bad, false, &cfg);
	is_int(cfg.idle_s, 300, "a refused variable leaves the file's value");
	load(text, "/bin/prog", env, true, &cfg);
	is_int(cfg.idle_s, 300,
	       "secure execution: the environment ignored, the file applies");
}

static void secure(void)
{
	struct tk_config cfg;
	static const char text[] =
		"[defaults]\ndebug = yes\nlog = /tmp/x.log\nforce = yes\nidle = 9\n";

	load(text, "", NULL, false, &cfg);
	ok(cfg.debug && cfg.log == TK_LOG_FILE && cfg.force && cfg.idle_s == 9,
	   "debug, log, force from the file");
	load(text, "", NULL, true, &cfg);
	ok(!cfg.debug && cfg.log == TK_LOG_STDERR && cfg.force &&
	   cfg.idle_s == 9, "secure execution: no debug or log, the rest applies");
}

struct bad_case {
	const char *text;
	unsigned line;
	const char *message;	/* what tk_conf_message() starts with */
};

static void problems(void)
{
	static const struct bad_case cases[] = {
		{ "[defaults]\nidle 30\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring the line: not KEY = VALUE" },
		{ "[defaults]\nbogus = 1\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring 'bogus': unknown key" },
		{ "[defaults]\nconfig = /etc/x\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring 'config': unknown key" },
		{ "[defaults]\nidle =\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring 'idle': no value" },
		{ "[defaults]\nidle = 99999\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring idle = '99999': expected whole seconds" },
		{ "[defaults]\ncount = 0\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring count = '0': expected a whole number" },
		{ "[defaults]\nonly = 10.0.0.0/99\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring only = '10.0.0.0/99': expected rules" },
		{ "[defaults]\nbehind = 1\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring behind = '1': expected aws-nlb" },
		{ "\n[nonsense]\nidle = 5\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring the line: unknown section" },
		{ "[program]\nidle = 5\n", 1,
		  "/etc/tcpkeep.conf:1: ignoring the line: [program] needs a program" },
		{ "[program bin/x]\n", 1,
		  "/etc/tcpkeep.conf:1: ignoring the line: a program with a slash" },
		{ "[defaults\n", 1,
		  "/etc/tcpkeep.conf:1: ignoring the line: a section header ends with ]" },
		{ "[defaults]\nidle = 5\0\n", 2,
		  "/etc/tcpkeep.conf:2: ignoring the line: the line holds a NUL byte" },
	};
	char msg[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tk_config cfg;
		size_t len = strlen(cases[i].text);
		struct env e = { NULL, false };

		/* The NUL case: its length is the array's. */
		if (strstr(cases[i].message, "NUL") != NULL)
			len = 20;
		memset(&conf, 0, sizeof conf);
		conf.path = "/etc/tcpkeep.conf";
		conf.state = TK_CONF_LOADED;
		conf.program = "";
		conf.len = len;
		memcpy(conf.text, cases[i].text, len + 1);
		tk_config_defaults(&cfg);
		tk_conf_parse(&conf);
		tk_conf_apply(&conf, &cfg, NULL);
		(void)tk_config_apply(&cfg, env_lookup, &e, NULL, NULL, NULL);
		tk_conf_message(&conf, 0, msg, sizeof msg);
		if (!ok(conf.problems == 1 && conf.problem[0].line == cases[i].line &&
			strncmp(msg, cases[i].message,
				strlen(cases[i].message)) == 0,
			"problem %zu: %s", i, cases[i].message))
			diag("  %u problems; got '%s'", conf.problems, msg);
		ok(cfg.idle_s == 60 || cfg.idle_s == 5,
		   "problem %zu: the rest applies", i);
	}
	{
		struct tk_config cfg;
		static const char text[] =
			"[defaults]\nidle = x\nintvl = 12\n[nonsense]\ncnt = 1\n"
			"[defaults]\ncnt = 3\n";

		is_int(load(text, "", NULL, false, &cfg), 2,
		       "two bad lines: two problems");
		ok(cfg.idle_s == 60 && cfg.intvl_s == 12 && cfg.cnt == 3,
		   "... the other lines apply, the bad section's do not");
	}
	{
		struct tk_config cfg;
		static const char text[] = "[program other]\nidle = x\n";

		is_int(load(text, "/bin/mine", NULL, false, &cfg), 0,
		       "a value in a section for another program: not judged by this one");
		memset(&conf, 0, sizeof conf);
		conf.path = "/etc/tcpkeep.conf";
		conf.state = TK_CONF_LOADED;
		conf.program = "";
		conf.check_all = true;
		conf.len = strlen(text);
		memcpy(conf.text, text, conf.len + 1);
		tk_conf_parse(&conf);
		is_int(conf.problems, 1, "... but checked with check_all (--check, --explain)");
	}
}

static void behind(void)
{
	struct tk_config cfg;
	unsigned idle, intvl;
	static const char *const env_behind[] = { "TCPKEEP_BEHIND", "gcp-vpc", NULL };

	tk_behind_values(350, &idle, &intvl);
	load("behind = aws-nlb\n", "", NULL, false, &cfg);
	ok(cfg.behind_s == 350 && cfg.idle_s == (int)idle &&
	   cfg.intvl_s == (int)intvl && idle + intvl < 350,
	   "behind = aws-nlb: idle %u, intvl %u", idle, intvl);
	load("behind = azure-lb\nidle = 100\n", "", NULL, false, &cfg);
	ok(cfg.behind_s == 240 && cfg.idle_s == 100 && cfg.intvl_s == 24,
	   "behind with idle beside it: idle kept, interval derived");
	load("[defaults]\nidle = 4m\n", "", env_behind, false, &cfg);
	tk_behind_values(600, &idle, &intvl);
	ok(cfg.behind_s == 600 && cfg.idle_s == (int)idle,
	   "--behind above the file's idle wins");
	load("behind = 10m\n", "", NULL, false, &cfg);
	is_int(cfg.behind_s, 600, "behind = 10m");
	{
		unsigned s;

		ok(tk_parse_behind("AWS-NLB", &s) == 0 && s == 350, "AWS-NLB");
		ok(tk_parse_behind("1", &s) < 0 && tk_parse_behind("86401", &s) < 0 &&
		   tk_parse_behind("1500ms", &s) < 0 && tk_parse_behind("2", &s) == 0,
		   "behind range 2 s to 24 h, whole seconds");
	}
}

static void paths(void)
{
	static const char *const none[] = { "TCPKEEP_CONFIG", "none", NULL };
	static const char *const rel[] = { "TCPKEEP_CONFIG", "x.conf", NULL };
	static const char *const abs[] = { "TCPKEEP_CONFIG", "/tmp/t.conf", NULL };
	struct env e = { none, false };
	unsigned warned = 0;
	char buf[64];

	ok(tk_conf_path(env_lookup, &e, NULL, NULL) == NULL, "TCPKEEP_CONFIG=none");
	e.pairs = abs;
	ok(strcmp(tk_conf_path(env_lookup, &e, NULL, NULL), "/tmp/t.conf") == 0,
	   "TCPKEEP_CONFIG=/tmp/t.conf");
	e.secure = true;
	ok(strcmp(tk_conf_path(env_lookup, &e, NULL, NULL), TK_CONF_PATH) == 0,
	   "secure execution: TCPKEEP_CONFIG ignored");
	e.secure = false;
	e.pairs = rel;
	(void)warned;
	ok(strcmp(tk_conf_path(env_lookup, &e, NULL, NULL), TK_CONF_PATH) == 0,
	   "a relative TCPKEEP_CONFIG: the default file");
	ok(tk_conf_exe(0, buf, sizeof buf)[0] == '/', "/proc/self/exe: %s", buf);
}

/* The keys are found by their first letter among a few rows: every
 * TCPKEEP_ variable (but TCPKEEP_CONFIG) is one, in any case, at its own
 * index; the three more (interval, count, syn_retries) only as written;
 * near misses, and keys sharing a first letter or a prefix, are told
 * apart. */
static unsigned key_of(const char *key, int *n)
{
	char text[128];

	snprintf(text, sizeof text, "[defaults]\n%s = 5\n", key);
	memset(&conf, 0, sizeof conf);
	conf.path = "/etc/tcpkeep.conf";
	conf.state = TK_CONF_LOADED;
	conf.program = "";
	conf.len = strlen(text);
	memcpy(conf.text, text, conf.len + 1);
	tk_conf_parse(&conf);
	*n = conf.defaults.count == 1 ? conf.defaults.found[0] : -1;
	return conf.problems;
}

static void keys(void)
{
	static const struct {
		const char *key;
		const char *name;	/* NULL: unknown key */
	} cases[] = {
		{ "interval", "TCPKEEP_INTVL" }, { "count", "TCPKEEP_CNT" },
		{ "syn_retries", "TCPKEEP_SYNCNT" },
		{ "Interval", NULL }, { "COUNT", NULL }, { "Syn_Retries", NULL },
		{ "config", NULL }, { "CONFIG", NULL },
		{ "idl", NULL }, { "idlee", NULL }, { "i_dle", NULL },
		{ "intv", NULL }, { "intervals", NULL }, { "interva", NULL },
		{ "s", NULL }, { "sk", NULL }, { "skipp", NULL }, { "syn", NULL },
		{ "syncn", NULL }, { "syncnt_", NULL }, { "syn_retrie", NULL },
		{ "syn-retries", NULL }, { "cn", NULL }, { "cntt", NULL },
		{ "counts", NULL }, { "debu", NULL }, { "directions", NULL },
		{ "user_timeou", NULL }, { "user-timeout", NULL },
		{ "_idle", NULL }, { "idle_", NULL }, { "@dle", NULL },
		{ "\xc9" "dle", NULL }, { "id\xcc" "e", NULL }, { "x", NULL },
		{ "tcpkeep_idle", NULL }, { "keepidle", NULL },
		{ "tcp_keepidle", NULL }, { "behind2", NULL },
		{ "en able", NULL },
	};
	int n;

	for (int i = 0; tk_config_names[i] != NULL; i++) {
		const char *name = tk_config_names[i];
		char lower[40], upper[40], mixed[40];
		size_t k = 0;
		bool is_key = strncmp(name, "TCPKEEP_", 8) == 0 &&
			strcmp(name, "TCPKEEP_CONFIG") != 0;
		unsigned problems;

		if (strncmp(name, "TCPKEEP_", 8) != 0)
			continue;
		for (; name[8 + k] != '\0' && k + 1 < sizeof lower; k++) {
			char c = name[8 + k];

			upper[k] = c;
			lower[k] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
			mixed[k] = k % 2 ? upper[k] : lower[k];
		}
		lower[k] = upper[k] = mixed[k] = '\0';
		problems = key_of(lower, &n);
		ok(is_key ? problems == 0 && n == i : problems == 1 && n < 0,
		   "key %s: %s", lower, is_key ? name : "unknown");
		problems = key_of(upper, &n);
		ok(is_key ? problems == 0 && n == i : problems == 1 && n < 0,
		   "key %s: %s", upper, is_key ? name : "unknown");
		problems = key_of(mixed, &n);
		ok(is_key ? problems == 0 && n == i : problems == 1 && n < 0,
		   "key %s: %s", mixed, is_key ? name : "unknown");
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned problems = key_of(cases[i].key, &n);

		if (cases[i].name == NULL)
			ok(problems == 1 && n < 0 &&
			   strcmp(conf.problem[0].reason, "unknown key") == 0 &&
			   strcmp(conf.problem[0].key, cases[i].key) == 0,
			   "key '%s': unknown", cases[i].key);
		else
			ok(problems == 0 && n >= 0 &&
			   strcmp(tk_config_names[n], cases[i].name) == 0,
			   "key %s: %s", cases[i].key, cases[i].name);
	}
}

/* A section for another program is read line by line all the same: what
 * does not parse there is a problem, as anywhere (its values are not
 * judged).  Under a header that does not parse, the lines are skipped
 * without a word, but for a NUL byte and the next header. */
static void other_sections(void)
{
	static const char text[] =
		"[program other]\n"		/* 1 */
		"idle 30\n"			/* 2: not KEY = VALUE */
		"bogus = 1\n"			/* 3: unknown key */
		"idle =\n"			/* 4: no value */
		"idle = x\n"			/* 5: not judged here */
		"cnt = 2\0 x\n"			/* 6: NUL */
		"  # idle = 1\n"		/* 7 */
		"[program /usr/bin/other]\n"	/* 8 */
		"= 3\n"				/* 9: unknown key '' */
		"[nonsense]\n"			/* 10: unknown section */
		"idle 30\n"			/* 11: skipped */
		"bogus = 1\n"			/* 12: skipped */
		"x\0y\n"			/* 13: NUL */
		"[defaults] # back\n"		/* 14 */
		"idle = 7\n";			/* 15 */
	static const struct {
		unsigned line;
		const char *reason;
		const char *key;
	} want[] = {
		{ 2, "not KEY = VALUE", NULL }, { 3, "unknown key", "bogus" },
		{ 4, "no value", "idle" }, { 6, "the line holds a NUL byte", NULL },
		{ 9, "unknown key", "" },
		{ 10, "unknown section (expected [defaults] or [program NAME])", NULL },
		{ 13, "the line holds a NUL byte", NULL },
	};
	struct tk_config cfg;
	bool same = true;

	memset(&conf, 0, sizeof conf);
	conf.path = "/etc/tcpkeep.conf";
	conf.state = TK_CONF_LOADED;
	conf.program = "/usr/bin/mine";
	conf.len = sizeof text - 1;
	memcpy(conf.text, text, sizeof text);
	tk_config_defaults(&cfg);
	tk_conf_parse(&conf);
	tk_conf_apply(&conf, &cfg, NULL);
	is_int(conf.problems, sizeof want / sizeof want[0],
	       "sections for other programs: their odd lines are problems");
	for (size_t i = 0; i < sizeof want / sizeof want[0] &&
	     i < conf.problems; i++) {
		const struct tk_conf_problem *p = &conf.problem[i];

		if (p->line != want[i].line || strcmp(p->reason, want[i].reason) ||
		    (want[i].key == NULL) != (p->key == NULL) ||
		    (p->key != NULL && strcmp(p->key, want[i].key) != 0)) {
			diag("  problem %zu: line %u '%s'", i, p->line, p->reason);
			same = false;
		}
	}
	ok(same, "... at their lines, with their reasons, in order");
	ok(cfg.idle_s == 7 && conf.defaults.header == 14 &&
	   conf.by_name.count == 0 && conf.by_path.count == 0,
	   "... and [defaults] after them applies");
}

/* Headers: blanks inside the brackets, a comment after them, a tab
 * before the name; the near misses of [program]. */
static void headers(void)
{
	static const struct {
		const char *text;
		const char *problem;	/* NULL: none, the section applies */
	} cases[] = {
		{ "[ defaults ]\nidle = 9\n", NULL },
		{ "[defaults]   # a comment\nidle = 9\n", NULL },
		{ "[program\ttrue]\nidle = 9\n", NULL },
		{ "[ program  true\t]\r\nidle = 9\r\n", NULL },
		{ "[program /usr/bin/true]\nidle = 9\n", NULL },
		{ "[program]\nidle = 9\n", "[program] needs a program" },
		{ "[program ]\nidle = 9\n", "[program] needs a program" },
		{ "[programtrue]\nidle = 9\n", "unknown section" },
		{ "[Program true]\nidle = 9\n", "unknown section" },
		{ "[Defaults]\nidle = 9\n", "unknown section" },
		{ "[]\nidle = 9\n", "unknown section" },
		{ "[program bin/true]\nidle = 9\n", "a program with a slash" },
		{ "[program /usr/bin/true # x]\nidle = 9\n",
		  "a section header ends with ]" },
		{ "[defaults\nidle = 9\n", "a section header ends with ]" },
		{ "[\nidle = 9\n", "a section header ends with ]" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tk_config cfg;
		unsigned problems = load(cases[i].text, "/usr/bin/true", NULL,
					 false, &cfg);

		if (cases[i].problem == NULL)
			ok(problems == 0 && cfg.idle_s == 9, "header %zu applies",
			   i);
		else
			ok(problems == 1 && conf.problem[0].line == 1 &&
			   strncmp(conf.problem[0].reason, cases[i].problem,
				   strlen(cases[i].problem)) == 0 &&
			   cfg.idle_s == 60,
			   "header %zu: %s", i, cases[i].problem);
	}
}

int main(void)
{
	sections();
	syncnt();
	precedence();
	secure();
	problems();
	behind();
	paths();
	keys();
	other_sections();
	headers();
	return done_testing();
}
