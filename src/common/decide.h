/* SPDX-License-Identifier: MIT */
/* Per-connection policy: TCPKEEP_DIRECTION, TCPKEEP_ONLY, TCPKEEP_SKIP
 * (libtcpkeep(7), "When options are applied" and ENVIRONMENT).  Inline: it
 * runs at every filtered connect() and accept(). */
#ifndef TCPKEEP_DECIDE_H
#define TCPKEEP_DECIDE_H

#include <stdint.h>
#include <sys/socket.h>

#include "common/config.h"
#include "common/rules.h"

enum tk_call { TK_CALL_CONNECT, TK_CALL_ACCEPT };

/* NULL when the connection gets our options, else why it does not.
 * PEER is the other end, SERVICE_PORT the destination port (connect) or
 * the local port (accept), -1 when unknown.  Async-signal-safe. */
static inline const char *tk_decide(const struct tk_config *cfg,
				    enum tk_call call,
				    const struct sockaddr *peer,
				    socklen_t peerlen, int service_port)
{
	/* Port 0 lies outside every range a rule can name, so an unknown
	 * service port never matches a port rule. */
	uint16_t port = service_port > 0 ? (uint16_t)service_port : 0;

	if (call == TK_CALL_ACCEPT && cfg->direction == TK_DIR_OUT)
		return "TCPKEEP_DIRECTION=out";
	if (call == TK_CALL_CONNECT && cfg->direction == TK_DIR_IN)
		return "TCPKEEP_DIRECTION=in";
	if (cfg->have_skip && tk_rules_match(&cfg->skip, peer, peerlen, port))
		return "matches TCPKEEP_SKIP";
	if (cfg->have_only && !tk_rules_match(&cfg->only, peer, peerlen, port))
		return "does not match TCPKEEP_ONLY";
	return NULL;
}

#endif
