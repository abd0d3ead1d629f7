/* SPDX-License-Identifier: MIT */
/* tcpkeep --status --prometheus (tcpkeep(1), RUNNING PROCESSES): what the
 * listing counts, in the Prometheus text exposition format, for
 * node_exporter's textfile collector.  Gauges only: every figure is what
 * the host holds now, not a count since a start.  Every family has its
 * HELP and TYPE lines even without samples, so that a dashboard finds the
 * names on a host with no connection; a label pair appears only with a
 * count above zero, as the collector expects of series that come and go. */
#include "autoconfig.h"

#include "cli/metrics.h"
#include "host/running.h"

#include <stdio.h>
#include <string.h>

static const char *const sources[TK_METRICS_SOURCES] = {
	"library", "ebpf", "program-or-pid", "kernel", "unknown",
};
static const char *const keepalive_word[3] = { "off", "on", "unknown" };

void tk_metrics_add(struct tk_metrics *m, unsigned state, int keepalive,
		    const char *source)
{
	unsigned s = TK_METRICS_SOURCES - 1;	/* "unknown" */

	for (unsigned i = 0; i < TK_METRICS_SOURCES; i++)
		if (strcmp(source, sources[i]) == 0)
			s = i;
	/* One series per label set: every state without a name of its
	 * own is "unknown". */
	if (state >= TK_METRICS_STATES ||
	    strcmp(tk_tcp_state_name(state), "unknown") == 0)
		state = 0;
	m->n[state][keepalive == 0 ? 0 : keepalive > 0 ? 1 : 2][s]++;
}

static void family(const char *name, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

void tk_metrics_print(const struct tk_metrics *m)
{
	family("tcpkeep_connections",
	       "TCP connections and listeners of the processes listed, by "
	       "state, keepalive and where the values can have come from.");
	for (unsigned st = 0; st < TK_METRICS_STATES; st++)
		for (unsigned k = 0; k < 3; k++)
			for (unsigned s = 0; s < TK_METRICS_SOURCES; s++)
				if (m->n[st][k][s] > 0)
					printf("tcpkeep_connections{state=\"%s\",keepalive=\"%s\",source=\"%s\"} %zu\n",
					       tk_tcp_state_name(st),
					       keepalive_word[k], sources[s],
					       m->n[st][k][s]);
	family("tcpkeep_connections_at_risk",
	       "Connections without keepalive or whose first probe comes later "
	       "than the max idle time.");
	printf("tcpkeep_connections_at_risk %zu\n", m->at_risk);
	family("tcpkeep_max_idle_seconds",
	       "The idle time beyond which a connection counts as at risk.");
	if (m->max_idle_ms % 1000 == 0)
		printf("tcpkeep_max_idle_seconds %llu\n",
		       (unsigned long long)(m->max_idle_ms / 1000));
	else
		printf("tcpkeep_max_idle_seconds %llu.%03u\n",
		       (unsigned long long)(m->max_idle_ms / 1000),
		       (unsigned)(m->max_idle_ms % 1000));
	family("tcpkeep_attachments",
	       "eBPF attachments recorded in /run/tcpkeep/cgroups.");
	printf("tcpkeep_attachments %zu\n", m->attachments);
	family("tcpkeep_not_visible",
	       "What could not be read: TCP sockets (namespace not entered, "
	       "holder not visible) and processes (descriptors not listed); "
	       "above zero, the other figures are incomplete.");
	printf("tcpkeep_not_visible{kind=\"sockets\"} %zu\n",
	       m->socks_not_visible);
	printf("tcpkeep_not_visible{kind=\"processes\"} %zu\n",
	       m->procs_not_visible);
}
