/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: tk_config_load over a fake environment.  The input
 * is "NAME=VALUE" lines; a first line "secure" makes the secure lookup
 * hide everything, as secure_getenv does in a set-user-ID process. */
#include "autoconfig.h"
#include "config.h"

#include "fuzz.h"

#define MAX_VARS 64

struct env {
	bool secure;
	unsigned n;
	const char *name[MAX_VARS];
	const char *value[MAX_VARS];
	unsigned lookups;
};

static const char *lookup(void *ctx, const char *name, bool secure)
{
	struct env *env = ctx;

	env->lookups++;
	CHECK(name != NULL && name[0] != '\0');
	if (secure && env->secure)
		return NULL;
	for (unsigned i = 0; i < env->n; i++)
		if (strcmp(env->name[i], name) == 0)
			return env->value[i];
	return NULL;
}

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
	struct env env;
	struct warns w;
	struct tk_config cfg;
	unsigned warnings;
	char *line = text, *next;

	memset(&env, 0, sizeof env);
	memset(&w, 0, sizeof w);
	if (strncmp(text, "secure\n", 7) == 0) {
		env.secure = true;
		line += 7;
	}
	for (; line != NULL && env.n < MAX_VARS; line = next) {
		char *eq;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (eq == NULL || eq == line)
			continue;
		*eq = '\0';
		env.name[env.n] = line;
		env.value[env.n] = eq + 1;
		env.n++;
	}

	warnings = tk_config_load(&cfg, lookup, &env, warn, &w);
	CHECK(warnings == w.count);
	CHECK(warnings <= 11);		/* one per setting at most */
	CHECK(cfg.idle_s >= 1 && cfg.idle_s <= TK_SECONDS_MAX);
	CHECK(cfg.intvl_s >= 1 && cfg.intvl_s <= TK_SECONDS_MAX);
	CHECK(cfg.cnt >= 1 && cfg.cnt <= TK_CNT_MAX);
	CHECK(cfg.user_timeout_ms <= TK_USER_TIMEOUT_MAX);
	if (cfg.user_timeout_set && cfg.user_timeout_auto) {
		uint64_t want = ((uint64_t)cfg.idle_s +
				 (uint64_t)cfg.intvl_s * (uint64_t)cfg.cnt) * 1000;
		CHECK(cfg.user_timeout_ms ==
		      (want > TK_USER_TIMEOUT_MAX ? TK_USER_TIMEOUT_MAX : want));
	}
	CHECK(cfg.direction == TK_DIR_BOTH || cfg.direction == TK_DIR_OUT ||
	      cfg.direction == TK_DIR_IN);
	CHECK(cfg.only.count <= TK_RULES_MAX && cfg.skip.count <= TK_RULES_MAX);
	CHECK(cfg.have_only == (cfg.only.count > 0));
	CHECK(cfg.have_skip == (cfg.skip.count > 0));
	if (cfg.log == TK_LOG_FILE) {
		/* Never a file path in a secure-execution process. */
		CHECK(!env.secure);
		CHECK(cfg.log_path[0] == '/' &&
		      memchr(cfg.log_path, '\0', sizeof cfg.log_path) != NULL);
	}
	free(text);
	return 0;
}
