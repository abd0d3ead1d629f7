/* SPDX-License-Identifier: MIT */
/* Reading one integer socket option back from the kernel, for the test
 * programs: the kernel is the oracle of every test. */
#ifndef TCPKEEP_TESTS_SOCKOPT_H
#define TCPKEEP_TESTS_SOCKOPT_H

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

#endif
