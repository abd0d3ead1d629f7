/* SPDX-License-Identifier: MIT */
/* connloop: the loops `make bench` measures (bench/run.sh drives it).
 *
 * One process, one kind of connection, COUNT times in a row, timed with
 * CLOCK_MONOTONIC around the loop only:
 *
 *   local          socket, connect, accept, close, close: the listener is
 *                  in this process (created once, before the loop)
 *   tcp PORT       socket, connect to 127.0.0.1:PORT, close: client only,
 *                  the listener is another process (serve-tcp)
 *   tcp-opts PORT  the same with two options tcpkeep does not manage set
 *                  before connect(): TCP_NODELAY on and SO_LINGER off (a
 *                  no-op value), as many clients do
 *   udp            socket(SOCK_DGRAM), connect to 127.0.0.1:9, close
 *   unix PATH      socket(AF_UNIX, SOCK_STREAM), connect to PATH, close
 *   serve-tcp FILE listen on 127.0.0.1 port 0, write the port to FILE,
 *                  accept COUNT connections (0: until killed), read each
 *                  until the client closed it, close
 *   serve-unix PATH  the same on an AF_UNIX stream socket bound to PATH
 *   rss            open one TCP socket, print VmRSS and VmHWM and the
 *                  private dirty memory (smaps_rollup) in kB
 *
 * With -o native the program sets SO_KEEPALIVE, TCP_KEEPIDLE 60,
 * TCP_KEEPINTVL 10 and TCP_KEEPCNT 6 itself right after socket() on every
 * TCP socket it creates (listeners included): the floor tcpkeep is
 * measured against. Without it ("bare") no option is set; run bare under
 * LD_PRELOAD to measure tcpkeep.
 *
 * Every listener has SO_LINGER {1, 0}, inherited by the sockets it accepts:
 * the accepted side resets the connection on close, so neither end keeps a
 * TIME_WAIT entry and a long run never runs out of ephemeral ports. All
 * variants pay for it alike (once per listener, not per connection).
 *
 * Prints "<ns per connection>" for the loops. Any failing call ends the
 * program with status 1 and one line on stderr. alarm() bounds every run. */
#define _GNU_SOURCE 1

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define TIME_LIMIT_S 300

static int native;

static void die(const char *what)
{
	fprintf(stderr, "connloop: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fputs("usage: connloop [-o bare|native] [-n COUNT] [-w WARMUP] "
	      "local | tcp PORT | tcp-opts PORT | udp | unix PATH | serve-tcp PORTFILE | "
	      "serve-unix PATH | rss\n", stderr);
	exit(2);
}

static unsigned long parse_ulong(const char *text, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v > max)
		usage();
	return v;
}

/* What a careful program does for itself: the same four options and
 * values as tcpkeep's defaults. */
static void set_native(int fd)
{
	static const int on = 1, idle = 60, intvl = 10, cnt = 6;

	if (!native)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) != 0)
		die("setsockopt");
}

static void set_reset_on_close(int fd)
{
	static const struct linger lg = { 1, 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
		die("setsockopt SO_LINGER");
}

static struct sockaddr_in loopback(unsigned short port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static int tcp_listener(struct sockaddr_in *bound)
{
	socklen_t len = sizeof *bound;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	set_native(fd);
	set_reset_on_close(fd);
	*bound = loopback(0);
	if (bind(fd, (struct sockaddr *)bound, sizeof *bound) != 0)
		die("bind");
	if (listen(fd, 4096) != 0)
		die("listen");
	if (getsockname(fd, (struct sockaddr *)bound, &len) != 0)
		die("getsockname");
	return fd;
}

static struct sockaddr_un unix_address(const char *path)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		fputs("connloop: socket path too long\n", stderr);
		exit(2);
	}
	strcpy(sun.sun_path, path);
	return sun;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The loop bodies. Each makes one connection and closes everything it
 * opened. */

static int listen_fd = -1;
static struct sockaddr_in tcp_peer;
static struct sockaddr_un unix_peer;

static void one_local(void)
{
	int c, a;

	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0)
		die("socket");
	set_native(c);
	if (connect(c, (struct sockaddr *)&tcp_peer, sizeof tcp_peer) != 0)
		die("connect");
	a = accept(listen_fd, NULL, NULL);
	if (a < 0)
		die("accept");
	/* The accepted end first: it resets, nothing lingers in TIME_WAIT. */
	close(a);
	close(c);
}

static void one_tcp(void)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (c < 0)
		die("socket");
	set_native(c);
	if (connect(c, (struct sockaddr *)&tcp_peer, sizeof tcp_peer) != 0)
		die("connect");
	close(c);
}

static void one_tcp_opts(void)
{
	static const int on = 1;
	static const struct linger lg = { 0, 0 };
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (c < 0)
		die("socket");
	set_native(c);
	if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0 ||
	    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
		die("setsockopt");
	if (connect(c, (struct sockaddr *)&tcp_peer, sizeof tcp_peer) != 0)
		die("connect");
	close(c);
}

static void one_udp(void)
{
	int c = socket(AF_INET, SOCK_DGRAM, 0);

	if (c < 0)
		die("socket");
	if (connect(c, (struct sockaddr *)&tcp_peer, sizeof tcp_peer) != 0)
		die("connect");
	close(c);
}

static void one_unix(void)
{
	int c = socket(AF_UNIX, SOCK_STREAM, 0);

	if (c < 0)
		die("socket");
	if (connect(c, (struct sockaddr *)&unix_peer, sizeof unix_peer) != 0)
		die("connect");
	close(c);
}

static void run_loop(void (*one)(void), unsigned long count, unsigned long warmup)
{
	double t0, t1;

	for (unsigned long i = 0; i < warmup; i++)
		one();
	t0 = now_ns();
	for (unsigned long i = 0; i < count; i++)
		one();
	t1 = now_ns();
	printf("%.1f\n", count ? (t1 - t0) / (double)count : 0.0);
}

static void serve(int fd, unsigned long count)
{
	char buf[64];

	for (unsigned long i = 0; count == 0 || i < count; i++) {
		int a = accept(fd, NULL, NULL);

		if (a < 0) {
			if (errno == EINTR || errno == ECONNABORTED) {
				i--;
				continue;
			}
			die("accept");
		}
		/* Wait for the client's close before resetting: a reset sent
		 * sooner can reach the client while its connect() is still
		 * returning, and connect() would fail with ECONNRESET. */
		while (read(a, buf, sizeof buf) > 0)
			;
		close(a);
	}
}

static void write_port_file(const char *file, unsigned short port)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", file) >= (int)sizeof tmp) {
		fputs("connloop: port file name too long\n", stderr);
		exit(2);
	}
	f = fopen(tmp, "w");
	if (f == NULL)
		die(tmp);
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		die(tmp);
	if (rename(tmp, file) != 0)
		die("rename");
}

static void print_rss(void)
{
	char line[256];
	FILE *f;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	set_native(fd);
	close(fd);
	f = fopen("/proc/self/status", "r");
	if (f == NULL)
		die("/proc/self/status");
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long kb;

		if (sscanf(line, "VmRSS: %lu", &kb) == 1)
			printf("rss %lu\n", kb);
		else if (sscanf(line, "VmHWM: %lu", &kb) == 1)
			printf("hwm %lu\n", kb);
	}
	fclose(f);
	/* Memory that is this process's alone: what a preloaded library
	 * really adds when its text is shared with every other process. */
	f = fopen("/proc/self/smaps_rollup", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long kb;

		if (sscanf(line, "Private_Dirty: %lu", &kb) == 1)
			printf("dirty %lu\n", kb);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	unsigned long count = 10000, warmup = 100;
	const char *mode;
	int opt;

	while ((opt = getopt(argc, argv, "o:n:w:")) != -1) {
		switch (opt) {
		case 'o':
			if (strcmp(optarg, "native") == 0)
				native = 1;
			else if (strcmp(optarg, "bare") == 0)
				native = 0;
			else
				usage();
			break;
		case 'n':
			count = parse_ulong(optarg, 100000000UL);
			break;
		case 'w':
			warmup = parse_ulong(optarg, 100000000UL);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	mode = argv[optind++];
	alarm(TIME_LIMIT_S);

	if (strcmp(mode, "local") == 0 && optind == argc) {
		listen_fd = tcp_listener(&tcp_peer);
		run_loop(one_local, count, warmup);
	} else if (strcmp(mode, "tcp") == 0 && optind + 1 == argc) {
		tcp_peer = loopback((unsigned short)parse_ulong(argv[optind], 65535));
		run_loop(one_tcp, count, warmup);
	} else if (strcmp(mode, "tcp-opts") == 0 && optind + 1 == argc) {
		tcp_peer = loopback((unsigned short)parse_ulong(argv[optind], 65535));
		run_loop(one_tcp_opts, count, warmup);
	} else if (strcmp(mode, "udp") == 0 && optind == argc) {
		tcp_peer = loopback(9);
		run_loop(one_udp, count, warmup);
	} else if (strcmp(mode, "unix") == 0 && optind + 1 == argc) {
		unix_peer = unix_address(argv[optind]);
		run_loop(one_unix, count, warmup);
	} else if (strcmp(mode, "serve-tcp") == 0 && optind + 1 == argc) {
		struct sockaddr_in bound;
		int fd = tcp_listener(&bound);

		write_port_file(argv[optind], ntohs(bound.sin_port));
		serve(fd, count);
	} else if (strcmp(mode, "serve-unix") == 0 && optind + 1 == argc) {
		struct sockaddr_un sun = unix_address(argv[optind]);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd < 0)
			die("socket");
		if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
			die("bind");
		if (listen(fd, 4096) != 0)
			die("listen");
		serve(fd, count);
	} else if (strcmp(mode, "rss") == 0 && optind == argc) {
		print_rss();
	} else {
		usage();
	}
	return 0;
}
