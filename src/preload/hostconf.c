/* SPDX-License-Identifier: MIT */
/* The library's load of its configuration: the file's layers
 * (libtcpkeep(7), CONFIGURATION FILE), then the environment on top.
 *
 * The file is read into static storage once, at load: one failed open()
 * when there is none; one open(), fstat() and read() when there is, and a
 * readlink() of /proc/self/exe only when it has a [program] section.  Its
 * warnings wait until the whole configuration is known, so that they go
 * where TCPKEEP_LOG (or the file's log =) says; a secure-execution process
 * writes none. */
#include "autoconfig.h"

#include "common/conffile.h"
#include "common/config.h"
#include "preload/hostconf.h"
#include "preload/log.h"

static struct tk_conf conf;

void tk_hostconf_load(struct tk_config *cfg, struct tk_env *env)
{
	const char *path;

	/* First: a warning about TCPKEEP_CONFIG reads the destination. */
	tk_config_defaults(cfg);
	path = tk_conf_path(tk_env_snapshot_lookup, env,
			    env->secure ? NULL : tk_log_bad_value, cfg);
	conf.secure = env->secure;
	conf.program = NULL;
	if (tk_conf_read(&conf, path) == TK_CONF_LOADED) {
		tk_conf_parse(&conf);
		tk_conf_apply(&conf, cfg, NULL);
	}
	(void)tk_config_apply(cfg, tk_env_snapshot_lookup, env,
			      tk_log_bad_value, cfg, NULL);
	tk_config_finish(cfg);
	tk_log_setup(cfg);
	if (env->secure)
		return;
	for (unsigned i = 0; i <= conf.problems && i <= TK_CONF_PROBLEMS; i++) {
		struct tk_line line;
		char text[600];

		if (tk_conf_message(&conf, i, text, sizeof text) == 0)
			continue;
		tk_line_start(&line);
		tk_line_str(&line, text);
		tk_log_emit(&line, TK_LOG_WARNING);
	}
}
