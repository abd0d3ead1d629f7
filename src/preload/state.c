/* SPDX-License-Identifier: MIT */
/* The load-once state: the configuration, the options it makes, and what
 * the hooks derive from it, written once by whichever runs first (the
 * constructor or a hook called before it, hooks.c) and read-only
 * afterwards; with the one helper the rules share, port_of(). */
#include "autoconfig.h"
/* Compiled as hooks.c is, without _GNU_SOURCE (see there). */
#undef _GNU_SOURCE
#include "common/config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#ifdef HAVE_GETAUXVAL
# include <sys/auxv.h>
#endif

#include "preload/apply.h"
#include "common/classify.h"
#include "common/decide.h"
#include "preload/export.h"
#include "preload/fdstate.h"
#include "preload/hostconf.h"
#include "preload/log.h"
#include "preload/real.h"
#include "preload/state.h"
#include "common/sys.h"

extern char **environ;

/* Written once by whichever runs first, the constructor or a hook called
 * before it; read-only afterwards. */
struct tk_config config;
struct tk_options options;
bool filtering;
/* What the rules of TCPKEEP_ONLY/TCPKEEP_SKIP look at, so that an accepted
 * socket costs only the system calls that can change the verdict: the
 * peer (getpeername) when some rule names an address, the service port
 * (getsockname) when some rule names ports. */
bool rules_need_peer, rules_need_port;
unsigned option_names = ~0u;	/* until the load: every name is looked up */
/* The process whose memory holds the table, to tell a vfork() child
 * (which shares it) from its parent.  Page-aligned and a page long, so
 * that MADV_WIPEONFORK zeroes it alone in a child of fork(). */
union tk_owner table_owner __attribute__((aligned(4096)));
/* The entries close() forgets only after asking whether the record is
 * this process's (descriptors.c): until the load, and in force mode,
 * every TCP socket's; otherwise those holding a choice of the program's. */
tk_fd_entry close_guard = (tk_fd_entry)~TK_FD_NOT_TCP;

static void scan_rules(const struct tk_rules *rules)
{
	if (rules == NULL)
		return;
	for (unsigned i = 0; i < rules->count && i < TK_RULES_MAX; i++) {
		const struct tk_rule *r = &rules->rule[i];

		if (r->kind != TK_RULE_ANY)
			rules_need_peer = true;
		if (r->port_lo != 0 || r->port_hi != 65535)
			rules_need_port = true;
	}
}

/* The load-once state: everything the configuration decides, once the
 * real functions are bound (the parser's warnings may need them). */
bool secure_at_load;
unsigned long page_size;

/* getauxval(AT_SECURE), from the C library found the way the hooks find
 * theirs: an import would cost every process a lazy binding, and the
 * loader a check of the glibc version that brought it (2.16).  Without
 * one, secure (the environment then names nothing).  The page size
 * (sysconf()'s, from the same vector) is taken on the way, for the
 * closefrom() hooks, which must not look a function up. */
static bool secure_execution(void)
{
#if defined HAVE_GETAUXVAL && defined AT_SECURE
	typedef unsigned long (*getauxval_fn)(unsigned long);
	void *sym = tk_real_next("getauxval");
	getauxval_fn fn;
	int saved_errno = errno;
	bool secure;

	if (sym == NULL)
		return true;
	memcpy(&fn, &sym, sizeof fn);
	secure = fn(AT_SECURE) != 0;
# ifdef AT_PAGESZ
	page_size = fn(AT_PAGESZ);
# endif
	errno = saved_errno;
	return secure;
#else
	page_size = (unsigned long)sysconf(_SC_PAGESIZE);
	return tk_secure_execution();
#endif
}

void state_load(void)
{
	struct tk_env env;

	table_owner.pid = tk_sys_getpid();
#ifdef MADV_WIPEONFORK
	/* A fork() child then finds 0 and knows the record is its own copy
	 * without kcmp(), which seccomp filters (containers') often refuse;
	 * a vfork() child, sharing the page, finds its parent.  Where the
	 * kernel refuses (before 4.14, pages larger than 4096 bytes),
	 * kcmp() still tells them apart. */
	(void)tk_sys_madvise(&table_owner, sizeof table_owner,
			     MADV_WIPEONFORK);
#endif
	/* One pass over the environment instead of a getenv() per name.
	 * The warnings go where TCPKEEP_LOG says: the parser reads it first
	 * and log.c takes it from the configuration passed along. */
	secure_at_load = secure_execution();
	tk_env_scan_as(&env, (const char *const *)environ, secure_at_load);
	/* The file's sections below the environment (hostconf.c). */
	tk_hostconf_load(&config, &env);
	tk_options_build(&options, &config);
	filtering = tk_config_has_filters(&config);
	__atomic_store_n(&option_names, config.enabled ?
			 tk_option_names(options.unset) : 0, __ATOMIC_RELAXED);
	if (!(config.enabled && config.force))
		close_guard = TK_PROG_MASK;
	scan_rules(config.have_only ? &config.only : NULL);
	scan_rules(config.have_skip ? &config.skip : NULL);
}

/* Only the bytes up to the port are required: Linux accepts the 24-byte
 * sockaddr_in6 of RFC 2133 (no sin6_scope_id) in connect(), and its port
 * must count for port rules like any other. */
int port_of(const struct sockaddr *addr, socklen_t len)
{
	if (addr->sa_family == AF_INET &&
	    len >= (socklen_t)(offsetof(struct sockaddr_in, sin_port) +
			       sizeof(in_port_t)))
		return tk_port_number(((const struct sockaddr_in *)(const void *)addr)->sin_port);
	if (addr->sa_family == AF_INET6 &&
	    len >= (socklen_t)(offsetof(struct sockaddr_in6, sin6_port) +
			       sizeof(in_port_t)))
		return tk_port_number(((const struct sockaddr_in6 *)(const void *)addr)->sin6_port);
	return -1;
}
