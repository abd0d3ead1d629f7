/* SPDX-License-Identifier: MIT */
/* A preload library whose constructor opens a TCP socket, as some
 * libraries do at load.  Placed after tcpkeep in LD_PRELOAD, its
 * constructor runs first, so tcpkeep's socket() hook is reached before
 * tcpkeep's own constructor. */
#include "autoconfig.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int get(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;

	getsockopt(fd, level, name, &v, &len);
	return v;
}

__attribute__((constructor))
static void open_socket_early(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char line[128];
	int n;

	n = snprintf(line, sizeof line, "early keepalive=%d idle=%d\n",
		     get(fd, SOL_SOCKET, SO_KEEPALIVE),
		     get(fd, IPPROTO_TCP, TCP_KEEPIDLE));
	if (n > 0)
		(void)!write(STDOUT_FILENO, line, (size_t)n);
	close(fd);
}
