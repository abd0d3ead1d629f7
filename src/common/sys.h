/* SPDX-License-Identifier: MIT */
/* The system calls the library makes itself, made directly where the
 * ABI is known (x86-64, AArch64): every C library function a process
 * calls for the first time costs it a lazy binding by the loader (about
 * 700 instructions on glibc), and every one the library imports costs
 * every process a lookup at start where the loader binds at once
 * (-z now, as hardened builds link).  Each returns what the kernel
 * returns, a negative errno on failure, and never touches errno;
 * elsewhere the same through the C library, errno saved and restored.
 * Not for the calls the hooks pass on for the program, which go through
 * the real functions.
 *
 * Include after the system headers and common/glibc-floor.h (fstat). */
#ifndef TCPKEEP_SYS_H
#define TCPKEEP_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* Its fstat() for the calls through the C library. */
#include "common/glibc-floor.h"

#if (defined __x86_64__ && !defined __ILP32__) || defined __aarch64__
# define TK_SYS_RAW 1

static inline long tk_sys6(long n, long a, long b, long c, long d, long e,
			   long f)
{
# if defined __x86_64__
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
# else
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
# endif
}

# define TK_SYS(n, a, b, c, d, e) \
	tk_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* Any system call by number, six arguments (fewer: zeros). */
# define tk_syscall(n, a, b, c, d, e, f) \
	tk_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), \
		(long)(f))

static inline long tk_sys_getpid(void)
{
	return TK_SYS(SYS_getpid, 0, 0, 0, 0, 0);
}

static inline long tk_sys_gettid(void)
{
	return TK_SYS(SYS_gettid, 0, 0, 0, 0, 0);
}

static inline int tk_sys_madvise(void *addr, size_t len, int advice)
{
	return (int)TK_SYS(SYS_madvise, addr, len, advice, 0, 0);
}

/* 64-bit ABIs: no O_LARGEFILE needed, and openat() is on both. */
static inline int tk_sys_open(const char *path, int flags)
{
	return (int)TK_SYS(SYS_openat, AT_FDCWD, path, flags, 0, 0);
}

/* The kernel's struct stat is the C library's on both ABIs. */
static inline int tk_sys_fstat(int fd, struct stat *st)
{
	return (int)TK_SYS(SYS_fstat, fd, st, 0, 0, 0);
}

static inline ssize_t tk_sys_read(int fd, void *buf, size_t n)
{
	return TK_SYS(SYS_read, fd, buf, n, 0, 0);
}

static inline int tk_sys_close(int fd)
{
	return (int)TK_SYS(SYS_close, fd, 0, 0, 0, 0);
}

static inline ssize_t tk_sys_readlink(const char *path, char *buf, size_t n)
{
	return TK_SYS(SYS_readlinkat, AT_FDCWD, path, buf, n, 0);
}

static inline int tk_sys_getsockopt(int fd, int level, int name, void *value,
				    socklen_t *len)
{
	return (int)TK_SYS(SYS_getsockopt, fd, level, name, value, len);
}

static inline int tk_sys_open_mode(const char *path, int flags, mode_t mode)
{
	return (int)TK_SYS(SYS_openat, AT_FDCWD, path, flags, mode, 0);
}

static inline ssize_t tk_sys_write(int fd, const void *buf, size_t n)
{
	return TK_SYS(SYS_write, fd, buf, n, 0, 0);
}

static inline ssize_t tk_sys_pread(int fd, void *buf, size_t n, off_t at)
{
	return TK_SYS(SYS_pread64, fd, buf, n, at, 0);
}

static inline ssize_t tk_sys_sendto(int fd, const void *buf, size_t n,
				    int flags, const struct sockaddr *addr,
				    socklen_t len)
{
	return tk_syscall(SYS_sendto, fd, buf, n, flags, addr, len);
}

static inline int tk_sys_getsockname(int fd, struct sockaddr *addr,
				     socklen_t *len)
{
	return (int)TK_SYS(SYS_getsockname, fd, addr, len, 0, 0);
}

static inline int tk_sys_getpeername(int fd, struct sockaddr *addr,
				     socklen_t *len)
{
	return (int)TK_SYS(SYS_getpeername, fd, addr, len, 0, 0);
}

static inline int tk_sys_sched_yield(void)
{
	return (int)TK_SYS(SYS_sched_yield, 0, 0, 0, 0, 0);
}

/* prlimit64() of this process: the 64-bit ABIs' struct rlimit is its
 * struct. */
static inline int tk_sys_getrlimit(int resource, struct rlimit *lim)
{
	return (int)TK_SYS(SYS_prlimit64, 0, resource, 0, lim, 0);
}

#else /* through the C library */

/* CALL's result, or the negative errno it left; errno as it was. */
# define TK_SYS_LIBC(type, call) \
	do { \
		int tk_saved_ = errno; \
		type tk_r_ = (call); \
		\
		if (tk_r_ < 0) \
			tk_r_ = (type)-errno; \
		errno = tk_saved_; \
		return tk_r_; \
	} while (0)

static inline long tk_sys_getpid(void)
{
	return (long)getpid();
}

static inline long tk_sys_gettid(void)
{
	TK_SYS_LIBC(long, syscall(SYS_gettid));
}

static inline int tk_sys_madvise(void *addr, size_t len, int advice)
{
	TK_SYS_LIBC(int, madvise(addr, len, advice));
}

static inline int tk_sys_open(const char *path, int flags)
{
	TK_SYS_LIBC(int, open(path, flags));
}

static inline int tk_sys_fstat(int fd, struct stat *st)
{
	TK_SYS_LIBC(int, fstat(fd, st));
}

static inline ssize_t tk_sys_read(int fd, void *buf, size_t n)
{
	TK_SYS_LIBC(ssize_t, read(fd, buf, n));
}

static inline int tk_sys_close(int fd)
{
	TK_SYS_LIBC(int, close(fd));
}

static inline ssize_t tk_sys_readlink(const char *path, char *buf, size_t n)
{
	TK_SYS_LIBC(ssize_t, readlink(path, buf, n));
}

static inline int tk_sys_getsockopt(int fd, int level, int name, void *value,
				    socklen_t *len)
{
	TK_SYS_LIBC(int, getsockopt(fd, level, name, value, len));
}

static inline long tk_syscall_libc(long n, long a, long b, long c, long d,
				   long e, long f)
{
	TK_SYS_LIBC(long, syscall(n, a, b, c, d, e, f));
}

/* Any system call by number, six arguments (fewer: zeros). */
# define tk_syscall(n, a, b, c, d, e, f) \
	tk_syscall_libc((n), (long)(a), (long)(b), (long)(c), (long)(d), \
			(long)(e), (long)(f))

static inline int tk_sys_open_mode(const char *path, int flags, mode_t mode)
{
	TK_SYS_LIBC(int, open(path, flags, mode));
}

static inline ssize_t tk_sys_write(int fd, const void *buf, size_t n)
{
	TK_SYS_LIBC(ssize_t, write(fd, buf, n));
}

static inline ssize_t tk_sys_pread(int fd, void *buf, size_t n, off_t at)
{
	TK_SYS_LIBC(ssize_t, pread(fd, buf, n, at));
}

static inline ssize_t tk_sys_sendto(int fd, const void *buf, size_t n,
				    int flags, const struct sockaddr *addr,
				    socklen_t len)
{
	TK_SYS_LIBC(ssize_t, sendto(fd, buf, n, flags, addr, len));
}

static inline int tk_sys_getsockname(int fd, struct sockaddr *addr,
				     socklen_t *len)
{
	TK_SYS_LIBC(int, getsockname(fd, addr, len));
}

static inline int tk_sys_getpeername(int fd, struct sockaddr *addr,
				     socklen_t *len)
{
	TK_SYS_LIBC(int, getpeername(fd, addr, len));
}

static inline int tk_sys_sched_yield(void)
{
	TK_SYS_LIBC(int, sched_yield());
}

static inline int tk_sys_getrlimit(int resource, struct rlimit *lim)
{
	TK_SYS_LIBC(int, getrlimit(resource, lim));
}

#endif
#endif
