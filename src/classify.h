/* Which sockets are TCP (SPEC section 2). */
#ifndef TCPKEEP_CLASSIFY_H
#define TCPKEEP_CLASSIFY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#if HAVE_DECL_SOCK_NONBLOCK && HAVE_DECL_SOCK_CLOEXEC
# define TK_SOCK_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)
#else
# define TK_SOCK_FLAGS 0
#endif

/* From the arguments of socket(): no system call.  Inline, since it runs
 * for every socket the program creates. */
static inline bool tk_is_tcp(int domain, int type, int protocol)
{
	if (domain != AF_INET && domain != AF_INET6)
		return false;
	/* Linux lets the creation flags ride on the type; SOCK_SEQPACKET
	 * and SOCK_RAW stay distinct after masking, so a bit test would be
	 * wrong. */
	if ((type & ~TK_SOCK_FLAGS) != SOCK_STREAM)
		return false;
	/* IPPROTO_SCTP, and anything else, is not TCP. */
	return protocol == 0 || protocol == IPPROTO_TCP
#if HAVE_DECL_IPPROTO_MPTCP
		|| protocol == IPPROTO_MPTCP
#endif
		;
}

/* For a descriptor the library did not see created: asks the kernel.
 * Returns 1 for TCP, 0 for anything else (including not a socket or a
 * closed descriptor).  Leaves errno as it found it. */
int tk_fd_is_tcp(int fd);

#endif
