/* SPDX-License-Identifier: MIT */
/* The interposed calls (SPEC sections 2 and 3): socket(), connect(),
 * accept(), accept4() and setsockopt() decide and apply; sendto() and
 * sendmsg() decide for a TCP Fast Open connection, which never calls
 * connect(); close(), dup(), dup2(), dup3(), fcntl(F_DUPFD),
 * close_range(), closefrom() and recvmsg() keep the record of descriptors
 * (fdstate.h) exact.  At load, sockets already connected on descriptors 0
 * and 1, and on those systemd passes, are decided like accepted ones.
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

#include "apply.h"
#include "classify.h"
#include "decide.h"
#include "export.h"
#include "fdstate.h"
#include "log.h"
#include "real.h"

/* Twice the size of the record: close() indexes it with the number
 * masked to 21 bits instead of testing it (fdstate.h), and the upper half
 * takes what a negative or too large number writes. */
uint8_t tk_fd_table[2 * TK_FDSTATE_SIZE] __attribute__((aligned(4096)));

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
/* The real socket() for the socket_tcp_apply* and socket_tcp_pending
 * handlers: bound before the load publishes socket_tcp (release), read
 * only by a handler reached through it (acquire), so a plain read folded
 * into the call (TK_REAL's relaxed atomic load would cost one more
 * instruction per socket). */
static tk_socket_fn socket_bound;
/* What the rules of TCPKEEP_ONLY/TCPKEEP_SKIP look at, so that an accepted
 * socket costs only the system calls that can change the verdict: the
 * peer (getpeername) when some rule names an address, the service port
 * (getsockname) when some rule names ports. */
static bool rules_need_peer, rules_need_port;
/* The process whose memory holds the table, to tell a vfork() child
 * (which shares it) from its parent. */
static long table_owner;

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
static int init_state = INIT_NONE;
static long init_tid;

static void adopt_at_load(void);

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
	socket_bound = TK_REAL(socket);
	table_owner = syscall(SYS_getpid);
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
	if (config.enabled)
		adopt_at_load();
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

/* tk_apply() without a debug line or an option of the program's: the
 * configurations with and without a user timeout get constant masks. */
__attribute__((always_inline))
static inline int apply_plain(int fd, bool fresh)
{
	if (__builtin_expect(options.unset == TK_PROG_USER_TO, 1))
		return tk_apply(fd, &options, 0, TK_PROG_USER_TO, fresh, NULL);
	return tk_apply(fd, &options, 0, options.unset, fresh, NULL);
}

/* manage() when it has more to do than set every option: a debug line, or
 * options the program set itself to leave alone. */
__attribute__((noinline))
static bool manage_other(int fd, unsigned prog_mask, const char *call,
			 const struct sockaddr *peer, socklen_t peerlen)
{
	struct tk_line line;

	if (!config.debug) {
		int rc = tk_apply(fd, &options, prog_mask, options.unset, false,
				  NULL);

		tk_fd_put(fd, rc < 0 ? TK_FD_NOT_TCP : TK_FD_MANAGED | prog_mask);
		return rc == 0;
	}
	debug_start(&line, fd, call);
	if (peer != NULL) {
		tk_line_str(&line, " ");
		tk_line_addr(&line, peer, peerlen);
	}
	tk_line_str(&line, ": ");
	if (tk_apply(fd, &options, prog_mask, options.unset, false, &line) < 0) {
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
 * recorded as such.  PLAIN (a constant) says there is no debug line and
 * no option of the program's: the common case, inline. */
__attribute__((always_inline))
static inline bool manage(int fd, unsigned prog_mask, const char *call,
			  const struct sockaddr *peer, socklen_t peerlen,
			  bool plain)
{
	if (!plain && __builtin_expect(config.debug || prog_mask != 0, 0))
		return manage_other(fd, prog_mask, call, peer, peerlen);
	if (apply_plain(fd, false) < 0) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		return false;
	}
	tk_fd_put(fd, TK_FD_MANAGED);
	return true;
}

__attribute__((always_inline))
static inline void leave(int fd, unsigned prog_mask, const char *call,
			 const struct sockaddr *peer, socklen_t peerlen,
			 const char *why, bool plain)
{
	tk_fd_put(fd, TK_FD_LEFT | prog_mask);
	if (!plain && config.debug)
		debug_skip(fd, call, peer, peerlen, why);
}

/* The verdict taken: options or not. */
__attribute__((always_inline))
static inline bool settle(int fd, unsigned prog_mask, const char *call,
			  const struct sockaddr *peer, socklen_t peerlen,
			  const char *why, bool plain)
{
	if (why != NULL) {
		leave(fd, prog_mask, call, peer, peerlen, why, plain);
		return true;
	}
	return manage(fd, prog_mask, call, peer, peerlen, plain);
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
 * A number beyond the table cannot hold what the program chose for it, so
 * outside force mode it is left alone.  Returns false when the socket is
 * not ours to decide on. */
static bool adopt_unseen(int fd, unsigned *prog_mask, const char *call)
{
	if (!tk_fd_is_tcp(fd)) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		if (config.debug)
			debug_skip(fd, call, NULL, 0, "not TCP");
		return false;
	}
	if (config.force)
		return true;	/* the configured values win here too */
	if (!tk_fd_in_table(fd)) {
		if (config.debug)
			debug_skip(fd, call, NULL, 0,
				   "descriptor beyond the library's table");
		return false;
	}
	if (keepalive_already_on(fd)) {
		leave(fd, *prog_mask, call, NULL, 0,
		      "keepalive already enabled on it", false);
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
 * (configured all the same: no choice of the program's can exist yet, but
 * not recorded) off the common path. */
__attribute__((always_inline))
static inline int socket_apply(int domain, int type, int protocol,
			       unsigned unset)
{
	int fd = socket_bound(domain, type, protocol);

	if (__builtin_expect((unsigned)fd < TK_FDSTATE_SIZE, 1)) {
		(void)tk_apply(fd, &options, 0, unset, true, NULL);
		__atomic_store_n(&tk_fd_table[fd], TK_FD_MANAGED,
				 __ATOMIC_RELAXED);
	} else if (fd >= 0) {
		(void)tk_apply(fd, &options, 0, unset, true, NULL);
	}
	return fd;
}

/* The defaults, and any configuration without filters, debug lines or
 * an option left at the system default. */
static int socket_tcp_apply(int domain, int type, int protocol)
{
	return socket_apply(domain, type, protocol, TK_PROG_USER_TO);
}

static int socket_tcp_apply_user_timeout(int domain, int type, int protocol)
{
	return socket_apply(domain, type, protocol, 0);
}

/* Filters without debug lines: the peer decides, at connect() or accept(). */
static int socket_tcp_pending(int domain, int type, int protocol)
{
	int fd = socket_bound(domain, type, protocol);

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
	if (!ready()) {
		tk_fd_put(fd, TK_FD_UNSEEN);	/* decided at connect()/accept() */
		return fd;
	}
	if (!config.enabled)
		tk_fd_put(fd, TK_FD_LEFT);
	else if (filtering)
		tk_fd_put(fd, TK_FD_PENDING);
	else
		manage(fd, 0, socket_label(fd), NULL, 0, false);
	return fd;
}

static socket_tcp_fn socket_tcp_for_config(void)
{
	if (!config.enabled || config.debug)
		return socket_tcp_other;
	if (filtering)
		return socket_tcp_pending;
	if (options.unset == TK_PROG_USER_TO)
		return socket_tcp_apply;
	if (options.unset == 0)
		return socket_tcp_apply_user_timeout;
	return socket_tcp_other;
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
 * debug lines: its decision is taken with PLAIN set (manage()).  Force
 * mode changes nothing there, as the program has set nothing to
 * override. */
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

/* The one decision for an outgoing connection on a socket not decided
 * yet (connect(), or sendto()/sendmsg() with MSG_FASTOPEN): one we did
 * not see created, or one waiting for its peer because of filters.
 * PLAIN (a constant) is pending_plain(ENTRY): the checks that cannot fail
 * then go away.  Every call below keeps errno as it found it. */
__attribute__((always_inline))
static inline void outgoing(int fd, unsigned entry,
			    const struct sockaddr *addr, socklen_t len,
			    const char *call, bool plain)
{
	unsigned prog_mask = plain ? 0 : entry & TK_PROG_MASK;
	const char *why = NULL;

	if (!connect_address_ours(addr, len))
		return;
	if (!plain) {
		if (!ready() || !config.enabled)
			return;
		if ((entry & TK_FD_STATE_MASK) == TK_FD_UNSEEN &&
		    !adopt_unseen(fd, &prog_mask, call))
			return;
		if (config.force)
			prog_mask = 0;
	}
	if (plain || filtering)
		why = tk_decide(&config, TK_CALL_CONNECT, addr, len,
				port_of(addr, len));
	(void)settle(fd, prog_mask, call, addr, len, why, plain);
}

__attribute__((noinline))
static int connect_slow(int fd, const struct sockaddr *addr, socklen_t len)
{
	unsigned entry = tk_fd_get(fd);

	/* Options go on before the handshake.  PENDING is only ever
	 * recorded after the load, so no ready() is needed on the plain
	 * way. */
	if (pending_plain(entry))
		outgoing(fd, entry, addr, len, "connect", true);
	else if (TK_FD_UNDECIDED(entry))
		outgoing(fd, entry, addr, len, "connect", false);
	return tk_real_connect(fd, addr, len);
}

int tk_hook_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (__builtin_expect(tk_fd_decided(fd), 1))
		return tk_real_connect(fd, addr, len);
	return connect_slow(fd, addr, len);
}

/* TCP Fast Open: the connection starts in sendto() or sendmsg() with
 * MSG_FASTOPEN, and connect() is never called.  The decision comes right
 * after the real call, whose answer says the kernel could read the
 * address: reading it before could crash where the kernel fails with
 * EFAULT.  Keepalive options take effect whenever they are set. */
#if HAVE_DECL_MSG_FASTOPEN
static inline bool started_connection(ssize_t rc)
{
	return rc >= 0 || errno == EINPROGRESS;
}

__attribute__((noinline))
static void fastopen_decide(int fd, unsigned entry,
			    const struct sockaddr *addr, socklen_t len,
			    const char *call)
{
	int saved_errno = errno;

	outgoing(fd, entry, addr, len, call, false);
	errno = saved_errno;
}

__attribute__((noinline))
static ssize_t sendto_fastopen(int fd, const void *buf, size_t n, int flags,
			       const struct sockaddr *addr, socklen_t len)
{
	unsigned entry = tk_fd_get(fd);
	ssize_t rc = TK_REAL(sendto)(fd, buf, n, flags, addr, len);

	if (TK_FD_UNDECIDED(entry) && started_connection(rc))
		fastopen_decide(fd, entry, addr, len, "sendto");
	return rc;
}

ssize_t tk_hook_sendto(int fd, const void *buf, size_t n, int flags,
		       const struct sockaddr *addr, socklen_t len)
{
	/* Every other sendto(), UDP's included: one test. */
	if (__builtin_expect(!(flags & MSG_FASTOPEN), 1))
		return TK_REAL(sendto)(fd, buf, n, flags, addr, len);
	return sendto_fastopen(fd, buf, n, flags, addr, len);
}

__attribute__((noinline))
static ssize_t sendmsg_fastopen(int fd, const struct msghdr *msg, int flags)
{
	unsigned entry = tk_fd_get(fd);
	ssize_t rc = TK_REAL(sendmsg)(fd, msg, flags);

	if (TK_FD_UNDECIDED(entry) && started_connection(rc))
		fastopen_decide(fd, entry, msg->msg_name, msg->msg_namelen,
				"sendmsg");
	return rc;
}

ssize_t tk_hook_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (__builtin_expect(!(flags & MSG_FASTOPEN), 1))
		return TK_REAL(sendmsg)(fd, msg, flags);
	return sendmsg_fastopen(fd, msg, flags);
}
#else
ssize_t tk_hook_sendto(int fd, const void *buf, size_t n, int flags,
		       const struct sockaddr *addr, socklen_t len)
{
	return TK_REAL(sendto)(fd, buf, n, flags, addr, len);
}

ssize_t tk_hook_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return TK_REAL(sendmsg)(fd, msg, flags);
}
#endif

/* The rules' verdict on FD, a connection accept() just returned (or one
 * connected at load): NULL or why it is left alone (tk_decide).  The peer
 * is asked for when a rule names an address or WANT_PEER says so (for a
 * debug line); *PEERP then points at it in PEER, or is NULL when there is
 * none.
 *
 * The peer is asked for again rather than read from the caller's buffer:
 * the kernel truncates the address to that buffer but reports its full
 * length (an IPv6 peer accepted into a 16-byte struct sockaddr says 28),
 * and the buffer's size could only be known by reading *lenp before the
 * call, which would crash where the real call fails with EFAULT. */
__attribute__((always_inline))
static inline const char *incoming_verdict(int fd, bool want_peer,
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

/* The one decision for a socket accept() just returned from a listener
 * not decided yet: one we did not see created, or one whose connections
 * the filters judge one by one.  PLAIN (a constant) is
 * pending_plain(ENTRY). */
__attribute__((always_inline))
static inline void incoming(int listener, int fd, unsigned entry, bool plain)
{
	unsigned prog_mask = plain ? 0 : entry & TK_PROG_MASK;
	struct sockaddr_storage peer;
	socklen_t peerlen = 0;
	const struct sockaddr *peerp = NULL;
	int *errno_p = &errno;
	int saved_errno;
	const char *why = NULL;

	if (!plain && (!ready() || !config.enabled)) {
		tk_fd_put(fd, TK_FD_UNSEEN);
		return;
	}
	saved_errno = *errno_p;
	if (!plain && (entry & TK_FD_STATE_MASK) == TK_FD_UNSEEN) {
		/* Judge the listener once; its connections follow it. */
		if (!adopt_unseen(listener, &prog_mask, "accept")) {
			tk_fd_put(fd, tk_fd_get(listener));
			goto out;
		}
		tk_fd_put(listener, TK_FD_PENDING | prog_mask);
	}
	if (!plain && config.force)
		prog_mask = 0;
	if (plain || filtering)
		why = incoming_verdict(fd, !plain && config.debug, &peer,
				       &peerp, &peerlen);
	if (!settle(fd, prog_mask, "accept", peerp, peerlen, why, plain))
		tk_fd_put(listener, TK_FD_NOT_TCP);	/* stale entry */
out:
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
		incoming(listener, fd, entry, true);
		return fd;
	}
	if (TK_FD_UNDECIDED(entry)) {
		incoming(listener, fd, entry, false);
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

/* The int at FROM in the caller's memory, read the way the kernel reads
 * it: an address the kernel would refuse with EFAULT gives false here
 * instead of a crash.  Also false where the call is not allowed (a
 * seccomp filter): the caller then leaves the decision to the kernel. */
static bool read_caller_int(const void *from, int *to)
{
#ifdef SYS_process_vm_readv
	struct iovec local = { to, sizeof *to };
	struct iovec remote = { (void *)(uintptr_t)from, sizeof *to };

	return syscall(SYS_process_vm_readv, syscall(SYS_getpid), &local, 1UL,
		       &remote, 1UL, 0UL) == (long)sizeof *to;
#else
	(void)from;
	(void)to;
	return false;
#endif
}

/* Whether FD, recorded as managed, still is the TCP socket we configured
 * (its number may have been freed where no hook saw it): TCP answers
 * TCP_KEEPIDLE, and in force mode nothing can have moved it from ours. */
static bool still_managed(int fd)
{
	int value = 0;
	socklen_t len = sizeof value;

	if (getsockopt(fd, IPPROTO_TCP, TK_TCP_IDLE, &value, &len) != 0)
		return false;
	if (!(options.unset & TK_PROG_IDLE))
		return value == options.idle;
	len = sizeof value;
	return getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &value, &len) == 0 &&
	       value != 0;
}

/* Force mode, for a program call on one of our options of a socket we
 * manage: true when the call is kept from the kernel (the hook returns 0).
 * A call that turns keepalive on, or sets an option the configuration
 * leaves to the system, is the program's; so is any call the kernel
 * would refuse (a buffer it cannot read), and any on a descriptor that is
 * no longer the socket we configured. */
__attribute__((noinline))
static bool force_keeps(int fd, unsigned bit, const void *value)
{
	int saved_errno = errno;
	int wanted = 0;
	bool keep = false;

	if (!(options.unset & bit) && read_caller_int(value, &wanted) &&
	    !(bit == TK_PROG_KEEPALIVE && wanted != 0)) {
		keep = still_managed(fd);
		if (!keep)
			tk_fd_put(fd, TK_FD_UNSEEN);	/* stale entry */
	}
	errno = saved_errno;
	if (keep && config.debug)
		debug_forced(fd, bit, wanted);
	return keep;
}

/* setsockopt() of one of our options, or of one whose number is the same
 * at another level. */
__attribute__((noinline))
static int setsockopt_maybe_ours(int fd, int level, int name,
				 const void *value, socklen_t len)
{
	unsigned bit = tk_option_bit(level, name);
	unsigned entry;

	if (bit == 0)
		return tk_real_setsockopt(fd, level, name, value, len);
	entry = tk_fd_get(fd);
	if ((entry & TK_FD_STATE_MASK) == TK_FD_MANAGED &&
	    len >= (socklen_t)sizeof(int) &&
	    __atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_DONE &&
	    config.force && config.enabled && force_keeps(fd, bit, value))
		return 0;
	/* Before our decision, the program's choice is remembered so the
	 * decision leaves that option alone; after it, the kernel simply
	 * takes the program's value. */
	if (TK_FD_UNDECIDED(tk_fd_get(fd)))
		tk_fd_add_prog(fd, bit);
	return tk_real_setsockopt(fd, level, name, value, len);
}

int tk_hook_setsockopt(int fd, int level, int name, const void *value,
		       socklen_t len)
{
	/* Every option but ours (and a few namesakes): one bit test. */
	if (__builtin_expect(!tk_option_maybe(name), 1))
		return tk_real_setsockopt(fd, level, name, value, len);
	return setsockopt_maybe_ours(fd, level, name, value, len);
}

/* ---- The record follows the descriptor (fdstate.h). */

/* Forgotten before the real call: once the kernel has freed the number,
 * another thread's socket() may take it and record its own entry, which
 * must not be erased.  No range test (it would be the sixth instruction):
 * the mask sends a negative number, or one from 2^20 to 2^21 - 1, to the
 * table's upper half, which nothing reads. */
int tk_hook_close(int fd)
{
	__atomic_store_n(&tk_fd_table[(unsigned)fd & TK_FDSTATE_CLOSE_MASK],
			 TK_FD_UNSEEN, __ATOMIC_RELAXED);
	return TK_REAL(close)(fd);
}

/* A copy names the same socket: it takes the original's entry, the
 * program's choices included.  NEWFD is what the real call returned. */
static inline int copied(int oldfd, int newfd)
{
	if (newfd >= 0 && newfd != oldfd)
		tk_fd_put(newfd, tk_fd_get(oldfd));
	return newfd;
}

int tk_hook_dup(int fd)
{
	return copied(fd, TK_REAL(dup)(fd));
}

int tk_hook_dup2(int fd, int to)
{
	return copied(fd, TK_REAL(dup2)(fd, to));
}

#ifdef HAVE_DUP3
int tk_hook_dup3(int fd, int to, int flags)
{
	return copied(fd, TK_REAL(dup3)(fd, to, flags));
}
#endif

/* F_DUPFD and F_DUPFD_CLOEXEC copy the record; every other command
 * passes straight through. */
#define FCNTL_HOOK(name) \
	int tk_hook_##name(int fd, int cmd, ...) \
	{ \
		void *arg; \
		\
		TK_FCNTL_ARG(cmd, arg); \
		if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) \
			return copied(fd, TK_REAL(name)(fd, cmd, arg)); \
		return TK_REAL(name)(fd, cmd, arg); \
	}
FCNTL_HOOK(fcntl)
#ifdef HAVE_FCNTL64
FCNTL_HOOK(fcntl64)
#endif

#if defined(HAVE_CLOSE_RANGE) || defined(HAVE_CLOSEFROM)
/* True unless this is a vfork() child, which shares the table with its
 * suspended parent: the numbers it frees are still open there.  A child
 * of fork() has its own copy (kcmp() tells them apart); where kcmp() is
 * not allowed, the child leaves its copy as it is. */
static bool table_is_ours(void)
{
	long self = syscall(SYS_getpid);
	long owner = __atomic_load_n(&table_owner, __ATOMIC_RELAXED);

	if (self == owner || owner == 0)
		return true;
# ifdef SYS_kcmp
	/* KCMP_VM: 0 when both share one address space. */
	if (syscall(SYS_kcmp, self, owner, 1, 0UL, 0UL) > 0) {
		__atomic_store_n(&table_owner, self, __ATOMIC_RELAXED);
		return true;
	}
# endif
	return false;
}

static void forget_from(unsigned first, unsigned last)
{
	int saved_errno = errno;

	if (table_is_ours())
		tk_fd_forget_range(first, last);
	errno = saved_errno;
}
#endif

#ifdef HAVE_CLOSE_RANGE
# ifndef CLOSE_RANGE_CLOEXEC
#  define CLOSE_RANGE_CLOEXEC (1u << 2)	/* Linux's value */
# endif
int tk_hook_close_range(unsigned first, unsigned last, int flags)
{
	int rc = TK_REAL(close_range)(first, last, flags);

	/* With CLOSE_RANGE_CLOEXEC nothing is closed now. */
	if (rc == 0 && !((unsigned)flags & CLOSE_RANGE_CLOEXEC))
		forget_from(first, last);
	return rc;
}
#endif

#ifdef HAVE_CLOSEFROM
void tk_hook_closefrom(int fd)
{
	TK_REAL(closefrom)(fd);
	if (fd >= 0)
		forget_from((unsigned)fd, ~0u);
}
#endif

void tk_fd_forget_range(unsigned first, unsigned last)
{
	unsigned char resident[TK_FDSTATE_SIZE / 4096 + 1];
	/* Asked here, not at load: sysconf() would cost every process its
	 * symbol lookup at start. */
	unsigned long step = (unsigned long)sysconf(_SC_PAGESIZE);

	if (first >= TK_FDSTATE_SIZE || first > last)
		return;
	if (last >= TK_FDSTATE_SIZE)
		last = TK_FDSTATE_SIZE - 1;
	/* A page never written is not resident and holds only zeros: the
	 * kernel says which are, in one call. */
	if (step < 4096 || step > TK_FDSTATE_SIZE / 2 ||
	    TK_FDSTATE_SIZE % step != 0 ||
	    (uintptr_t)tk_fd_table % step != 0 ||
	    mincore(tk_fd_table, TK_FDSTATE_SIZE, resident) != 0) {
		step = TK_FDSTATE_SIZE;
		resident[0] = 1;
	}
	for (unsigned fd = first; fd <= last;) {
		unsigned page = (unsigned)(fd / step);
		unsigned end = (unsigned)((page + 1) * step - 1);

		if (end > last)
			end = last;
		if (resident[page] & 1) {
			for (unsigned i = fd; i <= end; i++)
				if (__atomic_load_n(&tk_fd_table[i],
						    __ATOMIC_RELAXED) != 0)
					__atomic_store_n(&tk_fd_table[i], 0,
							 __ATOMIC_RELAXED);
		}
		if (end == last)
			break;
		fd = end + 1;
	}
}

/* Descriptors SCM_RIGHTS installed: their numbers were free, so whatever
 * the table holds for them is a closed descriptor's. */
__attribute__((noinline))
static void forget_passed(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	     c = CMSG_NXTHDR(msg, c)) {
		const unsigned char *data = CMSG_DATA(c);
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, data + i * sizeof fd, sizeof fd);
			tk_fd_put(fd, TK_FD_UNSEEN);
		}
	}
}

/* The message header is read only after the kernel wrote it. */
ssize_t tk_hook_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t rc = TK_REAL(recvmsg)(fd, msg, flags);

	if (__builtin_expect(rc >= 0 && msg->msg_controllen != 0, 0))
		forget_passed(msg);
	return rc;
}

/* ---- Sockets connected when the library loads (SPEC section 3). */

/* The kernel's defaults, read from a TCP socket made for the purpose: an
 * option of a handed-over socket that differs from them was chosen by
 * whoever made it, and stays. */
struct kernel_defaults {
	int idle, intvl, cnt, user_timeout;
};

static int int_option(int fd, int level, int name, int fallback)
{
	int value;
	socklen_t len = sizeof value;

	if (getsockopt(fd, level, name, &value, &len) != 0)
		return fallback;
	return value;
}

static void read_kernel_defaults(struct kernel_defaults *d)
{
	int type = SOCK_STREAM;
	int s;

	/* Linux's compiled-in values, should no socket be allowed. */
	d->idle = TK_KERNEL_IDLE_S;
	d->intvl = TK_KERNEL_INTVL_S;
	d->cnt = TK_KERNEL_CNT;
	d->user_timeout = 0;
#if HAVE_DECL_SOCK_CLOEXEC
	type |= SOCK_CLOEXEC;
#endif
	s = tk_real_socket(AF_INET, type, 0);
	if (s < 0)
		s = tk_real_socket(AF_INET6, type, 0);
	if (s < 0)
		return;
	d->idle = int_option(s, IPPROTO_TCP, TK_TCP_IDLE, d->idle);
	d->intvl = int_option(s, IPPROTO_TCP, TCP_KEEPINTVL, d->intvl);
	d->cnt = int_option(s, IPPROTO_TCP, TCP_KEEPCNT, d->cnt);
#if HAVE_DECL_TCP_USER_TIMEOUT
	d->user_timeout = int_option(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 0);
#endif
	(void)TK_REAL(close)(s);
}

/* The options FD holds at a value other than the kernel's default, as
 * TK_PROG_* bits: whoever made the socket chose them. */
static unsigned chosen_options(int fd, int idle,
			       const struct kernel_defaults *d)
{
	unsigned chosen = 0;

	if (idle != d->idle)
		chosen |= TK_PROG_IDLE;
	if (int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL, d->intvl) != d->intvl)
		chosen |= TK_PROG_INTVL;
	if (int_option(fd, IPPROTO_TCP, TCP_KEEPCNT, d->cnt) != d->cnt)
		chosen |= TK_PROG_CNT;
#if HAVE_DECL_TCP_USER_TIMEOUT
	if (int_option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, d->user_timeout) !=
	    d->user_timeout)
		chosen |= TK_PROG_USER_TO;
#endif
	if (int_option(fd, SOL_SOCKET, SO_KEEPALIVE, 0) != 0)
		chosen |= TK_PROG_KEEPALIVE;
	return chosen;
}

/* What adopt_at_load() has seen: the defaults once asked for, and the
 * sockets decided (inetd puts one connection on 0, 1 and 2). */
struct load_scan {
	bool have_defaults;
	struct kernel_defaults defaults;
	unsigned seen;
	struct {
		int fd;
		dev_t dev;
		ino_t ino;
	} socket[8];
};

/* FD, when it is a connected TCP socket, decided like an accepted one.
 * One system call for anything else: a TCP-level option is answered by
 * TCP sockets only (ENOTSOCK, ENOPROTOOPT or EOPNOTSUPP otherwise). */
static void adopt_connected(int fd, struct load_scan *scan)
{
	struct sockaddr_storage peer;
	socklen_t peerlen = sizeof peer;
	struct stat st;
	unsigned chosen = 0;
	const char *why;
	int idle = int_option(fd, IPPROTO_TCP, TK_TCP_IDLE, -1);

	if (idle < 0)
		return;
	/* A listener, or a socket not connected yet: decided at accept() or
	 * connect() like any socket we did not see created. */
	if (getpeername(fd, (struct sockaddr *)&peer, &peerlen) != 0)
		return;
	if (fstat(fd, &st) == 0) {
		for (unsigned i = 0; i < scan->seen; i++) {
			if (scan->socket[i].dev == st.st_dev &&
			    scan->socket[i].ino == st.st_ino) {
				tk_fd_put(fd, tk_fd_get(scan->socket[i].fd));
				return;
			}
		}
		if (scan->seen < sizeof scan->socket / sizeof scan->socket[0]) {
			scan->socket[scan->seen].fd = fd;
			scan->socket[scan->seen].dev = st.st_dev;
			scan->socket[scan->seen].ino = st.st_ino;
			scan->seen++;
		}
	}
	if (!config.force) {
		if (!scan->have_defaults) {
			read_kernel_defaults(&scan->defaults);
			scan->have_defaults = true;
		}
		chosen = chosen_options(fd, idle, &scan->defaults);
	}
	why = NULL;
	if (filtering) {
		struct sockaddr_storage local;
		socklen_t locallen = sizeof local;
		int service_port = -1;

		if (rules_need_port &&
		    getsockname(fd, (struct sockaddr *)&local, &locallen) == 0)
			service_port = port_of((struct sockaddr *)&local,
					       locallen);
		why = tk_decide(&config, TK_CALL_ACCEPT,
				(const struct sockaddr *)&peer, peerlen,
				service_port);
	}
	(void)settle(fd, chosen, "at load", (const struct sockaddr *)&peer,
		     peerlen, why, false);
}

/* The values of LISTEN_PID and LISTEN_FDS in the environment, as getenv()
 * would find them (the first entry of each), in one pass that looks no
 * further than the first byte of most entries. */
static void listen_env(const char **pid, const char **fds)
{
	*pid = NULL;
	*fds = NULL;
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		if ((*e)[0] != 'L' || strncmp(*e, "LISTEN_", 7) != 0)
			continue;
		if (*pid == NULL && strncmp(*e + 7, "PID=", 4) == 0)
			*pid = *e + 11;
		else if (*fds == NULL && strncmp(*e + 7, "FDS=", 4) == 0)
			*fds = *e + 11;
	}
}

/* A decimal number up to MAX, or -1. */
static long env_number(const char *text, long max)
{
	long value = 0;

	if (text == NULL || *text == '\0')
		return -1;
	for (; *text != '\0'; text++) {
		if (*text < '0' || *text > '9')
			return -1;
		value = value * 10 + (*text - '0');
		if (value > max)
			return -1;
	}
	return value;
}

/* systemd's socket activation passes LISTEN_FDS descriptors from 3 on,
 * for the process LISTEN_PID (sd_listen_fds(3)).  At most this many are
 * looked at: one system call each. */
#define LISTEN_FDS_MAX 1024

static bool secure_execution(void)
{
#ifdef HAVE_GETAUXVAL
	return getauxval(AT_SECURE) != 0;
#else
	return false;
#endif
}

/* Descriptors 0 and 1 (inetd, xinetd, sshd -i, tcpserver, systemd with
 * StandardInput=socket) and those systemd passes.  Everything else is
 * decided when the program first connects or accepts on it. */
static void adopt_at_load(void)
{
	struct load_scan scan;
	const char *pid_text, *count_text;
	long pid, count;
	int saved_errno = errno;

	scan.have_defaults = false;
	scan.seen = 0;
	adopt_connected(0, &scan);
	adopt_connected(1, &scan);
	/* In a secure-execution process the user's environment names
	 * nothing: descriptors 0 and 1 only. */
	listen_env(&pid_text, &count_text);
	pid = env_number(pid_text, 0x7fffffffL);
	count = env_number(count_text, 0x7fffffffL);
	if (count > LISTEN_FDS_MAX)
		count = LISTEN_FDS_MAX;
	if (pid > 0 && count > 0 && !secure_execution() &&
	    pid == table_owner)
		for (int fd = 3; fd < 3 + count; fd++)
			adopt_connected(fd, &scan);
	errno = saved_errno;
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
EXPORT_ALIAS(sendto);
EXPORT_ALIAS(sendmsg);
EXPORT_ALIAS(close);
EXPORT_ALIAS(dup);
EXPORT_ALIAS(dup2);
#ifdef HAVE_DUP3
EXPORT_ALIAS(dup3);
#endif
EXPORT_ALIAS(fcntl);
#ifdef HAVE_FCNTL64
EXPORT_ALIAS(fcntl64);
#endif
#ifdef HAVE_CLOSE_RANGE
EXPORT_ALIAS(close_range);
#endif
#ifdef HAVE_CLOSEFROM
EXPORT_ALIAS(closefrom);
#endif
EXPORT_ALIAS(recvmsg);
