/* SPDX-License-Identifier: MIT */
/* Sockets handed over when the library loads (libtcpkeep(7), "When
 * options are applied"): those on descriptors 0 and 1, and those systemd
 * passes.  Connected ones are decided like accepted ones, listeners as
 * listen() decides them. */
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

extern char **environ;

/* The kernel's defaults, read from a TCP socket made for the purpose: an
 * option of a handed-over socket that differs from them was chosen by
 * whoever made it, and stays. */
struct kernel_defaults {
	int idle, intvl, cnt, user_timeout, syncnt;
};

static int int_option(int fd, int level, int name, int fallback)
{
	int value;
	socklen_t len = sizeof value;

	if (tk_sys_getsockopt(fd, level, name, &value, &len) != 0)
		return fallback;
	return value;
}

static void read_kernel_defaults(struct kernel_defaults *d)
{
	int type = SOCK_STREAM;
	int s;

	/* Linux's compiled-in values, should no socket be allowed. */
	d->idle = TK_KERNEL_IDLE_S;
	d->intvl = TK_KERNEL_INTVL_S;
	d->cnt = TK_KERNEL_CNT;
	d->user_timeout = 0;
	d->syncnt = 6;
#if HAVE_DECL_SOCK_CLOEXEC
	type |= SOCK_CLOEXEC;
#endif
	s = tk_real_socket(AF_INET, type, 0);
	if (s < 0)
		s = tk_real_socket(AF_INET6, type, 0);
	if (s < 0)
		return;
	d->idle = int_option(s, IPPROTO_TCP, TK_TCP_IDLE, d->idle);
	d->intvl = int_option(s, IPPROTO_TCP, TCP_KEEPINTVL, d->intvl);
	d->cnt = int_option(s, IPPROTO_TCP, TCP_KEEPCNT, d->cnt);
#if HAVE_DECL_TCP_USER_TIMEOUT
	d->user_timeout = int_option(s, IPPROTO_TCP, TCP_USER_TIMEOUT, 0);
#endif
	if (TK_TCP_SYNCNT >= 0)
		d->syncnt = int_option(s, IPPROTO_TCP, TK_TCP_SYNCNT, d->syncnt);
	(void)TK_REAL(close)(s);
}

/* The options FD holds at a value other than the kernel's default, as
 * TK_PROG_* bits: whoever made the socket chose them. */
static unsigned chosen_options(int fd, int idle,
			       const struct kernel_defaults *d)
{
	unsigned chosen = 0;

	if (idle != d->idle)
		chosen |= TK_PROG_IDLE;
	if (int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL, d->intvl) != d->intvl)
		chosen |= TK_PROG_INTVL;
	if (int_option(fd, IPPROTO_TCP, TCP_KEEPCNT, d->cnt) != d->cnt)
		chosen |= TK_PROG_CNT;
#if HAVE_DECL_TCP_USER_TIMEOUT
	if (int_option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, d->user_timeout) !=
	    d->user_timeout)
		chosen |= TK_PROG_USER_TO;
#endif
	if (int_option(fd, SOL_SOCKET, SO_KEEPALIVE, 0) != 0)
		chosen |= TK_PROG_KEEPALIVE;
	/* libkeepalive's options, asked only when configured.  TCP_SYNCNT
	 * reads as the system's until someone sets it.  A connection holds
	 * a TCP_WINDOW_CLAMP the kernel chose at its handshake, which no
	 * value tells from a parent's: kept, as --pid keeps it. */
	if (TK_TCP_SYNCNT >= 0 && !(options.unset & TK_PROG_SYNCNT) &&
	    int_option(fd, IPPROTO_TCP, TK_TCP_SYNCNT, d->syncnt) != d->syncnt)
		chosen |= TK_PROG_SYNCNT;
	chosen |= TK_PROG_WINDOW_CLAMP;
	return chosen;
}

/* What adopt_at_load() has seen: the defaults once asked for, and the
 * sockets decided (inetd puts one connection on 0, 1 and 2). */
struct load_scan {
	bool have_defaults;
	struct kernel_defaults defaults;
	unsigned seen;
	struct {
		int fd;
		dev_t dev;
		ino_t ino;
	} socket[8];
};

/* The descriptor before FD that holds the same socket, or -1; FD is
 * remembered otherwise. */
static int seen_before(int fd, struct load_scan *scan)
{
	struct stat st;

	if (tk_sys_fstat(fd, &st) != 0)
		return -1;
	for (unsigned i = 0; i < scan->seen; i++)
		if (scan->socket[i].dev == st.st_dev &&
		    scan->socket[i].ino == st.st_ino)
			return scan->socket[i].fd;
	if (scan->seen < sizeof scan->socket / sizeof scan->socket[0]) {
		scan->socket[scan->seen].fd = fd;
		scan->socket[scan->seen].dev = st.st_dev;
		scan->socket[scan->seen].ino = st.st_ino;
		scan->seen++;
	}
	return -1;
}

/* FD, a TCP socket not connected: a listener (systemd's LISTEN_FDS, an
 * inetd "wait" service's on 0) gets what listen() would have given it,
 * TCP_DEFER_ACCEPT, which the kernel takes on a listening socket at any
 * time; its connections are decided at accept().  Asked only when that
 * option is configured.  Any other socket is decided at connect() or
 * listen() like any socket we did not see created. */
static void adopt_listener(int fd, struct load_scan *scan)
{
	if (!defer_asked() ||
	    int_option(fd, SOL_SOCKET, SO_ACCEPTCONN, 0) != 1 ||
	    seen_before(fd, scan) >= 0)
		return;
	defer_listener(fd, true, "at load");
}

/* FD, when it is a TCP socket, decided at load: a connected one like an
 * accepted one, a listener as listen() would.  One system call for
 * anything else: a TCP-level option is answered by TCP sockets only
 * (ENOTSOCK, ENOPROTOOPT or EOPNOTSUPP otherwise).  A socket not
 * connected costs one more, and a third only when TCP_DEFER_ACCEPT is
 * configured. */
static void adopt_handed(int fd, struct load_scan *scan)
{
	struct sockaddr_storage peer;
	socklen_t peerlen = sizeof peer;
	unsigned chosen = 0;
	const char *why;
	int idle = int_option(fd, IPPROTO_TCP, TK_TCP_IDLE, -1);
	int first;

	if (idle < 0)
		return;
	if (tk_sys_getpeername(fd, (struct sockaddr *)&peer, &peerlen) != 0) {
		adopt_listener(fd, scan);
		return;
	}
	first = seen_before(fd, scan);
	if (first >= 0) {
		tk_fd_put(fd, tk_fd_get(first));
		return;
	}
	if (!config.force) {
		if (!scan->have_defaults) {
			read_kernel_defaults(&scan->defaults);
			scan->have_defaults = true;
		}
		chosen = chosen_options(fd, idle, &scan->defaults);
	}
	why = NULL;
	if (filtering) {
		struct sockaddr_storage local;
		socklen_t locallen = sizeof local;
		int service_port = -1;

		if (rules_need_port &&
		    tk_sys_getsockname(fd, (struct sockaddr *)&local, &locallen) == 0)
			service_port = port_of((struct sockaddr *)&local,
					       locallen);
		why = tk_decide(&config, TK_CALL_ACCEPT,
				(const struct sockaddr *)&peer, peerlen,
				service_port);
	}
	(void)settle(fd, chosen, "at load", (const struct sockaddr *)&peer,
		     peerlen, why, false);
}

/* The values of LISTEN_PID and LISTEN_FDS in the environment, as getenv()
 * would find them (the first entry of each), in one pass that looks no
 * further than the first byte of most entries. */
/* Whether S starts with PREFIX.  Not strncmp(): its first call would
 * have the loader bind it, in every process at start (about 700
 * instructions). */
static bool starts(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++)
		if (*s != *prefix)
			return false;
	return true;
}

static void listen_env(const char **pid, const char **fds)
{
	*pid = NULL;
	*fds = NULL;
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		if ((*e)[0] != 'L' || !starts(*e, "LISTEN_"))
			continue;
		if (*pid == NULL && starts(*e + 7, "PID="))
			*pid = *e + 11;
		else if (*fds == NULL && starts(*e + 7, "FDS="))
			*fds = *e + 11;
	}
}

/* A decimal number up to MAX, or -1. */
static long env_number(const char *text, long max)
{
	long value = 0;

	if (text == NULL || *text == '\0')
		return -1;
	for (; *text != '\0'; text++) {
		if (*text < '0' || *text > '9')
			return -1;
		value = value * 10 + (*text - '0');
		if (value > max)
			return -1;
	}
	return value;
}

/* systemd's socket activation passes LISTEN_FDS descriptors from 3 on,
 * for the process LISTEN_PID (sd_listen_fds(3)).  At most this many are
 * looked at: one system call each. */
#define LISTEN_FDS_MAX 1024

/* Descriptors 0 and 1 (inetd, xinetd, sshd -i, tcpserver, systemd with
 * StandardInput=socket) and those systemd passes.  Everything else is
 * decided when the program first connects or accepts on it. */
void adopt_at_load(void)
{
	struct load_scan scan;
	const char *pid_text, *count_text;
	long pid, count;
	int saved_errno = errno;

	scan.have_defaults = false;
	scan.seen = 0;
	adopt_handed(0, &scan);
	adopt_handed(1, &scan);
	/* In a secure-execution process the user's environment names
	 * nothing: descriptors 0 and 1 only. */
	listen_env(&pid_text, &count_text);
	pid = env_number(pid_text, 0x7fffffffL);
	count = env_number(count_text, 0x7fffffffL);
	if (count > LISTEN_FDS_MAX)
		count = LISTEN_FDS_MAX;
	if (pid > 0 && count > 0 && !secure_at_load &&
	    pid == table_owner.pid)
		for (int fd = 3; fd < 3 + count; fd++)
			adopt_handed(fd, &scan);
	errno = saved_errno;
}
