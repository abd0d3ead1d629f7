/* SPDX-License-Identifier: MIT */
/* Binding to the real functions: what dlsym(RTLD_NEXT) would return for
 * each, so a later preload library, or libc, keeps its place in the chain,
 * but found for all of them in one walk of the loaded objects (next.c says
 * why and how).  dlsym() itself, found by the same walk, answers only what
 * the walk leaves to it: an IFUNC, or every name when the walk cannot find
 * this library among the loaded objects.  The library therefore needs no
 * dlsym() at link time, nor libdl.so.2, where a glibc before 2.34 has it.
 *
 * The constructor only records the objects after ours (next.c), and
 * each pointer starts at a stand-in that, the first time the program
 * calls the function, looks its one name up in those records, stores
 * what it found and makes the call: most processes call few of the
 * functions we interpose, many none, and a name never called costs
 * nothing.  That lookup reads memory only (no loader lock, no system
 * call, no errno), so a first call may come from a signal handler, a
 * vfork() child or several threads at once: the stores are idempotent,
 * of one aligned pointer, and every thread finds the same value.
 *
 * The records are read long after the load, so they must not outlive
 * their objects: an object opened with dlopen() by another library's
 * constructor before ours ran is among them and may be closed again.
 * Such objects come after every object loaded at start, the C library
 * included, and a lookup stops at the first object defining its name; so
 * the constructor makes sure that the object defining close() (the C
 * library) also defines the newest name we bind, and with it all the
 * others, and otherwise binds every name at once as below.
 *
 * A hook reached before the constructor (from another library's
 * constructor), and a process whose objects could not be recorded (this
 * library not among them, or more than next.h's maximum after it), bind
 * every name in one walk of the loaded objects, as dlsym() would, under
 * the loader's lock: no hook of ours can be reached from a signal handler
 * before the constructor runs unless another library's constructor
 * installed that handler and raised the signal. */
#include "autoconfig.h"
#include "preload/real.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/next.h"
#include "common/glibc-floor.h"
#include "common/sys.h"

typedef void (*any_fn)(void);

/* The names, in the order of TK_REAL_ALL. */
#define INDEX(name, ret, args) REAL_##name,
enum { TK_REAL_ALL(INDEX) REAL_COUNT };
#define NAME(name, ret, args) #name,
/* Characters, not pointers: a table of pointers costs the loader one
 * relocation per name at every start. */
static const char real_names[REAL_COUNT][16] = { TK_REAL_ALL(NAME) };

void tk_abort(void)
{
	typedef void (*abort_fn)(void);
	void *sym = tk_real_next("abort");
	abort_fn fn;

	if (sym != NULL) {
		memcpy(&fn, &sym, sizeof fn);
		fn();
	}
	(void)tk_syscall(SYS_tgkill, tk_sys_getpid(), tk_sys_gettid(), SIGABRT,
			 0, 0, 0);
	__builtin_trap();
}

/* FN, what was found for NAME, unless it is nothing or our own hook (no C
 * library after us): then nothing can work, and we say so. */
static any_fn checked(const char *name, any_fn fn, any_fn own_hook)
{
	if (fn == NULL || fn == own_hook) {
		static const char head[] = "tcpkeep: cannot find the real ";
		static const char tail[] = "() after this library; aborting\n";

		(void)tk_sys_write(STDERR_FILENO, head, sizeof head - 1);
		(void)tk_sys_write(STDERR_FILENO, name, strlen(name));
		(void)tk_sys_write(STDERR_FILENO, tail, sizeof tail - 1);
		tk_abort();
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

/* The stand-ins the pointers start at, and the binders of each name,
 * defined below. */
#define DECLARE(name, ret, args) \
	static ret first_##name args; \
	static tk_##name##_fn bind_##name(void); \
	static tk_##name##_fn settle_##name(void *addr, bool libc_reached);
TK_REAL_ALL(DECLARE)
#define START(name, ret, args) \
	tk_##name##_fn tk_real_##name##_ptr = first_##name;
TK_REAL_ALL(START)

/* Set (release) once the objects after ours are recorded and every name
 * is known to be found in them no further than the C library: from then
 * on each stand-in binds its own name alone. */
static bool lazy;
/* Set once every pointer is bound. */
static bool all_bound;

static void bind_everything(void);

/* NAME's real function as bound now, binding it first if its pointer is
 * still at the stand-in. */
#define CURRENT(name) \
	(TK_REAL(name) != first_##name ? TK_REAL(name) : bind_##name())

/* What was found for each name, ADDR (NULL for nothing), becomes its
 * pointer: settle_NAME stores it and returns it.  LIBC_REACHED: close()
 * was found, i.e. the C library reached, so that a name it lacks is one
 * it does not have rather than one we failed to see. */
#ifdef TK_GLIBC_FLOOR
# define MISSING(fn, libc_reached) \
	if (fn == NULL && (libc_reached)) \
		fn = (any_fn)missing_function;
#else
# define MISSING(fn, libc_reached)
#endif
#define SETTLE(name, ret, args) \
	static tk_##name##_fn settle_##name(void *addr, bool libc_reached) \
	{ \
		any_fn fn = as_fn(addr); \
		tk_##name##_fn real; \
		\
		(void)libc_reached; \
		MISSING(fn, libc_reached) \
		real = (tk_##name##_fn)checked(#name, fn, \
					       (any_fn)tk_hook_##name); \
		__atomic_store_n(&tk_real_##name##_ptr, real, \
				 __ATOMIC_RELEASE); \
		return real; \
	}

/* Calls newer than some C libraries the library may meet at run time
 * (close_range() and closefrom() came with glibc 2.34): no program
 * linked against them starts on an older one, but a program may find
 * ours with dlsym() and call it.  It then gets ABSENT. */
#define SETTLE_OR(name, absent) \
	static tk_##name##_fn settle_##name(void *addr, bool libc_reached) \
	{ \
		tk_##name##_fn real; \
		\
		(void)libc_reached; \
		real = addr == NULL ? (absent) : \
		       (tk_##name##_fn)checked(#name, as_fn(addr), \
					       (any_fn)tk_hook_##name); \
		__atomic_store_n(&tk_real_##name##_ptr, real, \
				 __ATOMIC_RELEASE); \
		return real; \
	}

/* NAME's binding alone: found in the recorded objects (or by dlsym(),
 * for what the lookup leaves to it) once they are; before that, or where
 * they could not be, every name as the constructor binds them. */
#define BIND_ONE(name, ret, args) \
	static tk_##name##_fn bind_##name(void) \
	{ \
		if (!__atomic_load_n(&lazy, __ATOMIC_ACQUIRE)) { \
			bind_everything(); \
			return TK_REAL(name); \
		} \
		return settle_##name(find(REAL_##name), true); \
	}

/* The name, in the objects recorded at load. */
static void *find(int k)
{
	void *addr = NULL;
	unsigned at;

	switch (tk_next_find(real_names[k], 0, &at, &addr)) {
	case TK_NEXT_FOUND:
		return addr;
	case TK_NEXT_ASK: {
		int saved_errno = errno;

		addr = ask_dlsym(real_names[k]);
		errno = saved_errno;
		return addr;
	}
	default:
		return NULL;
	}
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
#endif

#ifdef HAVE_CLOSEFROM
/* The system call where the kernel has it, else one close() per number
 * up to the limit on descriptors. */
static void no_closefrom(int fd)
{
	struct rlimit lim;
	int saved_errno = errno;

# ifdef SYS_close_range
	if (tk_syscall(SYS_close_range, (unsigned)fd, ~0u, 0u, 0, 0, 0) == 0) {
		errno = saved_errno;
		return;
	}
# endif
	if (tk_sys_getrlimit(RLIMIT_NOFILE, &lim) != 0 ||
	    lim.rlim_cur > INT_MAX)
		lim.rlim_cur = INT_MAX;
	for (rlim_t n = (rlim_t)fd; n < lim.rlim_cur; n++)
		(void)TK_REAL(close)((int)n);
	errno = saved_errno;
}
#endif

TK_REAL_EAGER(SETTLE)
TK_REAL_ACCEPT4(SETTLE)
TK_REAL_FCNTL64(SETTLE)
TK_REAL_DUP3(SETTLE)
TK_REAL_ALL(BIND_ONE)
#ifdef HAVE_CLOSE_RANGE
SETTLE_OR(close_range, no_close_range)
#endif
#ifdef HAVE_CLOSEFROM
SETTLE_OR(closefrom, no_closefrom)
#endif
#ifdef TK_TIME64
/* Before glibc 2.34 there are no time64 entry points: the plain call
 * takes the same arguments for every option, command and message the
 * library looks at. */
SETTLE_OR(__setsockopt64, CURRENT(setsockopt))
# ifdef HAVE_FCNTL64
SETTLE_OR(__fcntl_time64, CURRENT(fcntl64))
# else
SETTLE_OR(__fcntl_time64, CURRENT(fcntl))
# endif
SETTLE_OR(__recvmsg64, CURRENT(recvmsg))
SETTLE_OR(__sendmsg64, CURRENT(sendmsg))
#endif

/* Every name from one walk of the loaded objects (or dlsym()), in the
 * order of TK_REAL_ALL: the plain calls before their time64 twins. */
static void bind_everything(void)
{
	const char *names[REAL_COUNT];
	void *addr[REAL_COUNT];
	enum tk_next how[REAL_COUNT];
	bool libc_reached;
	int saved_errno = errno;

	if (__atomic_load_n(&all_bound, __ATOMIC_ACQUIRE))
		return;
	for (int k = 0; k < REAL_COUNT; k++)
		names[k] = real_names[k];
	if (!tk_next_lookup(names, REAL_COUNT, addr, how))
		for (int k = 0; k < REAL_COUNT; k++)
			how[k] = TK_NEXT_ASK;
	for (int k = 0; k < REAL_COUNT; k++)
		if (how[k] == TK_NEXT_ASK)
			addr[k] = ask_dlsym(real_names[k]);
	libc_reached = addr[REAL_close] != NULL;
#define SETTLE_FOUND(name, ret, args) \
	(void)settle_##name(addr[REAL_##name], libc_reached);
	TK_REAL_ALL(SETTLE_FOUND)
	__atomic_store_n(&all_bound, true, __ATOMIC_RELEASE);
	errno = saved_errno;
}

/* The newest name the build binds: a C library that has it has all the
 * others (glibc 2.34 brought the time64 entry points, closefrom() and
 * close_range(); 2.28 fcntl64(); 2.10 accept4(); 2.9 dup3()). */
#if defined TK_TIME64
# define NEWEST "__sendmsg64"
#elif defined HAVE_CLOSEFROM
# define NEWEST "closefrom"
#elif defined HAVE_CLOSE_RANGE
# define NEWEST "close_range"
#elif defined HAVE_FCNTL64
# define NEWEST "fcntl64"
#elif HAVE_ACCEPT4
# define NEWEST "accept4"
#elif defined HAVE_DUP3
# define NEWEST "dup3"
#else
# define NEWEST "close"
#endif

void tk_real_load(void)
{
	if (__atomic_load_n(&all_bound, __ATOMIC_ACQUIRE))
		return;
	/* Lazily only where no lookup can pass the object that defines
	 * close() (the C library): the objects after it may have been
	 * opened with dlopen() by another library's constructor, and closed
	 * again before a stand-in looks at them. */
	if (tk_next_record("close", NEWEST)) {
		__atomic_store_n(&lazy, true, __ATOMIC_RELEASE);
		return;
	}
	bind_everything();
}

void *tk_real_next(const char *name)
{
	void *addr = NULL;
	enum tk_next how;
	unsigned at;

	if (__atomic_load_n(&lazy, __ATOMIC_ACQUIRE))
		how = tk_next_find(name, 0, &at, &addr);
	else if (!tk_next_lookup(&name, 1, &addr, &how))
		how = TK_NEXT_ASK;
	if (how == TK_NEXT_ASK) {
		int saved_errno = errno;

		addr = ask_dlsym(name);
		errno = saved_errno;
	}
	return how == TK_NEXT_NONE ? NULL : addr;
}

tk_socket_fn tk_real_bound_socket(void)
{
	return CURRENT(socket);
}

/* A stand-in's call: NAME bound, then called.  A caller that read the
 * pointer just before another thread bound it calls the stand-in after
 * the binding: then NAME is called at once. */
#define BOUND(name) CURRENT(name)

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

