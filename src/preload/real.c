/* SPDX-License-Identifier: MIT */
/* Binding to the real functions with dlsym(RTLD_NEXT) only: a later
 * preload library, or libc, keeps its place in the chain.
 *
 * A hook may run before our constructor (another library's constructor
 * opening a socket), so each pointer starts at a stand-in that resolves it
 * on first use.  The store is idempotent: two threads racing here store
 * the same value. */
#include "autoconfig.h"
#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "glibc-floor.h"

typedef void (*any_fn)(void);

/* SYM, what dlsym() found for NAME, unless it is nothing or our own hook
 * (no C library after us): then nothing can work, and we say so. */
static any_fn checked(const char *name, void *sym, any_fn own_hook)
{
	any_fn fn;

	memcpy(&fn, &sym, sizeof fn);	/* object to function pointer */
	if (fn == NULL || fn == own_hook) {
		static const char head[] = "tcpkeep: cannot find the real ";
		static const char tail[] = "() after this library; aborting\n";
		ssize_t ignored;

		ignored = write(STDERR_FILENO, head, sizeof head - 1);
		ignored = write(STDERR_FILENO, name, strlen(name));
		ignored = write(STDERR_FILENO, tail, sizeof tail - 1);
		(void)ignored;
		abort();
	}
	return fn;
}

#ifdef TK_GLIBC_FLOOR
/* Built with a newer glibc than the process has, the library interposes
 * functions that C library does not have (fcntl64 before 2.28).  No
 * program there links to them; one that finds ours with dlsym() gets the
 * failure of a missing system call. */
static long missing_function(void)
{
	errno = ENOSYS;
	return -1;
}

/* Whether dlsym() reaches the C library at all: when it does, a name it
 * does not find is one that library lacks. */
static bool libc_reached(void)
{
	return dlsym(RTLD_NEXT, "close") != NULL;
}
#endif

static any_fn resolve(const char *name, any_fn own_hook)
{
	void *sym = dlsym(RTLD_NEXT, name);

#ifdef TK_GLIBC_FLOOR
	if (sym == NULL && libc_reached())
		return (any_fn)missing_function;
#endif
	return checked(name, sym, own_hook);
}

#define BIND(name, ret, args) \
	tk_##name##_fn tk_bind_##name(void) \
	{ \
		tk_##name##_fn fn = (tk_##name##_fn)resolve(#name, \
				(any_fn)tk_hook_##name); \
		__atomic_store_n(&tk_real_##name##_ptr, fn, __ATOMIC_RELEASE); \
		return fn; \
	}
TK_REAL_EAGER(BIND)
TK_REAL_ACCEPT4(BIND)
TK_REAL_FCNTL64(BIND)
TK_REAL_DUP3(BIND)

/* Calls newer than some C libraries the library may meet at run time
 * (close_range() and closefrom() came with glibc 2.34): no program
 * linked against them starts on an older one, but a program may find
 * ours with dlsym() and call it.  It then gets ABSENT. */
#define BIND_OR(name, absent) \
	tk_##name##_fn tk_bind_##name(void) \
	{ \
		void *sym = dlsym(RTLD_NEXT, #name); \
		tk_##name##_fn fn = sym == NULL ? (absent) : \
			(tk_##name##_fn)checked(#name, sym, \
						(any_fn)tk_hook_##name); \
		__atomic_store_n(&tk_real_##name##_ptr, fn, __ATOMIC_RELEASE); \
		return fn; \
	}

#ifdef HAVE_CLOSE_RANGE
/* What a kernel without the call answers. */
static int no_close_range(unsigned first, unsigned last, int flags)
{
	(void)first;
	(void)last;
	(void)flags;
	errno = ENOSYS;
	return -1;
}
BIND_OR(close_range, no_close_range)
#endif

#ifdef HAVE_CLOSEFROM
/* The system call where the kernel has it, else one close() per number
 * up to the limit on descriptors. */
static void no_closefrom(int fd)
{
	struct rlimit lim;
	int saved_errno = errno;

# ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)fd, ~0u, 0u) == 0) {
		errno = saved_errno;
		return;
	}
# endif
	if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur > INT_MAX)
		lim.rlim_cur = INT_MAX;
	for (rlim_t n = (rlim_t)fd; n < lim.rlim_cur; n++)
		(void)TK_REAL(close)((int)n);
	errno = saved_errno;
}
BIND_OR(closefrom, no_closefrom)
#endif

#ifdef TK_TIME64
/* Before glibc 2.34 there are no time64 entry points: the plain call
 * takes the same arguments for every option, command and message the
 * library looks at. */
BIND_OR(__setsockopt64, TK_REAL(setsockopt))
# ifdef HAVE_FCNTL64
BIND_OR(__fcntl_time64, TK_REAL(fcntl64))
# else
BIND_OR(__fcntl_time64, TK_REAL(fcntl))
# endif
BIND_OR(__recvmsg64, TK_REAL(recvmsg))
BIND_OR(__sendmsg64, TK_REAL(sendmsg))
#endif

/* The stand-ins the pointers start at. */
static int first_socket(int domain, int type, int protocol)
{
	return tk_bind_socket()(domain, type, protocol);
}

static int first_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return tk_bind_connect()(fd, addr, len);
}

static int first_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return tk_bind_accept()(fd, addr, len);
}

#if HAVE_ACCEPT4
static int first_accept4(int fd, struct sockaddr *addr, socklen_t *len,
			 int flags)
{
	return tk_bind_accept4()(fd, addr, len, flags);
}
#endif

static int first_setsockopt(int fd, int level, int name, const void *value,
			    socklen_t len)
{
	return tk_bind_setsockopt()(fd, level, name, value, len);
}

static int first_listen(int fd, int backlog)
{
	return tk_bind_listen()(fd, backlog);
}

static int first_close(int fd)
{
	return tk_bind_close()(fd);
}

static int first_dup(int fd)
{
	return tk_bind_dup()(fd);
}

static int first_dup2(int fd, int to)
{
	return tk_bind_dup2()(fd, to);
}

#define FIRST_FCNTL(name) \
	static int first_##name(int fd, int cmd, ...) \
	{ \
		void *arg; \
		\
		TK_FCNTL_ARG(cmd, arg); \
		return tk_bind_##name()(fd, cmd, arg); \
	}
FIRST_FCNTL(fcntl)
#ifdef HAVE_FCNTL64
FIRST_FCNTL(fcntl64)
#endif

static ssize_t first_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return tk_bind_recvmsg()(fd, msg, flags);
}

static ssize_t first_sendto(int fd, const void *buf, size_t n, int flags,
			    const struct sockaddr *addr, socklen_t len)
{
	return tk_bind_sendto()(fd, buf, n, flags, addr, len);
}

static ssize_t first_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return tk_bind_sendmsg()(fd, msg, flags);
}

#ifdef HAVE_DUP3
static int first_dup3(int fd, int to, int flags)
{
	return tk_bind_dup3()(fd, to, flags);
}
#endif

#ifdef HAVE_CLOSE_RANGE
static int first_close_range(unsigned first, unsigned last, int flags)
{
	return tk_bind_close_range()(first, last, flags);
}
#endif

#ifdef HAVE_CLOSEFROM
static void first_closefrom(int fd)
{
	tk_bind_closefrom()(fd);
}
#endif

#ifdef TK_TIME64
static int first___setsockopt64(int fd, int level, int name,
				const void *value, socklen_t len)
{
	return tk_bind___setsockopt64()(fd, level, name, value, len);
}

FIRST_FCNTL(__fcntl_time64)

static ssize_t first___recvmsg64(int fd, struct msghdr *msg, int flags)
{
	return tk_bind___recvmsg64()(fd, msg, flags);
}

static ssize_t first___sendmsg64(int fd, const struct msghdr *msg, int flags)
{
	return tk_bind___sendmsg64()(fd, msg, flags);
}
#endif

#define START(name, ret, args) \
	tk_##name##_fn tk_real_##name##_ptr = first_##name;
TK_REAL_ALL(START)

#define BIND_NOW(name, ret, args) \
	if (TK_REAL(name) == first_##name) \
		(void)tk_bind_##name();

void tk_real_bind_all(void)
{
	TK_REAL_ALL(BIND_NOW)
}
