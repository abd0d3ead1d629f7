/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: tk_config_load over a fake environment, through the
 * library's own one-pass scan (tk_env_scan, tk_env_snapshot_lookup).  The
 * input is "NAME=VALUE" lines, repeats allowed; a first line "secure"
 * marks the process as in secure execution (AT_SECURE). */
#include "autoconfig.h"
#include "common/config.h"

#include "fuzz.h"

#define MAX_VARS 4096

struct warns {
	unsigned count;
	char vars[32][32];
};

static void warn(void *ctx, const char *var, const char *value,
		 const char *accepted)
{
	struct warns *w = ctx;

	CHECK(var != NULL && value != NULL && accepted != NULL);
	CHECK(accepted[0] != '\0');
	/* At most one warning per variable. */
	for (unsigned i = 0; i < w->count && i < 32; i++)
		CHECK(strcmp(w->vars[i], var) != 0);
	if (w->count < 32)
		snprintf(w->vars[w->count], sizeof w->vars[0], "%s", var);
	w->count++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	static const char *envp[MAX_VARS + 1];
	struct tk_env env;
	struct warns w;
	struct tk_config cfg;
	unsigned warnings, n = 0;
	bool secure = false;
	char *line = text, *next;

	memset(&w, 0, sizeof w);
	if (strncmp(text, "secure\n", 7) == 0) {
		secure = true;
		line += 7;
	}
	for (; line != NULL && n < MAX_VARS; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		envp[n++] = line;
	}
	envp[n] = NULL;
	tk_env_scan(&env, envp);
	env.secure = secure;

	warnings = tk_config_load(&cfg, tk_env_snapshot_lookup, &env, warn, &w);
	CHECK(warnings == w.count);
	CHECK(warnings <= 11);		/* one per setting at most */
	CHECK(cfg.idle_s >= 1 && cfg.idle_s <= TK_SECONDS_MAX);
	CHECK(cfg.intvl_s >= 1 && cfg.intvl_s <= TK_SECONDS_MAX);
	CHECK(cfg.cnt >= 1 && cfg.cnt <= TK_CNT_MAX);
	CHECK(cfg.user_timeout_ms <= TK_USER_TIMEOUT_MAX);
	if (cfg.user_timeout_set && cfg.user_timeout_auto) {
		uint64_t idle = cfg.idle_set ? (uint64_t)cfg.idle_s : TK_KERNEL_IDLE_S;
		uint64_t intvl = cfg.intvl_set ? (uint64_t)cfg.intvl_s : TK_KERNEL_INTVL_S;
		uint64_t cnt = cfg.cnt_set ? (uint64_t)cfg.cnt : TK_KERNEL_CNT;
		uint64_t want = (idle + intvl * cnt) * 1000;
		CHECK(cfg.user_timeout_ms ==
		      (want > TK_USER_TIMEOUT_MAX ? TK_USER_TIMEOUT_MAX : want));
	}
	if (secure) {
		/* Nothing but the master switch, and only to turn it off. */
		CHECK(warnings == 0);
		CHECK(cfg.idle_set && cfg.intvl_set && cfg.cnt_set);
		CHECK(cfg.idle_s == TK_IDLE_DEFAULT_S &&
		      cfg.intvl_s == TK_INTVL_DEFAULT_S && cfg.cnt == TK_CNT_DEFAULT);
		CHECK(!cfg.user_timeout_set && !cfg.debug && !cfg.force);
		CHECK(!tk_config_has_filters(&cfg) && cfg.log == TK_LOG_STDERR);
	}
	/* A value is what getenv() would find: the first NAME= entry. */
	for (unsigned i = 0; tk_config_names[i] != NULL; i++) {
		const char *name = tk_config_names[i];
		size_t len = strlen(name);
		const char *want = NULL;

		for (unsigned j = 0; j < n && want == NULL; j++)
			if (strncmp(envp[j], name, len) == 0 && envp[j][len] == '=')
				want = envp[j] + len + 1;
		CHECK(tk_env_snapshot_lookup(&env, name, false) == want);
	}
	CHECK(cfg.direction == TK_DIR_BOTH || cfg.direction == TK_DIR_OUT ||
	      cfg.direction == TK_DIR_IN);
	CHECK(cfg.only.count <= TK_RULES_MAX && cfg.skip.count <= TK_RULES_MAX);
	CHECK(cfg.have_only == (cfg.only.count > 0));
	CHECK(cfg.have_skip == (cfg.skip.count > 0));
	if (cfg.log == TK_LOG_FILE) {
		/* Never a file path in a secure-execution process. */
		CHECK(!secure);
		CHECK(cfg.log_path[0] == '/' &&
		      memchr(cfg.log_path, '\0', sizeof cfg.log_path) != NULL);
	}
	free(text);
	return 0;
}
