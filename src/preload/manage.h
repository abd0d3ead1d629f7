/* SPDX-License-Identifier: MIT */
/* What the hooks share: the configuration read at load, and what is done
 * to one socket once its fate is known (the options, or not).  The
 * helpers on the common paths are inline here, so that every hook that
 * uses them costs what it cost when they all lived in one file. */
#ifndef TCPKEEP_MANAGE_H
#define TCPKEEP_MANAGE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "apply.h"
#include "config.h"
#include "decide.h"
#include "export.h"
#include "fdstate.h"
#include "log.h"

/* Written once at load (hooks.c); read-only afterwards. */
extern TCPKEEP_HIDDEN struct tk_config config;
extern TCPKEEP_HIDDEN struct tk_options options;
extern TCPKEEP_HIDDEN bool filtering;
extern TCPKEEP_HIDDEN bool rules_need_peer, rules_need_port;
/* Bit N%32 set: a setsockopt() name N may be one of the options the
 * configuration sets (tk_option_maybe()); every bit until the load. */
extern TCPKEEP_HIDDEN unsigned option_names;
/* The process whose memory holds the record, alone in a page that a
 * fork() child gets zeroed (see load() and table_is_ours()). */
union tk_owner {
	long pid;
	unsigned char page[4096];
};
extern TCPKEEP_HIDDEN union tk_owner table_owner;
extern TCPKEEP_HIDDEN tk_fd_entry close_guard;

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
extern TCPKEEP_HIDDEN int init_state;

TCPKEEP_HIDDEN void state_load(void);
TCPKEEP_HIDDEN bool ready_slow(void);
TCPKEEP_HIDDEN int port_of(const struct sockaddr *addr, socklen_t len);
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

static inline bool ready(void)
{
	if (__builtin_expect(__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) ==
			     INIT_DONE, 1))
		return true;
	return ready_slow();
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

/* A NULL or short address, AF_UNSPEC (disconnect) or another family is
 * nothing for us: the real call gives the caller its answer. */
static inline bool connect_address_ours(const struct sockaddr *addr,
					socklen_t len)
{
	return addr != NULL && len >= (socklen_t)sizeof(struct sockaddr_in) &&
	       (addr->sa_family == AF_INET || addr->sa_family == AF_INET6);
}

/* The one decision for an outgoing connection on a socket not decided
 * yet (connect(), or sendto()/sendmsg() with MSG_FASTOPEN): one we did
 * not see created, or one waiting for its peer because of filters.
 * PLAIN (a constant) is pending_plain(ENTRY): the checks that cannot fail
 * then go away.  Every call below keeps errno as it found it. */
__attribute__((always_inline))
static inline void outgoing(int fd, unsigned entry,
			    const struct sockaddr *addr, socklen_t len,
			    const char *call, bool plain)
{
	unsigned prog_mask = plain ? 0 : entry & TK_PROG_MASK;
	const char *why = NULL;

	if (!connect_address_ours(addr, len))
		return;
	if (!plain) {
		if (!ready() || !config.enabled)
			return;
		if ((entry & TK_FD_STATE_MASK) == TK_FD_UNSEEN &&
		    !adopt_unseen(fd, &prog_mask, call))
			return;
		if (config.force)
			prog_mask = 0;
	}
	if (plain || filtering)
		why = tk_decide(&config, TK_CALL_CONNECT, addr, len,
				port_of(addr, len));
	(void)settle(fd, prog_mask, call, addr, len, why, plain);
}

#endif
