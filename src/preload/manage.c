/* SPDX-License-Identifier: MIT */
/* What is done to one socket once its fate is known, off the common
 * path: the options with a debug line or around the program's own, a
 * socket the library did not see created, a listener's TCP_DEFER_ACCEPT
 * and the debug lines.  The common path is inline in manage.h. */
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

void debug_start(struct tk_line *line, int fd, const char *call)
{
	tk_line_start(line);
	tk_line_str(line, "fd ");
	tk_line_long(line, fd);
	tk_line_str(line, " ");
	tk_line_str(line, call);
}

void debug_skip(int fd, const char *call, const struct sockaddr *peer,
		       socklen_t peerlen, const char *why)
{
	struct tk_line line;

	debug_start(&line, fd, call);
	if (peer != NULL) {
		tk_line_str(&line, " ");
		tk_line_addr(&line, peer, peerlen);
	}
	tk_line_str(&line, ": skipped: ");
	tk_line_str(&line, why);
	tk_log_emit(&line, TK_LOG_DEBUG);
}

/* manage() when it has more to do than set every option: a debug line, or
 * options the program set itself to leave alone. */
__attribute__((noinline))
bool manage_other(int fd, unsigned prog_mask, const char *call,
			 const struct sockaddr *peer, socklen_t peerlen)
{
	struct tk_line line;

	if (!config.debug) {
		int rc = tk_apply(fd, &options, prog_mask, options.unset, false,
				  NULL);

		tk_fd_put(fd, rc < 0 ? TK_FD_NOT_TCP : TK_FD_MANAGED | prog_mask);
		return rc == 0;
	}
	debug_start(&line, fd, call);
	if (peer != NULL) {
		tk_line_str(&line, " ");
		tk_line_addr(&line, peer, peerlen);
	}
	tk_line_str(&line, ": ");
	if (tk_apply(fd, &options, prog_mask, options.unset, false, &line) < 0) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		debug_skip(fd, call, peer, peerlen, "not TCP");
		return false;
	}
	/* Recorded before the line goes out: when FD is 2 (the program
	 * closed stderr), log.c must know not to write there. */
	tk_fd_put(fd, TK_FD_MANAGED | prog_mask);
	tk_log_emit(&line, TK_LOG_DEBUG);
	return true;
}

static bool keepalive_already_on(int fd)
{
	int on = 0;
	socklen_t len = sizeof on;
	int saved_errno = errno;
	bool already = tk_sys_getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0 && on;

	errno = saved_errno;
	return already;
}

/* A TCP socket we did not see created.  Whoever made it (a parent, systemd
 * with KeepAlive=) may already have chosen keepalive: that choice stands.
 * A number beyond the table cannot hold what the program chose for it, so
 * outside force mode it is left alone.  Returns false when the socket is
 * not ours to decide on. */
bool adopt_unseen(int fd, unsigned *prog_mask, const char *call)
{
	if (!tk_fd_is_tcp(fd)) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		if (config.debug)
			debug_skip(fd, call, NULL, 0, "not TCP");
		return false;
	}
	if (config.force)
		return true;	/* the configured values win here too */
	if (!tk_fd_in_table(fd)) {
		if (config.debug)
			debug_skip(fd, call, NULL, 0,
				   "descriptor beyond the library's table");
		return false;
	}
	if (keepalive_already_on(fd)) {
		leave(fd, *prog_mask, call, NULL, 0,
		      "keepalive already enabled on it", false);
		return false;
	}
	return true;
}

/* TCP_DEFER_ACCEPT on FD, a socket about to listen (CALL "listen") or a
 * listener handed over at start ("at load"): the listener's option, so the
 * rules judge the listener, not a peer.  The direction must take incoming
 * connections; TCPKEEP_SKIP must not name its port; TCPKEEP_ONLY must (a
 * rule with addresses cannot be judged before a peer comes, and the option
 * would hold for every peer: such rules leave it alone, as --pid does a
 * listener).  The program's own setsockopt() of it wins unless in force
 * mode; so does a value a socket not seen created holds.  TCP says FD is
 * known to be a TCP socket (the load asked it a TCP-level option). */
void defer_listener(int fd, bool tcp, const char *call)
{
	unsigned entry = tk_fd_get(fd), state = entry & TK_FD_STATE_MASK;
	int *errno_p = &errno;
	int saved_errno = *errno_p;
	struct sockaddr_storage local;
	socklen_t locallen = sizeof local;
	const char *why = NULL;
	int now = 0;
	socklen_t len = sizeof now;

	if (state == TK_FD_NOT_TCP)
		return;
	if (state == TK_FD_UNSEEN) {
		if (!tcp && !tk_fd_is_tcp(fd)) {
			tk_fd_put(fd, TK_FD_NOT_TCP);
			return;
		}
		if (!config.force &&
		    (!tk_fd_in_table(fd) ||
		     (tk_sys_getsockopt(fd, IPPROTO_TCP, TK_TCP_DEFER_ACCEPT,
					&now, &len) == 0 && now != 0)))
			goto restore;
	}
	if ((entry & TK_PROG_DEFER_ACCEPT) && !config.force)
		why = "the program's TCP_DEFER_ACCEPT";
	else if (filtering) {
		int port = -1;

		if (tk_sys_getsockname(fd, (struct sockaddr *)&local,
				       &locallen) == 0)
			port = port_of((struct sockaddr *)&local, locallen);
		why = tk_decide(&config, TK_CALL_ACCEPT, NULL, 0, port);
		if (why == NULL && rules_need_peer)
			why = "rules name peer addresses, and a listener's "
				"option holds for every peer";
	}
	if (why == NULL)
		(void)tk_real_setsockopt(fd, IPPROTO_TCP, TK_TCP_DEFER_ACCEPT,
					 &options.value[TK_OPT_DEFER_ACCEPT],
					 sizeof(int));
	if (config.debug) {
		struct tk_line line;

		debug_start(&line, fd, call);
		if (why != NULL) {
			tk_line_str(&line, ": skipped: ");
			tk_line_str(&line, why);
		} else {
			tk_line_str(&line, ": applied defer_accept=");
			tk_line_long(&line, options.value[TK_OPT_DEFER_ACCEPT]);
		}
		tk_log_emit(&line, TK_LOG_DEBUG);
	}
restore:
	*errno_p = saved_errno;
}
