/* SPDX-License-Identifier: MIT */
/* The record follows the descriptor (fdstate.h): close(), dup(), dup2(),
 * dup3(), fcntl(F_DUPFD), close_range(), closefrom() and recvmsg() with
 * SCM_RIGHTS keep the one byte per descriptor exact. */
#include "autoconfig.h"
/* Compiled as hooks.c is, without _GNU_SOURCE (see there). */
#undef _GNU_SOURCE
#include "config.h"

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

#include "apply.h"
#include "classify.h"
#include "decide.h"
#include "export.h"
#include "fdstate.h"
#include "log.h"
#include "real.h"
#include "manage.h"

/* Twice the size of the record: close() indexes it with the number
 * masked to 21 bits instead of testing it (fdstate.h), and the upper half
 * takes what a negative or too large number writes. */
uint8_t tk_fd_table[2 * TK_FDSTATE_SIZE] __attribute__((aligned(4096)));

/* Forgotten before the real call: once the kernel has freed the number,
 * another thread's socket() may take it and record its own entry, which
 * must not be erased.  No range test (it would be the sixth instruction):
 * the mask sends a negative number, or one from 2^20 to 2^21 - 1, to the
 * table's upper half, which nothing reads. */
int tk_hook_close(int fd)
{
	__atomic_store_n(&tk_fd_table[(unsigned)fd & TK_FDSTATE_CLOSE_MASK],
			 TK_FD_UNSEEN, __ATOMIC_RELAXED);
	return TK_REAL(close)(fd);
}

/* A copy names the same socket: it takes the original's entry, the
 * program's choices included.  NEWFD is what the real call returned. */
static inline int copied(int oldfd, int newfd)
{
	if (newfd >= 0 && newfd != oldfd)
		tk_fd_put(newfd, tk_fd_get(oldfd));
	return newfd;
}

int tk_hook_dup(int fd)
{
	return copied(fd, TK_REAL(dup)(fd));
}

int tk_hook_dup2(int fd, int to)
{
	return copied(fd, TK_REAL(dup2)(fd, to));
}

#ifdef HAVE_DUP3
int tk_hook_dup3(int fd, int to, int flags)
{
	return copied(fd, TK_REAL(dup3)(fd, to, flags));
}
#endif

/* F_DUPFD and F_DUPFD_CLOEXEC copy the record; every other command
 * passes straight through. */
#define FCNTL_HOOK(name) \
	int tk_hook_##name(int fd, int cmd, ...) \
	{ \
		void *arg; \
		\
		TK_FCNTL_ARG(cmd, arg); \
		if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) \
			return copied(fd, TK_REAL(name)(fd, cmd, arg)); \
		return TK_REAL(name)(fd, cmd, arg); \
	}
FCNTL_HOOK(fcntl)
#ifdef HAVE_FCNTL64
FCNTL_HOOK(fcntl64)
#endif

#if defined(HAVE_CLOSE_RANGE) || defined(HAVE_CLOSEFROM)
/* True unless this is a vfork() child, which shares the table with its
 * suspended parent: the numbers it frees are still open there.  A child
 * of fork() has its own copy (kcmp() tells them apart); where kcmp() is
 * not allowed, the child leaves its copy as it is. */
static bool table_is_ours(void)
{
	long self = syscall(SYS_getpid);
	long owner = __atomic_load_n(&table_owner, __ATOMIC_RELAXED);

	if (self == owner || owner == 0)
		return true;
# ifdef SYS_kcmp
	/* KCMP_VM: 0 when both share one address space. */
	if (syscall(SYS_kcmp, self, owner, 1, 0UL, 0UL) > 0) {
		__atomic_store_n(&table_owner, self, __ATOMIC_RELAXED);
		return true;
	}
# endif
	return false;
}

static void forget_from(unsigned first, unsigned last)
{
	int saved_errno = errno;

	if (table_is_ours())
		tk_fd_forget_range(first, last);
	errno = saved_errno;
}
#endif

#ifdef HAVE_CLOSE_RANGE
# ifndef CLOSE_RANGE_CLOEXEC
#  define CLOSE_RANGE_CLOEXEC (1u << 2)	/* Linux's value */
# endif
int tk_hook_close_range(unsigned first, unsigned last, int flags)
{
	int rc = TK_REAL(close_range)(first, last, flags);

	/* With CLOSE_RANGE_CLOEXEC nothing is closed now. */
	if (rc == 0 && !((unsigned)flags & CLOSE_RANGE_CLOEXEC))
		forget_from(first, last);
	return rc;
}
#endif

#ifdef HAVE_CLOSEFROM
void tk_hook_closefrom(int fd)
{
	TK_REAL(closefrom)(fd);
	if (fd >= 0)
		forget_from((unsigned)fd, ~0u);
}
#endif

void tk_fd_forget_range(unsigned first, unsigned last)
{
	unsigned char resident[TK_FDSTATE_SIZE / 4096 + 1];
	/* Asked here, not at load: sysconf() would cost every process its
	 * symbol lookup at start. */
	unsigned long step = (unsigned long)sysconf(_SC_PAGESIZE);

	if (first >= TK_FDSTATE_SIZE || first > last)
		return;
	if (last >= TK_FDSTATE_SIZE)
		last = TK_FDSTATE_SIZE - 1;
	/* A page never written is not resident and holds only zeros: the
	 * kernel says which are, in one call. */
	if (step < 4096 || step > TK_FDSTATE_SIZE / 2 ||
	    TK_FDSTATE_SIZE % step != 0 ||
	    (uintptr_t)tk_fd_table % step != 0 ||
	    mincore(tk_fd_table, TK_FDSTATE_SIZE, resident) != 0) {
		step = TK_FDSTATE_SIZE;
		resident[0] = 1;
	}
	for (unsigned fd = first; fd <= last;) {
		unsigned page = (unsigned)(fd / step);
		unsigned end = (unsigned)((page + 1) * step - 1);

		if (end > last)
			end = last;
		if (resident[page] & 1) {
			for (unsigned i = fd; i <= end; i++)
				if (__atomic_load_n(&tk_fd_table[i],
						    __ATOMIC_RELAXED) != 0)
					__atomic_store_n(&tk_fd_table[i], 0,
							 __ATOMIC_RELAXED);
		}
		if (end == last)
			break;
		fd = end + 1;
	}
}

/* Descriptors SCM_RIGHTS installed: their numbers were free, so whatever
 * the table holds for them is a closed descriptor's. */
__attribute__((noinline))
static void forget_passed(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	     c = CMSG_NXTHDR(msg, c)) {
		const unsigned char *data = CMSG_DATA(c);
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, data + i * sizeof fd, sizeof fd);
			tk_fd_put(fd, TK_FD_UNSEEN);
		}
	}
}

/* The message header is read only after the kernel wrote it. */
ssize_t tk_hook_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t rc = TK_REAL(recvmsg)(fd, msg, flags);

	if (__builtin_expect(rc >= 0 && msg->msg_controllen != 0, 0))
		forget_passed(msg);
	return rc;
}

EXPORT_ALIAS(close);
EXPORT_ALIAS(dup);
EXPORT_ALIAS(dup2);
#ifdef HAVE_DUP3
EXPORT_ALIAS(dup3);
#endif
EXPORT_ALIAS(fcntl);
#ifdef HAVE_FCNTL64
EXPORT_ALIAS(fcntl64);
#endif
#ifdef HAVE_CLOSE_RANGE
EXPORT_ALIAS(close_range);
#endif
#ifdef HAVE_CLOSEFROM
EXPORT_ALIAS(closefrom);
#endif
EXPORT_ALIAS(recvmsg);
