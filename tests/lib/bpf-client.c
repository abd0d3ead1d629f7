/* SPDX-License-Identifier: MIT */
/* A TCP client for the eBPF-mode tests, linked statically when the C
 * library allows (tests/bpf/bpf-*.tap, tests/wire/wire-bpf-*.test): what a preload
 * library cannot reach.  It makes its system calls itself; whatever
 * keepalive its socket has comes from the eBPF program (or its own
 * options below).
 *
 *   bpf-client HOST PORT [OPTION...]
 *     --idle N           TCP_KEEPIDLE N before connect()
 *     --keepalive-off    SO_KEEPALIVE 0 before connect()
 *     --idle-after N     TCP_KEEPIDLE N once connected (force mode test)
 *     --keepalive-off-after   SO_KEEPALIVE 0 once connected
 *     --send-after S     send a line after S seconds of idleness
 *
 * Then it blocks in recv() until the connection ends.  Events on stdout,
 * one line each, as tests/lib/peer.py wire writes them:
 *   connected t=0 boot=B fd=N
 *   setsockopt what=W rc=R errno=E
 *   sent bytes=N t=T
 *   data bytes=N t=T | eof t=T | error errno=NAME t=T [tsend=T2]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNRESET: return "ECONNRESET";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EPIPE: return "EPIPE";
	default:
		snprintf(buf, sizeof buf, "E%d", e);
		return buf;
	}
}

static void set(int fd, const char *what, int level, int name, int value)
{
	int rc = setsockopt(fd, level, name, &value, sizeof value);

	printf("setsockopt what=%s rc=%d errno=%d\n", what, rc,
	       rc < 0 ? errno : 0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, idle = 0, ka_off = 0, idle_after = 0, ka_off_after = 0;
	double send_after = -1, t0, tsend = -1;
	char buf[4096];

	if (argc < 3) {
		fprintf(stderr, "usage: bpf-client HOST PORT [OPTION...]\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc)
			idle = atoi(argv[++i]);
		else if (strcmp(argv[i], "--keepalive-off") == 0)
			ka_off = 1;
		else if (strcmp(argv[i], "--idle-after") == 0 && i + 1 < argc)
			idle_after = atoi(argv[++i]);
		else if (strcmp(argv[i], "--keepalive-off-after") == 0)
			ka_off_after = 1;
		else if (strcmp(argv[i], "--send-after") == 0 && i + 1 < argc)
			send_after = atof(argv[++i]);
		else {
			fprintf(stderr, "bpf-client: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, argv[1], &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)atoi(argv[2]));
		len = sizeof *in4;
	} else if (inet_pton(AF_INET6, argv[1], &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)atoi(argv[2]));
		len = sizeof *in6;
	} else {
		fprintf(stderr, "bpf-client: not an address: %s\n", argv[1]);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("bpf-client: socket");
		return 1;
	}
	if (idle)
		set(fd, "idle", IPPROTO_TCP, TCP_KEEPIDLE, idle);
	if (ka_off)
		set(fd, "keepalive", SOL_SOCKET, SO_KEEPALIVE, 0);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		printf("error errno=%s t=0\n", errname(errno));
		return 1;
	}
	t0 = now(CLOCK_MONOTONIC);
	printf("connected t=0 boot=%.3f fd=%d\n", now(CLOCK_BOOTTIME), fd);
	fflush(stdout);
	if (idle_after)
		set(fd, "idle", IPPROTO_TCP, TCP_KEEPIDLE, idle_after);
	if (ka_off_after)
		set(fd, "keepalive", SOL_SOCKET, SO_KEEPALIVE, 0);
	if (send_after >= 0) {
		struct timespec ts = { (time_t)send_after,
			(long)((send_after - (double)(time_t)send_after) * 1e9) };

		nanosleep(&ts, NULL);
		if (send(fd, "data after idle\n", 16, MSG_NOSIGNAL) != 16) {
			printf("error errno=%s t=%.3f\n", errname(errno),
			       now(CLOCK_MONOTONIC) - t0);
			return 1;
		}
		tsend = now(CLOCK_MONOTONIC);
		printf("sent bytes=16 t=%.3f\n", tsend - t0);
		fflush(stdout);
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		double t = now(CLOCK_MONOTONIC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			printf("error errno=%s t=%.3f", errname(errno), t - t0);
			if (tsend >= 0)
				printf(" tsend=%.3f", t - tsend);
			printf("\n");
			return 1;
		}
		if (n == 0) {
			printf("eof t=%.3f\n", t - t0);
			return 0;
		}
		printf("data bytes=%zd t=%.3f\n", n, t - t0);
		fflush(stdout);
	}
}
