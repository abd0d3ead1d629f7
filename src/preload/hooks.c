/* SPDX-License-Identifier: MIT */
/* The interposed calls: socket(), connect(), accept(), accept4() and
 * setsockopt() (SPEC sections 2 and 3).
 *
 * Every hook returns what the real call returned with the errno it left.
 * On the path of a call nothing allocates, locks, reads the environment or
 * uses stdio: the configuration is parsed once, at load. */
#include "autoconfig.h"
/* Under _GNU_SOURCE glibc declares connect() and accept() with a
 * transparent union; the exported aliases below need the POSIX
 * prototypes. */
#undef _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apply.h"
#include "classify.h"
#include "decide.h"
#include "export.h"
#include "fdstate.h"
#include "log.h"
#include "real.h"

uint8_t tk_fd_table[TK_FDSTATE_SIZE];

extern char **environ;

/* Written once by whichever runs first, the constructor or a hook called
 * before it; read-only afterwards. */
static struct tk_config config;
static struct tk_options options;
static bool filtering;
/* What socket() does with a new TCP socket: one of the socket_tcp_*
 * functions below, chosen at the end of the load (see load()). */
typedef int (*socket_tcp_fn)(int domain, int type, int protocol);
static int socket_tcp_other(int domain, int type, int protocol);
static socket_tcp_fn socket_tcp_for_config(void);
static socket_tcp_fn socket_tcp = socket_tcp_other;
/* What the rules of TCPKEEP_ONLY/TCPKEEP_SKIP look at, so that an accepted
 * socket costs only the system calls that can change the verdict: the
 * peer (getpeername) when some rule names an address, the service port
 * (getsockname) when some rule names ports. */
static bool rules_need_peer, rules_need_port;

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
static int init_state = INIT_NONE;
static long init_tid;

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

static void load(void)
{
	struct tk_env env;

	tk_real_bind_all();
	/* One pass over the environment instead of a getenv() per name.
	 * The warnings go where TCPKEEP_LOG says: the parser reads it first
	 * and log.c takes it from the configuration passed along. */
	tk_env_scan(&env, (const char *const *)environ);
	tk_config_load(&config, tk_env_snapshot_lookup, &env, tk_log_bad_value,
		       &config);
	tk_log_setup(&config);
	tk_options_build(&options, &config);
	filtering = tk_config_has_filters(&config);
	scan_rules(config.have_only ? &config.only : NULL);
	scan_rules(config.have_skip ? &config.skip : NULL);
	/* Last: a hook that sees it sees everything above. */
	__atomic_store_n(&socket_tcp, socket_tcp_for_config(), __ATOMIC_RELEASE);
}

/* True once the configuration can be read.  Another library's constructor
 * may reach a hook before ours ran, possibly from several threads: the
 * first caller loads, the others wait the few microseconds it takes, and a
 * hook re-entered from inside the load itself passes through. */
__attribute__((noinline))
static bool ready_slow(void)
{
	int state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
	long self;

	if (state == INIT_DONE)
		return true;
	self = syscall(SYS_gettid);
	if (state == INIT_NONE &&
	    __atomic_compare_exchange_n(&init_state, &state, INIT_RUNNING,
					false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		__atomic_store_n(&init_tid, self, __ATOMIC_RELEASE);
		load();
		__atomic_store_n(&init_state, INIT_DONE, __ATOMIC_RELEASE);
		return true;
	}
	for (int spins = 0; spins < 100000; spins++) {
		if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_DONE)
			return true;
		if (__atomic_load_n(&init_tid, __ATOMIC_ACQUIRE) == self)
			return false;
		sched_yield();
	}
	return false;
}

static inline bool ready(void)
{
	if (__builtin_expect(__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) ==
			     INIT_DONE, 1))
		return true;
	return ready_slow();
}

__attribute__((constructor))
static void tcpkeep_init(void)
{
	(void)ready();
}

static void debug_start(struct tk_line *line, int fd, const char *call)
{
	tk_line_start(line);
	tk_line_str(line, "fd ");
	tk_line_long(line, fd);
	tk_line_str(line, " ");
	tk_line_str(line, call);
}

static void debug_skip(int fd, const char *call, const struct sockaddr *peer,
		       socklen_t peerlen, const char *why)
{
	struct tk_line line;

	debug_start(&line, fd, call);
	if (peer != NULL) {
		tk_line_str(&line, " ");
		tk_line_addr(&line, peer, peerlen);
	}
	tk_line_str(&line, ": skipped: ");
	tk_line_str(&line, why);
	tk_log_emit(&line, TK_LOG_DEBUG);
}

/* manage() when it has more to do than set every option: a debug line, or
 * options the program set itself to leave alone. */
__attribute__((noinline))
static bool manage_other(int fd, unsigned prog_mask, const char *call,
			 const struct sockaddr *peer, socklen_t peerlen)
{
	struct tk_line line;

	if (!config.debug) {
		int rc = tk_apply(fd, &options, &config, prog_mask, NULL);

		tk_fd_put(fd, rc < 0 ? TK_FD_NOT_TCP : TK_FD_MANAGED | prog_mask);
		return rc == 0;
	}
	debug_start(&line, fd, call);
	if (peer != NULL) {
		tk_line_str(&line, " ");
		tk_line_addr(&line, peer, peerlen);
	}
	tk_line_str(&line, ": ");
	if (tk_apply(fd, &options, &config, prog_mask, &line) < 0) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		debug_skip(fd, call, peer, peerlen, "not TCP");
		return false;
	}
	/* Recorded before the line goes out: when FD is 2 (the program
	 * closed stderr), log.c must know not to write there. */
	tk_fd_put(fd, TK_FD_MANAGED | prog_mask);
	tk_log_emit(&line, TK_LOG_DEBUG);
	return true;
}

/* Applies the options to FD and records it as ours.  Returns false when
 * FD was not TCP after all (a stale table entry, see tk_apply): it is then
 * recorded as such.  The common case is inline: a filtered connect() or
 * accept() that matches comes this way. */
__attribute__((always_inline))
static inline bool manage(int fd, unsigned prog_mask, const char *call,
			  const struct sockaddr *peer, socklen_t peerlen)
{
	if (__builtin_expect(config.debug || prog_mask != 0, 0))
		return manage_other(fd, prog_mask, call, peer, peerlen);
	if (tk_apply_all(fd, &options, options.has_user_timeout) < 0) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		return false;
	}
	tk_fd_put(fd, TK_FD_MANAGED);
	return true;
}

static void leave(int fd, unsigned prog_mask, const char *call,
		  const struct sockaddr *peer, socklen_t peerlen,
		  const char *why)
{
	tk_fd_put(fd, TK_FD_LEFT | prog_mask);
	if (config.debug)
		debug_skip(fd, call, peer, peerlen, why);
}

static bool keepalive_already_on(int fd)
{
	int on = 0;
	socklen_t len = sizeof on;
	int saved_errno = errno;
	bool already = getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0 && on;

	errno = saved_errno;
	return already;
}

/* A TCP socket we did not see created.  Whoever made it (a parent, systemd
 * with KeepAlive=) may already have chosen keepalive: that choice stands.
 * Returns false when the socket is not ours to decide on. */
static bool adopt_unseen(int fd, unsigned *prog_mask, const char *call)
{
	if (!tk_fd_is_tcp(fd)) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		if (config.debug)
			debug_skip(fd, call, NULL, 0, "not TCP");
		return false;
	}
	/* In force mode the configured values win here too. */
	if (!config.force && keepalive_already_on(fd)) {
		leave(fd, *prog_mask, call, NULL, 0,
		      "keepalive already enabled on it");
		return false;
	}
	return true;
}

/* The call and family, as debug lines name them. */
static const char *family_name(int domain)
{
	switch (domain) {
	case AF_INET:
		return "socket AF_INET";
	case AF_INET6:
		return "socket AF_INET6";
	case AF_UNIX:
		return "socket AF_UNIX";
	default:
		return "socket";
	}
}

/* The family, for debug lines: asked of the kernel so that the hook need
 * not keep socket()'s arguments alive across the real call. */
static const char *socket_label(int fd)
{
	int domain = AF_UNSPEC;
	socklen_t len = sizeof domain;
	int saved_errno = errno;

#ifdef SO_DOMAIN
	(void)getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
#endif
	errno = saved_errno;
	return family_name(domain);
}

/* The socket_tcp_* functions: socket() for TCP, one per configuration so
 * that the common ones test nothing at run time.  The hook tail-calls
 * them, and needs no stack frame of its own. */

/* A fresh TCP socket: every option, and the table says so.  One unsigned
 * test sends both a failed call (negative) and a number beyond the table
 * (which tk_apply() handles without it) off the common path. */
__attribute__((always_inline))
static inline int socket_apply(int domain, int type, int protocol,
			       bool with_user_timeout)
{
	int fd = tk_real_socket(domain, type, protocol);

	if (__builtin_expect((unsigned)fd < TK_FDSTATE_SIZE, 1)) {
		tk_apply_fresh(fd, &options, with_user_timeout);
		__atomic_store_n(&tk_fd_table[fd], TK_FD_MANAGED,
				 __ATOMIC_RELAXED);
	} else if (fd >= 0) {
		(void)tk_apply(fd, &options, &config, 0, NULL);
	}
	return fd;
}

/* The defaults, and any configuration without filters or debug lines. */
static int socket_tcp_apply(int domain, int type, int protocol)
{
	return socket_apply(domain, type, protocol, false);
}

static int socket_tcp_apply_user_timeout(int domain, int type, int protocol)
{
	return socket_apply(domain, type, protocol, true);
}

/* Filters without debug lines: the peer decides, at connect() or accept(). */
static int socket_tcp_pending(int domain, int type, int protocol)
{
	int fd = tk_real_socket(domain, type, protocol);

	if (fd >= 0)
		tk_fd_put(fd, TK_FD_PENDING);
	return fd;
}

/* Everything else: not loaded yet, debug lines, or the master switch off. */
static int socket_tcp_other(int domain, int type, int protocol)
{
	int fd = tk_real_socket(domain, type, protocol);

	if (fd < 0)
		return fd;
	if (!ready())
		return fd;	/* unseen: decided at connect()/accept() */
	if (!config.enabled)
		tk_fd_put(fd, TK_FD_LEFT);
	else if (filtering)
		tk_fd_put(fd, TK_FD_PENDING);
	else
		manage(fd, 0, socket_label(fd), NULL, 0);
	return fd;
}

static socket_tcp_fn socket_tcp_for_config(void)
{
	if (!config.enabled || config.debug)
		return socket_tcp_other;
	if (filtering)
		return socket_tcp_pending;
	return options.has_user_timeout ? socket_tcp_apply_user_timeout :
					  socket_tcp_apply;
}

/* Not TCP: syslog(3) and resolvers create Unix and UDP sockets all the
 * time, possibly from inside our own logging.  No system call. */
static int socket_not_tcp(int domain, int type, int protocol)
{
	int fd = tk_real_socket(domain, type, protocol);

	if (fd < 0)
		return fd;
	tk_fd_put(fd, TK_FD_NOT_TCP);
	if (__builtin_expect(config.debug, 0))
		debug_skip(fd, socket_label(fd), NULL, 0, "not TCP");
	return fd;
}

static inline int socket_tcp_call(int domain, int type, int protocol)
{
	return __atomic_load_n(&socket_tcp, __ATOMIC_ACQUIRE)(domain, type,
							      protocol);
}

/* A socket waiting for its peer with no option of the program's
 * (TK_FD_PENDING exactly) in the configuration that made it so without
 * debug lines: it takes the short way, connect_pending() or
 * accept_pending().  Force mode changes nothing there, as the program has
 * set nothing to override. */
static inline bool pending_plain(unsigned entry)
{
	return entry == TK_FD_PENDING &&
	       __atomic_load_n(&socket_tcp, __ATOMIC_ACQUIRE) == socket_tcp_pending;
}

/* Any socket() but the common TCP one. */
__attribute__((noinline))
static int socket_other(int domain, int type, int protocol)
{
	if (tk_is_tcp(domain, type, protocol))
		return socket_tcp_call(domain, type, protocol);
	return socket_not_tcp(domain, type, protocol);
}

int tk_hook_socket(int domain, int type, int protocol)
{
	/* The common TCP call, protocol 0, with a single test. */
	if (__builtin_expect((tk_stream_mismatch(domain, type) |
			      (unsigned)protocol) == 0, 1))
		return socket_tcp_call(domain, type, protocol);
	return socket_other(domain, type, protocol);
}

/* Only the bytes up to the port are required: Linux accepts the 24-byte
 * sockaddr_in6 of RFC 2133 (no sin6_scope_id) in connect(), and its port
 * must count for port rules like any other. */
static int port_of(const struct sockaddr *addr, socklen_t len)
{
	if (addr->sa_family == AF_INET &&
	    len >= (socklen_t)(offsetof(struct sockaddr_in, sin_port) +
			       sizeof(in_port_t)))
		return ntohs(((const struct sockaddr_in *)(const void *)addr)->sin_port);
	if (addr->sa_family == AF_INET6 &&
	    len >= (socklen_t)(offsetof(struct sockaddr_in6, sin6_port) +
			       sizeof(in_port_t)))
		return ntohs(((const struct sockaddr_in6 *)(const void *)addr)->sin6_port);
	return -1;
}

/* A NULL or short address, AF_UNSPEC (disconnect) or another family is
 * nothing for us: the real call gives the caller its answer. */
static inline bool connect_address_ours(const struct sockaddr *addr,
					socklen_t len)
{
	return addr != NULL && len >= (socklen_t)sizeof(struct sockaddr_in) &&
	       (addr->sa_family == AF_INET || addr->sa_family == AF_INET6);
}

/* The decision at connect() for a socket not decided yet: one we did not
 * see created, or one waiting for its peer because of filters. */
static inline void connect_decide(int fd, unsigned entry,
				  const struct sockaddr *addr, socklen_t len)
{
	unsigned state = entry & TK_FD_STATE_MASK;
	unsigned prog_mask = entry & TK_PROG_MASK;
	const char *why;

	if (!connect_address_ours(addr, len))
		return;
	if (!ready() || !config.enabled)
		return;

	/* Every call below keeps errno as it found it. */
	if (state == TK_FD_UNSEEN && !adopt_unseen(fd, &prog_mask, "connect"))
		return;
	if (config.force)
		prog_mask = 0;
	why = filtering ? tk_decide(&config, TK_CALL_CONNECT, addr, len,
				    port_of(addr, len)) : NULL;
	if (why != NULL)
		leave(fd, prog_mask, "connect", addr, len, why);
	else
		(void)manage(fd, prog_mask, "connect", addr, len);
}

/* connect_decide() for the socket socket() created under filters, with
 * no option set by the program and nothing to log: the checks that cannot
 * fail here are left out. */
static inline void connect_pending(int fd, const struct sockaddr *addr,
				   socklen_t len)
{
	if (!connect_address_ours(addr, len))
		return;
	if (tk_decide(&config, TK_CALL_CONNECT, addr, len,
		      port_of(addr, len)) != NULL)
		tk_fd_put(fd, TK_FD_LEFT);
	else if (tk_apply_all(fd, &options, options.has_user_timeout) < 0)
		tk_fd_put(fd, TK_FD_NOT_TCP);
	else
		tk_fd_put(fd, TK_FD_MANAGED);
}

__attribute__((noinline))
static int connect_slow(int fd, const struct sockaddr *addr, socklen_t len)
{
	unsigned entry = tk_fd_get(fd);

	/* Options go on before the handshake.  PENDING is only ever
	 * recorded after the load, so no ready() is needed on the short
	 * way. */
	if (pending_plain(entry))
		connect_pending(fd, addr, len);
	else if (TK_FD_UNDECIDED(entry))
		connect_decide(fd, entry, addr, len);
	return tk_real_connect(fd, addr, len);
}

int tk_hook_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (__builtin_expect(tk_fd_decided(fd), 1))
		return tk_real_connect(fd, addr, len);
	return connect_slow(fd, addr, len);
}

/* The rules' verdict on FD, a connection accept() just returned: NULL or
 * why it is left alone (tk_decide).  The peer is asked for when a rule
 * names an address or WANT_PEER says so (for a debug line); *PEERP then
 * points at it in PEER, or is NULL when there is none.
 *
 * The peer is asked for again rather than read from the caller's buffer:
 * the kernel truncates the address to that buffer but reports its full
 * length (an IPv6 peer accepted into a 16-byte struct sockaddr says 28),
 * and the buffer's size could only be known by reading *lenp before the
 * call, which would crash where the real call fails with EFAULT. */
__attribute__((always_inline))
static inline const char *accept_verdict(int fd, bool want_peer,
					 struct sockaddr_storage *peer,
					 const struct sockaddr **peerp,
					 socklen_t *peerlen)
{
	struct sockaddr_storage local;
	socklen_t locallen = sizeof local;
	int service_port = -1;

	*peerp = NULL;
	*peerlen = 0;
	if (rules_need_peer || want_peer) {
		*peerlen = sizeof *peer;
		if (getpeername(fd, (struct sockaddr *)peer, peerlen) == 0)
			*peerp = (struct sockaddr *)peer;
	}
	if (rules_need_port &&
	    getsockname(fd, (struct sockaddr *)&local, &locallen) == 0)
		service_port = port_of((struct sockaddr *)&local, locallen);
	return tk_decide(&config, TK_CALL_ACCEPT, *peerp, *peerlen,
			 service_port);
}

/* The debug line for a connection that follows its listener. */
__attribute__((noinline))
static void accept_debug(int listener, int fd, unsigned entry)
{
	struct tk_line line;

	if ((entry & TK_FD_STATE_MASK) != TK_FD_MANAGED)
		return;
	debug_start(&line, fd, "accept");
	tk_line_str(&line, ": inherited from listener fd ");
	tk_line_long(&line, listener);
	tk_log_emit(&line, TK_LOG_DEBUG);
}

/* The decision for a socket accept() just returned from a listener not
 * decided yet: one we did not see created, or one whose connections the
 * filters judge one by one. */
static void accept_decide(int listener, int fd, unsigned entry)
{
	unsigned state = entry & TK_FD_STATE_MASK;
	unsigned prog_mask = entry & TK_PROG_MASK;
	struct sockaddr_storage peer;
	socklen_t peerlen = 0;
	const struct sockaddr *peerp = NULL;
	int saved_errno;
	const char *why = NULL;

	if (!ready() || !config.enabled)
		return;

	saved_errno = errno;
	if (state == TK_FD_UNSEEN) {
		/* Judge the listener once; its connections follow it. */
		if (!adopt_unseen(listener, &prog_mask, "accept")) {
			tk_fd_put(fd, tk_fd_get(listener));
			goto out;
		}
		tk_fd_put(listener, TK_FD_PENDING | prog_mask);
	}
	if (config.force)
		prog_mask = 0;
	if (filtering)
		why = accept_verdict(fd, config.debug, &peer, &peerp, &peerlen);
	if (why != NULL)
		leave(fd, prog_mask, "accept", peerp, peerlen, why);
	else if (!manage(fd, prog_mask, "accept", peerp, peerlen))
		tk_fd_put(listener, TK_FD_NOT_TCP);	/* stale entry */
out:
	errno = saved_errno;
}

/* accept_decide() for a listener socket() created under filters, with no
 * option set by the program and nothing to log. */
static inline void accept_pending(int listener, int fd)
{
	struct sockaddr_storage peer;
	socklen_t peerlen;
	const struct sockaddr *peerp;
	int *errno_p = &errno;
	int saved_errno = *errno_p;

	if (accept_verdict(fd, false, &peer, &peerp, &peerlen) != NULL) {
		tk_fd_put(fd, TK_FD_LEFT);
	} else if (tk_apply_all(fd, &options, options.has_user_timeout) < 0) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		tk_fd_put(listener, TK_FD_NOT_TCP);	/* stale entry */
	} else {
		tk_fd_put(fd, TK_FD_MANAGED);
	}
	*errno_p = saved_errno;
}

/* A connection accepted from a listener whose fate is known: the kernel
 * copied the listener's options to it, so what we did, or chose not to
 * do, to the listener holds for it without a single system call. */
__attribute__((noinline))
static int accept_slow(int listener, int fd)
{
	unsigned entry = tk_fd_get(listener);

	if (pending_plain(entry)) {
		accept_pending(listener, fd);
		return fd;
	}
	if (TK_FD_UNDECIDED(entry)) {
		accept_decide(listener, fd, entry);
		return fd;
	}
	tk_fd_put(fd, entry);
	if (config.debug)
		accept_debug(listener, fd, entry);
	return fd;
}

/* accept_slow()'s common case inline: both numbers in the table, a
 * decided listener, no debug line. */
static inline int after_accept(int listener, int fd)
{
	if (__builtin_expect((unsigned)listener < TK_FDSTATE_SIZE &&
			     (unsigned)fd < TK_FDSTATE_SIZE && !config.debug, 1)) {
		unsigned entry = __atomic_load_n(&tk_fd_table[listener],
						 __ATOMIC_RELAXED);

		if (__builtin_expect(!TK_FD_UNDECIDED(entry), 1)) {
			__atomic_store_n(&tk_fd_table[fd], (uint8_t)entry,
					 __ATOMIC_RELAXED);
			return fd;
		}
	}
	return accept_slow(listener, fd);
}

int tk_hook_accept(int listener, struct sockaddr *addr, socklen_t *len)
{
	int fd = tk_real_accept(listener, addr, len);

	if (fd < 0)
		return fd;
	return after_accept(listener, fd);
}

#if HAVE_ACCEPT4
int tk_hook_accept4(int listener, struct sockaddr *addr, socklen_t *len,
		    int flags)
{
	int fd = tk_real_accept4(listener, addr, len, flags);

	if (fd < 0)
		return fd;
	return after_accept(listener, fd);
}
#endif

/* The debug line for a program call that force mode kept from the
 * kernel. */
static void debug_forced(int fd, unsigned bit, int wanted)
{
	struct tk_line line;

	debug_start(&line, fd, "setsockopt");
	tk_line_str(&line, ": ignored ");
	tk_line_str(&line, bit == TK_PROG_KEEPALIVE ? "SO_KEEPALIVE" :
		    bit == TK_PROG_IDLE ? "TCP_KEEPIDLE" :
		    bit == TK_PROG_INTVL ? "TCP_KEEPINTVL" :
		    bit == TK_PROG_CNT ? "TCP_KEEPCNT" : "TCP_USER_TIMEOUT");
	tk_line_str(&line, "=");
	tk_line_long(&line, wanted);
	tk_line_str(&line, " (TCPKEEP_FORCE)");
	tk_log_emit(&line, TK_LOG_DEBUG);
}

int tk_hook_setsockopt(int fd, int level, int name, const void *value,
		       socklen_t len)
{
	unsigned bit = tk_option_bit(level, name);
	unsigned state;

	if (bit == 0)
		return tk_real_setsockopt(fd, level, name, value, len);
	state = tk_fd_get(fd) & TK_FD_STATE_MASK;
	if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_DONE &&
	    config.force && config.enabled && state == TK_FD_MANAGED &&
	    value != NULL && len >= (socklen_t)sizeof(int)) {
		int wanted;

		memcpy(&wanted, value, sizeof wanted);
		/* Turning keepalive on is what we want anyway; pass it.  A
		 * user timeout we were not asked to set is the program's. */
		if (!(bit == TK_PROG_KEEPALIVE && wanted != 0) &&
		    !(bit == TK_PROG_USER_TO && !config.user_timeout_set)) {
			if (config.debug)
				debug_forced(fd, bit, wanted);
			return 0;
		}
	}
	/* Before our decision, the program's choice is remembered so the
	 * decision leaves that option alone; after it, the kernel simply
	 * takes the program's value. */
	if (state == TK_FD_UNSEEN || state == TK_FD_PENDING)
		tk_fd_add_prog(fd, bit);
	return tk_real_setsockopt(fd, level, name, value, len);
}

/* The exported names are aliases of the hooks: the binder in real.c can
 * then compare what dlsym returns with our own addresses. */
#define EXPORT_ALIAS(name) \
	extern __typeof(tk_hook_##name) name \
		__attribute__((alias("tk_hook_" #name))) TCPKEEP_EXPORT

EXPORT_ALIAS(socket);
EXPORT_ALIAS(connect);
EXPORT_ALIAS(accept);
#if HAVE_ACCEPT4
EXPORT_ALIAS(accept4);
#endif
EXPORT_ALIAS(setsockopt);
