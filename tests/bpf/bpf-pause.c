/* SPDX-License-Identifier: MIT */
/* A preloaded shim for tests/bpf/bpf-race.tap: tcpkeep-bpf run stops at its
 * pipe2() call, after it made its cgroup and before it moves into it,
 * until the test has done what it races with.  $TK_PAUSE_DIR/paused is
 * made on arrival; the call goes on when $TK_PAUSE_DIR/go exists (at
 * most 10 s).  Any other program, or without TK_PAUSE_DIR: no effect. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char *program_invocation_short_name;

__attribute__((visibility("default")))
int pipe2(int fds[2], int flags)
{
	static int (*real)(int *, int);
	const char *dir = getenv("TK_PAUSE_DIR");
	static int done;

	if (real == NULL)
		real = (int (*)(int *, int))dlsym(RTLD_NEXT, "pipe2");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (dir != NULL && !done &&
	    strcmp(program_invocation_short_name, "tcpkeep-bpf") == 0) {
		char path[4096];
		struct timespec pause = { 0, 20 * 1000 * 1000 };
		int fd;

		done = 1;
		snprintf(path, sizeof path, "%s/paused", dir);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		snprintf(path, sizeof path, "%s/go", dir);
		for (int i = 0; i < 500 && access(path, F_OK) != 0; i++)
			nanosleep(&pause, NULL);
	}
	return real(fds, flags);
}
