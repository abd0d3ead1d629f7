/* SPDX-License-Identifier: MIT */
/* Where the settings are looked up: the environment, read once (a
 * snapshot for the library), and whether this is a secure-execution
 * process, in which it may not change the program's behaviour
 * (libtcpkeep(7), "Secure execution"). */
#include "autoconfig.h"
#include "common/config.h"
#include "common/text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if HAVE_SYS_AUXV_H
# include <sys/auxv.h>
#endif

bool tk_secure_execution(void)
{
	int saved_errno = errno;
	bool secure;

#if HAVE_GETAUXVAL && defined(AT_SECURE)
	secure = getauxval(AT_SECURE) != 0;
#elif HAVE_ISSETUGID
	secure = issetugid() != 0;
#else
	secure = getuid() != geteuid() || getgid() != getegid();
#endif
	errno = saved_errno;
	return secure;
}

const char *tk_env_lookup(void *ctx, const char *name, bool secure)
{
	(void)ctx;
	if (secure && tk_secure_execution())
		return NULL;
#if HAVE_SECURE_GETENV
	if (secure)
		return secure_getenv(name);
#endif
	return getenv(name);
}

void tk_env_scan(struct tk_env *env, const char *const *envp)
{
	tk_env_scan_as(env, envp, tk_secure_execution());
}

void tk_env_scan_as(struct tk_env *env, const char *const *envp, bool secure)
{
	for (unsigned i = 0; i < TK_CONFIG_NAME_COUNT; i++)
		env->value[i] = NULL;
	env->count = 0;
	env->secure = secure;
	for (; envp != NULL && *envp != NULL; envp++) {
		const char *entry = *envp;

		/* Every name we read starts with TC, DD, KE or LI: most of
		 * an environment is passed over after two characters. */
		if (!((entry[0] == 'T' && entry[1] == 'C') ||
		      (entry[0] == 'D' && entry[1] == 'D') ||
		      (entry[0] == 'K' && entry[1] == 'E') ||
		      (entry[0] == 'L' && entry[1] == 'I')))
			continue;
		for (unsigned n = 0; n < TK_CONFIG_NAME_COUNT; n++) {
			const char *name = tk_config_names[n];
			size_t i = 0;

			while (name[i] != '\0' && name[i] == entry[i])
				i++;
			if (name[i] != '\0' || entry[i] != '=')
				continue;
			/* The first NAME= entry wins, as with getenv(). */
			if (env->value[n] == NULL) {
				env->value[n] = entry + i + 1;
				env->found[env->count++] = (unsigned char)n;
			}
			break;
		}
	}
}

const char *tk_env_snapshot_lookup(void *ctx, const char *name, bool secure)
{
	const struct tk_env *env = ctx;

	if (secure && env->secure)
		return NULL;
	/* Only the names found: usually none, and the load asks for about
	 * thirty. */
	for (unsigned i = 0; i < env->count; i++)
		if (tk_text_same(tk_config_names[env->found[i]], name))
			return env->value[env->found[i]];
	return NULL;
}
