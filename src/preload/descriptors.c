/* SPDX-License-Identifier: MIT */
/* The record follows the descriptor (fdstate.h): close(), dup(), dup2(),
 * dup3(), fcntl(F_DUPFD), close_range(), closefrom() and recvmsg() with
 * SCM_RIGHTS keep the one byte per descriptor exact. */
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
#include "preload/log.h"
#include "preload/real.h"
#include "preload/manage.h"
#include "common/glibc-floor.h"
#include "common/sys.h"

/* Twice the size of the record: close() indexes it with the number
 * masked to 21 bits instead of testing it (fdstate.h), and the upper half
 * takes what a negative or too large number writes. */
tk_fd_entry tk_fd_table[2 * TK_FDSTATE_SIZE] __attribute__((aligned(4096)));

/* True unless this is a vfork() child, which shares the record with its
 * suspended parent while its descriptor table is a copy: the numbers it
 * frees or fills are the parent's still.  A child of fork() has its own
 * copy of the record: it finds the owner's page zeroed (MADV_WIPEONFORK,
 * see state_load()), or where that page is not wiped, kcmp() tells it
 * from a vfork() child; where neither works, the child leaves its copy as
 * it is.  errno is kept. */
__attribute__((noinline))
static bool table_is_ours(void)
{
	long self = tk_sys_getpid();
	long owner = __atomic_load_n(&table_owner.pid, __ATOMIC_RELAXED);
	int saved_errno;
	bool ours = true;

	if (self == owner)
		return true;
	saved_errno = errno;
#ifdef SYS_kcmp
	/* KCMP_VM: 0 when both share one address space.  A zeroed page is
	 * a fork() child's unless a vfork() child of one that never asked
	 * finds it first: its parent then shares its memory.  Refused, the
	 * far likelier fork() child is assumed. */
	if (owner == 0)
		ours = tk_syscall(SYS_kcmp, self,
				  tk_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0),
				  1, 0, 0, 0) != 0;
	else
		ours = tk_syscall(SYS_kcmp, self, owner, 1, 0, 0, 0) > 0;
#else
	ours = owner == 0;
#endif
	if (ours)
		__atomic_store_n(&table_owner.pid, self, __ATOMIC_RELAXED);
	errno = saved_errno;
	return ours;
}

/* Stores VALUE as FD's entry where that changes it and the record is this
 * process's: the one way the hooks below write it, so that a vfork()
 * child never rewrites its parent's entries, and pays for asking who it
 * is only where it would. */
__attribute__((noinline))
static void record_put(int fd, unsigned value)
{
	if (tk_fd_in_table(fd) && tk_fd_get(fd) != value && table_is_ours())
		tk_fd_put(fd, value);
}

/* Only the process whose record it is forgets an entry that a vfork()
 * child must leave to its parent (record_put): one holding a choice of
 * the program's, which the decision must respect, and in force mode any
 * TCP socket's, whose calls force mode judges by it (close_guard).  Any
 * other entry lost in a vfork() child only makes the parent ask the
 * kernel again, which gives the same answer (a socket with keepalive on
 * is left as it is, one waiting for its peer is decided again), so it
 * costs no system call here. */
__attribute__((noinline))
static int close_recorded(int fd)
{
	record_put(fd, TK_FD_UNSEEN);
	return TK_REAL(close)(fd);
}

/* Forgotten before the real call: once the kernel has freed the number,
 * another thread's socket() may take it and record its own entry, which
 * must not be erased.  No range test: the mask sends a negative number,
 * or one from 2^20 to 2^21 - 1, to the table's upper half, which holds
 * only zeros. */
int tk_hook_close(int fd)
{
	tk_fd_entry *entry = &tk_fd_table[(unsigned)fd & TK_FDSTATE_CLOSE_MASK];

	if (__builtin_expect((__atomic_load_n(entry, __ATOMIC_RELAXED) &
			      __atomic_load_n(&close_guard,
					      __ATOMIC_RELAXED)) != 0, 0))
		return close_recorded(fd);
	__atomic_store_n(entry, TK_FD_UNSEEN, __ATOMIC_RELAXED);
	return TK_REAL(close)(fd);
}

/* A copy names the same socket: it takes the original's entry, the
 * program's choices included.  NEWFD is what the real call returned.  A
 * copy that changes nothing (two descriptors unknown to us, a vfork()
 * child's dup2() of a pipe) writes nothing. */
static inline int copied(int oldfd, int newfd)
{
	if (newfd >= 0 && newfd != oldfd &&
	    tk_fd_get(newfd) != tk_fd_get(oldfd))
		record_put(newfd, tk_fd_get(oldfd));
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
#ifdef TK_TIME64
FCNTL_HOOK(__fcntl_time64)
#endif

#if defined(HAVE_CLOSE_RANGE) || defined(HAVE_CLOSEFROM)
/* Before the real call, as close() does: another thread may take a freed
 * number at once. */
static void forget_from(unsigned first, unsigned last)
{
	int saved_errno = errno;

	if (table_is_ours())
		tk_fd_forget_range(first, last);
	errno = saved_errno;
}
#endif

#ifdef HAVE_CLOSE_RANGE
# ifndef CLOSE_RANGE_UNSHARE
#  define CLOSE_RANGE_UNSHARE (1u << 1)	/* Linux's values */
# endif
# ifndef CLOSE_RANGE_CLOEXEC
#  define CLOSE_RANGE_CLOEXEC (1u << 2)
# endif
/* Only a plain call closes the process's descriptors: with
 * CLOSE_RANGE_CLOEXEC nothing is closed now, with CLOSE_RANGE_UNSHARE the
 * calling thread closes them in a copy of the descriptor table of its
 * own while the process's other threads keep them (and the record is the
 * process's); any other flag or an empty range fails. */
int tk_hook_close_range(unsigned first, unsigned last, int flags)
{
	if (flags == 0 && first <= last)
		forget_from(first, last);
	return TK_REAL(close_range)(first, last, flags);
}
#endif

#ifdef HAVE_CLOSEFROM
void tk_hook_closefrom(int fd)
{
	if (fd >= 0)
		forget_from((unsigned)fd, ~0u);
	TK_REAL(closefrom)(fd);
}
#endif

/* Which pages of the record, from FIRST to LAST, hold anything, into
 * USED (one byte per page of PAGESIZE bytes, bit 0): the kernel's page map
 * says, for each, whether it is present or swapped out; a page never
 * written is neither.  (mincore() says only which are resident, and a
 * swapped-out page holds entries all the same.)  Read a few entries at a
 * time, the stack of a signal handler being small.  False when the map
 * cannot be read. */
static bool pages_in_use(unsigned char *used, unsigned long pagesize,
			 size_t first, size_t last)
{
	uint64_t map[32];
	off_t at = (off_t)(((uintptr_t)tk_fd_table / pagesize + first) *
			   sizeof map[0]);
	int fd = tk_sys_open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0;

	for (size_t page = first; ok && page <= last;) {
		size_t n = last - page + 1;

		if (n > 32)
			n = 32;
		if (tk_sys_pread(fd, map, n * sizeof map[0], at) !=
		    (ssize_t)(n * sizeof map[0])) {
			ok = false;
			break;
		}
		/* Bit 63: present; bit 62: swapped out. */
		for (size_t i = 0; i < n; i++)
			used[page + i] = (map[i] >> 62) != 0;
		page += n;
		at += (off_t)(n * sizeof map[0]);
	}
	if (fd >= 0)
		(void)TK_REAL(close)(fd);
	return ok;
}

void tk_fd_forget_range(unsigned first, unsigned last)
{
	unsigned char used[TK_FDSTATE_SIZE / (4096 / sizeof(tk_fd_entry)) + 1];
	/* STEP: the entries in one page. */
	unsigned long pagesize = page_size;
	unsigned long step = pagesize / sizeof(tk_fd_entry);

	if (first >= TK_FDSTATE_SIZE || first > last)
		return;
	if (last >= TK_FDSTATE_SIZE)
		last = TK_FDSTATE_SIZE - 1;
	/* Only the pages ever written can hold an entry: reading the others
	 * would map each one. */
	if (pagesize < 4096 || step > TK_FDSTATE_SIZE / 2 ||
	    TK_FDSTATE_SIZE % step != 0 ||
	    (uintptr_t)tk_fd_table % pagesize != 0 ||
	    !pages_in_use(used, pagesize, first / step, last / step)) {
		step = TK_FDSTATE_SIZE;
		used[0] = 1;
	}
	for (unsigned fd = first; fd <= last;) {
		unsigned page = (unsigned)(fd / step);
		unsigned end = (unsigned)((page + 1) * step - 1);

		if (end > last)
			end = last;
		if (used[page] & 1) {
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
			if (tk_fd_get(fd) != TK_FD_UNSEEN)
				record_put(fd, TK_FD_UNSEEN);
		}
	}
}

/* The message header is read only after the kernel wrote it.  For
 * recvmsg() and, for a program built with _TIME_BITS=64, its twin. */
#define RECVMSG_HOOK(name) \
	ssize_t tk_hook_##name(int fd, struct msghdr *msg, int flags) \
	{ \
		ssize_t rc = TK_REAL(name)(fd, msg, flags); \
		\
		if (__builtin_expect(rc >= 0 && msg->msg_controllen != 0, 0)) \
			forget_passed(msg); \
		return rc; \
	}
RECVMSG_HOOK(recvmsg)
#ifdef TK_TIME64
RECVMSG_HOOK(__recvmsg64)
#endif

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
#ifdef TK_TIME64
EXPORT_ALIAS(__fcntl_time64);
EXPORT_ALIAS(__recvmsg64);
#endif
