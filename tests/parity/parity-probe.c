/* SPDX-License-Identifier: MIT */
/* The program of tests/parity/parity.tap: one loopback connection made and
 * accepted in one process, the options of both ends read back from the
 * kernel and printed, one line per side:
 *
 *   out ...  the connecting socket        acc ...  the accepted one
 *   lst ...  the listener                 pre ...  the connecting socket
 *                                                  before connect()
 *
 * each followed by a line of the drop-in options, the side's name with
 * ".d" ("out.d syncnt=S maxseg=M window_clamp=W defer_accept=D"): on a
 * connection TCP_MAXSEG reads as the segment size in use and
 * TCP_WINDOW_CLAMP as the clamp the kernel chose, unless one was set.
 *
 * usage: parity-probe FAMILY PORT OWN LOWN [hold]
 *   FAMILY  4 (127.0.0.1), 6 (::1) or m (an AF_INET6 client and a
 *           dual-stack listener, the peer ::ffff:127.0.0.1)
 *   OWN     options the program sets itself on the connecting socket,
 *           "-" or a list like idle=33,ka=0 (ka idle intvl cnt ut
 *           syncnt maxseg clamp defer);
 *           an item starting with + is set after connect()
 *   LOWN    the same for the listener, before listen()
 *   hold    print "ready" once connected, wait for a line on standard
 *           input (tcpkeep --pid runs then), print, and then make a
 *           second connection, printed as out2 and acc2.
 * Every wait is bounded: the process ends itself after 20 s. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/sockopt.h"

static void die(const char *what)
{
	fprintf(stderr, "parity-probe: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* Sets the items of SPEC whose leading '+' is AFTER. */
static void own(int fd, const char *spec, int after)
{
	char buf[256], *save = NULL;

	if (strcmp(spec, "-") == 0)
		return;
	snprintf(buf, sizeof buf, "%s", spec);
	for (char *it = strtok_r(buf, ",", &save); it != NULL;
	     it = strtok_r(NULL, ",", &save)) {
		int plus = *it == '+', level = IPPROTO_TCP, name, v;
		char *eq;

		it += plus;
		if (plus != after)
			continue;
		eq = strchr(it, '=');
		if (eq == NULL)
			die("bad option item");
		*eq = '\0';
		v = atoi(eq + 1);
		if (strcmp(it, "ka") == 0) {
			level = SOL_SOCKET;
			name = SO_KEEPALIVE;
		} else if (strcmp(it, "idle") == 0) {
			name = TCP_KEEPIDLE;
		} else if (strcmp(it, "intvl") == 0) {
			name = TCP_KEEPINTVL;
		} else if (strcmp(it, "cnt") == 0) {
			name = TCP_KEEPCNT;
		} else if (strcmp(it, "ut") == 0) {
			name = TCP_USER_TIMEOUT;
		} else if (strcmp(it, "syncnt") == 0) {
			name = TCP_SYNCNT;
		} else if (strcmp(it, "maxseg") == 0) {
			name = TCP_MAXSEG;
		} else if (strcmp(it, "clamp") == 0) {
			name = TCP_WINDOW_CLAMP;
		} else if (strcmp(it, "defer") == 0) {
			name = TCP_DEFER_ACCEPT;
		} else {
			errno = EINVAL;
			die(it);
		}
		if (setsockopt(fd, level, name, &v, sizeof v) < 0)
			die("setsockopt");
	}
}

static void show(const char *side, int fd)
{
	char line[160];

	sockopt_line(fd, line, sizeof line);
	printf("%s %s\n", side, line);
	printf("%s.d syncnt=%d maxseg=%d window_clamp=%d defer_accept=%d\n",
	       side, sockopt_int(fd, IPPROTO_TCP, TCP_SYNCNT),
	       sockopt_int(fd, IPPROTO_TCP, TCP_MAXSEG),
	       sockopt_int(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP),
	       sockopt_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT));
}

struct setup {
	int family;		/* of the client socket */
	struct sockaddr_storage to;
	socklen_t tolen;
};

static int connect_one(const struct setup *s, const char *own_spec,
		       int lfd, int *afd, int pre)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int cfd = socket(s->family, SOCK_STREAM, 0);

	if (cfd < 0)
		die("socket");
	own(cfd, own_spec, 0);
	if (pre)
		show("pre", cfd);
	if (connect(cfd, (const struct sockaddr *)&s->to, s->tolen) < 0)
		die("connect");
	/* A listener with TCP_DEFER_ACCEPT has nothing to accept before
	 * the first byte. */
	if (write(cfd, "x", 1) != 1)
		die("write");
	if (poll(&p, 1, 5000) != 1)
		die("accept: no connection within 5 s");
	*afd = accept(lfd, NULL, NULL);
	if (*afd < 0)
		die("accept");
	own(cfd, own_spec, 1);
	return cfd;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ls;
	struct setup s;
	socklen_t llen;
	int lfd, cfd, afd, one = 1, zero = 0, port, hold;
	char line[64];

	if (argc < 5) {
		fprintf(stderr, "usage: parity-probe 4|6|m PORT OWN LOWN [hold]\n");
		return 2;
	}
	alarm(20);
	port = atoi(argv[2]);
	hold = argc > 5 && strcmp(argv[5], "hold") == 0;
	memset(&ls, 0, sizeof ls);
	memset(&s, 0, sizeof s);
	if (strcmp(argv[1], "4") == 0) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ls;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		llen = sizeof *a;
		s.family = AF_INET;
		memcpy(&s.to, a, sizeof *a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ls;
		struct sockaddr_in6 *t = (struct sockaddr_in6 *)&s.to;
		int mapped = strcmp(argv[1], "m") == 0;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = mapped ? in6addr_any : in6addr_loopback;
		llen = sizeof *a;
		s.family = AF_INET6;
		*t = *a;
		if (mapped)
			inet_pton(AF_INET6, "::ffff:127.0.0.1", &t->sin6_addr);
	}
	s.tolen = llen;
	lfd = socket(ls.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    (ls.ss_family == AF_INET6 &&
	     setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0))
		die("setsockopt");
	own(lfd, argv[4], 0);
	if (bind(lfd, (struct sockaddr *)&ls, llen) < 0 || listen(lfd, 8) < 0)
		die("listen");
	cfd = connect_one(&s, argv[3], lfd, &afd, 1);
	if (hold) {
		printf("ready\n");
		fflush(stdout);
		if (fgets(line, sizeof line, stdin) == NULL)
			die("no go-ahead on standard input");
	}
	show("out", cfd);
	show("acc", afd);
	show("lst", lfd);
	if (hold) {
		int c2, a2;

		c2 = connect_one(&s, "-", lfd, &a2, 0);
		show("out2", c2);
		show("acc2", a2);
		close(a2);
		close(c2);
	}
	fflush(stdout);
	close(afd);
	close(cfd);
	close(lfd);
	return 0;
}
