/* SPDX-License-Identifier: MIT */
/* Which process holds which TCP socket: /proc/PID/fd links "socket:[N]"
 * matched against the sock_diag table of the process's network namespace
 * (entered with setns(2) when it is not ours), and the facts about a
 * process that --status reports: its name, whether libtcpkeep.so is
 * mapped, its cgroup. */
#include "autoconfig.h"

#include "common/options.h"
#include "host/running.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int tk_parse_pid(const char *text, pid_t *out)
{
	unsigned long v = 0;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > INT_MAX)
			return -1;
	}
	if (*p != '\0' || v == 0)
		return -1;
	*out = (pid_t)v;
	return 0;
}

static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return v;
	while (n < need)
		n *= 2;
	p = realloc(v, n * size);
	if (p == NULL) {
		perror("tcpkeep");
		exit(1);
	}
	*cap = n;
	return p;
}

static uint64_t ns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static void read_comm(int procfd, const char *pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/comm", pid);
	snprintf(buf, len, "?");
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		snprintf(buf, len, "?");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* A name is whatever the program wrote with prctl: keep it one
	 * printable word in tables and JSON. */
	for (char *c = buf; *c; c++)
		if (!isgraph((unsigned char)*c) || *c == '"' || *c == '\\')
			*c = '?';
}

/* The process's socket descriptors into s->socks. */
static void list_fds(struct tk_scan *s, int procfd, const char *name,
		     struct tk_proc *p)
{
	char path[64], link[64];
	struct dirent *e;
	DIR *dir;
	int dfd;

	snprintf(path, sizeof path, "%s/fd", name);
	dfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (dir = fdopendir(dfd)) == NULL) {
		p->err = errno == ENOENT ? ESRCH : errno;
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		ssize_t n;
		char *end;
		unsigned long inode, fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		n = readlinkat(dirfd(dir), e->d_name, link, sizeof link - 1);
		if (n < 9 || memcmp(link, "socket:[", 8) != 0)
			continue;
		link[n] = '\0';
		inode = strtoul(link + 8, &end, 10);
		fd = strtoul(e->d_name, NULL, 10);
		if (*end != ']' || inode == 0 || inode > UINT32_MAX || fd > INT_MAX)
			continue;
		s->socks = grow(s->socks, &s->capsocks, s->nsocks + 1,
				sizeof *s->socks);
		s->socks[s->nsocks].inode = (uint32_t)inode;
		s->socks[s->nsocks].fd = (int)fd;
		s->nsocks++;
	}
	closedir(dir);
	p->count = s->nsocks - p->first;
}

/* True once the process PIDFD names is gone: its PID may name another
 * process from then on.  A zombie still holds its PID (and no sockets):
 * signal 0 tells the two apart where poll(2) would not. */
static bool ended(int pidfd)
{
#ifdef SYS_pidfd_send_signal
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 &&
		errno == ESRCH;
#else
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
#endif
}

static void add_proc(struct tk_scan *s, int procfd, pid_t pid)
{
	char name[24], path[64];
	struct tk_proc *p;

	s->procs = grow(s->procs, &s->capprocs, s->nprocs + 1, sizeof *s->procs);
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	/* Its range of s->socks, empty until list_fds() fills it: also
	 * where the table is cut back to when it ends meanwhile (0 would
	 * drop the sockets of every process before it). */
	p->first = s->nsocks;
	/* The process first, then its files: /proc/PID could be another
	 * process by the time its sockets are taken. */
	p->pidfd = tk_pidfd_open(pid);
	p->pidfd_err = p->pidfd < 0 ? errno : 0;
	if (p->pidfd < 0 && p->pidfd_err == ESRCH) {
		p->err = ESRCH;
		return;
	}
	snprintf(name, sizeof name, "%d", (int)pid);
	read_comm(procfd, name, p->comm, sizeof p->comm);
	list_fds(s, procfd, name, p);
	if (p->err == 0 && p->count > 0) {
		snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
		p->netns = ns_inode(path);
	}
	/* Read after the process ended: perhaps another's. */
	if (p->pidfd >= 0 && ended(p->pidfd)) {
		p->err = ESRCH;
		s->nsocks = p->first;
		p->count = 0;
	}
	if (p->count == 0 && p->pidfd >= 0) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	if (p->count == 0 || p->netns == 0)
		return;
	for (size_t i = 0; i < s->nnets; i++)
		if (s->nets[i].ino == p->netns)
			return;
	s->nets = grow(s->nets, &s->capnets, s->nnets + 1, sizeof *s->nets);
	memset(&s->nets[s->nnets], 0, sizeof s->nets[0]);
	s->nets[s->nnets].ino = p->netns;
	s->nets[s->nnets].via = pid;
	s->nnets++;
}

/* The kernel's defaults in the current namespace: what a new socket has. */
static void read_defaults(struct tk_netns *n)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(int);

	n->def_idle = 7200;
	n->def_intvl = 75;
	n->def_cnt = 9;
	if (fd < 0)
		return;
	getsockopt(fd, IPPROTO_TCP, TK_TCP_IDLE, &n->def_idle, &len);
	len = sizeof(int);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &n->def_intvl, &len);
	len = sizeof(int);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &n->def_cnt, &len);
	close(fd);
}

/* A descriptor of the namespace N, through one of its processes: the
 * first may have moved to another namespace since, or ended and its PID
 * gone to a process elsewhere, so each candidate is checked by the
 * namespace's inode.  -1 with errno; ESTALE when none is in it now. */
static int open_netns(const struct tk_scan *s, const struct tk_netns *n)
{
	char path[64];
	int err = ESTALE;

	for (size_t i = 0; i < s->nprocs; i++) {
		struct stat st;
		int fd;

		if (s->procs[i].netns != n->ino)
			continue;
		snprintf(path, sizeof path, "/proc/%d/ns/net",
			 (int)s->procs[i].pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT && errno != ESRCH)
				err = errno;
			continue;
		}
		if (fstat(fd, &st) == 0 && (uint64_t)st.st_ino == n->ino)
			return fd;
		close(fd);
	}
	errno = err;
	return -1;
}

static void dump_netns(struct tk_scan *s, struct tk_netns *n, int own_fd)
{
	int fd;

	if (n->ino == s->own_netns) {
		if (tk_diag_dump(&s->diag, n->ino) < 0)
			n->err = errno;
		else
			n->dumped = true;
		read_defaults(n);
		return;
	}
	fd = own_fd < 0 ? -1 : open_netns(s, n);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		n->err = own_fd < 0 ? EPERM : errno;
		if (fd >= 0)
			close(fd);
		/* Our own namespace's defaults are the best guess left. */
		read_defaults(n);
		return;
	}
	close(fd);
	if (tk_diag_dump(&s->diag, n->ino) < 0)
		n->err = errno;
	else
		n->dumped = true;
	read_defaults(n);
	if (setns(own_fd, CLONE_NEWNET) < 0) {
		perror("tcpkeep: cannot return to our own network namespace");
		exit(1);
	}
}

/* Every process with sockets keeps its pidfd open until the end: room
 * for as many as the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int tk_scan_run(struct tk_scan *s, const pid_t *pids, size_t n)
{
	int procfd, own_fd;

	memset(s, 0, sizeof *s);
	raise_nofile();
	s->own_netns = ns_inode("/proc/self/ns/net");
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -1;
	if (n > 0) {
		for (size_t i = 0; i < n; i++)
			add_proc(s, procfd, pids[i]);
	} else {
		DIR *dir = fdopendir(dup(procfd));
		struct dirent *e;
		pid_t self = getpid(), pid;

		if (dir == NULL) {
			close(procfd);
			return -1;
		}
		while ((e = readdir(dir)) != NULL)
			if (tk_parse_pid(e->d_name, &pid) == 0 && pid != self)
				add_proc(s, procfd, pid);
		closedir(dir);
	}
	close(procfd);

	/* Listing everything: our own namespace too, so that sockets of
	 * processes we cannot see are counted. */
	if (n == 0 && s->own_netns != 0 && tk_scan_netns(s, s->own_netns) == NULL) {
		s->nets = grow(s->nets, &s->capnets, s->nnets + 1, sizeof *s->nets);
		memset(&s->nets[s->nnets], 0, sizeof s->nets[0]);
		s->nets[s->nnets].ino = s->own_netns;
		s->nets[s->nnets].via = getpid();
		s->nnets++;
	}
	own_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < s->nnets; i++)
		dump_netns(s, &s->nets[i], own_fd);
	if (own_fd >= 0)
		close(own_fd);
	return tk_diag_index(&s->diag);
}

const struct tk_netns *tk_scan_netns(const struct tk_scan *s, uint64_t ino)
{
	for (size_t i = 0; i < s->nnets; i++)
		if (s->nets[i].ino == ino)
			return &s->nets[i];
	return NULL;
}

const char *tk_proc_why(int err)
{
	switch (err) {
	case ESRCH:
		return "no such process";
	case EACCES:
	case EPERM:
		return "cannot list its sockets: permission denied (root, or the process's own user, may)";
	default:
		return strerror(err);
	}
}

const char *tk_netns_why(int err)
{
	if (err == ESTALE)
		return "changed meanwhile: none of the processes seen in it is still there (run again)";
	return strerror(err);
}

void tk_scan_free(struct tk_scan *s)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pidfd >= 0)
			close(s->procs[i].pidfd);
	free(s->procs);
	free(s->socks);
	free(s->nets);
	tk_diag_free(&s->diag);
	memset(s, 0, sizeof *s);
}

bool tk_proc_has_library(pid_t pid)
{
	static const char want[] = "/libtcpkeep.so\n";
	char path[64], buf[65536 + sizeof want];
	size_t keep = 0;
	bool found = false;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(fd, buf + keep, sizeof buf - keep - 1);

		if (n <= 0)
			break;
		buf[keep + (size_t)n] = '\0';
		if (strstr(buf, want) != NULL) {
			found = true;
			break;
		}
		/* A name cut at the end of this read is found in the next. */
		keep = keep + (size_t)n;
		if (keep > sizeof want) {
			memmove(buf, buf + keep - sizeof want, sizeof want);
			keep = sizeof want;
		}
	}
	close(fd);
	return found;
}
