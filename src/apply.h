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
};

TCPKEEP_HIDDEN void tk_options_build(struct tk_options *opts,
				     const struct tk_config *cfg);

/* The common case, no debug line and no choice of the program to respect:
 * one real setsockopt() per option, errno put back if one failed.  Returns
 * -1 (nothing set) when FD is not TCP after all, as tk_apply().  Unrolled
 * with constant levels and names: it runs for every TCP socket. */
__attribute__((always_inline))
static inline int tk_apply_all(int fd, const struct tk_options *opts)
{
	tk_setsockopt_fn set = TK_REAL(setsockopt);
	int saved_errno = errno;
	int failed;

	failed = set(fd, IPPROTO_TCP, TK_TCP_IDLE, &opts->idle, sizeof(int));
	/* A stale table entry (see tk_apply): a TCP socket takes
	 * TCP_KEEPIDLE, anything else is left alone. */
	if (__builtin_expect(failed != 0, 0) && !tk_fd_is_tcp(fd)) {
		errno = saved_errno;
		return -1;
	}
	failed |= set(fd, IPPROTO_TCP, TCP_KEEPINTVL, &opts->intvl, sizeof(int));
	failed |= set(fd, IPPROTO_TCP, TCP_KEEPCNT, &opts->cnt, sizeof(int));
#if HAVE_DECL_TCP_USER_TIMEOUT
	if (opts->has_user_timeout)
		failed |= set(fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
			      &opts->user_timeout, sizeof(int));
#endif
	failed |= set(fd, SOL_SOCKET, SO_KEEPALIVE, &opts->on, sizeof(int));
	if (failed)
		errno = saved_errno;
	return 0;
}

/* Sets the options except those in PROG_MASK (the program's own choices,
 * TK_PROG_* bits).  An option the kernel refuses is skipped; the others
 * are still set.  Describes the outcome in LINE when it is not NULL.
 * Keeps errno.  Returns 0, or -1 when FD turned out not to be a TCP socket
 * at all (a stale table entry): then nothing was set. */
TCPKEEP_HIDDEN int tk_apply(int fd, const struct tk_options *opts,
			     const struct tk_config *cfg, unsigned prog_mask,
			     struct tk_line *line);

/* Maps a setsockopt() level and name to its TK_PROG_* bit, 0 when it is
 * not one of ours. */
TCPKEEP_HIDDEN unsigned tk_option_bit(int level, int name);

#endif
