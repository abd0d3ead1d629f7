/* SPDX-License-Identifier: MIT */
/* The first call of each hooked function, where the library binds the
 * real one (src/preload/real.c): made from a signal handler, and from
 * several threads at once.  It knows nothing of tcpkeep: it prints what
 * the kernel reports about the sockets it made (tests/preload/firstcall.tap
 * says what the library must have made of them).
 *
 *   firstcall signal     the first socket(), setsockopt(), dup(), dup2(),
 *                        dup3(), fcntl() and close() are made by a SIGUSR1
 *                        handler, raised inside a dl_iterate_phdr()
 *                        callback: the interrupted code holds the loader's
 *                        lock, which a binder must not need
 *   firstcall threads N  N threads, released together, each make their
 *                        first socket(), setsockopt(), listen(), dup(),
 *                        fcntl() and close() at once
 *
 * Every socket gets the program's own TCP_KEEPCNT=7 right after socket().
 * Output: "LABEL keepalive=K idle=I intvl=N cnt=C user_timeout=U" for each
 * copy of the socket, and "errno kept" when every successful first call
 * left errno alone (else what it became).  Each run ends within 20 s. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/sockopt.h"

#define THREADS_MAX 16

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

/* ---- signal */

/* What the handler made: the socket's copies, and errno after each
 * successful call (or 0 when all left it alone). */
static int copy_dup = -1, copy_dup2 = -1, copy_dup3 = -1, copy_fcntl = -1;
static volatile sig_atomic_t errno_seen, handled;

static void note_errno(void)
{
	if (errno != E2BIG && errno_seen == 0)
		errno_seen = errno;
	errno = E2BIG;
}

static void on_signal(int sig)
{
	int saved = errno;
	int seven = 7;
	int s;

	(void)sig;
	errno = E2BIG;
	s = socket(AF_INET, SOCK_STREAM, 0);
	note_errno();
	if (s >= 0 &&
	    setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &seven, sizeof seven) == 0) {
		note_errno();
		copy_dup = dup(s);
		note_errno();
		copy_dup2 = dup2(s, 100);
		note_errno();
#ifdef HAVE_DUP3
		copy_dup3 = dup3(s, 101, O_CLOEXEC);
		note_errno();
#endif
		copy_fcntl = fcntl(s, F_DUPFD_CLOEXEC, 102);
		note_errno();
		if (close(s) == 0)
			note_errno();
	}
	handled = 1;
	errno = saved;
}

static int raise_inside(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	(void)data;
	raise(SIGUSR1);
	return 1;
}

static void print(const char *label, int fd)
{
	char line[160];

	if (fd < 0) {
		printf("%s failed\n", label);
		return;
	}
	sockopt_line(fd, line, sizeof line);
	printf("%s %s\n", label, line);
}

static int run_signal(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		fail("sigaction");
	(void)dl_iterate_phdr(raise_inside, NULL);
	if (!handled)
		fail("the handler did not run");
	print("dup", copy_dup);
	print("dup2", copy_dup2);
#ifdef HAVE_DUP3
	print("dup3", copy_dup3);
#else
	print("dup3", copy_dup);
#endif
	print("fcntl", copy_fcntl);
	if (errno_seen == 0)
		printf("errno kept\n");
	else
		printf("errno became %d\n", (int)errno_seen);
	return 0;
}

/* ---- threads */

struct worker {
	pthread_t thread;
	char line[160];
	int errno_seen;
};

static pthread_barrier_t start;

static void *work(void *arg)
{
	struct worker *w = arg;
	int seven = 7;
	int s, d, f;

	(void)pthread_barrier_wait(&start);
	errno = E2BIG;
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 ||
	    setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &seven, sizeof seven) != 0 ||
	    listen(s, 1) != 0) {
		snprintf(w->line, sizeof w->line, "failed: %s", strerror(errno));
		return NULL;
	}
	d = dup(s);
	f = fcntl(s, F_DUPFD_CLOEXEC, 0);
	if (close(s) != 0 || d < 0 || f < 0) {
		snprintf(w->line, sizeof w->line, "failed: %s", strerror(errno));
		return NULL;
	}
	if (errno != E2BIG)
		w->errno_seen = errno;
	/* The copies stay the same socket, with what the library gave it. */
	sockopt_line(f, w->line, sizeof w->line);
	(void)close(d);
	(void)close(f);
	return NULL;
}

static int run_threads(int n)
{
	struct worker w[THREADS_MAX];
	int first_errno = 0;

	if (n < 1 || n > THREADS_MAX)
		fail("threads: 1 to 16");
	memset(w, 0, sizeof w);
	if (pthread_barrier_init(&start, NULL, (unsigned)n) != 0)
		fail("pthread_barrier_init");
	for (int i = 0; i < n; i++)
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0)
			fail("pthread_create");
	for (int i = 0; i < n; i++)
		(void)pthread_join(w[i].thread, NULL);
	for (int i = 0; i < n; i++) {
		if (strcmp(w[i].line, w[0].line) != 0) {
			printf("threads differ: '%s' and '%s'\n", w[0].line,
			       w[i].line);
			return 0;
		}
		if (w[i].errno_seen != 0)
			first_errno = w[i].errno_seen;
	}
	printf("threads %s\n", w[0].line);
	if (first_errno == 0)
		printf("errno kept\n");
	else
		printf("errno became %d\n", first_errno);
	return 0;
}

int main(int argc, char **argv)
{
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "signal") == 0)
		return run_signal();
	if (argc == 3 && strcmp(argv[1], "threads") == 0)
		return run_threads(atoi(argv[2]));
	fprintf(stderr, "usage: firstcall signal | threads N\n");
	return 2;
}
