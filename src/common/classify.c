/* SPDX-License-Identifier: MIT */
/* Which sockets are TCP (libtcpkeep(7), "Which sockets"). */
#include "autoconfig.h"
#include "common/config.h"
#include "common/classify.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int get_int_opt(int fd, int name, int *value)
{
	socklen_t len = sizeof *value;

	return getsockopt(fd, SOL_SOCKET, name, value, &len);
}

int tk_fd_is_tcp(int fd)
{
	int saved_errno = errno;
	int domain = AF_UNSPEC, type = -1, protocol = -1;
	int tcp = 0;

#if HAVE_DECL_SO_DOMAIN && HAVE_DECL_SO_PROTOCOL
	if (get_int_opt(fd, SO_DOMAIN, &domain) == 0 &&
	    get_int_opt(fd, SO_TYPE, &type) == 0 &&
	    get_int_opt(fd, SO_PROTOCOL, &protocol) == 0)
		tcp = tk_is_tcp(domain, type, protocol);
#else
	/* Without SO_DOMAIN/SO_PROTOCOL: the address family and a TCP-level
	 * option that only TCP sockets answer. */
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	int value;
	socklen_t len = sizeof value;

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0 &&
	    get_int_opt(fd, SO_TYPE, &type) == 0 &&
	    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &len) == 0)
		tcp = tk_is_tcp(ss.ss_family, type, 0);
	(void)domain; (void)protocol;
#endif
	errno = saved_errno;
	return tcp;
}
