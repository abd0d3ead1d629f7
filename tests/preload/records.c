/* SPDX-License-Identifier: MIT */
/* The descriptor record of a preloaded library, tried where another
 * process or thread shares it: a vfork() child, a thread that unshares
 * its descriptor table, a thread that takes a number close_range() or
 * closefrom() just freed.  It knows nothing of tcpkeep: each scenario
 * ends with the program's own setsockopt() or connect() and prints what
 * the kernel reports about the socket (tests/preload/records.tap says what the
 * library must have made of it).
 *
 * Every scenario starts from a socket with the program's own
 * TCP_KEEPCNT=7, set before connect(), and ends with the program's
 * TCP_KEEPIDLE=77 after connect(); the event comes before connect() or
 * after it, as the last argument says:
 *
 *   records vfork-OP WHEN    a vfork() child calls OP on the socket's
 *                            number (close, dup2 or dup3 of /dev/null over
 *                            it, or exec: close() then execve())
 *   records fork-dup2 WHEN   a fork() child, where kcmp() is refused, moves
 *                            the socket to another number with dup2()
 *   records unshare WHEN     another thread calls close_range() with
 *                            CLOSE_RANGE_UNSHARE on its number
 *   records reuse-CALL WHEN  close_range() or closefrom() frees a number,
 *                            and before the call returns (libpause.so,
 *                            preloaded behind the library, calls
 *                            after_close() below) another thread's
 *                            socket() takes it: that is the socket
 *
 * Output: "LABEL keepalive=K idle=I intvl=N cnt=C user_timeout=U", or
 * "LABEL unsupported".  Each run ends within 20 s (alarm). */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#ifdef HAVE_LINUX_SECCOMP_H
# include <linux/filter.h>
# include <linux/seccomp.h>
#endif
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_LINUX_SECCOMP_H
# include <sys/prctl.h>
#endif
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/sockopt.h"

#ifndef CLOSE_RANGE_UNSHARE
# define CLOSE_RANGE_UNSHARE (1u << 1)
#endif

extern char **environ;

static struct sockaddr_in listen_addr;

static void die(const char *what)
{
	fprintf(stderr, "records: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void show(const char *label, int fd)
{
	char line[128];

	sockopt_line(fd, line, sizeof line);
	printf("%s %s\n", label, line);
	fflush(stdout);
}

static void set_int(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof value) < 0)
		die("setsockopt");
}

static void listener(void)
{
	socklen_t len = sizeof listen_addr;
	int lfd;

	memset(&listen_addr, 0, sizeof listen_addr);
	listen_addr.sin_family = AF_INET;
	listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    bind(lfd, (struct sockaddr *)&listen_addr, sizeof listen_addr) < 0 ||
	    listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&listen_addr, &len) < 0)
		die("listen");
}

static void connect_to_listener(int fd)
{
	if (connect(fd, (struct sockaddr *)&listen_addr, sizeof listen_addr) < 0)
		die("connect");
}

/* Whether the scenario's event comes after connect() (the socket is
 * decided: what force mode acts on) or before (the program's choice is
 * still to be respected by the decision). */
static bool connect_first;

/* Every scenario's socket: the program's own TCP_KEEPCNT=7 before
 * connect(). */
static int new_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 7);
	if (connect_first)
		connect_to_listener(fd);
	return fd;
}

/* The end of every scenario: the program's TCP_KEEPIDLE=77 after
 * connect(). */
static void finish(const char *label, int fd)
{
	if (!connect_first)
		connect_to_listener(fd);
	set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	show(label, fd);
}

static int vfork_op(const char *op)
{
	char label[32];
	int fd, other, status;
	pid_t pid;

	fd = new_socket();
	other = open("/dev/null", O_RDONLY);
	if (other < 0)
		die("/dev/null");
	pid = vfork();
	if (pid < 0)
		die("vfork");
	if (pid == 0) {
		/* Only calls a vfork() child may make, as a launcher does
		 * before execve(). */
		if (strcmp(op, "close") == 0) {
			close(fd);
		} else if (strcmp(op, "dup2") == 0) {
			dup2(other, fd);
		} else if (strcmp(op, "dup3") == 0) {
#ifdef HAVE_DUP3
			dup3(other, fd, O_CLOEXEC);
#else
			dup2(other, fd);
#endif
		} else {
			char *args[] = { (char *)"true", NULL };

			close(fd);
			execve("/bin/true", args, environ);
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	snprintf(label, sizeof label, "vfork-%s", op);
	finish(label, fd);
	return 0;
}

/* A fork() child where kcmp() is refused, as container seccomp profiles
 * do: it must still know that its copy of the record is its own, and
 * dup2() the socket onto /dev/null's number with the entry following. */
static int fork_dup2(void)
{
#if defined(HAVE_LINUX_SECCOMP_H) && defined(SYS_kcmp) && \
	defined(SECCOMP_MODE_FILTER)
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kcmp, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof insns / sizeof insns[0], insns };
	int fd, other, status;
	pid_t pid;

	fd = new_socket();
	other = open("/dev/null", O_RDONLY);
	if (other < 0)
		die("/dev/null");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		die("seccomp");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (dup2(fd, other) < 0)
			die("dup2");
		close(fd);
		finish("fork-dup2", other);
		exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
#else
	printf("fork-dup2 unsupported\n");
	return 0;
#endif
}

#ifdef HAVE_CLOSE_RANGE
static int unshare_fd;

static void *unshare_thread(void *arg)
{
	(void)arg;
	if (close_range((unsigned)unshare_fd, (unsigned)unshare_fd,
			CLOSE_RANGE_UNSHARE) < 0)
		die("close_range CLOSE_RANGE_UNSHARE");
	return NULL;
}
#endif

static int unshare_range(void)
{
#ifdef HAVE_CLOSE_RANGE
	pthread_t t;

	unshare_fd = new_socket();
	if (pthread_create(&t, NULL, unshare_thread, NULL) != 0 ||
	    pthread_join(t, NULL) != 0)
		die("thread");
	finish("unshare", unshare_fd);
#else
	printf("unshare unsupported\n");
#endif
	return 0;
}

/* The socket another thread makes while close_range() or closefrom()
 * runs: on the number that call just freed. */
static int reused = -1;

static void *reuse_thread(void *arg)
{
	(void)arg;
	reused = new_socket();
	return NULL;
}

/* Called by libpause.so after the real close_range() or closefrom(),
 * before the call returns to the library in front of it. */
__attribute__((visibility("default"))) void after_close(void);
void after_close(void)
{
	pthread_t t;

	if (reused >= 0)
		return;
	if (pthread_create(&t, NULL, reuse_thread, NULL) != 0 ||
	    pthread_join(t, NULL) != 0)
		die("thread");
}

static int reuse(const char *call)
{
	char label[32];
	int fd = new_socket();	/* the highest number: closefrom() takes it alone */

	if (strcmp(call, "close_range") == 0) {
#ifdef HAVE_CLOSE_RANGE
		if (close_range((unsigned)fd, (unsigned)fd, 0) < 0)
			die("close_range");
#else
		printf("reuse-%s unsupported\n", call);
		return 0;
#endif
	} else {
#ifdef HAVE_CLOSEFROM
		closefrom(fd);
#else
		printf("reuse-%s unsupported\n", call);
		return 0;
#endif
	}
	if (reused != fd) {
		fprintf(stderr, "records: the thread's socket is %d, not %d "
			"(libpause.so not preloaded?)\n", reused, fd);
		return 1;
	}
	snprintf(label, sizeof label, "reuse-%s", call);
	finish(label, reused);
	return 0;
}

int main(int argc, char **argv)
{
	alarm(20);
	listener();
	if (argc == 3 && (strcmp(argv[2], "before") == 0 ||
			  strcmp(argv[2], "after") == 0)) {
		connect_first = strcmp(argv[2], "after") == 0;
		if (strncmp(argv[1], "vfork-", 6) == 0)
			return vfork_op(argv[1] + 6);
		if (strcmp(argv[1], "unshare") == 0)
			return unshare_range();
		if (strcmp(argv[1], "fork-dup2") == 0)
			return fork_dup2();
		if (strncmp(argv[1], "reuse-", 6) == 0)
			return reuse(argv[1] + 6);
	}
	fprintf(stderr, "usage: records vfork-OP|fork-dup2|unshare|reuse-CALL before|after\n");
	return 2;
}
