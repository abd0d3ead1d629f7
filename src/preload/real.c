/* SPDX-License-Identifier: MIT */
/* Binding to the real functions: what dlsym(RTLD_NEXT) would return for
 * each, so a later preload library, or libc, keeps its place in the chain,
 * but found for all of them in one walk of the loaded objects (next.c says
 * why and how).  dlsym() itself, found by the same walk, answers only what
 * the walk leaves to it: an IFUNC, or every name when the walk cannot find
 * this library among the loaded objects.  The library therefore needs no
 * dlsym() at link time, nor libdl.so.2, where a glibc before 2.34 has it.
 *
 * All of it runs at load, from the constructor.  A hook may run before
 * that (another library's constructor opening a socket), so each pointer
 * starts at a stand-in that binds them all and then makes the call.  The
 * stores are idempotent: two threads racing here store the same values.
 * Such an early hook inside a signal handler would walk the objects under
 * the loader's lock, as dlsym() would; no hook of ours can be reached
 * from a signal handler before the constructor runs unless another
 * library's constructor installed that handler and raised the signal. */
#include "autoconfig.h"
#include "preload/real.h"

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

#include "preload/next.h"

typedef void (*any_fn)(void);

/* The names, in the order of TK_REAL_ALL. */
#define INDEX(name, ret, args) REAL_##name,
enum { TK_REAL_ALL(INDEX) REAL_COUNT };
#define NAME(name, ret, args) #name,
static const char *const real_names[REAL_COUNT] = { TK_REAL_ALL(NAME) };

/* FN, what was found for NAME, unless it is nothing or our own hook (no C
 * library after us): then nothing can work, and we say so. */
static any_fn checked(const char *name, any_fn fn, any_fn own_hook)
{
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

static any_fn as_fn(void *sym)
{
	any_fn fn;

	memcpy(&fn, &sym, sizeof fn);	/* object to function pointer */
	return fn;
}

/* dlsym(RTLD_NEXT, NAME) through the dlsym() the walk finds: glibc 2.34
 * and later and musl have it in the C library, an older glibc in
 * libdl.so.2 when the program loaded it.  NULL without one. */
static void *ask_dlsym(const char *name)
{
	typedef void *(*dlsym_fn)(void *, const char *);
	void *sym = tk_next_default("dlsym");
	dlsym_fn fn;

	if (sym == NULL)
		return NULL;
	memcpy(&fn, &sym, sizeof fn);
	return fn(RTLD_NEXT, name);
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
#endif

/* What the walk (or dlsym) found, by REAL_* index; whether close() was
 * found, i.e. the C library reached, so that a name it lacks is one it
 * does not have rather than one we failed to see. */
struct found {
	void *addr[REAL_COUNT];
	bool libc_reached;
};

static any_fn resolve(const struct found *f, int k, any_fn own_hook)
{
	any_fn fn = as_fn(f->addr[k]);

#ifdef TK_GLIBC_FLOOR
	if (fn == NULL && f->libc_reached)
		return (any_fn)missing_function;
#endif
	return checked(real_names[k], fn, own_hook);
}

#define BIND(name, ret, args) \
	__atomic_store_n(&tk_real_##name##_ptr, \
			 (tk_##name##_fn)resolve(f, REAL_##name, \
						 (any_fn)tk_hook_##name), \
			 __ATOMIC_RELEASE);

/* Calls newer than some C libraries the library may meet at run time
 * (close_range() and closefrom() came with glibc 2.34): no program
 * linked against them starts on an older one, but a program may find
 * ours with dlsym() and call it.  It then gets ABSENT. */
#define BIND_OR(name, absent) \
	__atomic_store_n(&tk_real_##name##_ptr, \
			 f->addr[REAL_##name] == NULL ? (absent) : \
			 (tk_##name##_fn)checked(#name, \
				as_fn(f->addr[REAL_##name]), \
				(any_fn)tk_hook_##name), \
			 __ATOMIC_RELEASE);

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
#endif

static void bind_found(const struct found *f)
{
	TK_REAL_EAGER(BIND)
	TK_REAL_ACCEPT4(BIND)
	TK_REAL_FCNTL64(BIND)
	TK_REAL_DUP3(BIND)
#ifdef HAVE_CLOSE_RANGE
	BIND_OR(close_range, no_close_range)
#endif
#ifdef HAVE_CLOSEFROM
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
}

/* Set once every pointer is bound. */
static bool all_bound;

void tk_real_bind_all(void)
{
	struct found f;
	enum tk_next how[REAL_COUNT];
	int saved_errno = errno;

	if (__atomic_load_n(&all_bound, __ATOMIC_ACQUIRE))
		return;
	if (!tk_next_lookup(real_names, REAL_COUNT, f.addr, how))
		for (int k = 0; k < REAL_COUNT; k++)
			how[k] = TK_NEXT_ASK;
	for (int k = 0; k < REAL_COUNT; k++)
		if (how[k] == TK_NEXT_ASK)
			f.addr[k] = ask_dlsym(real_names[k]);
	f.libc_reached = f.addr[REAL_close] != NULL;
	bind_found(&f);
	__atomic_store_n(&all_bound, true, __ATOMIC_RELEASE);
	errno = saved_errno;
}

/* A stand-in's call: every pointer bound, then NAME's. */
#define BOUND(name) (tk_real_bind_all(), TK_REAL(name))

/* The stand-ins the pointers start at. */
static int first_socket(int domain, int type, int protocol)
{
	return BOUND(socket)(domain, type, protocol);
}

static int first_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return BOUND(connect)(fd, addr, len);
}

static int first_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return BOUND(accept)(fd, addr, len);
}

#if HAVE_ACCEPT4
static int first_accept4(int fd, struct sockaddr *addr, socklen_t *len,
			 int flags)
{
	return BOUND(accept4)(fd, addr, len, flags);
}
#endif

static int first_setsockopt(int fd, int level, int name, const void *value,
			    socklen_t len)
{
	return BOUND(setsockopt)(fd, level, name, value, len);
}

static int first_listen(int fd, int backlog)
{
	return BOUND(listen)(fd, backlog);
}

static int first_close(int fd)
{
	return BOUND(close)(fd);
}

static int first_dup(int fd)
{
	return BOUND(dup)(fd);
}

static int first_dup2(int fd, int to)
{
	return BOUND(dup2)(fd, to);
}

#define FIRST_FCNTL(name) \
	static int first_##name(int fd, int cmd, ...) \
	{ \
		void *arg; \
		\
		TK_FCNTL_ARG(cmd, arg); \
		return BOUND(name)(fd, cmd, arg); \
	}
FIRST_FCNTL(fcntl)
#ifdef HAVE_FCNTL64
FIRST_FCNTL(fcntl64)
#endif

static ssize_t first_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return BOUND(recvmsg)(fd, msg, flags);
}

static ssize_t first_sendto(int fd, const void *buf, size_t n, int flags,
			    const struct sockaddr *addr, socklen_t len)
{
	return BOUND(sendto)(fd, buf, n, flags, addr, len);
}

static ssize_t first_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return BOUND(sendmsg)(fd, msg, flags);
}

#ifdef HAVE_DUP3
static int first_dup3(int fd, int to, int flags)
{
	return BOUND(dup3)(fd, to, flags);
}
#endif

#ifdef HAVE_CLOSE_RANGE
static int first_close_range(unsigned first, unsigned last, int flags)
{
	return BOUND(close_range)(first, last, flags);
}
#endif

#ifdef HAVE_CLOSEFROM
static void first_closefrom(int fd)
{
	BOUND(closefrom)(fd);
}
#endif

#ifdef TK_TIME64
static int first___setsockopt64(int fd, int level, int name,
				const void *value, socklen_t len)
{
	return BOUND(__setsockopt64)(fd, level, name, value, len);
}

FIRST_FCNTL(__fcntl_time64)

static ssize_t first___recvmsg64(int fd, struct msghdr *msg, int flags)
{
	return BOUND(__recvmsg64)(fd, msg, flags);
}

static ssize_t first___sendmsg64(int fd, const struct msghdr *msg, int flags)
{
	return BOUND(__sendmsg64)(fd, msg, flags);
}
#endif

#define START(name, ret, args) \
	tk_##name##_fn tk_real_##name##_ptr = first_##name;
TK_REAL_ALL(START)
