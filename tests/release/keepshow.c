/* SPDX-License-Identifier: MIT */
/* An unmodified program for the release tests (packages, images, the
 * entrypoint script): it opens a TCP connection to itself on loopback and
 * prints what the kernel says about the connecting socket, one line:
 *
 *   pid=P bits=B keepalive=K idle=I intvl=N cnt=C user_timeout=U
 *
 * It knows nothing of tcpkeep and includes nothing of it, so it builds
 * alone with any C compiler (gcc -m32, musl-gcc, inside an image).
 * With "--wait STATUS" it then waits for SIGTERM and exits with STATUS
 * after printing "SIGTERM": the container tests see the signal reach it as
 * PID 1 and its exit status come out of `docker stop`. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t terminated;

static void on_term(int sig)
{
	(void)sig;
	terminated = 1;
}

static int opt(int fd, int level, int name)
{
	int value = -1;
	socklen_t len = sizeof value;

	if (getsockopt(fd, level, name, &value, &len) != 0)
		return -1;
	return value;
}

static void die(const char *what)
{
	fprintf(stderr, "keepshow: %s: %s\n", what, strerror(errno));
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	int lfd, cfd, afd, status = 0;
	struct sigaction sa;

	if (argc == 3 && strcmp(argv[1], "--wait") == 0) {
		status = (int)strtol(argv[2], NULL, 10);
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_term;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGTERM, &sa, NULL) != 0)
			die("sigaction");
	} else if (argc != 1) {
		fprintf(stderr, "usage: keepshow [--wait STATUS]\n");
		return 2;
	}

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
	    listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) != 0)
		die("listen");
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (cfd < 0)
		die("socket");
	if (connect(cfd, (struct sockaddr *)&addr, sizeof addr) != 0)
		die("connect");
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		die("accept");

	printf("pid=%ld bits=%d keepalive=%d idle=%d intvl=%d cnt=%d user_timeout=%d\n",
	       (long)getpid(), (int)(sizeof(void *) * 8),
	       opt(cfd, SOL_SOCKET, SO_KEEPALIVE),
	       opt(cfd, IPPROTO_TCP, TCP_KEEPIDLE),
	       opt(cfd, IPPROTO_TCP, TCP_KEEPINTVL),
	       opt(cfd, IPPROTO_TCP, TCP_KEEPCNT),
	       opt(cfd, IPPROTO_TCP, TCP_USER_TIMEOUT));
	fflush(stdout);

	if (argc == 3) {
		/* Bounded: a test that forgets the signal ends in 10 minutes. */
		for (int i = 0; i < 600 && !terminated; i++)
			sleep(1);
		if (!terminated)
			return 1;
		printf("SIGTERM\n");
		fflush(stdout);
		return status;
	}
	return 0;
}
