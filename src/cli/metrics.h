/* SPDX-License-Identifier: MIT */
/* tcpkeep --status --prometheus: the listing as gauges (metrics.c). */
#ifndef TCPKEEP_METRICS_H
#define TCPKEEP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define TK_METRICS_STATES 16	/* the TCP states sock_diag reports, 1 .. 15 */
#define TK_METRICS_SOURCES 5	/* as --status says it: library, ebpf, ... */

struct tk_metrics {
	/* Connections by state, keepalive (off, on, unknown) and source. */
	size_t n[TK_METRICS_STATES][3][TK_METRICS_SOURCES];
	size_t at_risk;
	uint64_t max_idle_ms;
	size_t attachments;
	size_t socks_not_visible, procs_not_visible;
};

/* One connection (or listener) of the listing: its TCP state, keepalive
 * 1, 0 or -1 (not known) and its SOURCE word. */
void tk_metrics_add(struct tk_metrics *m, unsigned state, int keepalive,
		    const char *source);
/* The text exposition format, on stdout. */
void tk_metrics_print(const struct tk_metrics *m);

#endif
