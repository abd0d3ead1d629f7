/* SPDX-License-Identifier: MIT */
/* Reading one integer socket option back from the kernel, for the test
 * programs: the kernel is the oracle of every test. */
#ifndef TCPKEEP_TESTS_SOCKOPT_H
#define TCPKEEP_TESTS_SOCKOPT_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>

/* The value, or -1 when the kernel does not answer. */
static inline int sockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -1;
	return v;
}

/* "keepalive=K idle=I intvl=N cnt=C user_timeout=U" as the kernel
 * answers for FD, into BUF. */
static inline void sockopt_line(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "keepalive=%d idle=%d intvl=%d cnt=%d user_timeout=%d",
		 sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE),
		 sockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE),
		 sockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL),
		 sockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT),
		 sockopt_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT));
}

#endif
