/* SPDX-License-Identifier: MIT */
/* A preload library for tests/running-race.test (tcpkeep --pid): it holds tcpkeep's
 * helper at the moment between reading /proc/PID/fd and taking a
 * descriptor with pidfd_getfd(2), so that the target program can put
 * another socket on that number right then, every time.
 *
 * TK_RACE_FD=N  pause at the first pidfd_getfd of descriptor N;
 * TK_RACE_DIR=D create D/go there, then wait (at most 20 s) for D/done
 * before making the call.  Without both it only passes the calls on.
 * The helper reaches pidfd_getfd through syscall(2), so that is the
 * entry point hooked here. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef SYS_pidfd_getfd
static void hold(long fd)
{
	static int done;
	const char *want = getenv("TK_RACE_FD");
	const char *dir = getenv("TK_RACE_DIR");
	char path[PATH_MAX];
	int f;

	if (done || want == NULL || dir == NULL || atol(want) != fd)
		return;
	done = 1;
	snprintf(path, sizeof path, "%s/go", dir);
	f = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (f >= 0)
		close(f);
	snprintf(path, sizeof path, "%s/done", dir);
	for (int i = 0; i < 200 && access(path, F_OK) != 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
}
#endif

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
	if (nr == SYS_pidfd_getfd)
		hold(a[1]);
#endif
	if (next == NULL)
		next = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return next(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
