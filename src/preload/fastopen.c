/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"
/* Compiled as hooks.c is, without _GNU_SOURCE (see there). */
#undef _GNU_SOURCE
#include "common/config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#ifdef HAVE_GETAUXVAL
# include <sys/auxv.h>
#endif

#include "preload/apply.h"
#include "common/classify.h"
#include "common/decide.h"
#include "preload/export.h"
#include "preload/fdstate.h"
#include "preload/hooks.h"
#include "preload/log.h"
#include "preload/real.h"
#include "preload/manage.h"

/* TCP Fast Open: the connection starts in sendto() or sendmsg() with
 * MSG_FASTOPEN, and connect() is never called.  The decision comes right
 * after the real call, whose answer says the kernel could read the
 * address: reading it before could crash where the kernel fails with
 * EFAULT.  Keepalive options take effect whenever they are set. */
#if HAVE_DECL_MSG_FASTOPEN
static inline bool started_connection(ssize_t rc)
{
	return rc >= 0 || errno == EINPROGRESS;
}

__attribute__((noinline))
static void fastopen_decide(int fd, unsigned entry,
			    const struct sockaddr *addr, socklen_t len,
			    const char *call)
{
	int saved_errno = errno;

	outgoing(fd, entry, addr, len, call, false);
	errno = saved_errno;
}

__attribute__((noinline))
static ssize_t sendto_fastopen(int fd, const void *buf, size_t n, int flags,
			       const struct sockaddr *addr, socklen_t len)
{
	unsigned entry = tk_fd_get(fd);
	ssize_t rc = TK_REAL(sendto)(fd, buf, n, flags, addr, len);

	if (TK_FD_UNDECIDED(entry) && started_connection(rc))
		fastopen_decide(fd, entry, addr, len, "sendto");
	return rc;
}

ssize_t tk_hook_sendto(int fd, const void *buf, size_t n, int flags,
		       const struct sockaddr *addr, socklen_t len)
{
	/* Every other sendto(), UDP's included: one test. */
	if (__builtin_expect(!(flags & MSG_FASTOPEN), 1))
		return TK_REAL(sendto)(fd, buf, n, flags, addr, len);
	return sendto_fastopen(fd, buf, n, flags, addr, len);
}

/* sendmsg() and, for a program built with _TIME_BITS=64, its twin. */
#define SENDMSG_HOOK(name) \
	__attribute__((noinline)) \
	static ssize_t name##_fastopen(int fd, const struct msghdr *msg, \
				       int flags) \
	{ \
		unsigned entry = tk_fd_get(fd); \
		ssize_t rc = TK_REAL(name)(fd, msg, flags); \
		\
		if (TK_FD_UNDECIDED(entry) && started_connection(rc)) \
			fastopen_decide(fd, entry, msg->msg_name, \
					msg->msg_namelen, "sendmsg"); \
		return rc; \
	} \
	\
	ssize_t tk_hook_##name(int fd, const struct msghdr *msg, int flags) \
	{ \
		if (__builtin_expect(!(flags & MSG_FASTOPEN), 1)) \
			return TK_REAL(name)(fd, msg, flags); \
		return name##_fastopen(fd, msg, flags); \
	}
SENDMSG_HOOK(sendmsg)
# ifdef TK_TIME64
SENDMSG_HOOK(__sendmsg64)
# endif
#else
ssize_t tk_hook_sendto(int fd, const void *buf, size_t n, int flags,
		       const struct sockaddr *addr, socklen_t len)
{
	return TK_REAL(sendto)(fd, buf, n, flags, addr, len);
}

ssize_t tk_hook_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return TK_REAL(sendmsg)(fd, msg, flags);
}

# ifdef TK_TIME64
ssize_t tk_hook___sendmsg64(int fd, const struct msghdr *msg, int flags)
{
	return TK_REAL(__sendmsg64)(fd, msg, flags);
}
# endif
#endif


EXPORT_ALIAS(sendto);
EXPORT_ALIAS(sendmsg);
#ifdef TK_TIME64
EXPORT_ALIAS(__sendmsg64);
#endif
