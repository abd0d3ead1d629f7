/* SPDX-License-Identifier: MIT */
/* Log lines: "tcpkeep[PID]: ...", one write(2) each, formatted on the
 * stack with async-signal-safe code only, so hooks may log. */
#ifndef TCPKEEP_LOG_H
#define TCPKEEP_LOG_H

#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/config.h"

struct tk_line {
	char text[768];
	size_t len;
};

void tk_line_start(struct tk_line *line);
void tk_line_str(struct tk_line *line, const char *s);
void tk_line_long(struct tk_line *line, long value);
/* "192.0.2.1:80", "[2001:db8::1]:443"; "?" for anything else. */
void tk_line_addr(struct tk_line *line, const struct sockaddr *addr,
		  socklen_t len);

/* Fixes the destination, and notes which file descriptor 2 is: the only
 * stderr lines will ever go to.  Called at load, before any warning. */
void tk_log_setup(const struct tk_config *cfg);

enum tk_log_level { TK_LOG_WARNING, TK_LOG_DEBUG };
/* Writes the line (with a newline) to the destination, or drops it where
 * libtcpkeep(7), ENVIRONMENT, says so (descriptor 2 closed, replaced or a
 * socket); keeps errno.  Async-signal-safe. */
void tk_log_emit(struct tk_line *line, enum tk_log_level level);

/* The warn callback of tk_config_load() for the library; CTX is the
 * struct tk_config being loaded. */
void tk_log_bad_value(void *ctx, const char *var, const char *value,
		      const char *accepted);

/* A port in network order as a number: ntohs() is a function of musl's,
 * which would be one more import for every process to look up. */
static inline int tk_port_number(in_port_t port)
{
#if defined __BYTE_ORDER__ && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap16(port);
#else
	return ntohs(port);
#endif
}

#endif
