/* SPDX-License-Identifier: MIT */
/* tcpkeep-bpf run [--] COMMAND [ARG...]
 *
 * A new cgroup below the caller's own, both programs attached with bpf
 * links, this process moved into it, then exec: the command keeps this
 * PID.  A watcher forked before the exec, outside the cgroup, holds the
 * links and a lock on the cgroup directory; when the cgroup is empty it
 * removes the cgroup and the record and exits.  What a killed watcher
 * leaves is removed at the next start (cgroup.c, tk_cleanup_leftovers). */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/cgroup.h"
#include "bpf/commands.h"
#include "bpf/config.h"
#include "common/config.h"
#include "bpf/loader.h"
#include "host/conftool.h"
#include "host/exit.h"

/* ------------------------------------------------------------ run */

/* The caller's descriptors, which the command inherits: the watcher's
 * own (links, programs, maps, the cgroup directory, the pipe) are all
 * close-on-exec, the caller's that the command gets are not. */
static void close_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name), flags;

		if (fd <= 2 || fd == dirfd(d))
			continue;
		flags = fcntl(fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			close(fd);
	}
	closedir(d);
}

/* The watcher: outside the cgroup, in its own session, deaf to the
 * terminal's and a supervisor's signals; it ends when the cgroup is
 * empty (or when the command's process died before joining it). */
static void watch(struct tk_bpf *bpf, struct transient *t, int ready_fd)
{
	static const int ignored[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM,
				       SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU,
				       SIGUSR1, SIGUSR2 };
	char byte;
	int fd, null;
	ssize_t n;

	setsid();
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		signal(ignored[i], SIG_IGN);
	/* Not holding the caller's pipes open: `x=$(tcpkeep --bpf -- cmd)`
	 * ends when the command does. */
	close_inherited();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	if (chdir("/") < 0) {
		/* nothing depends on the working directory */
	}

	/* Not by name: another cgroup may have taken it (transient.c). */
	fd = openat(t->dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	do
		n = read(ready_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && fd >= 0) {
		/* The kernel signals a change of cgroup.events as an
		 * exceptional condition; the timeout only bounds a missed
		 * one. */
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLPRI };
			int populated = tk_cg_populated(fd);

			if (populated <= 0)
				break;
			if (poll(&p, 1, 5000) < 0 && errno != EINTR)
				break;
		}
	}
	tk_bpf_close(bpf);
	drop_transient(t, true);
	_exit(0);
}

static int exec_command(char **argv)
{
	int err;

	execvp(argv[0], argv);
	err = errno;
	if (err == ENOENT || err == ENOTDIR) {
		tk_say("cannot run '%s': command not found", argv[0]);
		return TK_EXIT_NOT_FOUND;
	}
	tk_say("cannot run '%s': %s", argv[0], strerror(err));
	return TK_EXIT_CANNOT_EXEC;
}

int cmd_run(int argc, char **argv)
{
	char mount[PATH_MAX], own[PATH_MAX];
	struct tk_config cfg;
	struct transient t;
	struct tk_bpf *bpf;
	struct rlimit memlock;
	int ready[2], status;
	bool have_memlock;
	pid_t child;

	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argc--;
		argv++;
	}
	if (argc == 0) {
		tk_say("no command given");
		return TK_EXIT_NOT_STARTED;
	}
	{
		/* The command's [program] sections: what it will exec. */
		char program[PATH_MAX];

		load_config_for(&cfg, tk_tool_program(argv[0], program,
						      sizeof program));
	}
	if (!cfg.enabled)
		return exec_command(argv);
	/* libbpf raises RLIMIT_MEMLOCK on kernels that charge BPF memory to
	 * it (before 5.11); the command gets the caller's limit back. */
	have_memlock = getrlimit(RLIMIT_MEMLOCK, &memlock) == 0;
	if (find_cgroup_v2(mount, sizeof mount, own, sizeof own) < 0)
		return TK_EXIT_NOT_STARTED;
	bpf = tk_bpf_load(&cfg);
	if (bpf == NULL)
		return TK_EXIT_NOT_STARTED;
	if (make_transient(&t, own, TK_CG_RUN, &cfg) < 0) {
		tk_bpf_close(bpf);
		return TK_EXIT_NOT_STARTED;
	}
	if (tk_bpf_attach(bpf, t.dir_fd, t.path) < 0 ||
	    pipe2(ready, O_CLOEXEC) < 0) {
		tk_bpf_close(bpf);
		drop_transient(&t, true);
		return TK_EXIT_NOT_STARTED;
	}

	/* The watcher is a grandchild, so that it is not the command's
	 * child: a program that waits for all its children must not wait
	 * for it. */
	fflush(NULL);
	child = fork();
	if (child == 0) {
		close(ready[1]);
		if (fork() == 0)
			watch(bpf, &t, ready[0]);
		_exit(0);
	}
	close(ready[0]);
	if (child < 0) {
		tk_say("cannot fork: %s", strerror(errno));
		tk_bpf_close(bpf);
		drop_transient(&t, true);
		return TK_EXIT_NOT_STARTED;
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;

	/* From here on the watcher cleans up: it sees the pipe close
	 * without a byte when this process fails or exits, or the cgroup
	 * empty after the command's process tree ended. */
	if (tk_cg_join(t.dir_fd) < 0) {
		tk_say("cannot move into the cgroup %s: %s", t.path,
		       strerror(errno));
		return TK_EXIT_NOT_STARTED;
	}
	if (write(ready[1], "j", 1) != 1) {
		tk_say("the watcher of %s is gone", t.path);
		return TK_EXIT_NOT_STARTED;
	}
	if (cfg.debug)
		tk_say("eBPF program attached to %s (cgroup %llu)", t.path,
		       (unsigned long long)t.id);
	if (have_memlock)
		(void)setrlimit(RLIMIT_MEMLOCK, &memlock);
	return exec_command(argv);
}
