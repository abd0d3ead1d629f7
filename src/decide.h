/* Per-connection policy: TCPKEEP_DIRECTION, TCPKEEP_ONLY, TCPKEEP_SKIP. */
#ifndef TCPKEEP_DECIDE_H
#define TCPKEEP_DECIDE_H

#include <sys/socket.h>

#include "config.h"

enum tk_call { TK_CALL_CONNECT, TK_CALL_ACCEPT };

/* NULL when the connection gets our options, else why it does not.
 * PEER is the other end, SERVICE_PORT the destination port (connect) or
 * the local port (accept), -1 when unknown.  Async-signal-safe. */
const char *tk_decide(const struct tk_config *cfg, enum tk_call call,
		      const struct sockaddr *peer, socklen_t peerlen,
		      int service_port);

#endif
