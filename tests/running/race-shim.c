/* SPDX-License-Identifier: MIT */
/* A preload library for tests/running/running-race.test (tcpkeep --pid): it holds tcpkeep's
 * helper at the moment between reading /proc/PID/fd and taking a
 * descriptor with pidfd_getfd(2), so that the target program can put
 * another socket on that number right then, every time.
 *
 * TK_RACE_FD=N    pause at the first pidfd_getfd of descriptor N;
 * TK_RACE_OPEN=P  pause at the first open() of the path P (the helper
 *                 enters a process's network namespace through
 *                 /proc/PID/ns/net);
 * TK_RACE_OPENAT=P  pause at the first openat() of the relative path P
 *                 (the helper lists a process's descriptors through
 *                 openat() of PID/fd in /proc);
 * TK_RACE_DIR=D   where to pause: create D/go, then wait (at most 20 s)
 *                 for D/done before making the call.
 * Without TK_RACE_DIR it only passes the calls on.  The helper reaches
 * pidfd_getfd through syscall(2), so that is the entry point hooked. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int (*next_open)(const char *, int, ...);

static int real_open(const char *path, int flags, mode_t mode)
{
	if (next_open == NULL)
		next_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	return next_open(path, flags, mode);
}

/* Once: D/go, then wait for D/done. */
static void hold(void)
{
	static int done;
	const char *dir = getenv("TK_RACE_DIR");
	char path[PATH_MAX];
	int f;

	if (done || dir == NULL)
		return;
	done = 1;
	snprintf(path, sizeof path, "%s/go", dir);
	f = real_open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (f >= 0)
		close(f);
	snprintf(path, sizeof path, "%s/done", dir);
	for (int i = 0; i < 200 && access(path, F_OK) != 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
}

/* Holds the caller when PATH is the one the variable VAR names. */
static void hold_at(const char *var, const char *path)
{
	const char *want = getenv(var);

	if (want != NULL && strcmp(path, want) == 0)
		hold();
}

/* MODE, open()'s and openat()'s last argument: given only with O_CREAT or
 * O_TMPFILE. */
#define MODE_ARG(flags, mode) \
	do { \
		va_list ap; \
		va_start(ap, flags); \
		if (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE) \
			(mode) = va_arg(ap, mode_t); \
		va_end(ap); \
	} while (0)

__attribute__((visibility("default")))
int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	hold_at("TK_RACE_OPEN", path);
	return real_open(path, flags, mode);
}

static int real_openat(int dir, const char *path, int flags, mode_t mode)
{
	static int (*next)(int, const char *, int, ...);

	if (next == NULL)
		next = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	return next(dir, path, flags, mode);
}

__attribute__((visibility("default")))
int openat(int dir, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	hold_at("TK_RACE_OPENAT", path);
	return real_openat(dir, path, flags, mode);
}

/* Every architecture passes up to six integer arguments; reading all six
 * when fewer were given is what the C library's own wrapper does. */
__attribute__((visibility("default")))
long syscall(long nr, ...)
{
	static long (*next)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
#ifdef SYS_pidfd_getfd
	if (nr == SYS_pidfd_getfd) {
		const char *want = getenv("TK_RACE_FD");

		if (want != NULL && atol(want) == a[1])
			hold();
	}
#endif
	if (next == NULL)
		next = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return next(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
