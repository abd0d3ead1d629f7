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

/* Written once by whichever runs first, the constructor or a hook called
 * before it; read-only afterwards. */
static struct tk_config config;
static bool filtering;

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
static int init_state = INIT_NONE;
static long init_tid;

static void load(void)
{
	tk_real_bind_all();
	/* The warnings go where TCPKEEP_LOG says: the parser reads it first
	 * and log.c takes it from the configuration passed along. */
	tk_config_load(&config, tk_env_lookup, NULL, tk_log_bad_value, &config);
	tk_log_setup(&config);
	filtering = tk_config_has_filters(&config);
}

/* True once the configuration can be read.  Another library's constructor
 * may reach a hook before ours ran, possibly from several threads: the
 * first caller loads, the others wait the few microseconds it takes, and a
 * hook re-entered from inside the load itself passes through. */
static bool ready(void)
{
	int state = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE);
	long self;

	if (__builtin_expect(state == INIT_DONE, 1))
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

/* Applies the options to FD and records it as ours.  Returns false when
 * FD was not TCP after all (see tk_apply): it is then recorded as such. */
static bool manage(int fd, unsigned prog_mask, const char *call,
		   const struct sockaddr *peer, socklen_t peerlen)
{
	struct tk_line line;

	if (!config.debug) {
		if (tk_apply(fd, &config, prog_mask, NULL) < 0) {
			tk_fd_put(fd, TK_FD_NOT_TCP);
			return false;
		}
	} else {
		debug_start(&line, fd, call);
		if (peer != NULL) {
			tk_line_str(&line, " ");
			tk_line_addr(&line, peer, peerlen);
		}
		tk_line_str(&line, ": ");
		if (tk_apply(fd, &config, prog_mask, &line) < 0) {
			tk_fd_put(fd, TK_FD_NOT_TCP);
			debug_skip(fd, call, peer, peerlen, "not TCP");
			return false;
		}
		/* Recorded before the line goes out: when FD is 2 (the
		 * program closed stderr), log.c must know not to write
		 * there. */
		tk_fd_put(fd, TK_FD_MANAGED | prog_mask);
		tk_log_emit(&line, TK_LOG_DEBUG);
		return true;
	}
	tk_fd_put(fd, TK_FD_MANAGED | prog_mask);
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

	return getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0 && on;
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
	if (keepalive_already_on(fd)) {
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

int tk_hook_socket(int domain, int type, int protocol)
{
	int fd = tk_real_socket(domain, type, protocol);

	if (fd < 0)
		return fd;
	/* Before anything else: syslog(3) and resolvers create Unix and
	 * UDP sockets, possibly from inside our own logging. */
	if (!tk_is_tcp(domain, type, protocol)) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == INIT_DONE
		    && config.debug)
			debug_skip(fd, family_name(domain), NULL, 0, "not TCP");
		return fd;
	}
	if (!ready())
		return fd;	/* unseen: decided at connect()/accept() */
	if (!config.enabled) {
		tk_fd_put(fd, TK_FD_LEFT);
		return fd;
	}
	if (filtering)
		tk_fd_put(fd, TK_FD_PENDING);
	else
		manage(fd, 0, family_name(domain), NULL, 0);
	return fd;
}

static int port_of(const struct sockaddr *addr, socklen_t len)
{
	if (addr->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in))
		return ntohs(((const struct sockaddr_in *)(const void *)addr)->sin_port);
	if (addr->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(struct sockaddr_in6))
		return ntohs(((const struct sockaddr_in6 *)(const void *)addr)->sin6_port);
	return -1;
}

int tk_hook_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	unsigned entry = tk_fd_get(fd);
	unsigned state = entry & TK_FD_STATE_MASK;
	unsigned prog_mask = entry & TK_PROG_MASK;
	int saved_errno;
	const char *why;

	if (state != TK_FD_UNSEEN && state != TK_FD_PENDING)
		return tk_real_connect(fd, addr, len);
	/* A NULL or short address, AF_UNSPEC (disconnect) or another family
	 * is nothing for us: the real call gives the caller its answer. */
	if (addr == NULL || len < (socklen_t)sizeof(struct sockaddr_in) ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
		return tk_real_connect(fd, addr, len);
	if (!ready() || !config.enabled)
		return tk_real_connect(fd, addr, len);

	saved_errno = errno;
	if (state == TK_FD_UNSEEN && !adopt_unseen(fd, &prog_mask, "connect"))
		goto out;
	if (config.force)
		prog_mask = 0;
	why = filtering ? tk_decide(&config, TK_CALL_CONNECT, addr, len,
				    port_of(addr, len)) : NULL;
	if (why != NULL)
		leave(fd, prog_mask, "connect", addr, len, why);
	else
		manage(fd, prog_mask, "connect", addr, len);
out:
	errno = saved_errno;
	return tk_real_connect(fd, addr, len);
}

/* The decision for a socket accept() just returned. */
static void after_accept(int listener, int fd, const struct sockaddr *addr,
			 const socklen_t *lenp)
{
	unsigned entry = tk_fd_get(listener);
	unsigned state = entry & TK_FD_STATE_MASK;
	unsigned prog_mask = entry & TK_PROG_MASK;
	struct sockaddr_storage peer, local;
	socklen_t peerlen = 0, locallen = sizeof local;
	const struct sockaddr *peerp = NULL;
	int service_port = -1;
	int saved_errno;
	const char *why = NULL;

	/* The kernel copies the listener's options to every connection it
	 * accepts: what we did, or chose not to do, to the listener holds
	 * for these without a single system call. */
	switch (state) {
	case TK_FD_NOT_TCP:
		tk_fd_put(fd, TK_FD_NOT_TCP);
		return;
	case TK_FD_MANAGED:
	case TK_FD_LEFT:
		tk_fd_put(fd, entry);
		return;
	default:
		break;
	}
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
	if (filtering) {
		if (addr != NULL && lenp != NULL && *lenp > 0) {
			peerp = addr;
			peerlen = *lenp;
		} else if (config.have_only || config.have_skip) {
			peerlen = sizeof peer;
			if (getpeername(fd, (struct sockaddr *)&peer, &peerlen) == 0)
				peerp = (struct sockaddr *)&peer;
		}
		if ((config.have_only || config.have_skip) &&
		    getsockname(fd, (struct sockaddr *)&local, &locallen) == 0)
			service_port = port_of((struct sockaddr *)&local,
					       locallen);
		why = tk_decide(&config, TK_CALL_ACCEPT, peerp, peerlen,
				service_port);
	}
	if (why != NULL)
		leave(fd, prog_mask, "accept", peerp, peerlen, why);
	else if (!manage(fd, prog_mask, "accept", peerp, peerlen))
		tk_fd_put(listener, TK_FD_NOT_TCP);	/* stale entry */
out:
	errno = saved_errno;
}

int tk_hook_accept(int listener, struct sockaddr *addr, socklen_t *len)
{
	int fd = tk_real_accept(listener, addr, len);

	if (fd >= 0)
		after_accept(listener, fd, addr, len);
	return fd;
}

#if HAVE_ACCEPT4
int tk_hook_accept4(int listener, struct sockaddr *addr, socklen_t *len,
		    int flags)
{
	int fd = tk_real_accept4(listener, addr, len, flags);

	if (fd >= 0)
		after_accept(listener, fd, addr, len);
	return fd;
}
#endif

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
			if (config.debug) {
				struct tk_line line;

				debug_start(&line, fd, "setsockopt");
				tk_line_str(&line, ": ignored ");
				tk_line_str(&line, bit == TK_PROG_KEEPALIVE ? "SO_KEEPALIVE" :
					    bit == TK_PROG_IDLE ? "TCP_KEEPIDLE" :
					    bit == TK_PROG_INTVL ? "TCP_KEEPINTVL" :
					    bit == TK_PROG_CNT ? "TCP_KEEPCNT" :
					    "TCP_USER_TIMEOUT");
				tk_line_str(&line, "=");
				tk_line_long(&line, wanted);
				tk_line_str(&line, " (TCPKEEP_FORCE)");
				tk_log_emit(&line, TK_LOG_DEBUG);
			}
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
