/* SPDX-License-Identifier: MIT */
/* Another process's socket, reached through pidfd_getfd(2): the duplicate
 * is the same socket, so getsockopt() reads and setsockopt() changes what
 * the process holds, without stopping or tracing it. */
#include "autoconfig.h"

#include "common/options.h"
#include "host/running.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Through syscall(2): older C libraries have no wrappers. */
int tk_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

int tk_pidfd_getfd(int pidfd, int fd)
{
#ifdef SYS_pidfd_getfd
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
#else
	(void)pidfd;
	(void)fd;
	errno = ENOSYS;
	return -1;
#endif
}

#ifndef SIOCGSKNS
# define SIOCGSKNS 0x894C	/* linux/sockios.h: the socket's netns */
#endif

/* SIOCGSKNS needs CAP_NET_ADMIN where the socket lives: 0 without. */
uint64_t tk_sock_netns(int fd)
{
	struct stat st;
	int ns = ioctl(fd, SIOCGSKNS);
	uint64_t ino = 0;

	if (ns < 0)
		return 0;
	if (fstat(ns, &st) == 0)
		ino = (uint64_t)st.st_ino;
	close(ns);
	return ino;
}

int tk_sock_take(int pidfd, int fd, uint32_t inode, uint64_t netns)
{
	struct stat st;
	uint64_t ns;
	int dup = tk_pidfd_getfd(pidfd, fd);

	if (dup < 0)
		return -1;
	/* The process may have closed the number and put another socket
	 * there since its descriptors were listed: the filters judged that
	 * one, not this.  A socket's inode number is the one /proc and
	 * sock_diag show; the namespace settles the rare number used
	 * again in another one. */
	if (fstat(dup, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    (uint64_t)st.st_ino != inode ||
	    (netns != 0 && (ns = tk_sock_netns(dup)) != 0 && ns != netns)) {
		close(dup);
		errno = ESTALE;
		return -1;
	}
	return dup;
}

static int get_int(int fd, int level, int name, int *out)
{
	socklen_t len = sizeof *out;

	return getsockopt(fd, level, name, out, &len);
}

int tk_sockvals_read(int fd, struct tk_sockvals *v)
{
	if (get_int(fd, SOL_SOCKET, SO_KEEPALIVE, &v->keepalive) < 0 ||
	    get_int(fd, IPPROTO_TCP, TK_TCP_IDLE, &v->idle) < 0 ||
	    get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v->intvl) < 0 ||
	    get_int(fd, IPPROTO_TCP, TCP_KEEPCNT, &v->cnt) < 0)
		return -1;
#if HAVE_DECL_TCP_USER_TIMEOUT
	if (get_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v->user_timeout) < 0)
		return -1;
#else
	v->user_timeout = 0;
#endif
	v->keepalive = v->keepalive != 0;
	return 0;
}

const char *tk_pidfd_why(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return "permission denied (taking a process's socket needs the "
			"ptrace access a debugger has: root, or the same user "
			"where kernel.yama.ptrace_scope allows it)";
	case ESRCH:
		return "the process is gone";
	case EINVAL:
		return "not a process (a thread ID?)";
	case EBADF:
		return "the socket was closed meanwhile";
	case ESTALE:
		return "changed meanwhile: the descriptor holds another socket "
			"now (run again to judge that one)";
	case ENOSYS:
		return "this kernel has no pidfd_getfd (Linux 5.6 or later is needed)";
	case EMFILE:
	case ENFILE:
		return "too many open files";
	default:
		return NULL;
	}
}
