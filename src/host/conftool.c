/* SPDX-License-Identifier: MIT */
/* The configuration as the tools load it (conftool.h). */
#include "autoconfig.h"
#include "host/conftool.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/say.h"

static struct tk_conf conf;	/* large: the file's text */

unsigned tk_tool_config(struct tk_config *cfg, const char *program,
			tk_warn_fn warn, void *warn_ctx, bool say,
			unsigned *file_problems)
{
	const char *path = tk_conf_path(tk_env_lookup, NULL, warn, warn_ctx);
	unsigned warnings;

	conf.check_all = true;
	conf.secure = false;
	warnings = tk_conf_load(&conf, path, program, cfg, tk_env_lookup,
				NULL, warn, warn_ctx);
	*file_problems = conf.problems + (conf.state == TK_CONF_REFUSED);
	if (say)
		for (unsigned i = 0; i <= conf.problems && i <= TK_CONF_PROBLEMS;
		     i++) {
			char text[600];

			if (tk_conf_message(&conf, i, text, sizeof text) > 0)
				tk_say("%s", text);
		}
	return warnings - *file_problems;
}

const struct tk_conf *tk_tool_conf(void)
{
	return &conf;
}

const char *tk_tool_program(const char *command, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char candidate[PATH_MAX];

	buf[0] = '\0';
	if (command == NULL || command[0] == '\0')
		return buf;
	if (strchr(command, '/') != NULL) {
		if (realpath(command, candidate) != NULL &&
		    strlen(candidate) < len)
			strcpy(buf, candidate);
		return buf;
	}
	/* As execvp() searches. */
	for (const char *p = path != NULL ? path : "/usr/bin:/bin"; ; ) {
		const char *colon = strchr(p, ':');
		size_t n = colon != NULL ? (size_t)(colon - p) : strlen(p);
		char joined[PATH_MAX];

		if (snprintf(joined, sizeof joined, "%.*s%s%s", (int)n, p,
			     n > 0 ? "/" : "", command) < (int)sizeof joined &&
		    access(joined, X_OK) == 0 &&
		    realpath(joined, candidate) != NULL &&
		    strlen(candidate) < len) {
			strcpy(buf, candidate);
			return buf;
		}
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	return buf;
}

uint64_t tk_tool_max_idle_ms(uint64_t otherwise)
{
	static struct tk_config cfg;
	unsigned file_problems;

	(void)tk_tool_config(&cfg, "", NULL, NULL, false, &file_problems);
	return cfg.behind_s != 0 ? (uint64_t)cfg.behind_s * 1000 : otherwise;
}
