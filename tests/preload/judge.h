/* SPDX-License-Identifier: MIT */
/* What the hard-case test programs (tests/preload/fault.c, tests/preload/reach.c) share:
 * the kernel's verdict on a TCP socket against the values of the
 * environment, and a loopback listener. */
#ifndef TCPKEEP_TESTS_JUDGE_H
#define TCPKEEP_TESTS_JUDGE_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../lib/sockopt.h"

/* TCPKEEP_IDLE, TCPKEEP_INTVL, TCPKEEP_CNT as plain numbers; -1 unset. */
static int want_idle = -1, want_intvl = -1, want_cnt = -1;

static void judge_read_env(void)
{
	const char *v;

	if ((v = getenv("TCPKEEP_IDLE")) != NULL)
		want_idle = atoi(v);
	if ((v = getenv("TCPKEEP_INTVL")) != NULL)
		want_intvl = atoi(v);
	if ((v = getenv("TCPKEEP_CNT")) != NULL)
		want_cnt = atoi(v);
}

/* 1: configured as asked, 0: keepalive off, -1: anything else. */
static int state_of(int fd)
{
	int ka = sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE);

	if (ka == 0)
		return 0;
	if (ka == 1 && sockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE) == want_idle &&
	    sockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL) == want_intvl &&
	    sockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT) == want_cnt)
		return 1;
	return -1;
}

static const char *word(int state)
{
	return state == 1 ? "ok" : state == 0 ? "off" : "wrong";
}

/* A TCP listener on 127.0.0.1, port chosen by the kernel and stored in
 * *ADDR; -1 when a call failed. */
static int loopback_listener(struct sockaddr_in *addr, int backlog)
{
	socklen_t len = sizeof *addr;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof *addr) < 0 ||
	    listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) < 0)
		return -1;
	return fd;
}

#endif
