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

/* The names by the start they share (TCPKEEP_, TCP_, DD_, KEEP): an
 * entry is compared only with the names of its start, from the first
 * character after it, and only with those whose next character it has.
 * A new name joins its group here (tests/unit/unit-config.c scans every
 * one). */
#define N(name) TK_NAME_##name
static const unsigned char after_tcpkeep[] = {
	N(ENABLE), N(IDLE), N(INTVL), N(CNT), N(USER_TIMEOUT), N(DIRECTION),
	N(ONLY), N(SKIP), N(FORCE), N(DEBUG), N(LOG), N(SYNCNT), N(BEHIND),
	N(CONFIG),
};
static const unsigned char after_tcp[] = {
	N(TCP_KEEPIDLE), N(TCP_KEEPINTVL), N(TCP_KEEPCNT), N(TCP_USER_TIMEOUT),
	N(TCP_SYNCNT), N(TCP_MAXSEG), N(TCP_WINDOW_CLAMP), N(TCP_DEFER_ACCEPT),
};
static const unsigned char after_dd[] = {
	N(DD_TCP_KEEPALIVE_TIME), N(DD_TCP_KEEPALIVE_INTVL),
	N(DD_TCP_KEEPALIVE_PROBES), N(DD_USE_KEEPALIVE), N(DD_DEBUG),
};
static const unsigned char after_keep[] = {
	N(KEEPIDLE), N(KEEPINTVL), N(KEEPCNT), N(KEEPALIVE),
};
static const unsigned char after_lib[] = { N(LIBKEEPALIVE_DEBUG) };
#undef N

/* The tk_config_names index of the name ENTRY holds ("NAME=..."), -1 for
 * none; *LEN the name's length.  Each test reads a byte only when those
 * before it matched: none past the entry's end. */
static int entry_name(const char *entry, size_t *len)
{
	const unsigned char *group, *last;
	size_t from;

#define GROUP(a, at) (group = (a), last = (a) + sizeof (a), from = (at))
	switch (entry[0]) {
	case 'T':
		if (entry[1] != 'C' || entry[2] != 'P')
			return -1;
		if (entry[3] == '_')
			GROUP(after_tcp, 4);
		else if (entry[3] == 'K' && entry[4] == 'E' &&
			 entry[5] == 'E' && entry[6] == 'P' && entry[7] == '_')
			GROUP(after_tcpkeep, 8);
		else
			return -1;
		break;
	case 'D':
		if (entry[1] != 'D' || entry[2] != '_')
			return -1;
		GROUP(after_dd, 3);
		break;
	case 'K':
		if (entry[1] != 'E' || entry[2] != 'E' || entry[3] != 'P')
			return -1;
		GROUP(after_keep, 4);
		break;
	case 'L':
		GROUP(after_lib, 1);
		break;
	default:
		return -1;
	}
#undef GROUP
	for (; group < last; group++) {
		const char *name = tk_config_name_text[*group];
		size_t i = from;

		if (name[i] != entry[i])
			continue;
		while (name[i] != '\0' && name[i] == entry[i])
			i++;
		if (name[i] == '\0' && entry[i] == '=') {
			*len = i;
			return *group;
		}
	}
	return -1;
}

void tk_env_scan_as(struct tk_env *env, const char *const *envp, bool secure)
{
	for (unsigned i = 0; i < TK_CONFIG_NAME_COUNT; i++)
		env->value[i] = NULL;
	env->count = 0;
	env->secure = secure;
	for (; envp != NULL && *envp != NULL; envp++) {
		size_t len;
		int n = entry_name(*envp, &len);

		/* The first NAME= entry wins, as with getenv(). */
		if (n >= 0 && env->value[n] == NULL) {
			env->value[n] = *envp + len + 1;
			env->found[env->count++] = (unsigned char)n;
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
		if (tk_text_same(tk_config_name_text[env->found[i]], name))
			return env->value[env->found[i]];
	return NULL;
}
