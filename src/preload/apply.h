/* SPDX-License-Identifier: MIT */
/* Setting the options on one socket. */
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
#include "log.h"
#include "real.h"

/* macOS names the idle time TCP_KEEPALIVE; configure tells which. */
/* The hooks call it on every TCP socket: through the GOT directly, not
 * through a PLT stub. */
#if defined(__has_attribute)
# if __has_attribute(noplt)
extern int *__errno_location(void) __attribute__((noplt));
# endif
#endif

#if HAVE_DECL_TCP_KEEPIDLE
# define TK_TCP_IDLE TCP_KEEPIDLE
#else
# define TK_TCP_IDLE TCP_KEEPALIVE
#endif

/* The options to set, computed once at load so that applying them is a
 * plain loop of setsockopt() calls. */
struct tk_option {
	int level;
	int name;
	int value;
	unsigned bit;		/* TK_PROG_* */
	const char *label;	/* for debug lines */
};

struct tk_options {
	unsigned count;
	struct tk_option opt[5];
	/* The same values, for the unrolled common case. */
	int idle, intvl, cnt, user_timeout, on;
	bool has_user_timeout;
	/* What the unrolled case calls: the real setsockopt(), taken when
	 * the options are built (after the constructor bound it) and read
	 * only after the load is published, so a plain read and the call goes
	 * through memory in one instruction.  When some timer is left at the
	 * system default (not in opt[]), a filter that skips it instead. */
	tk_setsockopt_fn set;
};

TCPKEEP_HIDDEN void tk_options_build(struct tk_options *opts,
				     const struct tk_config *cfg);

/* The common case, no debug line and no choice of the program to respect:
 * one real setsockopt() per option, errno put back if one failed.  Returns
 * -1 (nothing set) when FD is not TCP after all, as tk_apply().  Unrolled
 * with constant levels and names: it runs for every TCP socket. */
/* Every option, unrolled: the common case of socket(), connect() and
 * accept().  FRESH says the socket has just come out of socket() with the
 * arguments of a TCP socket, so that a refused TCP_KEEPIDLE cannot mean a
 * stale table entry (see tk_apply).  Both flags are constants where the
 * caller can make them so, and their tests then go away. */
__attribute__((always_inline))
static inline int tk_apply_unrolled(int fd, const struct tk_options *opts,
				    bool with_user_timeout, bool fresh)
{
	int *errno_p = &errno;
	int saved_errno = *errno_p;

	if (__builtin_expect(opts->set(fd, IPPROTO_TCP, TK_TCP_IDLE,
				       &opts->idle, sizeof(int)) != 0, 0) &&
	    !fresh && !tk_fd_is_tcp(fd)) {
		*errno_p = saved_errno;
		return -1;
	}
	(void)opts->set(fd, IPPROTO_TCP, TCP_KEEPINTVL, &opts->intvl,
			sizeof(int));
	(void)opts->set(fd, IPPROTO_TCP, TCP_KEEPCNT, &opts->cnt, sizeof(int));
#if HAVE_DECL_TCP_USER_TIMEOUT
	if (with_user_timeout)
		(void)opts->set(fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
				&opts->user_timeout, sizeof(int));
#else
	(void)with_user_timeout;
#endif
	(void)opts->set(fd, SOL_SOCKET, SO_KEEPALIVE, &opts->on, sizeof(int));
	/* Whether or not a call failed: storing the value errno already
	 * holds is cheaper than finding out. */
	*errno_p = saved_errno;
	return 0;
}

/* A socket whose table entry said TCP: -1 when it was not (stale). */
__attribute__((always_inline))
static inline int tk_apply_all(int fd, const struct tk_options *opts,
			       bool with_user_timeout)
{
	return tk_apply_unrolled(fd, opts, with_user_timeout, false);
}

/* A socket socket() has just created as TCP. */
__attribute__((always_inline))
static inline void tk_apply_fresh(int fd, const struct tk_options *opts,
				  bool with_user_timeout)
{
	(void)tk_apply_unrolled(fd, opts, with_user_timeout, true);
}

TCPKEEP_HIDDEN int tk_apply(int fd, const struct tk_options *opts,
			     const struct tk_config *cfg, unsigned prog_mask,
			     struct tk_line *line);

/* Maps a setsockopt() level and name to its TK_PROG_* bit, 0 when it is
 * not one of ours. */
TCPKEEP_HIDDEN unsigned tk_option_bit(int level, int name);

#endif
