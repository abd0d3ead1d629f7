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
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glibc-floor.h"

typedef void (*any_fn)(void);

#ifdef TK_GLIBC_FLOOR
/* Built with a newer glibc than the process has, the library interposes
 * functions that C library does not have (fcntl64 before 2.28, close_range
 * and closefrom before 2.34).  No program there links to them; one that
 * finds ours with dlsym() gets the failure of a missing system call. */
static long missing_function(void)
{
	errno = ENOSYS;
	return -1;
}

/* Whether dlsym() reaches the C library at all: when it does, a name it
 * does not find is one that library lacks. */
static bool libc_lacks(void)
{
	return dlsym(RTLD_NEXT, "close") != NULL;
}
#endif

static any_fn resolve(const char *name, any_fn own_hook)
{
	void *sym = dlsym(RTLD_NEXT, name);
	any_fn fn;

	memcpy(&fn, &sym, sizeof fn);	/* object to function pointer */
#ifdef TK_GLIBC_FLOOR
	if (fn == NULL && libc_lacks())
		return (any_fn)missing_function;
#endif
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

#define BIND(name, ret, args) \
	tk_##name##_fn tk_bind_##name(void) \
	{ \
		tk_##name##_fn fn = (tk_##name##_fn)resolve(#name, \
				(any_fn)tk_hook_##name); \
		__atomic_store_n(&tk_real_##name##_ptr, fn, __ATOMIC_RELEASE); \
		return fn; \
	}
TK_REAL_ALL(BIND)

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

#define START(name, ret, args) \
	tk_##name##_fn tk_real_##name##_ptr = first_##name;
TK_REAL_ALL(START)

#define BIND_NOW(name, ret, args) \
	if (TK_REAL(name) == first_##name) \
		(void)tk_bind_##name();

void tk_real_bind_all(void)
{
	TK_REAL_AT_LOAD(BIND_NOW)
}
