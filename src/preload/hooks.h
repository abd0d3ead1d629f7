/* SPDX-License-Identifier: MIT */
/* What the hook files share above manage.h: whether the load has run
 * (ready(), the load itself in hooks.c), and the one decision for an
 * outgoing connection, connect()'s and sendto()'s with MSG_FASTOPEN. */
#ifndef TCPKEEP_HOOKS_H
#define TCPKEEP_HOOKS_H

#include <stdbool.h>
#include <sys/socket.h>

#include "common/decide.h"
#include "preload/export.h"
#include "preload/fdstate.h"
#include "preload/manage.h"
#include "preload/state.h"

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
extern TCPKEEP_HIDDEN int init_state;

TCPKEEP_HIDDEN bool ready_slow(void);

static inline bool ready(void)
{
	if (__builtin_expect(__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) ==
			     INIT_DONE, 1))
		return true;
	return ready_slow();
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
