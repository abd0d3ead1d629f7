/* SPDX-License-Identifier: MIT */
/* unit-classify: which socket() calls are TCP (libtcpkeep(7), "Which
 * sockets"), no preload.
 *
 * tk_is_tcp() tests the family and the type by subtraction and masking
 * (src/classify.h), and the socket() hook takes its common case on one
 * combined test.  Both are checked here over a grid of arguments against
 * two oracles: a plain reference written the obvious way, and, for every
 * combination the kernel accepts, the kernel itself (SO_DOMAIN, SO_TYPE
 * and SO_PROTOCOL of the socket it created). */
#include "autoconfig.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/classify.h"
#include "../lib/tap.h"

/* The rule as libtcpkeep(7), "Which sockets", states it. */
static bool reference_is_tcp(int domain, int type, int protocol)
{
	int base = type & ~(int)TK_SOCK_FLAGS;

	if (domain != AF_INET && domain != AF_INET6)
		return false;
	if (base != SOCK_STREAM)
		return false;
	if (protocol == 0 || protocol == IPPROTO_TCP)
		return true;
#if HAVE_DECL_IPPROTO_MPTCP
	if (protocol == IPPROTO_MPTCP)
		return true;
#endif
	return false;
}

static const int domains[] = {
	-1, AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET,
	1, 2, 3, 8, 9, 10, 11, 12, 18, 26, 34, 42, 0x7fffffff, -2, -10,
	(int)(0x80000000u | AF_INET), 0x100 | AF_INET, 0x10000 | AF_INET6,
};

static const int base_types[] = {
	0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET,
	6 /* SOCK_DCCP */, 7, 8, 9, 10 /* SOCK_PACKET */, 11, 15, 16, 17,
	0x100 | SOCK_STREAM, 0x40000 | SOCK_STREAM, 0x1000 | SOCK_STREAM,
	(int)(0x80000000u | SOCK_STREAM), -1,
};

static const int flag_sets[] = {
	0,
#if HAVE_DECL_SOCK_NONBLOCK && HAVE_DECL_SOCK_CLOEXEC
	SOCK_NONBLOCK, SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC,
#endif
};

static const int protocols[] = {
	0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_IP, IPPROTO_ICMP,
	262 /* IPPROTO_MPTCP */, 255, 256, 6 | 0x100, -1, -6, 0x7fffffff,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What the kernel made of a socket it accepted: 1 TCP, 0 not. */
static int kernel_is_tcp(int fd)
{
	int domain = -1, type = -1, protocol = -1;
	socklen_t len = sizeof domain;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
		return -1;
	len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
		return -1;
	len = sizeof protocol;
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0)
		return -1;
	return (domain == AF_INET || domain == AF_INET6) &&
	       type == SOCK_STREAM &&
	       (protocol == IPPROTO_TCP
#if HAVE_DECL_IPPROTO_MPTCP
		|| protocol == IPPROTO_MPTCP
#endif
	       );
}

int main(void)
{
	unsigned combos = 0, tcp = 0, bad_ref = 0, bad_fast = 0;
	unsigned created = 0, bad_kernel = 0, tcp_refused = 0;

	for (size_t d = 0; d < COUNT(domains); d++)
	for (size_t t = 0; t < COUNT(base_types); t++)
	for (size_t f = 0; f < COUNT(flag_sets); f++)
	for (size_t p = 0; p < COUNT(protocols); p++) {
		int domain = domains[d];
		int type = base_types[t] | flag_sets[f];
		int protocol = protocols[p];
		bool want = reference_is_tcp(domain, type, protocol);
		bool got = tk_is_tcp(domain, type, protocol);
		/* The hook's single test: when it passes, the call is TCP. */
		bool fast = (tk_stream_mismatch(domain, type) |
			     (unsigned)protocol) == 0;
		int fd;

		combos++;
		tcp += want;
		if (got != want) {
			if (bad_ref++ < 10)
				diag("tk_is_tcp(%d, %#x, %d) = %d, reference %d",
				     domain, (unsigned)type, protocol, got, want);
		}
		if (fast && !want) {
			if (bad_fast++ < 10)
				diag("fast test passes (%d, %#x, %d), not TCP",
				     domain, (unsigned)type, protocol);
		}
		/* The kernel as the oracle, where it creates the socket
		 * (never CLOEXEC-less leaks: closed at once). */
		fd = socket(domain, type, protocol);
		if (fd >= 0) {
			int k = kernel_is_tcp(fd);

			created++;
			if (k >= 0 && (bool)k != got) {
				if (bad_kernel++ < 10)
					diag("socket(%d, %#x, %d): kernel says TCP=%d, tk_is_tcp %d",
					     domain, (unsigned)type, protocol, k, got);
			}
			close(fd);
		} else if (want && (protocol == 0 || protocol == IPPROTO_TCP)) {
			/* MPTCP may be switched off; plain TCP may not. */
			if (tcp_refused++ < 10)
				diag("socket(%d, %#x, %d) refused: %s", domain,
				     (unsigned)type, protocol, strerror(errno));
		}
	}
	diag("%u argument combinations, %u TCP by the reference, %u created by the kernel",
	     combos, tcp, created);
	is_int(bad_ref, 0, "tk_is_tcp agrees with the reference on %u combinations", combos);
	is_int(bad_fast, 0, "the hook's one-test path passes only TCP calls");
	ok(tcp >= 8, "the grid holds TCP calls (%u)", tcp);
	is_int(tcp_refused, 0, "the kernel created every plain TCP combination");
	is_int(bad_kernel, 0, "tk_is_tcp agrees with the kernel on the %u sockets it created", created);

	/* The calls the older libraries got wrong, by name. */
	ok(tk_is_tcp(AF_INET6, SOCK_STREAM, 0), "AF_INET6 stream is TCP");
#if HAVE_DECL_SOCK_NONBLOCK && HAVE_DECL_SOCK_CLOEXEC
	ok(tk_is_tcp(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0),
	   "SOCK_CLOEXEC|SOCK_NONBLOCK stream is TCP");
	ok(!tk_is_tcp(AF_INET, SOCK_SEQPACKET | SOCK_CLOEXEC, 0),
	   "SOCK_SEQPACKET|SOCK_CLOEXEC is not");
#endif
	ok(!tk_is_tcp(AF_INET, SOCK_SEQPACKET, 0), "SOCK_SEQPACKET is not TCP");
	ok(!tk_is_tcp(AF_INET, SOCK_DGRAM, 0), "UDP is not TCP");
	ok(!tk_is_tcp(AF_UNIX, SOCK_STREAM, 0), "Unix stream is not TCP");
	ok(!tk_is_tcp(AF_INET, SOCK_STREAM, IPPROTO_SCTP), "SCTP stream is not TCP");
	return done_testing();
}
