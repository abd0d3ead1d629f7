/* SPDX-License-Identifier: MIT */
/* tcpkeep --explain [--program PATH]: the configuration a program gets
 * from the file and the environment, each value with where it came from
 * (tcpkeep(1), --explain).  The layers are applied exactly as the library
 * applies them (conffile.h); the loader tells which value it took from
 * where (tk_note_fn), so nothing here decides precedence.
 *
 *   tcpkeep-helper explain PROGRAM [VAR:OPTION]...
 *
 * PROGRAM is an absolute path, or "" for a plain process.  Exit status
 * 125 when the file has an error (or is refused), or a value of the
 * environment is refused; else 0. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/behind.h"
#include "common/conffile.h"
#include "common/config.h"
#include "common/options.h"
#include "cli/helper.h"
#include "common/text.h"
#include "host/conftool.h"
#include "host/exit.h"
#include "host/say.h"

static struct tk_conf conf;

/* Where each TCPKEEP_ setting's value came from, by tk_config_names
 * index; empty: built-in. */
static char source[TK_CONFIG_NAME_COUNT][300];
static int argc_checks;
static char *const *checks;

static int index_of(const char *setting)
{
	for (int n = 0; tk_config_names[n] != NULL; n++)
		if (strcmp(tk_config_names[n], setting) == 0)
			return n;
	return -1;
}

static void set_source(const char *setting, const char *text)
{
	int n = index_of(setting);

	if (n >= 0)
		snprintf(source[n], sizeof source[n], "%s", text);
	/* Idle and interval follow a behind given at or above their layer
	 * (the loader sets them from it before it reads them). */
	if (strcmp(setting, "TCPKEEP_BEHIND") == 0) {
		char derived[320];

		snprintf(derived, sizeof derived, "behind (%s)", text);
		set_source("TCPKEEP_IDLE", derived);
		set_source("TCPKEEP_INTVL", derived);
	}
}

static void file_note(void *ctx, const char *setting, const char *var,
		      const char *value)
{
	(void)ctx;
	(void)value;
	set_source(setting, var);	/* "FILE:LINE" */
}

static void env_note(void *ctx, const char *setting, const char *var,
		     const char *value)
{
	size_t n = strlen(var);
	const char *option = NULL;
	char text[300];

	(void)ctx;
	(void)value;
	for (int i = 0; i < argc_checks; i++)
		if (strncmp(checks[i], var, n) == 0 && checks[i][n] == ':')
			option = checks[i] + n + 1;
	if (option != NULL)
		snprintf(text, sizeof text, "option %s", option);
	else
		snprintf(text, sizeof text, "variable %s", var);
	set_source(setting, text);
}

static unsigned env_warnings;

static void env_warn(void *ctx, const char *var, const char *value,
		     const char *accepted)
{
	char buf[256];

	(void)ctx;
	env_warnings++;
	tk_escape_value(buf, sizeof buf, value, 200);
	tk_say("ignoring %s='%s': expected %s", var, buf, accepted);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void row(const char *key, const char *setting, const char *value)
{
	int n = index_of(setting);

	printf("%-13s %-24s %s\n", key, value,
	       n >= 0 && source[n][0] != '\0' ? source[n] : "built-in");
}

static void seconds_row(const char *key, const char *setting, bool set,
			int value)
{
	char text[64];

	if (set)
		snprintf(text, sizeof text, "%d s", value);
	else
		snprintf(text, sizeof text, "system default");
	row(key, setting, text);
}

static void rules_row(const char *key, const char *setting, bool have)
{
	int n = index_of(setting);
	bool from_env = n >= 0 && (strncmp(source[n], "variable", 8) == 0 ||
				   strncmp(source[n], "option", 6) == 0);
	const char *value = have && from_env ? getenv(setting) : NULL;
	char text[256];

	/* The list as written where it was given. */
	if (have && !from_env) {
		const struct tk_conf_layer *layers[] = {
			&conf.by_path, &conf.by_name, &conf.defaults,
		};

		for (size_t i = 0; i < 3 && value == NULL; i++)
			for (unsigned k = 0; k < layers[i]->count; k++)
				if (layers[i]->found[k] == n)
					value = layers[i]->value[n];
	}
	tk_escape_value(text, sizeof text, have && value ? value : "none", 200);
	row(key, setting, text);
}

int explain_main(int argc, char **argv)
{
	static struct tk_config cfg;
	const char *program, *path;
	struct tk_effective eff;
	char text[128], resolved[4096];
	unsigned problems;

	if (argc < 1)
		return TK_EXIT_NOT_STARTED;
	/* As the library will see it: /proc/self/exe, links resolved. */
	program = argv[0][0] != '\0' ?
		tk_tool_program(argv[0], resolved, sizeof resolved) : "";
	if (argv[0][0] != '\0' && program[0] == '\0') {
		if (argv[0][0] != '/') {
			tk_say("--program %s: not found (an absolute path, or a command in PATH)",
			       argv[0]);
			return TK_EXIT_NOT_STARTED;
		}
		program = argv[0];	/* not here: matched as written */
	}
	checks = argv + 1;
	argc_checks = argc - 1;
	if (validate_checks(argc_checks, checks, true) < 0)
		return TK_EXIT_NOT_STARTED;

	path = tk_conf_path(tk_env_lookup, NULL, env_warn, NULL);
	conf.program = program;
	conf.check_all = true;
	tk_config_defaults(&cfg);
	if (tk_conf_read(&conf, path) == TK_CONF_LOADED) {
		tk_conf_parse(&conf);
		tk_conf_apply(&conf, &cfg, file_note);
	}
	(void)tk_config_apply(&cfg, tk_env_lookup, NULL, env_warn, NULL,
			      env_note);
	tk_config_finish(&cfg);
	problems = conf.problems + (conf.state == TK_CONF_REFUSED);
	for (unsigned i = 0; i <= conf.problems && i <= TK_CONF_PROBLEMS; i++) {
		char msg[600];

		if (tk_conf_message(&conf, i, msg, sizeof msg) > 0)
			tk_say("%s", msg);
	}

	printf("program       %s\n", program[0] != '\0' ? program :
	       "(a plain process: [defaults] only)");
	printf("file          %s: %s%s\n", path != NULL ? path : "none",
	       conf.state == TK_CONF_LOADED ? "read" :
	       conf.state == TK_CONF_REFUSED ? "ignored, " :
	       path != NULL ? "absent" : "not read (TCPKEEP_CONFIG=none)",
	       conf.state == TK_CONF_REFUSED ? conf.refused : "");
	if (conf.state == TK_CONF_LOADED)
		printf("sections      [defaults]%s%s\n",
		       conf.by_name.count > 0 ? ", [program NAME]" : "",
		       conf.by_path.count > 0 ? ", [program PATH]" : "");
	printf("%-13s %-24s %s\n", "KEY", "VALUE", "FROM");
	row("enable", "TCPKEEP_ENABLE", yes_no(cfg.enabled));
	if (cfg.behind_s != 0)
		snprintf(text, sizeof text, "%u s", cfg.behind_s);
	row("behind", "TCPKEEP_BEHIND", cfg.behind_s != 0 ? text : "not set");
	seconds_row("idle", "TCPKEEP_IDLE", cfg.idle_set, cfg.idle_s);
	seconds_row("intvl", "TCPKEEP_INTVL", cfg.intvl_set, cfg.intvl_s);
	if (cfg.cnt_set)
		snprintf(text, sizeof text, "%d", cfg.cnt);
	row("cnt", "TCPKEEP_CNT", cfg.cnt_set ? text : "system default");
	if (cfg.user_timeout_set)
		snprintf(text, sizeof text, "%s%u ms",
			 cfg.user_timeout_auto ? "auto = " : "",
			 cfg.user_timeout_ms);
	row("user_timeout", "TCPKEEP_USER_TIMEOUT",
	    cfg.user_timeout_set ? text : "left to the kernel");
	row("direction", "TCPKEEP_DIRECTION",
	    cfg.direction == TK_DIR_OUT ? "out" :
	    cfg.direction == TK_DIR_IN ? "in" : "both");
	if (cfg.syncnt_set)
		snprintf(text, sizeof text, "%d", cfg.syncnt);
	row("syncnt", "TCPKEEP_SYNCNT",
	    cfg.syncnt_set ? text : "left to the kernel");
	rules_row("only", "TCPKEEP_ONLY", cfg.have_only);
	rules_row("skip", "TCPKEEP_SKIP", cfg.have_skip);
	row("force", "TCPKEEP_FORCE", yes_no(cfg.force));
	row("debug", "TCPKEEP_DEBUG", yes_no(cfg.debug));
	row("log", "TCPKEEP_LOG",
	    cfg.log == TK_LOG_FILE ? cfg.log_path :
	    cfg.log == TK_LOG_SYSLOG ? "syslog" :
	    cfg.log == TK_LOG_NONE ? "none" : "stderr");
	/* Settings added after this list: the value as given. */
	for (int n = 0; tk_config_names[n] != NULL; n++) {
		static const char *const shown_above[] = {
			"ENABLE", "BEHIND", "IDLE", "INTVL", "CNT",
			"USER_TIMEOUT", "DIRECTION", "ONLY", "SKIP", "FORCE",
			"DEBUG", "LOG", "CONFIG", "SYNCNT", NULL,
		};
		const char *name = tk_config_names[n];
		bool known = strncmp(name, "TCPKEEP_", 8) != 0;
		char key[64];

		for (size_t k = 0; !known && shown_above[k] != NULL; k++)
			known = strcmp(name + 8, shown_above[k]) == 0;
		if (known)
			continue;
		for (size_t k = 0; name[8 + k] != '\0' && k + 1 < sizeof key; k++) {
			key[k] = (char)(name[8 + k] >= 'A' && name[8 + k] <= 'Z' ?
					name[8 + k] - 'A' + 'a' : name[8 + k]);
			key[k + 1] = '\0';
		}
		row(key, name, source[n][0] != '\0' ? "as given" : "not set");
	}
	/* What the kernel gets, through the one translation. */
	tk_effective_build(&eff, &cfg);
	printf("options      ");
	if (eff.set == 0)
		printf(" none: sockets left alone");
	for (unsigned k = 0; k < TK_OPT_COUNT; k++) {
		enum tk_opt o = tk_option_nth(k);

		if (tk_effective_sets(&eff, o))
			printf(" %s=%d", tk_option_rows[o].name, eff.value[o]);
	}
	printf("\n");
	if (cfg.idle_set && cfg.behind_s != 0 &&
	    (unsigned)cfg.idle_s >= cfg.behind_s)
		printf("warning       idle %d s is not under behind %u s: the first probe comes too late\n",
		       cfg.idle_s, cfg.behind_s);
	return problems > 0 || env_warnings > 0 ? TK_EXIT_NOT_STARTED : 0;
}
