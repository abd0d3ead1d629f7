/* SPDX-License-Identifier: MIT */
/* One end of a loopback TCP connection, built for amd64 (tests/preload/abi-peer)
 * and for i386 (tests/preload/abi-peer32), so that a 32-bit and a 64-bit program
 * can talk to each other under one environment.  It knows nothing of
 * tcpkeep: it prints what the kernel reports about its socket.
 *
 *   abi-peer server PORTFILE   listen on 127.0.0.1, write the port to
 *                              PORTFILE, accept one connection
 *   abi-peer client PORT       connect to 127.0.0.1:PORT
 *   abi-peer calls             the calls a preload library must see, on
 *                              connections to a listener of its own
 *                              (below)
 *
 * Output: "BITS LABEL keepalive=K idle=I intvl=N cnt=C user_timeout=U",
 * LABEL "accepted" or "client", or those of calls.  Each run ends within
 * 20 s (alarm).
 *
 * Built a third time for i386 with -D_TIME_BITS=64 (tests/preload/abi-peer32t),
 * where glibc's headers turn setsockopt(), fcntl(), recvmsg() and
 * sendmsg() into calls of their time64 entry points. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../lib/sockopt.h"

static void die(const char *what)
{
	fprintf(stderr, "abi-peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void show(const char *label, int fd)
{
	char line[128];

	sockopt_line(fd, line, sizeof line);
	printf("%d %s %s\n", (int)(8 * sizeof(void *)), label, line);
	fflush(stdout);
}

static int server(const char *portfile)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	char tmp[4096];
	FILE *f;
	int lfd, afd;

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		die("listen");
	/* Written whole, then renamed: the client never reads half a port. */
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", portfile) >= sizeof tmp)
		die("port file name");
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%u\n", ntohs(addr.sin_port)) < 0 ||
	    fclose(f) != 0 || rename(tmp, portfile) < 0)
		die("port file");
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		die("accept");
	show("accepted", afd);
	close(afd);
	close(lfd);
	return 0;
}

static int client(const char *port)
{
	struct sockaddr_in addr;
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	int fd;

	if (*port == '\0' || *end != '\0' || p == 0 || p > 65535) {
		fprintf(stderr, "abi-peer: bad port '%s'\n", port);
		return 2;
	}
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)p);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	show("client", fd);
	close(fd);
	return 0;
}

static void set_int(int fd, int level, int name, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof value) < 0)
		die("setsockopt");
}

/* FD, a TCP socket made by a raw system call (no hook sees it), passed
 * through a Unix socket pair: it lands on the lowest free number. */
static int pass(int fd)
{
	char data = 'x', space[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr msg;
	struct cmsghdr *c;
	int pair[2], got;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0)
		die("socketpair");
	memset(&msg, 0, sizeof msg);
	memset(space, 0, sizeof space);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = space;
	msg.msg_controllen = sizeof space;
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	if (sendmsg(pair[0], &msg, 0) != 1)
		die("sendmsg SCM_RIGHTS");
	close(fd);
	/* The number the descriptor will take was a UDP socket's, closed
	 * where no hook saw it: only the recvmsg() hook can tell the
	 * library that a new socket is there. */
	got = socket(AF_INET, SOCK_DGRAM, 0);
	if (got < 0 || syscall(SYS_close, got) < 0)
		die("UDP socket");
	msg.msg_controllen = sizeof space;
	if (recvmsg(pair[1], &msg, 0) != 1 || (c = CMSG_FIRSTHDR(&msg)) == NULL ||
	    c->cmsg_type != SCM_RIGHTS)
		die("recvmsg SCM_RIGHTS");
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	if (fd != got) {
		fprintf(stderr, "abi-peer: passed to %d, not %d\n", fd, got);
		exit(1);
	}
	close(pair[0]);
	close(pair[1]);
	return fd;
}

/* Connections to a listener of our own, each through calls a preload
 * library must see (the environment says what it does with them):
 *   calls     TCP_KEEPCNT=7 before connect(), TCP_KEEPIDLE=77 after it,
 *             TCP_KEEPINTVL=7 on a copy made by fcntl(F_DUPFD)
 *   passed    a TCP socket received by recvmsg() with SCM_RIGHTS on the
 *             number of a closed UDP socket, then connect()
 *   fastopen  sendmsg() with MSG_FASTOPEN instead of connect() */
static int calls(void)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof addr;
	struct msghdr msg;
	struct iovec iov;
	char data = 'x';
	int lfd, fd, copy;

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		die("listen");

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 7);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	copy = fcntl(fd, F_DUPFD, 0);
	if (copy < 0)
		die("fcntl F_DUPFD");
	set_int(copy, IPPROTO_TCP, TCP_KEEPINTVL, 7);
	show("calls", fd);

	fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("raw socket");
	fd = pass(fd);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	show("passed", fd);

#ifdef MSG_FASTOPEN
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	memset(&msg, 0, sizeof msg);
	iov.iov_base = &data;
	iov.iov_len = 1;
	msg.msg_name = &addr;
	msg.msg_namelen = sizeof addr;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (sendmsg(fd, &msg, MSG_FASTOPEN) < 0 && errno != EINPROGRESS)
		die("sendmsg MSG_FASTOPEN");
	show("fastopen", fd);
#else
	(void)msg;
	(void)iov;
	(void)data;
#endif
	return 0;
}

int main(int argc, char **argv)
{
	alarm(20);
	if (argc == 3 && strcmp(argv[1], "server") == 0)
		return server(argv[2]);
	if (argc == 3 && strcmp(argv[1], "client") == 0)
		return client(argv[2]);
	if (argc == 2 && strcmp(argv[1], "calls") == 0)
		return calls();
	fprintf(stderr, "usage: abi-peer server PORTFILE | client PORT | calls\n");
	return 2;
}
