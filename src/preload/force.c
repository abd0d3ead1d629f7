/* SPDX-License-Identifier: MIT */
/* Force mode (TCPKEEP_FORCE): whether a program's setsockopt() on one of
 * our options of a socket we manage reaches the kernel (libtcpkeep(7),
 * "When options are applied"). */
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

/* The debug line for a program call that force mode kept from the
 * kernel. */
static void debug_forced(int fd, unsigned bit, int wanted)
{
	struct tk_line line;

	debug_start(&line, fd, "setsockopt");
	tk_line_str(&line, ": ignored ");
	for (int o = 0; o < TK_OPT_COUNT; o++)
		if (bit == TK_PROG_BIT(o))
			tk_line_str(&line, tk_option_rows[o].name);
	tk_line_str(&line, "=");
	tk_line_long(&line, wanted);
	tk_line_str(&line, " (TCPKEEP_FORCE)");
	tk_log_emit(&line, TK_LOG_DEBUG);
}

/* The int at FROM in the caller's memory, read the way the kernel reads
 * it: an address the kernel would refuse with EFAULT gives false here
 * instead of a crash.  Also false where the call is not allowed (a
 * seccomp filter): the caller then leaves the decision to the kernel. */
static bool read_caller_int(const void *from, int *to)
{
#ifdef SYS_process_vm_readv
	struct iovec local = { to, sizeof *to };
	struct iovec remote = { (void *)(uintptr_t)from, sizeof *to };

	return tk_syscall(SYS_process_vm_readv, tk_sys_getpid(), &local, 1,
			  &remote, 1, 0) == (long)sizeof *to;
#else
	(void)from;
	(void)to;
	return false;
#endif
}

/* Whether FD, recorded as managed, still is the TCP socket we configured
 * (its number may have been freed where no hook saw it): TCP answers
 * TCP_KEEPIDLE, and in force mode nothing can have moved it from ours. */
static bool still_managed(int fd)
{
	int value = 0;
	socklen_t len = sizeof value;

	if (tk_sys_getsockopt(fd, IPPROTO_TCP, TK_TCP_IDLE, &value, &len) != 0)
		return false;
	if (!(options.unset & TK_PROG_IDLE))
		return value == options.value[TK_OPT_IDLE];
	len = sizeof value;
	return tk_sys_getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &value, &len) == 0 &&
	       value != 0;
}

/* Force mode, for a program call on one of our options of a socket we
 * manage: true when the call is kept from the kernel (the hook returns 0).
 * A call that turns keepalive on, or sets an option the configuration
 * leaves to the system, is the program's; so is any call the kernel
 * would refuse (a buffer it cannot read), and any on a descriptor that is
 * no longer the socket we configured. */
__attribute__((noinline))
bool force_keeps(int fd, unsigned bit, const void *value)
{
	int saved_errno = errno;
	int wanted = 0;
	bool keep = false;

	if (!(options.unset & bit) && read_caller_int(value, &wanted) &&
	    !(bit == TK_PROG_KEEPALIVE && wanted != 0)) {
		keep = still_managed(fd);
		if (!keep)
			tk_fd_put(fd, TK_FD_UNSEEN);	/* stale entry */
	}
	errno = saved_errno;
	if (keep && config.debug)
		debug_forced(fd, bit, wanted);
	return keep;
}
