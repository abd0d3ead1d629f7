/* SPDX-License-Identifier: MIT */
/* tcpkeep --discover HOST:PORT [--max DUR] [--json]: the idle timeout of
 * the path to HOST:PORT, measured with the kernel's keepalive probes on
 * connections that send no data (tcpkeep(1), "Finding the path's
 * idle timeout").  discover-plan.c says which idle times are tried and why that
 * meets the accuracy and time bounds; this file runs the connections.
 *
 * One connection, one question: does a probe sent after t seconds of
 * silence get an answer?  Answered: tcpi_last_ack_recv says an ACK came
 * after the probe was asked for (a connection that sends nothing gets no
 * other ACK).  Not answered: the kernel ends the connection, ETIMEDOUT
 * after TK_DISCOVER_CNT lost probes, or ECONNRESET when a box answers the
 * flow it forgot with a reset.  A FIN before the probe is the service
 * closing idle connections itself: no answer about the path.
 *
 * Only HOST:PORT is contacted, at the one address the name resolved to
 * (the first that accepts a connection), by at most TK_DISCOVER_CONNS
 * connections in all; every one is closed before exit, on SIGINT, SIGTERM
 * and SIGHUP too. */
#include "autoconfig.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/options.h"
#include "cli/discover.h"
#include "cli/helper.h"

enum conn_state { C_CONNECTING, C_IDLE, C_PROBED, C_DONE };

struct conn {
	int fd;
	enum conn_state st;
	double opened;		/* connect() called */
	double origin;		/* the last thing received (or established) */
	double trigger;		/* the probe asked for */
};

struct discover {
	struct tk_discover_run run;
	struct conn conn[TK_DISCOVER_CONNS];	/* parallel to run.probe */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	double start, hard_stop;
	double decide_s;	/* a probe is answered or lost within this */
	unsigned round;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", tk_me);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return TK_EXIT_NOT_STARTED;
}

/* HOST:PORT or [HOST]:PORT (an IPv6 address needs the brackets). */
static int split_target(char *target, char **host, char **port)
{
	char *colon;

	if (target[0] == '[') {
		colon = strchr(target, ']');
		if (colon == NULL || colon[1] != ':')
			return -1;
		*colon = '\0';
		*host = target + 1;
		*port = colon + 2;
	} else {
		colon = strrchr(target, ':');
		if (colon == NULL || memchr(target, ':', (size_t)(colon - target)))
			return -1;
		*colon = '\0';
		*host = target;
		*port = colon + 1;
	}
	if (**host == '\0' || **port == '\0')
		return -1;
	if (strspn(*port, "0123456789") == strlen(*port)) {
		errno = 0;
		unsigned long p = strtoul(*port, NULL, 10);
		if (errno != 0 || p < 1 || p > 65535)
			return -1;
	}
	return 0;
}

static int set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof value);
}

/* A non-blocking connection whose kernel probes after IDLE s of silence. */
static int open_conn(struct discover *d, unsigned idle, int *err)
{
	int fd = socket(d->addr.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);

	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (set_int(fd, IPPROTO_TCP, TK_TCP_IDLE, (int)idle) < 0 ||
	    set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, (int)d->run.intvl) < 0 ||
	    set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, TK_DISCOVER_CNT) < 0 ||
	    set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) < 0 ||
	    (connect(fd, (const struct sockaddr *)&d->addr, d->addrlen) < 0 &&
	     errno != EINPROGRESS)) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned add_probe(struct discover *d, unsigned idle)
{
	unsigned i = d->run.nprobe++;
	struct tk_probe *p = &d->run.probe[i];
	struct conn *c = &d->conn[i];
	int err = 0;

	memset(p, 0, sizeof *p);
	p->idle = idle;
	p->round = d->round;
	c->opened = now_s();
	c->fd = open_conn(d, idle, &err);
	c->st = C_CONNECTING;
	if (c->fd < 0) {
		p->result = TK_PROBE_FAILED;
		p->err = err;
		c->st = C_DONE;
	}
	return i;
}

static void finish(struct discover *d, unsigned i, enum tk_probe_result r,
		   int err)
{
	struct conn *c = &d->conn[i];

	if (c->st == C_DONE)
		return;
	d->run.probe[i].result = r;
	d->run.probe[i].err = err;
	close(c->fd);
	c->fd = -1;
	c->st = C_DONE;
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	return err;
}

static int tcp_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof *ti;

	memset(ti, 0, sizeof *ti);
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

/* Time to ask for the probe: the kernel's own idea of the silence (the
 * service may have sent a greeting), then TCP_KEEPIDLE set again, which
 * makes it probe now rather than when its coarse timer gets round to it. */
static void maybe_trigger(struct discover *d, unsigned i, double now)
{
	struct conn *c = &d->conn[i];
	unsigned idle = d->run.probe[i].idle;
	struct tcp_info ti;
	double quiet;

	if (now < c->origin + idle)
		return;
	if (tcp_info(c->fd, &ti) < 0) {
		finish(d, i, TK_PROBE_FAILED, errno);
		return;
	}
	quiet = ti.tcpi_last_data_recv / 1000.0;
	if (quiet + 0.002 < idle) {
		c->origin = now - quiet;
		return;
	}
	if (set_int(c->fd, IPPROTO_TCP, TK_TCP_IDLE, (int)idle) < 0) {
		finish(d, i, TK_PROBE_FAILED, errno);
		return;
	}
	c->trigger = now;
	c->st = C_PROBED;
}

/* An ACK after the probe was asked for: the last one before it came at
 * least a second earlier (idle >= 1), so half a second absorbs the
 * kernel's millisecond-and-jiffy rounding. */
static void check_answer(struct discover *d, unsigned i, double now)
{
	struct conn *c = &d->conn[i];
	struct tcp_info ti;

	if (tcp_info(c->fd, &ti) < 0) {
		finish(d, i, TK_PROBE_FAILED, errno);
		return;
	}
	if (ti.tcpi_state == TCP_ESTABLISHED &&
	    ti.tcpi_last_ack_recv / 1000.0 < now - c->trigger + 0.5) {
		finish(d, i, TK_PROBE_SURVIVED, 0);
		return;
	}
	if (now > c->trigger + d->decide_s)
		finish(d, i, TK_PROBE_FAILED, 0);
}

/* Whatever the service sends is read and dropped; its FIN ends the
 * question (the service, not the path, closed it). */
static void on_readable(struct discover *d, unsigned i, double now)
{
	struct conn *c = &d->conn[i];
	char buf[4096];
	ssize_t n;

	for (int k = 0; k < 64; k++) {
		n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0) {
			d->run.probe[i].ended = now - c->origin;
			finish(d, i, TK_PROBE_CLOSED, 0);
		} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			   errno != EINTR) {
			finish(d, i, TK_PROBE_DROPPED, errno);
		}
		return;
	}
}

static void on_event(struct discover *d, unsigned i, short rev, double now)
{
	struct conn *c = &d->conn[i];
	struct tk_probe *p = &d->run.probe[i];
	int err;

	if (c->st == C_CONNECTING) {
		err = sock_error(c->fd);
		if (err != 0) {
			finish(d, i, TK_PROBE_FAILED, err);
		} else if (rev & POLLOUT) {
			c->st = C_IDLE;
			c->origin = now;
		}
		return;
	}
	if (rev & POLLERR) {
		err = sock_error(c->fd);
		/* A reset before the probe: a box that resets the flows it
		 * forgets, or the service; either way the connection did
		 * not outlive this much silence. */
		if (c->st == C_IDLE && now - c->origin < p->idle) {
			p->idle = (unsigned)(now - c->origin);
			p->idle += p->idle < now - c->origin;
		}
		finish(d, i, TK_PROBE_DROPPED, err ? err : ECONNRESET);
		return;
	}
	if (rev & (POLLIN | POLLRDHUP | POLLHUP))
		on_readable(d, i, now);
}

static unsigned open_count(const struct discover *d)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->run.nprobe; i++)
		n += d->conn[i].st != C_DONE;
	return n;
}

/* After a loss, longer idle times can only be lost too: closed at once.
 * Round 1 is complete when nothing shorter than its first loss is open;
 * round 2 then fills the bracket, with what fits before the deadline. */
static void advance(struct discover *d, double now)
{
	struct tk_discover_bracket b;
	unsigned idle[TK_DISCOVER_CONNS], n;

	tk_discover_bracket(&d->run, &b);
	if (b.dropped == 0)
		return;
	for (unsigned i = 0; i < d->run.nprobe; i++)
		if (d->conn[i].st != C_DONE && d->run.probe[i].idle > b.dropped)
			finish(d, i, TK_PROBE_CANCELLED, 0);
	if (d->round != 1 || open_count(d) != 0)
		return;
	d->round = 2;
	n = tk_discover_round2(b.survived, b.dropped,
			       TK_DISCOVER_CONNS - d->run.nprobe, idle);
	for (unsigned k = 0; k < n; k++)
		if (now + TK_DISCOVER_CONNECT_S + idle[k] + d->decide_s <
		    d->hard_stop)
			add_probe(d, idle[k]);
}

/* Until every connection is decided, the deadline, or a signal. */
static void run_loop(struct discover *d, const sigset_t *waitmask)
{
	struct pollfd pfd[TK_DISCOVER_CONNS];
	unsigned map[TK_DISCOVER_CONNS], n;
	double now, wake, last_progress = -1;
	struct timespec ts;

	for (;;) {
		now = now_s();
		if (stop_signal || now >= d->hard_stop)
			return;
		wake = d->hard_stop;
		for (unsigned i = 0; i < d->run.nprobe; i++) {
			struct conn *c = &d->conn[i];

			if (c->st == C_CONNECTING &&
			    now > c->opened + TK_DISCOVER_CONNECT_S)
				finish(d, i, TK_PROBE_FAILED, ETIMEDOUT);
			if (c->st == C_IDLE)
				maybe_trigger(d, i, now);
			if (c->st == C_PROBED)
				check_answer(d, i, now);
			if (c->st == C_CONNECTING &&
			    c->opened + TK_DISCOVER_CONNECT_S < wake)
				wake = c->opened + TK_DISCOVER_CONNECT_S;
			if (c->st == C_IDLE && c->origin + d->run.probe[i].idle < wake)
				wake = c->origin + d->run.probe[i].idle;
			/* An answer wakes nothing: look every 50 ms. */
			if (c->st == C_PROBED && now + 0.05 < wake)
				wake = now + 0.05;
		}
		advance(d, now);
		n = 0;
		for (unsigned i = 0; i < d->run.nprobe; i++) {
			if (d->conn[i].st == C_DONE)
				continue;
			pfd[n].fd = d->conn[i].fd;
			pfd[n].events = d->conn[i].st == C_CONNECTING ?
				POLLOUT : POLLIN | POLLRDHUP;
			pfd[n].revents = 0;
			map[n++] = i;
		}
		if (n == 0)
			return;
		if (now - last_progress >= 1) {
			tk_discover_progress(&d->run, now - d->start, d->round, n);
			last_progress = now;
		}
		if (wake > now + 1)
			wake = now + 1;
		if (wake < now)
			wake = now;
		ts.tv_sec = (time_t)(wake - now);
		ts.tv_nsec = (long)((wake - now - (double)ts.tv_sec) * 1e9) + 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (ppoll(pfd, n, &ts, waitmask) < 0)
			continue;
		now = now_s();
		for (unsigned k = 0; k < n; k++)
			if (pfd[k].revents)
				on_event(d, map[k], pfd[k].revents, now);
	}
}

/* The first connection, address by address: the one that connects is the
 * address every other connection uses (the name is resolved once). */
static int reach(struct discover *d, const struct addrinfo *ai,
		 unsigned first_idle, const sigset_t *waitmask, char *why,
		 size_t whylen)
{
	double until = now_s() + 2 * TK_DISCOVER_CONNECT_S;

	for (; ai != NULL; ai = ai->ai_next) {
		double limit = now_s() + TK_DISCOVER_CONNECT_S;
		void *a = ai->ai_family == AF_INET6 ?
			(void *)&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr :
			(void *)&((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
		unsigned i;

		if (limit > until)
			limit = until;
		memcpy(&d->addr, ai->ai_addr, ai->ai_addrlen);
		d->addrlen = ai->ai_addrlen;
		inet_ntop(ai->ai_family, a, d->run.address, sizeof d->run.address);
		d->run.nprobe = 0;
		i = add_probe(d, first_idle);
		while (d->conn[i].st == C_CONNECTING && !stop_signal) {
			double now = now_s();
			struct pollfd pfd = { d->conn[i].fd, POLLOUT, 0 };
			struct timespec ts = { 0, 50000000 };

			if (now >= limit) {
				finish(d, i, TK_PROBE_FAILED, ETIMEDOUT);
				break;
			}
			if (ppoll(&pfd, 1, &ts, waitmask) > 0)
				on_event(d, i, pfd.revents, now_s());
		}
		if (d->conn[i].st == C_IDLE)
			return 0;
		snprintf(why, whylen, "%s: %s", d->run.address,
			 strerror(d->run.probe[i].err ? d->run.probe[i].err : ETIMEDOUT));
		finish(d, i, TK_PROBE_FAILED, 0);
		if (stop_signal || now_s() >= until)
			break;
	}
	return -1;
}

static int parse(int argc, char **argv, struct discover *d, bool *json,
		 char **target)
{
	uint64_t ms = 15 * 60 * 1000;

	*json = false;
	*target = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json = true;
		} else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
			i++;
			if (tk_parse_duration_ms(argv[i], TK_UNIT_S, &ms) < 0 ||
			    ms < 2000 || ms > 32767000ULL)
				return bad_usage("bad value '%s' for --max: expected a duration from 2 s to 32767 s (9h), e.g. 30s, 15m", argv[i]);
		} else if (*target == NULL && argv[i][0] != '-') {
			*target = argv[i];
		} else {
			return bad_usage("--discover: unexpected argument '%s'", argv[i]);
		}
	}
	if (*target == NULL)
		return bad_usage("--discover needs HOST:PORT");
	d->run.max_s = (unsigned)(ms / 1000);
	return 0;
}

int tk_discover_main(int argc, char **argv)
{
	static struct discover d;
	struct addrinfo hints = { 0 }, *res = NULL;
	unsigned idle[TK_DISCOVER_CONNS], n, max_s;
	char *target, *host, *port, copy[1024], why[256] = "";
	sigset_t block, waitmask;
	struct sigaction sa = { 0 };
	struct tk_discover_bracket b;
	struct tcp_info ti;
	bool json;
	int rc;

	rc = parse(argc, argv, &d, &json, &target);
	if (rc != 0)
		return rc;
	d.run.target = target;
	if (strlen(target) >= sizeof copy ||
	    (strcpy(copy, target), split_target(copy, &host, &port) < 0))
		return bad_usage("bad value '%s' for --discover: expected HOST:PORT ([ADDRESS]:PORT for IPv6), port 1 to 65535", target);

	/* Signals are taken only while waiting, so one cannot slip in
	 * between a check of stop_signal and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	d.start = now_s();
	d.hard_stop = d.start + d.run.max_s + TK_DISCOVER_SLACK_S - 1;
	d.round = 1;
	d.run.intvl = 1;
	d.decide_s = TK_DISCOVER_CNT * (d.run.intvl + 0.6) + 1;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc == EAI_SERVICE)
		return bad_usage("bad value '%s' for --discover: unknown port", target);
	if (rc != 0) {
		fprintf(stderr, "%s: cannot resolve %s: %s\n", tk_me, host,
			gai_strerror(rc));
		return 2;
	}
	d.run.port = ntohs(res->ai_family == AF_INET6 ?
			   ((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_port :
			   ((struct sockaddr_in *)(void *)res->ai_addr)->sin_port);

	rc = reach(&d, res, 1, &waitmask, why, sizeof why);
	freeaddrinfo(res);
	if (rc < 0) {
		if (stop_signal)
			return 128 + stop_signal;
		fprintf(stderr, "%s: cannot reach %s (%s)\n", tk_me, target, why);
		return 2;
	}
	/* Probes of a long path wait longer for their answer. */
	/* (Not after a lost SYN: then the sample is the retransmission
	 * timer's, not the path's.) */
	if (tcp_info(d.conn[0].fd, &ti) == 0 && ti.tcpi_total_retrans == 0) {
		d.run.intvl = 1 + ti.tcpi_rtt * 3 / 1000000;
		if (d.run.intvl > TK_DISCOVER_INTVL_MAX)
			d.run.intvl = TK_DISCOVER_INTVL_MAX;
		set_int(d.conn[0].fd, IPPROTO_TCP, TCP_KEEPINTVL, (int)d.run.intvl);
	}
	d.decide_s = TK_DISCOVER_CNT * (d.run.intvl + 0.6) + 1;
	/* A slow name lookup or first connect shortens the longest idle
	 * tried rather than the deadline. */
	max_s = d.run.max_s;
	double room = d.hard_stop - now_s() - TK_DISCOVER_CONNECT_S - d.decide_s;
	if (room < max_s)
		max_s = room > 2 ? (unsigned)room : 2;
	d.run.max_s = max_s;
	n = tk_discover_round1(max_s, idle, TK_DISCOVER_CONNS);
	d.run.probe[0].idle = idle[0];
	for (unsigned k = 1; k < n; k++)
		add_probe(&d, idle[k]);

	run_loop(&d, &waitmask);
	for (unsigned i = 0; i < d.run.nprobe; i++)
		finish(&d, i, stop_signal ? TK_PROBE_CANCELLED : TK_PROBE_FAILED, 0);
	d.run.elapsed = now_s() - d.start;
	if (stop_signal) {
		tk_discover_progress_end();
		fprintf(stderr, "%s: interrupted after %.0f s; every connection closed\n",
			tk_me, d.run.elapsed);
		return 128 + stop_signal;
	}
	tk_discover_report(&d.run, json);
	tk_discover_bracket(&d.run, &b);
	return b.dropped ? 0 : 1;
}
