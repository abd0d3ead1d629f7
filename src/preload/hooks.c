/* SPDX-License-Identifier: MIT */
/* The interposed socket(), connect(), accept(), accept4() and
 * setsockopt(), which decide and apply (libtcpkeep(7), "Which sockets" and
 * "When options are applied"), and the load: the state read once
 * (state.c), then the sockets connected at load (handover.c).  The other
 * hooks: the record of descriptors in descriptors.c, TCP Fast Open in
 * fastopen.c, force mode's setsockopt() decision in force.c; what is done
 * to one socket once decided in manage.c and manage.h.
 *
 * The calls run one way: this file and the other hooks use manage.c,
 * handover.c and force.c, which use state.c; none of those calls back
 * here, which is why the load and ready() live in this file and not
 * with the state.
 *
 * Every hook returns what the real call returned with the errno it left.
 * On the path of a call nothing allocates, locks, reads the environment or
 * uses stdio: the configuration is parsed once, at load. */
#include "autoconfig.h"
/* Under _GNU_SOURCE glibc declares connect() and accept() with a
 * transparent union; the exported aliases below need the POSIX
 * prototypes. */
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
#include "preload/hooks.h"
#include "preload/log.h"
#include "preload/real.h"
#include "preload/manage.h"
#include "common/sys.h"

/* What socket() does with a new TCP socket: one of the socket_tcp_*
 * functions below, chosen at the end of the load (see load()). */
typedef int (*socket_tcp_fn)(int domain, int type, int protocol);
static int socket_tcp_other(int domain, int type, int protocol);
static socket_tcp_fn socket_tcp_for_config(void);
static socket_tcp_fn socket_tcp = socket_tcp_other;
/* The real socket() for the socket_tcp_apply* and socket_tcp_pending
 * handlers: bound before socket_tcp_first() publishes one of them
 * (release), read only by a handler reached through it (acquire), so a
 * plain read folded into the call (TK_REAL's relaxed atomic load would
 * cost one more instruction per socket). */
static tk_socket_fn socket_bound;
/* The handler the load chose, which the first TCP socket() publishes
 * once it has bound socket_bound (socket_tcp_first()): a process that
 * makes no TCP socket never looks socket() up. */
static socket_tcp_fn socket_tcp_chosen;
static int socket_tcp_first(int domain, int type, int protocol);
/* TCP_DEFER_ACCEPT is asked for: listen() sets it (listen_defer()). */
static bool listen_defers;

int init_state = INIT_NONE;
static long init_tid;

static void load(void)
{
	tk_real_load();
	state_load();
	listen_defers = config.enabled && defer_asked();
	if (config.enabled)
		adopt_at_load();
	socket_tcp_chosen = socket_tcp_for_config();
	/* Last: a hook that sees it sees everything above. */
	__atomic_store_n(&socket_tcp, socket_tcp_chosen == socket_tcp_other ?
			 socket_tcp_other : socket_tcp_first, __ATOMIC_RELEASE);
}

/* True once the configuration can be read.  Another library's constructor
 * may reach a hook before ours ran, possibly from several threads: the
 * first caller loads, the others wait the few microseconds it takes, and a
 * hook re-entered from inside the load itself passes through. */
__attribute__((noinline))
bool ready_slow(void)
{
	int state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
	long self;

	if (state == INIT_DONE)
		return true;
	self = tk_sys_gettid();
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
		tk_sys_sched_yield();
	}
	return false;
}

__attribute__((constructor))
static void tcpkeep_init(void)
{
	(void)ready();
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
	(void)tk_sys_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
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
	return socket_apply(domain, type, protocol, TK_PROG_UNSET_PLAIN);
}

static int socket_tcp_apply_user_timeout(int domain, int type, int protocol)
{
	return socket_apply(domain, type, protocol, TK_PROG_DROPIN);
}

/* Any other set of options (libkeepalive's, an alias of 0). */
static int socket_tcp_apply_any(int domain, int type, int protocol)
{
	return socket_apply(domain, type, protocol, options.unset);
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
	if (options.unset == TK_PROG_UNSET_PLAIN)
		return socket_tcp_apply;
	if (options.unset == TK_PROG_DROPIN)
		return socket_tcp_apply_user_timeout;
	return socket_tcp_apply_any;
}

/* The first TCP socket() after the load: one caller binds socket_bound,
 * written by it alone before it publishes the chosen handler.  Any other
 * caller meanwhile (another thread, a signal handler interrupting the
 * first) takes the general way, which decides the same. */
static int socket_tcp_first(int domain, int type, int protocol)
{
	static bool claimed;

	if (__atomic_exchange_n(&claimed, true, __ATOMIC_ACQ_REL))
		return socket_tcp_other(domain, type, protocol);
	socket_bound = tk_real_bound_socket();
	__atomic_store_n(&socket_tcp, socket_tcp_chosen, __ATOMIC_RELEASE);
	return socket_tcp_chosen(domain, type, protocol);
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
		if (tk_sys_getpeername(fd, (struct sockaddr *)peer, peerlen) == 0)
			*peerp = (struct sockaddr *)peer;
	}
	if (rules_need_port &&
	    tk_sys_getsockname(fd, (struct sockaddr *)&local, &locallen) == 0)
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
			__atomic_store_n(&tk_fd_table[fd], (tk_fd_entry)entry,
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

/* setsockopt() of one of our options, or of one whose number is the same
 * at another level.  REAL is the call the program made: the plain one or
 * its time64 twin. */
__attribute__((always_inline))
static inline int setsockopt_ours(int fd, int level, int name,
				  const void *value, socklen_t len,
				  tk_setsockopt_fn real)
{
	unsigned bit = tk_option_bit(level, name);
	unsigned entry;

	if (bit == 0)
		return real(fd, level, name, value, len);
	entry = tk_fd_get(fd);
	if ((entry & TK_FD_STATE_MASK) == TK_FD_MANAGED &&
	    len >= (socklen_t)sizeof(int) &&
	    __atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_DONE &&
	    config.force && config.enabled && force_keeps(fd, bit, value))
		return 0;
	/* Before our decision, the program's choice is remembered so the
	 * decision leaves that option alone; after it, the kernel simply
	 * takes the program's value.  TCP_DEFER_ACCEPT is decided later, at
	 * listen(), so the choice is remembered until then. */
	if (TK_FD_UNDECIDED(tk_fd_get(fd)) || bit == TK_PROG_DEFER_ACCEPT)
		tk_fd_add_prog(fd, bit);
	return real(fd, level, name, value, len);
}

__attribute__((noinline))
static int setsockopt_maybe_ours(int fd, int level, int name,
				 const void *value, socklen_t len)
{
	return setsockopt_ours(fd, level, name, value, len,
			       TK_REAL(setsockopt));
}

int tk_hook_setsockopt(int fd, int level, int name, const void *value,
		       socklen_t len)
{
	/* Every option but ours (and a few namesakes): one bit test. */
	if (__builtin_expect(!tk_option_maybe(__atomic_load_n(&option_names,
							      __ATOMIC_RELAXED),
					      name), 1))
		return tk_real_setsockopt(fd, level, name, value, len);
	return setsockopt_maybe_ours(fd, level, name, value, len);
}

#ifdef TK_TIME64
/* The same for a program built with _TIME_BITS=64: the twin converts the
 * time values of options that are not ours (SO_RCVTIMEO, ...), so every
 * call goes on to it. */
__attribute__((noinline))
static int setsockopt64_maybe_ours(int fd, int level, int name,
				   const void *value, socklen_t len)
{
	return setsockopt_ours(fd, level, name, value, len,
			       TK_REAL(__setsockopt64));
}

int tk_hook___setsockopt64(int fd, int level, int name, const void *value,
			   socklen_t len)
{
	if (__builtin_expect(!tk_option_maybe(__atomic_load_n(&option_names,
							      __ATOMIC_RELAXED),
					      name), 1))
		return TK_REAL(__setsockopt64)(fd, level, name, value, len);
	return setsockopt64_maybe_ours(fd, level, name, value, len);
}
#endif

/* TCP_DEFER_ACCEPT, then the real listen() (defer_listener()). */
__attribute__((noinline))
static int listen_defer(int fd, int backlog)
{
	defer_listener(fd, false, "listen");
	return tk_real_listen(fd, backlog);
}

int tk_hook_listen(int fd, int backlog)
{
	if (__builtin_expect(!listen_defers, 1))
		return tk_real_listen(fd, backlog);
	return listen_defer(fd, backlog);
}

EXPORT_ALIAS(socket);
EXPORT_ALIAS(connect);
EXPORT_ALIAS(accept);
#if HAVE_ACCEPT4
EXPORT_ALIAS(accept4);
#endif
EXPORT_ALIAS(setsockopt);
EXPORT_ALIAS(listen);
#ifdef TK_TIME64
EXPORT_ALIAS(__setsockopt64);
#endif
