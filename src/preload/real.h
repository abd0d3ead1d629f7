/* SPDX-License-Identifier: MIT */
/* The functions we interpose, as the next object in the lookup chain
 * (normally libc) provides them. */
#ifndef TCPKEEP_REAL_H
#define TCPKEEP_REAL_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "preload/export.h"

/* One line per interposed function: its name and its type. */
#define TK_REAL_EAGER(X) \
	X(socket, int, (int, int, int)) \
	X(connect, int, (int, const struct sockaddr *, socklen_t)) \
	X(accept, int, (int, struct sockaddr *, socklen_t *)) \
	X(setsockopt, int, (int, int, int, const void *, socklen_t)) \
	X(listen, int, (int, int)) \
	X(close, int, (int)) \
	X(dup, int, (int)) \
	X(dup2, int, (int, int)) \
	X(fcntl, int, (int, int, ...)) \
	X(recvmsg, ssize_t, (int, struct msghdr *, int)) \
	X(sendto, ssize_t, (int, const void *, size_t, int, \
			    const struct sockaddr *, socklen_t)) \
	X(sendmsg, ssize_t, (int, const struct msghdr *, int))

#if HAVE_ACCEPT4
# define TK_REAL_ACCEPT4(X) \
	X(accept4, int, (int, struct sockaddr *, socklen_t *, int))
#else
# define TK_REAL_ACCEPT4(X)
#endif
#ifdef HAVE_FCNTL64
# define TK_REAL_FCNTL64(X) X(fcntl64, int, (int, int, ...))
#else
# define TK_REAL_FCNTL64(X)
#endif
#ifdef HAVE_DUP3
# define TK_REAL_DUP3(X) X(dup3, int, (int, int, int))
#else
# define TK_REAL_DUP3(X)
#endif
#ifdef HAVE_CLOSE_RANGE
# define TK_REAL_CLOSE_RANGE(X) \
	X(close_range, int, (unsigned, unsigned, int))
#else
# define TK_REAL_CLOSE_RANGE(X)
#endif
#ifdef HAVE_CLOSEFROM
# define TK_REAL_CLOSEFROM(X) X(closefrom, void, (int))
#else
# define TK_REAL_CLOSEFROM(X)
#endif

/* The second entry points a 32-bit glibc (2.34 and later) has for calls
 * that take or may carry a time value: a program built with
 * _TIME_BITS=64 calls these instead of setsockopt(), fcntl(), recvmsg()
 * and sendmsg().  Only where time_t is 32 bits by default; a C library
 * older than 2.34 lacks them, and the binder then takes the plain call
 * (real.c). */
#if defined(__GLIBC__) && defined(__TIMESIZE) && __TIMESIZE == 32
# define TK_TIME64 1
# define TK_REAL_TIME64(X) \
	X(__setsockopt64, int, (int, int, int, const void *, socklen_t)) \
	X(__fcntl_time64, int, (int, int, ...)) \
	X(__recvmsg64, ssize_t, (int, struct msghdr *, int)) \
	X(__sendmsg64, ssize_t, (int, const struct msghdr *, int))
#else
# define TK_REAL_TIME64(X)
#endif

/* The calls POSIX allows in a signal handler (and their twins), and
 * dup3(), close_range() and closefrom(), which a signal handler or a
 * vfork() child may call first: each is bound at its first call, by a
 * lookup in the objects the constructor recorded that reads memory only
 * (real.c). */
#define TK_REAL_AT_LOAD(X) \
	TK_REAL_EAGER(X) TK_REAL_ACCEPT4(X) TK_REAL_FCNTL64(X) \
	TK_REAL_DUP3(X) TK_REAL_CLOSE_RANGE(X) TK_REAL_CLOSEFROM(X)
#define TK_REAL_ALL(X) TK_REAL_AT_LOAD(X) TK_REAL_TIME64(X)

/* Each pointer starts out at a stand-in in real.c that binds it and then
 * makes the call: the first call binds (a hook that runs before our
 * constructor, from another library's constructor, binds them all), and
 * the hooks call through the pointer without testing it first.  Our own hooks
 * are declared by their internal names, so the binder can tell when the
 * lookup handed back the hook itself; hidden, so that their addresses are
 * computed, not read from GOT entries the loader relocates at start. */
#define TK_REAL_DECLARE(name, ret, args) \
	typedef ret (*tk_##name##_fn) args; \
	extern TCPKEEP_HIDDEN tk_##name##_fn tk_real_##name##_ptr; \
	TCPKEEP_HIDDEN ret tk_hook_##name args;
TK_REAL_ALL(TK_REAL_DECLARE)
#undef TK_REAL_DECLARE

/* The binders store with __atomic_store_n from any thread, so the hooks
 * read with a relaxed atomic load: no data race for the compiler to
 * exploit (re-reading the pointer, tearing it).  Relaxed is enough: the
 * stores are idempotent, of one aligned pointer, and whichever value a
 * thread sees, the stand-in or the real function, leads to the real
 * function, which needs nothing else to be visible. */
#define TK_REAL(name) __atomic_load_n(&tk_real_##name##_ptr, __ATOMIC_RELAXED)

static inline int tk_real_socket(int domain, int type, int protocol)
{
	return TK_REAL(socket)(domain, type, protocol);
}

static inline int tk_real_connect(int fd, const struct sockaddr *addr,
				  socklen_t len)
{
	return TK_REAL(connect)(fd, addr, len);
}

static inline int tk_real_accept(int fd, struct sockaddr *addr,
				 socklen_t *len)
{
	return TK_REAL(accept)(fd, addr, len);
}

#if HAVE_ACCEPT4
static inline int tk_real_accept4(int fd, struct sockaddr *addr,
				  socklen_t *len, int flags)
{
	return TK_REAL(accept4)(fd, addr, len, flags);
}
#endif

static inline int tk_real_setsockopt(int fd, int level, int name,
				     const void *value, socklen_t len)
{
	return TK_REAL(setsockopt)(fd, level, name, value, len);
}

static inline int tk_real_listen(int fd, int backlog)
{
	return TK_REAL(listen)(fd, backlog);
}

/* fcntl()'s third argument is an int, a long or a pointer, or absent: it
 * is read and passed on as the widest of them, the way the C libraries
 * read it.  For the fcntl hooks and their stand-ins; needs <stdarg.h>. */
#define TK_FCNTL_ARG(cmd, arg) \
	do { \
		va_list tk_ap_; \
		\
		va_start(tk_ap_, cmd); \
		(arg) = va_arg(tk_ap_, void *); \
		va_end(tk_ap_); \
	} while (0)

/* From the constructor: records the loaded objects, so that each stand-in
 * can bind its own name when first called, or, where that cannot be done
 * safely, binds every pointer now (once: later calls return at once). */
TCPKEEP_HIDDEN void tk_real_load(void);

/* NAME's next definition after this library, as dlsym(RTLD_NEXT) finds
 * it, or NULL: for the C library functions the load calls once, which
 * would otherwise cost a lazy binding and a symbol version to check. */
TCPKEEP_HIDDEN void *tk_real_next(const char *name);

/* abort(), found as the hooks' functions are: the C library's, where
 * it can be found; else the same signal, sent to this thread, and a trap
 * should it be caught or ignored.  Not an import: every process would
 * pay for its lookup at start. */
TCPKEEP_HIDDEN __attribute__((noreturn)) void tk_abort(void);

/* The real socket(), bound now if it was not yet. */
TCPKEEP_HIDDEN tk_socket_fn tk_real_bound_socket(void);

#endif
