/* SPDX-License-Identifier: MIT */
/* The load-once state (state.c): what every other file of the library
 * reads, and nothing here calls back into them. */
#ifndef TCPKEEP_STATE_H
#define TCPKEEP_STATE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "preload/apply.h"
#include "common/config.h"
#include "preload/export.h"
#include "preload/fdstate.h"

/* Written once at load (state_load()); read-only afterwards. */
extern TCPKEEP_HIDDEN struct tk_config config;
extern TCPKEEP_HIDDEN struct tk_options options;
extern TCPKEEP_HIDDEN bool filtering;
extern TCPKEEP_HIDDEN bool rules_need_peer, rules_need_port;
/* Bit N%32 set: a setsockopt() name N may be one of the options the
 * configuration sets (tk_option_maybe()); every bit until the load. */
extern TCPKEEP_HIDDEN unsigned option_names;
/* The process whose memory holds the record, alone in a page that a
 * fork() child gets zeroed (see state_load() and table_is_ours()). */
union tk_owner {
	long pid;
	unsigned char page[4096];
};
extern TCPKEEP_HIDDEN union tk_owner table_owner;
extern TCPKEEP_HIDDEN tk_fd_entry close_guard;
/* A secure-execution process (AT_SECURE), as the load found it. */
extern TCPKEEP_HIDDEN bool secure_at_load;
/* The page size, as the load found it; 0: unknown. */
extern TCPKEEP_HIDDEN unsigned long page_size;

TCPKEEP_HIDDEN void state_load(void);
TCPKEEP_HIDDEN int port_of(const struct sockaddr *addr, socklen_t len);

#endif
