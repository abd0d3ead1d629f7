/* SPDX-License-Identifier: MIT */
/* One end of a loopback TCP connection, built for amd64 (tests/abi-peer)
 * and for i386 (tests/abi-peer32), so that a 32-bit and a 64-bit program
 * can talk to each other under one environment.  It knows nothing of
 * tcpkeep: it prints what the kernel reports about its socket.
 *
 *   abi-peer server PORTFILE   listen on 127.0.0.1, write the port to
 *                              PORTFILE, accept one connection
 *   abi-peer client PORT       connect to 127.0.0.1:PORT
 *
 * Output: "BITS LABEL keepalive=K idle=I intvl=N cnt=C user_timeout=U",
 * LABEL "accepted" or "client".  Each run ends within 20 s (alarm). */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockopt.h"

static void die(const char *what)
{
	fprintf(stderr, "abi-peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void show(const char *label, int fd)
{
	printf("%d %s keepalive=%d idle=%d intvl=%d cnt=%d user_timeout=%d\n",
	       (int)(8 * sizeof(void *)), label,
	       sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE),
	       sockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE),
	       sockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL),
	       sockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT),
	       sockopt_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT));
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

int main(int argc, char **argv)
{
	alarm(20);
	if (argc == 3 && strcmp(argv[1], "server") == 0)
		return server(argv[2]);
	if (argc == 3 && strcmp(argv[1], "client") == 0)
		return client(argv[2]);
	fprintf(stderr, "usage: abi-peer server PORTFILE | client PORT\n");
	return 2;
}
