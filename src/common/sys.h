/* SPDX-License-Identifier: MIT */
/* The system calls the library makes at load, made directly where the
 * ABI is known (x86-64, AArch64): every C library function a process
 * calls for the first time costs it a lazy binding by the loader (about
 * 700 instructions on glibc), and the load is in every process.  Each
 * returns what the kernel returns, a negative errno on failure, and
 * never touches errno; elsewhere the same through the C library, errno
 * saved and restored.  Not for the hooks' own calls (the program's),
 * which go through the real functions.
 *
 * Include after the system headers and common/glibc-floor.h (fstat). */
#ifndef TCPKEEP_SYS_H
#define TCPKEEP_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* Its fstat() for the calls through the C library. */
#include "common/glibc-floor.h"

#if (defined __x86_64__ && !defined __ILP32__) || defined __aarch64__
# define TK_SYS_RAW 1

static inline long tk_sys6(long n, long a, long b, long c, long d, long e)
{
# if defined __x86_64__
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
# else
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	return x0;
# endif
}

# define TK_SYS(n, a, b, c, d, e) \
	tk_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e))

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

#endif
#endif
