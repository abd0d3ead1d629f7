/* SPDX-License-Identifier: MIT */
/* What is done to one socket once its fate is known (the options, or
 * not), from the state read at load (state.h).  The helpers on the common
 * paths are inline here, so that every hook that uses them costs what it
 * cost when they all lived in one file. */
#ifndef TCPKEEP_MANAGE_H
#define TCPKEEP_MANAGE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "preload/apply.h"
#include "common/config.h"
#include "common/decide.h"
#include "preload/export.h"
#include "preload/fdstate.h"
#include "preload/log.h"
#include "preload/state.h"

TCPKEEP_HIDDEN void debug_start(struct tk_line *line, int fd,
				const char *call);
TCPKEEP_HIDDEN void debug_skip(int fd, const char *call,
			       const struct sockaddr *peer, socklen_t peerlen,
			       const char *why);
TCPKEEP_HIDDEN bool manage_other(int fd, unsigned prog_mask,
				 const char *call,
				 const struct sockaddr *peer,
				 socklen_t peerlen);
TCPKEEP_HIDDEN bool adopt_unseen(int fd, unsigned *prog_mask,
				 const char *call);
TCPKEEP_HIDDEN bool force_keeps(int fd, unsigned bit, const void *value);
TCPKEEP_HIDDEN void adopt_at_load(void);
TCPKEEP_HIDDEN void defer_listener(int fd, bool tcp, const char *call);

/* TCP_DEFER_ACCEPT is configured: listeners get it (defer_listener()). */
static inline bool defer_asked(void)
{
	return !(options.unset & TK_PROG_DEFER_ACCEPT);
}

/* tk_apply() without a debug line or an option of the program's: the
 * configurations with and without a user timeout get constant masks. */
__attribute__((always_inline))
static inline int apply_plain(int fd, bool fresh)
{
	if (__builtin_expect(options.unset == TK_PROG_UNSET_PLAIN, 1))
		return tk_apply(fd, &options, 0, TK_PROG_UNSET_PLAIN, fresh,
				NULL);
	return tk_apply(fd, &options, 0, options.unset, fresh, NULL);
}

/* Applies the options to FD and records it as ours.  Returns false when
 * FD was not TCP after all (a stale table entry, see tk_apply): it is then
 * recorded as such.  PLAIN (a constant) says there is no debug line and
 * no option of the program's: the common case, inline. */
__attribute__((always_inline))
static inline bool manage(int fd, unsigned prog_mask, const char *call,
			  const struct sockaddr *peer, socklen_t peerlen,
			  bool plain)
{
	if (!plain && __builtin_expect(config.debug || prog_mask != 0, 0))
		return manage_other(fd, prog_mask, call, peer, peerlen);
	if (apply_plain(fd, false) < 0) {
		tk_fd_put(fd, TK_FD_NOT_TCP);
		return false;
	}
	tk_fd_put(fd, TK_FD_MANAGED);
	return true;
}

__attribute__((always_inline))
static inline void leave(int fd, unsigned prog_mask, const char *call,
			 const struct sockaddr *peer, socklen_t peerlen,
			 const char *why, bool plain)
{
	tk_fd_put(fd, TK_FD_LEFT | prog_mask);
	if (!plain && config.debug)
		debug_skip(fd, call, peer, peerlen, why);
}

/* The verdict taken: options or not. */
__attribute__((always_inline))
static inline bool settle(int fd, unsigned prog_mask, const char *call,
			  const struct sockaddr *peer, socklen_t peerlen,
			  const char *why, bool plain)
{
	if (why != NULL) {
		leave(fd, prog_mask, call, peer, peerlen, why, plain);
		return true;
	}
	return manage(fd, prog_mask, call, peer, peerlen, plain);
}

#endif
