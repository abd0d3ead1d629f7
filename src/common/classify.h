/* SPDX-License-Identifier: MIT */
/* Which sockets are TCP (libtcpkeep(7), "Which sockets"). */
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
 * for every socket the program creates.  The family and the type are
 * tested by subtraction, each without a branch: DOMAIN - AF_INET is 0 or
 * AF_INET6 - AF_INET (a power of two on Linux), and TYPE - SOCK_STREAM
 * leaves only the creation flags that Linux lets ride on the type.
 * SOCK_SEQPACKET and SOCK_RAW are distinct types, not flags, so neither
 * passes. */
#define TK_FAMILY_STEP ((unsigned)AF_INET6 - (unsigned)AF_INET)
_Static_assert((TK_FAMILY_STEP & (TK_FAMILY_STEP - 1)) == 0,
	       "AF_INET6 - AF_INET must be a power of two");
_Static_assert((SOCK_STREAM & TK_SOCK_FLAGS) == 0,
	       "SOCK_STREAM must not share bits with the creation flags");

/* Zero exactly when DOMAIN and TYPE are those of an Internet stream
 * socket, whatever creation flags ride on the type. */
static inline unsigned tk_stream_mismatch(int domain, int type)
{
	return (((unsigned)domain - AF_INET) & ~TK_FAMILY_STEP) |
	       (((unsigned)type - SOCK_STREAM) & ~(unsigned)TK_SOCK_FLAGS);
}

static inline bool tk_is_tcp_protocol(int protocol)
{
	/* IPPROTO_SCTP, and anything else, is not TCP. */
	return protocol == 0 || protocol == IPPROTO_TCP
#if HAVE_DECL_IPPROTO_MPTCP
		|| protocol == IPPROTO_MPTCP
#endif
		;
}

static inline bool tk_is_tcp(int domain, int type, int protocol)
{
	return tk_stream_mismatch(domain, type) == 0 &&
	       tk_is_tcp_protocol(protocol);
}

int tk_fd_is_tcp(int fd);

#endif
