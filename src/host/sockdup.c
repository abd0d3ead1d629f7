/* SPDX-License-Identifier: MIT */
/* What --status learns about another process's socket without the
 * kernel's table of its namespace: whether it is TCP (the socket's
 * protocol name, read through /proc/PID/fd without taking it), and from
 * a duplicate taken with pidfd_getfd(2) its state, addresses and network
 * namespace.  A namespace the caller may not enter (setns(2) needs
 * CAP_SYS_ADMIN where the caller is, even in a namespace the caller owns)
 * is read this way.  Also whether taking a duplicate would change the
 * socket: receiving a socket re-tags it with the receiver's cgroup v1
 * net_cls class id and net_prio index. */
#include "autoconfig.h"

#include "common/classify.h"
#include "host/running.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>


int tk_proc_fd_is_tcp(pid_t pid, int fd)
{
	char path[64], name[32];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
	n = getxattr(path, "system.sockprotoname", name, sizeof name - 1);
	if (n < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -1;
	name[n] = '\0';
	return strcmp(name, "TCP") == 0 || strcmp(name, "TCPv6") == 0;
}

static void copy_addr(const struct sockaddr_storage *ss, uint8_t *addr,
		      uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		memcpy(addr, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		memcpy(addr, &in6->sin6_addr, 16);
		*port = ntohs(in6->sin6_port);
	}
}

int tk_dup_diag(int fd, uint32_t inode, uint64_t holder_netns,
		struct tk_diag *d)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof local, plen = sizeof peer, len;
	unsigned char info[8];	/* tcpi_state is the first byte */

	memset(d, 0, sizeof *d);
	if (!tk_fd_is_tcp(fd))
		return -1;
	len = sizeof info;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &len) < 0 || len < 1 ||
	    getsockname(fd, (struct sockaddr *)&local, &llen) < 0 ||
	    (local.ss_family != AF_INET && local.ss_family != AF_INET6))
		return -1;
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0) {
		memset(&peer, 0, sizeof peer);
		peer.ss_family = local.ss_family;
	}
	d->inode = inode;
	d->family = (uint8_t)local.ss_family;
	d->state = info[0];
	copy_addr(&local, d->src, &d->sport);
	copy_addr(&peer, d->dst, &d->dport);
	/* Without the right to see it (CAP_NET_ADMIN where the namespace
	 * belongs), the holder's is the likely one. */
	d->netns = tk_sock_netns(fd);
	if (d->netns == 0)
		d->netns = holder_netns;
	return 0;
}

/* The lines of a /proc/PID/cgroup that name a v1 hierarchy holding
 * net_cls or net_prio, one after the other.  -1 when it cannot be read. */
static int class_lines(const char *path, char *out, size_t len)
{
	char line[4096];
	size_t used = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return -1;
	out[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		char *ctl = strchr(line, ':'), *end, *tok;
		bool hit = false;

		if (ctl == NULL || (end = strchr(++ctl, ':')) == NULL)
			continue;
		*end = '\0';
		for (tok = ctl; tok != NULL && !hit;
		     tok = strchr(tok, ',') ? strchr(tok, ',') + 1 : NULL)
			hit = strncmp(tok, "net_cls", 7) == 0 &&
				(tok[7] == ',' || tok[7] == '\0') ? true :
				strncmp(tok, "net_prio", 8) == 0 &&
				(tok[8] == ',' || tok[8] == '\0');
		*end = ':';
		if (!hit)
			continue;
		if (used + strlen(line) + 1 > len) {
			fclose(f);
			return -1;
		}
		memcpy(out + used, line, strlen(line) + 1);
		used += strlen(line);
	}
	fclose(f);
	return 0;
}

bool tk_class_differs(pid_t pid)
{
	static char self[8192];
	static int state;	/* 0 not read, 1 none mounted, 2 read */
	char path[64], theirs[8192];

	if (state == 0)
		state = class_lines("/proc/self/cgroup", self, sizeof self) == 0 &&
			self[0] == '\0' ? 1 : 2;
	/* Neither controller on a v1 hierarchy: every process is in its
	 * root, class 0 and index 1, which is what the sockets hold. */
	if (state == 1)
		return false;
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	return class_lines(path, theirs, sizeof theirs) < 0 ||
		strcmp(self, theirs) != 0;
}
