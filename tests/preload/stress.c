/* SPDX-License-Identifier: MIT */
/* Threads stress: 8 threads create, connect, accept and close
 * TCP, UDP and Unix sockets at the same time, with tcpkeep and the counting
 * library preloaded (tests/preload/stress.tap runs it so).
 *
 * What must hold afterwards:
 *   - nothing crashed, every system call did what it does without tcpkeep;
 *   - a sample of the TCP sockets (both ends) carries the configured
 *     options, read back from the kernel;
 *   - a sample of the UDP and Unix sockets has SO_KEEPALIVE off;
 *   - the counting library, which sees every setsockopt/getsockopt of the
 *     process, counted exactly 4 calls per TCP socket() (the four options)
 *     plus the program's own calls: not one on a UDP or Unix path, and none
 *     for a connection accepted from a listener tcpkeep configured.
 *
 * Operations per thread: TCPKEEP_STRESS_OPS (default 100000).  One
 * operation is one socket's life: create, connect/accept where the kind
 * allows it, close.  The expected option values come from TCPKEEP_IDLE,
 * TCPKEEP_INTVL and TCPKEEP_CNT, which the caller sets to plain numbers. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../lib/tap.h"

#define THREADS 8
#define SAMPLE_EVERY 61		/* prime: every kind gets sampled */

enum kind { K_TCP4, K_TCP6, K_UDP4, K_UDP6, K_UNIX_STREAM, K_UNIX_DGRAM,
	    K_COUNT };
static const char *const kind_name[K_COUNT] = {
	"tcp4 connect+accept", "tcp6 create", "udp4 connect", "udp6 connect",
	"unix stream connect+accept", "unix dgram connect"
};

struct worker {
	int id;
	pthread_t thread;
	long ops;
	/* Results. */
	long done[K_COUNT];
	long tcp_socket_calls;	/* socket() calls that made TCP sockets */
	long own_calls;		/* our own setsockopt/getsockopt calls */
	long sampled_tcp, bad_tcp;
	long sampled_other, bad_other;
	long failures;
	char failure[160];
};

static int want_idle, want_intvl, want_cnt;
static char sockdir[] = "/tmp/tcpkeep-stress-XXXXXX";
static pthread_barrier_t start_line;

static unsigned long *counted;	/* the counting library's total */

static void fail(struct worker *w, const char *what)
{
	if (w->failures++ == 0)
		snprintf(w->failure, sizeof w->failure, "%s: %s", what,
			 strerror(errno));
}

static int get(struct worker *w, int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;

	w->own_calls++;
	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -1;
	return v;
}

static void check_tcp(struct worker *w, int fd)
{
	int ka = get(w, fd, SOL_SOCKET, SO_KEEPALIVE);
	int idle = get(w, fd, IPPROTO_TCP, TCP_KEEPIDLE);
	int intvl = get(w, fd, IPPROTO_TCP, TCP_KEEPINTVL);
	int cnt = get(w, fd, IPPROTO_TCP, TCP_KEEPCNT);

	w->sampled_tcp++;
	if (ka != 1 || idle != want_idle || intvl != want_intvl ||
	    cnt != want_cnt) {
		if (w->bad_tcp++ == 0)
			snprintf(w->failure + strlen(w->failure),
				 sizeof w->failure - strlen(w->failure),
				 " [tcp fd %d: keepalive=%d idle=%d intvl=%d cnt=%d]",
				 fd, ka, idle, intvl, cnt);
	}
}

/* C (a new socket, or -1 from socket()) connected to TO; -1, with the
 * failure counted and C closed, when either call failed. */
static int connected(struct worker *w, int c, const struct sockaddr *to,
		     socklen_t len, const char *what)
{
	if (c >= 0 && connect(c, to, len) == 0)
		return c;
	fail(w, what);
	if (c >= 0)
		close(c);
	return -1;
}

static void check_other(struct worker *w, int fd)
{
	w->sampled_other++;
	if (get(w, fd, SOL_SOCKET, SO_KEEPALIVE) != 0)
		w->bad_other++;
}

/* Closes a connected TCP socket with a reset: no TIME_WAIT, so the
 * ephemeral ports last for any number of operations. */
static void close_reset(struct worker *w, int fd)
{
	struct linger lg = { 1, 0 };

	w->own_calls++;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0)
		fail(w, "SO_LINGER");
	close(fd);
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct sockaddr_in l4 = { 0 }, u4 = { 0 };
	struct sockaddr_in6 u6 = { 0 };
	struct sockaddr_un lun = { 0 }, dun = { 0 };
	socklen_t len = sizeof l4;
	int lfd4, lfdun, dfdun, rfd4, rfd6;

	/* Per thread: a TCP listener, UDP receivers, Unix listener and
	 * datagram receiver.  The TCP listener is made after tcpkeep is
	 * loaded, so its connections inherit its options. */
	l4.sin_family = AF_INET;
	l4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	u4 = l4;
	u6.sin6_family = AF_INET6;
	u6.sin6_addr = in6addr_loopback;
	lun.sun_family = AF_UNIX;
	snprintf(lun.sun_path, sizeof lun.sun_path, "%s/s%d", sockdir, w->id);
	dun.sun_family = AF_UNIX;
	snprintf(dun.sun_path, sizeof dun.sun_path, "%s/d%d", sockdir, w->id);

	lfd4 = socket(AF_INET, SOCK_STREAM, 0);
	w->tcp_socket_calls++;
	rfd4 = socket(AF_INET, SOCK_DGRAM, 0);
	rfd6 = socket(AF_INET6, SOCK_DGRAM, 0);
	lfdun = socket(AF_UNIX, SOCK_STREAM, 0);
	dfdun = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (lfd4 < 0 || bind(lfd4, (struct sockaddr *)&l4, sizeof l4) < 0 ||
	    listen(lfd4, 64) < 0 ||
	    getsockname(lfd4, (struct sockaddr *)&l4, &len) < 0 ||
	    rfd4 < 0 || bind(rfd4, (struct sockaddr *)&u4, sizeof u4) < 0 ||
	    getsockname(rfd4, (struct sockaddr *)&u4, &(socklen_t){ sizeof u4 }) < 0 ||
	    rfd6 < 0 || bind(rfd6, (struct sockaddr *)&u6, sizeof u6) < 0 ||
	    getsockname(rfd6, (struct sockaddr *)&u6, &(socklen_t){ sizeof u6 }) < 0 ||
	    lfdun < 0 || bind(lfdun, (struct sockaddr *)&lun, sizeof lun) < 0 ||
	    listen(lfdun, 64) < 0 ||
	    dfdun < 0 || bind(dfdun, (struct sockaddr *)&dun, sizeof dun) < 0) {
		fail(w, "set-up");
		pthread_barrier_wait(&start_line);
		return NULL;
	}
	check_tcp(w, lfd4);

	pthread_barrier_wait(&start_line);
	for (long i = 0; i < w->ops; i++) {
		enum kind k = (enum kind)((i + w->id) % K_COUNT);
		bool sample = i % SAMPLE_EVERY == 0;
		int c, a;

		switch (k) {
		case K_TCP4:
			w->tcp_socket_calls++;
			c = connected(w, socket(AF_INET, SOCK_STREAM, 0),
				      (struct sockaddr *)&l4, sizeof l4,
				      "tcp4 connect");
			if (c < 0)
				break;
#if HAVE_ACCEPT4
			a = (i & 1) ? accept4(lfd4, NULL, NULL, SOCK_CLOEXEC)
				    : accept(lfd4, NULL, NULL);
#else
			a = accept(lfd4, NULL, NULL);
#endif
			if (a < 0)
				fail(w, "tcp4 accept");
			if (sample) {
				check_tcp(w, c);
				if (a >= 0)
					check_tcp(w, a);
			}
			close_reset(w, c);
			if (a >= 0)
				close(a);
			break;
		case K_TCP6:
			c = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			w->tcp_socket_calls++;
			if (c < 0) {
				fail(w, "tcp6 socket");
				break;
			}
			if (sample)
				check_tcp(w, c);
			close(c);
			break;
		case K_UDP4:
		case K_UDP6:
			c = k == K_UDP4 ?
				connected(w, socket(AF_INET, SOCK_DGRAM, 0),
					  (struct sockaddr *)&u4, sizeof u4,
					  "udp connect") :
				connected(w, socket(AF_INET6,
						    SOCK_DGRAM | SOCK_CLOEXEC, 0),
					  (struct sockaddr *)&u6, sizeof u6,
					  "udp connect");
			if (c < 0)
				break;
			if (sample)
				check_other(w, c);
			close(c);
			break;
		case K_UNIX_STREAM:
			c = connected(w, socket(AF_UNIX, SOCK_STREAM, 0),
				      (struct sockaddr *)&lun, sizeof lun,
				      "unix connect");
			if (c < 0)
				break;
			a = accept(lfdun, NULL, NULL);
			if (a < 0)
				fail(w, "unix accept");
			if (sample) {
				check_other(w, c);
				if (a >= 0)
					check_other(w, a);
			}
			close(c);
			if (a >= 0)
				close(a);
			break;
		case K_UNIX_DGRAM:
			c = connected(w, socket(AF_UNIX, SOCK_DGRAM, 0),
				      (struct sockaddr *)&dun, sizeof dun,
				      "unix dgram connect");
			if (c < 0)
				break;
			if (sample)
				check_other(w, c);
			close(c);
			break;
		case K_COUNT:
			break;
		}
		w->done[k]++;
	}
	close(lfd4);
	close(rfd4);
	close(rfd6);
	close(lfdun);
	close(dfdun);
	unlink(lun.sun_path);
	unlink(dun.sun_path);
	return NULL;
}

static int env_int(const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? atoi(v) : -1;
}

int main(void)
{
	static struct worker workers[THREADS];
	long ops = 100000, total_ops = 0, tcp_calls = 0, own = 0;
	long sampled_tcp = 0, bad_tcp = 0, sampled_other = 0, bad_other = 0;
	long done[K_COUNT] = { 0 };
	unsigned long before, after;
	struct timespec t0, t1;
	const char *v = getenv("TCPKEEP_STRESS_OPS");
	double secs;

	counted = dlsym(RTLD_DEFAULT, "tk_test_calls");
	if (counted == NULL)
		skip_all("run through tests/preload/stress.tap (counting library not preloaded)");
	want_idle = env_int("TCPKEEP_IDLE");
	want_intvl = env_int("TCPKEEP_INTVL");
	want_cnt = env_int("TCPKEEP_CNT");
	if (v != NULL && atol(v) > 0)
		ops = atol(v);
	if (mkdtemp(sockdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	diag("%d threads x %ld operations, options expected %d/%d/%d",
	     THREADS, ops, want_idle, want_intvl, want_cnt);

	pthread_barrier_init(&start_line, NULL, THREADS + 1);
	before = __atomic_load_n(counted, __ATOMIC_SEQ_CST);
	for (int i = 0; i < THREADS; i++) {
		workers[i].id = i;
		workers[i].ops = ops;
		if (pthread_create(&workers[i].thread, NULL, run, &workers[i]) != 0) {
			perror("pthread_create");
			return 99;
		}
	}
	pthread_barrier_wait(&start_line);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(workers[i].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	after = __atomic_load_n(counted, __ATOMIC_SEQ_CST);
	rmdir(sockdir);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (int i = 0; i < THREADS; i++) {
		struct worker *w = &workers[i];

		ok(w->failures == 0, "thread %d: every call succeeded as without tcpkeep%s%s",
		   i, w->failures ? ": " : "", w->failure);
		for (int k = 0; k < K_COUNT; k++) {
			done[k] += w->done[k];
			total_ops += w->done[k];
		}
		tcp_calls += w->tcp_socket_calls;
		own += w->own_calls;
		sampled_tcp += w->sampled_tcp;
		bad_tcp += w->bad_tcp;
		sampled_other += w->sampled_other;
		bad_other += w->bad_other;
	}
	is_int(total_ops, (long)THREADS * ops, "all %ld operations ran", (long)THREADS * ops);
	for (int k = 0; k < K_COUNT; k++)
		diag("  %-28s %ld", kind_name[k], done[k]);
	diag("%.2f s, %.0f operations/s", secs, secs > 0 ? (double)total_ops / secs : 0.0);
	ok(sampled_tcp > THREADS, "TCP sockets sampled: %ld", sampled_tcp);
	is_int(bad_tcp, 0, "every sampled TCP socket (client, accepted, listener) has keepalive=1 idle=%d intvl=%d cnt=%d",
	       want_idle, want_intvl, want_cnt);
	ok(sampled_other > THREADS, "UDP and Unix sockets sampled: %ld", sampled_other);
	is_int(bad_other, 0, "every sampled UDP and Unix socket has keepalive=0");
	/* The exact count: any call on a UDP or Unix path, or on a socket
	 * accepted from a configured listener, would show up here. */
	is_int(after - before, 4 * tcp_calls + own,
	       "socket-option calls: 4 per TCP socket() (%ld) + the program's own (%ld), none elsewhere",
	       tcp_calls, own);
	return done_testing();
}
