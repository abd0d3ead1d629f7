/* SPDX-License-Identifier: MIT */
/* An io_uring TCP client for tests/bpf/bpf-run.tap: the socket is made,
 * connected and read through io_uring (IORING_OP_SOCKET, _CONNECT, _RECV),
 * so no socket(), connect() or recv() call is made for a preload library
 * to see.
 *
 *   bpf-uring IPV4 PORT
 *
 * Prints "connected fd=N" (or "direct-socket unsupported" and uses
 * socket(2) when the kernel lacks IORING_OP_SOCKET), then waits in an
 * io_uring recv until the connection ends: "eof" or "error errno=N". */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int submit_wait(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int res, rc;

	rc = io_uring_submit_and_wait(ring, 1);
	if (rc < 0)
		return rc;
	rc = io_uring_wait_cqe(ring, &cqe);
	if (rc < 0)
		return rc;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	char buf[512];
	int fd, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: bpf-uring IPV4 PORT\n");
		return 2;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "bpf-uring: not an IPv4 address: %s\n", argv[1]);
		return 2;
	}
	rc = io_uring_queue_init(4, &ring, 0);
	if (rc < 0) {
		fprintf(stderr, "bpf-uring: io_uring_queue_init: %s\n",
			strerror(-rc));
		return 3;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_socket(sqe, AF_INET, SOCK_STREAM, 0, 0);
	fd = submit_wait(&ring);
	if (fd < 0) {
		printf("direct-socket unsupported errno=%d\n", -fd);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return 1;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_connect(sqe, fd, (struct sockaddr *)&sin, sizeof sin);
	rc = submit_wait(&ring);
	if (rc < 0) {
		printf("error errno=%d\n", -rc);
		return 1;
	}
	printf("connected fd=%d\n", fd);
	fflush(stdout);
	for (;;) {
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_recv(sqe, fd, buf, sizeof buf, 0);
		rc = submit_wait(&ring);
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			printf("error errno=%d\n", -rc);
			return 1;
		}
		if (rc == 0) {
			printf("eof\n");
			return 0;
		}
	}
}
