/* SPDX-License-Identifier: MIT */
/* Preloaded into tcpkeep-helper by tests/running/status-forge.tap: the first
 * time the helper sends a request on a netlink socket while it is in the
 * network namespace TK_PAUSE_NETNS (an inode), it writes that socket's
 * port id to TK_PAUSE_DIR/ready and waits (at most 10 s) for
 * TK_PAUSE_DIR/go.  The test's attacker sends its datagrams in that
 * window, so whether they reach the helper is decided, not raced. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* struct sockaddr_nl, spelled out: musl-gcc has no kernel headers. */
struct nl_address {
	sa_family_t family;
	unsigned short pad;
	uint32_t port;
	uint32_t groups;
};

static int paused;

static void maybe_pause(int fd)
{
	const char *want = getenv("TK_PAUSE_NETNS"), *dir = getenv("TK_PAUSE_DIR");
	struct nl_address self;
	socklen_t len = sizeof self;
	struct stat st;
	char path[4096], tmp[4096];
	int domain = 0;
	socklen_t dlen = sizeof domain;
	FILE *f;

	if (paused || want == NULL || dir == NULL ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) < 0 ||
	    domain != AF_NETLINK ||
	    stat("/proc/thread-self/ns/net", &st) < 0 ||
	    (unsigned long long)st.st_ino != strtoull(want, NULL, 10) ||
	    getsockname(fd, (struct sockaddr *)&self, &len) < 0)
		return;
	paused = 1;
	snprintf(tmp, sizeof tmp, "%s/ready.tmp", dir);
	snprintf(path, sizeof path, "%s/ready", dir);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "%u\n", (unsigned)self.port);
	fclose(f);
	chmod(tmp, 0644);
	rename(tmp, path);
	snprintf(path, sizeof path, "%s/go", dir);
	for (int i = 0; i < 1000 && access(path, F_OK) != 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

__attribute__((visibility("default")))
ssize_t sendto(int fd, const void *buf, size_t n, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	ssize_t (*real)(int, const void *, size_t, int,
			const struct sockaddr *, socklen_t) =
		(ssize_t (*)(int, const void *, size_t, int,
			     const struct sockaddr *, socklen_t))
		dlsym(RTLD_NEXT, "sendto");
	ssize_t rc = real(fd, buf, n, flags, to, tolen);

	if (rc >= 0)
		maybe_pause(fd);
	return rc;
}

__attribute__((visibility("default")))
ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	ssize_t (*real)(int, const void *, size_t, int) =
		(ssize_t (*)(int, const void *, size_t, int))
		dlsym(RTLD_NEXT, "send");
	ssize_t rc = real(fd, buf, n, flags);

	if (rc >= 0)
		maybe_pause(fd);
	return rc;
}
