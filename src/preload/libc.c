/* SPDX-License-Identifier: MIT */
/* The C library functions the common code calls, as the library alone
 * has them.  The common code is linked into the host tools too, which
 * use the C library as it is; in the library the linker sends its calls
 * here (configure.ac's -Wl,--wrap=NAME, every module call to NAME goes
 * to __wrap_NAME), so that the library imports next to nothing: every
 * import costs every process a lookup at start where the loader binds at
 * once (-z now, as hardened builds link), and a lazy binding at its
 * first call otherwise.  Each behaves as the C library's: the same
 * result, errno set on failure.
 *
 * The system calls are made directly where common/sys.h can
 * (__real_NAME, the C library's, elsewhere); the string functions are
 * short loops, the common code calling them on short texts at load;
 * inet_pton() is found at its first call as the hooks find their
 * functions. */
#include "autoconfig.h"

#ifdef TK_WRAP_LIBC

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preload/export.h"
#include "preload/real.h"
#include "common/sys.h"

/* An empty statement the compiler cannot see through: a loop that copies
 * or scans bytes stays a loop instead of becoming a call to the very
 * function it implements. */
#define OPAQUE(p) __asm__("" : "+r"(p))

/* __real_NAME is the C library's NAME, which must stay a default
 * visibility reference for the linker to bind it there. */
#define WRAP(ret, name, args) \
	TCPKEEP_HIDDEN ret __wrap_##name args; \
	ret __real_##name args;

WRAP(int, getsockopt, (int, int, int, void *, socklen_t *))
WRAP(int, getsockname, (int, struct sockaddr *, socklen_t *))
WRAP(int, inet_pton, (int, const char *, void *))
WRAP(size_t, strlen, (const char *))
WRAP(char *, strrchr, (const char *, int))
WRAP(void *, memmove, (void *, const void *, size_t))
WRAP(void *, memcpy, (void *, const void *, size_t))
WRAP(void *, memset, (void *, int, size_t))
WRAP(int, memcmp, (const void *, const void *, size_t))
WRAP(int, bcmp, (const void *, const void *, size_t))

#ifdef TK_SYS_RAW
/* A system call's result as the C library returns it. */
static int as_libc(int r)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

int __wrap_getsockopt(int fd, int level, int name, void *value,
		      socklen_t *len)
{
	return as_libc(tk_sys_getsockopt(fd, level, name, value, len));
}

int __wrap_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	return as_libc(tk_sys_getsockname(fd, addr, len));
}
#else
int __wrap_getsockopt(int fd, int level, int name, void *value,
		      socklen_t *len)
{
	return __real_getsockopt(fd, level, name, value, len);
}

int __wrap_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	return __real_getsockname(fd, addr, len);
}
#endif

/* Rules parsing at load only: found then, in the objects after ours. */
int __wrap_inet_pton(int af, const char *src, void *dst)
{
	typedef int (*inet_pton_fn)(int, const char *, void *);
	static inet_pton_fn fn;
	void *sym;

	if (fn == NULL) {
		sym = tk_real_next("inet_pton");
		if (sym == NULL) {
			errno = EAFNOSUPPORT;
			return -1;
		}
		__builtin_memcpy(&fn, &sym, sizeof fn);
	}
	return fn(af, src, dst);
}

size_t __wrap_strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0') {
		p++;
		OPAQUE(p);
	}
	return (size_t)(p - s);
}

char *__wrap_strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		OPAQUE(s);
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

/* Eight bytes at a time (the copies at load are of structures of a few
 * kilobytes), then the rest; backwards when the destination overlaps the
 * source from above. */
void *__wrap_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	unsigned long long w;

	if ((uintptr_t)d - (uintptr_t)s >= n) {
		for (; n >= sizeof w; n -= sizeof w) {
			__builtin_memcpy(&w, s, sizeof w);
			__builtin_memcpy(d, &w, sizeof w);
			d += sizeof w;
			s += sizeof w;
			OPAQUE(d);
		}
		for (; n > 0; n--) {
			*d++ = *s++;
			OPAQUE(d);
		}
		return dst;
	}
	d += n;
	s += n;
	for (; n >= sizeof w; n -= sizeof w) {
		d -= sizeof w;
		s -= sizeof w;
		__builtin_memcpy(&w, s, sizeof w);
		__builtin_memcpy(d, &w, sizeof w);
		OPAQUE(d);
	}
	for (; n > 0; n--) {
		*--d = *--s;
		OPAQUE(d);
	}
	return dst;
}

/* Eight bytes at a time, then the rest: what the compilers ask of it
 * is a table of a few hundred bytes zeroed at load. */
void *__wrap_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned long long w = 0x0101010101010101ULL * (unsigned char)c;

	for (; n >= sizeof w; n -= sizeof w) {
		__builtin_memcpy(d, &w, sizeof w);
		d += sizeof w;
		OPAQUE(d);
	}
	for (; n > 0; n--) {
		*d++ = (unsigned char)c;
		OPAQUE(d);
	}
	return dst;
}

int __wrap_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++) {
		OPAQUE(p);
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

/* memcmp() whose caller only asks "equal?", as clang emits it. */
int __wrap_bcmp(const void *a, const void *b, size_t n)
{
	return __wrap_memcmp(a, b, n);
}

/* What the C library does on a failed check of -fstack-protector and
 * _FORTIFY_SOURCE, as hardened builds compile the library: a line on
 * stderr, and abort(). */
static void __attribute__((noreturn)) check_failed(const char *line,
						   size_t n)
{
	(void)tk_sys_write(STDERR_FILENO, line, n);
	tk_abort();
}

TCPKEEP_HIDDEN __attribute__((noreturn)) void __wrap___stack_chk_fail(void);
void __wrap___stack_chk_fail(void)
{
	static const char line[] = "*** stack smashing detected ***: terminated\n";

	check_failed(line, sizeof line - 1);
}

TCPKEEP_HIDDEN void *__wrap___memcpy_chk(void *dst, const void *src,
					 size_t n, size_t room);
void *__wrap___memcpy_chk(void *dst, const void *src, size_t n, size_t room)
{
	static const char line[] = "*** buffer overflow detected ***: terminated\n";

	if (n > room)
		check_failed(line, sizeof line - 1);
	return __wrap_memmove(dst, src, n);
}

/* Also keeps the library off memcpy()'s second glibc version on x86-64
 * (GLIBC_2.14), which every program would have checked at start. */
void *__wrap_memcpy(void *dst, const void *src, size_t n)
{
	return __wrap_memmove(dst, src, n);
}

#endif
