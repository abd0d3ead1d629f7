/* SPDX-License-Identifier: MIT */
/* Setting the options on one socket: the library's one applier. */
#ifndef TCPKEEP_APPLY_H
#define TCPKEEP_APPLY_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "classify.h"
#include "config.h"
#include "export.h"
#include "fdstate.h"
#include "log.h"
#include "real.h"

/* The hooks save errno around every TCP socket they configure: through
 * the GOT directly, not through a PLT stub. */
#if defined(__has_attribute)
# if __has_attribute(noplt)
extern int *__errno_location(void) __attribute__((noplt));
# endif
#endif

/* macOS names the idle time TCP_KEEPALIVE; configure tells which. */
#if HAVE_DECL_TCP_KEEPIDLE
# define TK_TCP_IDLE TCP_KEEPIDLE
#else
# define TK_TCP_IDLE TCP_KEEPALIVE
#endif

/* The values to set, computed once at load. */
struct tk_options {
	int idle, intvl, cnt, user_timeout, on;
	/* TK_PROG_* bits of the options the configuration leaves at the
	 * system default: never set, like the program's own.  Every option
	 * has its bit; TK_PROG_USER_TO is here unless a user timeout was
	 * asked for. */
	unsigned unset;
	/* What tk_apply() calls: the real setsockopt(), taken when the
	 * options are built (after the constructor bound it) and read only
	 * after the load is published, so a plain read and the call goes
	 * through memory in one instruction (TK_REAL's relaxed atomic load
	 * would cost one more per call). */
	tk_setsockopt_fn set;
};

TCPKEEP_HIDDEN void tk_options_build(struct tk_options *opts,
				     const struct tk_config *cfg);

/* One option of tk_apply(): 1 left alone (SKIP has its bit), 0 set, -1
 * refused by the kernel.  With LINE, its part of the debug line. */
__attribute__((always_inline))
static inline int tk_apply_one(const struct tk_options *opts, int fd,
			       int level, int name, const int *value,
			       unsigned bit, unsigned skip, unsigned unset,
			       const char *label, struct tk_line *line)
{
	if (line != NULL) {
		tk_line_str(line, " ");
		tk_line_str(line, label);
		tk_line_str(line, "=");
	}
	if (skip & bit) {
		if (line != NULL)
			tk_line_str(line, (unset & bit) ? "unset" : "program's");
		return 1;
	}
	if (opts->set(fd, level, name, value, sizeof(int)) != 0) {
		if (line != NULL) {
			tk_line_str(line, "failed(errno ");
			tk_line_long(line, errno);
			tk_line_str(line, ")");
		}
		return -1;
	}
	if (line != NULL)
		tk_line_long(line, *value);
	return 0;
}

/* Sets every option of OPTS on FD but those whose TK_PROG_* bit is in
 * PROG (the program's choice) or UNSET (opts->unset: pass it, so that a
 * caller can make it a constant), the timers first: SO_KEEPALIVE then arms
 * the first probe with the configured idle time rather than the kernel's.
 * A refused option is skipped, the others are still set, and errno is
 * left as it was found.  With LINE, appends "applied idle=..." to it.
 *
 * Returns -1, having set nothing, when FD turns out not to be TCP: a
 * table entry can be stale when its number was freed where no hook saw it
 * (fdstate.h).  SO_KEEPALIVE would succeed on a UDP or Unix socket, so
 * when no TCP-level option was taken the socket's kind is asked first;
 * FRESH (a socket socket() has just created as TCP) says not to.
 *
 * Inline: the callers pass constants where they can (no debug line, no
 * option of the program's), and the tests of those go away. */
__attribute__((always_inline))
static inline int tk_apply(int fd, const struct tk_options *opts,
			   unsigned prog, unsigned unset, bool fresh,
			   struct tk_line *line)
{
	int *errno_p = &errno;
	int saved_errno = *errno_p;
	unsigned skip = prog | unset;
	bool proven = fresh;
	int rc;

	if (line != NULL)
		tk_line_str(line, "applied");
	rc = tk_apply_one(opts, fd, IPPROTO_TCP, TK_TCP_IDLE, &opts->idle,
			  TK_PROG_IDLE, skip, unset, "idle", line);
	if (__builtin_expect(rc < 0, 0) && !proven) {
		if (!tk_fd_is_tcp(fd)) {
			*errno_p = saved_errno;
			return -1;
		}
		proven = true;
	}
	proven |= rc == 0;
	proven |= tk_apply_one(opts, fd, IPPROTO_TCP, TCP_KEEPINTVL, &opts->intvl,
			       TK_PROG_INTVL, skip, unset, "intvl", line) == 0;
	proven |= tk_apply_one(opts, fd, IPPROTO_TCP, TCP_KEEPCNT, &opts->cnt,
			       TK_PROG_CNT, skip, unset, "cnt", line) == 0;
#if HAVE_DECL_TCP_USER_TIMEOUT
	proven |= tk_apply_one(opts, fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
			       &opts->user_timeout, TK_PROG_USER_TO, skip,
			       unset, "user_timeout", line) == 0;
#endif
	if (!proven && !tk_fd_is_tcp(fd)) {
		*errno_p = saved_errno;
		return -1;
	}
	(void)tk_apply_one(opts, fd, SOL_SOCKET, SO_KEEPALIVE, &opts->on,
			   TK_PROG_KEEPALIVE, skip, unset, "keepalive", line);
	/* Whether or not a call failed: storing the value errno already
	 * holds is cheaper than finding out. */
	*errno_p = saved_errno;
	return 0;
}

/* Maps a setsockopt() level and name to its TK_PROG_* bit, 0 when it is
 * not one of ours. */
static inline unsigned tk_option_bit(int level, int name)
{
	if (level == SOL_SOCKET)
		return name == SO_KEEPALIVE ? TK_PROG_KEEPALIVE : 0;
	if (level != IPPROTO_TCP)
		return 0;
	switch (name) {
	case TK_TCP_IDLE:
		return TK_PROG_IDLE;
	case TCP_KEEPINTVL:
		return TK_PROG_INTVL;
	case TCP_KEEPCNT:
		return TK_PROG_CNT;
#if HAVE_DECL_TCP_USER_TIMEOUT
	case TCP_USER_TIMEOUT:
		return TK_PROG_USER_TO;
#endif
	default:
		return 0;
	}
}

/* A cheap first test for setsockopt(): false for every option tcpkeep
 * does not manage but a few whose number is the same as one of ours at
 * another level (SO_BROADCAST, IP_OPTIONS, ...), which tk_option_bit()
 * then sorts out.  The name modulo 32 picks a bit of one constant. */
#define TK_OPTION_NAMES \
	((1u << (TK_TCP_IDLE & 31)) | (1u << (TCP_KEEPINTVL & 31)) | \
	 (1u << (TCP_KEEPCNT & 31)) | (1u << (SO_KEEPALIVE & 31)) | \
	 TK_OPTION_NAME_USER_TO)
#if HAVE_DECL_TCP_USER_TIMEOUT
# define TK_OPTION_NAME_USER_TO (1u << (TCP_USER_TIMEOUT & 31))
#else
# define TK_OPTION_NAME_USER_TO 0u
#endif

static inline bool tk_option_maybe(int name)
{
	return (TK_OPTION_NAMES >> ((unsigned)name & 31)) & 1;
}

#endif
