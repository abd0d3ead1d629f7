/* SPDX-License-Identifier: MIT */
/* tcpkeep --discover: the progress line on a terminal, the report, and
 * its JSON form (schema in tcpkeep(1), "Finding the path's idle timeout"). */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host/json.h"
#include "common/behind.h"
#include "cli/discover.h"

static int progress_shown = -1;	/* -1: not known yet whether stderr is a tty */

static bool progress_wanted(void)
{
	if (progress_shown < 0)
		progress_shown = isatty(STDERR_FILENO) ? 0 : 2;
	return progress_shown < 2;
}

/* One line, rewritten in place: \r and erase to the end of the line. */
void tk_discover_progress(const struct tk_discover_run *run, double now,
			  unsigned round, unsigned open)
{
	struct tk_discover_bracket b;

	if (!progress_wanted())
		return;
	tk_discover_bracket(run, &b);
	fprintf(stderr, "\r\033[Ktcpkeep: %.0f s, round %u, %u open: ", now,
		round, open);
	if (b.dropped)
		fprintf(stderr, "timeout between %u s and %u s", b.survived,
			b.dropped);
	else
		fprintf(stderr, "no loss yet, %u s idle survived", b.survived);
	fflush(stderr);
	progress_shown = 1;
}

void tk_discover_progress_end(void)
{
	if (progress_shown == 1) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		progress_shown = 0;
	}
}

static const char *how_dropped(int err)
{
	switch (err) {
	case ETIMEDOUT: return "timeout";
	case ECONNRESET: return "reset";
	default: return "error";
	}
}

static const char *result_name(enum tk_probe_result r)
{
	switch (r) {
	case TK_PROBE_SURVIVED: return "survived";
	case TK_PROBE_DROPPED: return "dropped";
	case TK_PROBE_CLOSED: return "closed";
	case TK_PROBE_FAILED: return "failed";
	case TK_PROBE_CANCELLED: return "cancelled";
	default: return "pending";
	}
}

static void report_json(const struct tk_discover_run *run,
			const struct tk_discover_bracket *b)
{
	unsigned idle, intvl;

	printf("{\n  \"schema\": 1,\n  \"target\": ");
	tk_json_str(run->target);
	printf(",\n  \"address\": ");
	tk_json_str(run->address);
	printf(",\n  \"port\": %u,\n  \"max_s\": %u,\n", run->port, run->max_s);
	printf("  \"survived_s\": %u,\n", b->survived);
	if (b->dropped) {
		printf("  \"dropped_s\": %u,\n  \"dropped_by\": \"%s\",\n",
		       b->dropped, how_dropped(b->dropped_err));
	} else {
		printf("  \"dropped_s\": null,\n  \"dropped_by\": null,\n");
	}
	if (b->closed > 0)
		printf("  \"service_closed_s\": %.0f,\n", b->closed);
	else
		printf("  \"service_closed_s\": null,\n");
	printf("  \"consistent\": %s,\n", b->inconsistent ? "false" : "true");
	if (b->dropped) {
		tk_behind_values(b->survived, &idle, &intvl);
		printf("  \"behind_s\": %u,\n  \"idle_s\": %u,\n  \"intvl_s\": %u,\n",
		       b->survived, idle, intvl);
	} else {
		printf("  \"behind_s\": null,\n  \"idle_s\": null,\n  \"intvl_s\": null,\n");
	}
	printf("  \"probe_intvl_s\": %u,\n  \"elapsed_s\": %.1f,\n  \"probes\": [",
	       run->intvl, run->elapsed);
	for (unsigned i = 0; i < run->nprobe; i++) {
		const struct tk_probe *p = &run->probe[i];

		printf("%s\n    {\"idle_s\": %u, \"round\": %u, \"result\": \"%s\"",
		       i ? "," : "", p->idle, p->round, result_name(p->result));
		if (p->result == TK_PROBE_DROPPED || p->result == TK_PROBE_FAILED)
			printf(", \"error\": \"%s\"",
			       p->err ? strerror(p->err) : "no answer in time");
		printf("}");
	}
	printf("\n  ]\n}\n");
}

void tk_discover_report(const struct tk_discover_run *run, bool json)
{
	struct tk_discover_bracket b;
	unsigned idle, intvl;

	tk_discover_progress_end();
	tk_discover_bracket(run, &b);
	if (json) {
		report_json(run, &b);
		fflush(stdout);
		return;
	}
	printf("path to %s (%s port %u), %u connections, %.0f s\n",
	       run->target, run->address, run->port, run->nprobe, run->elapsed);
	if (b.dropped) {
		printf("longest idle that survived:  %u s\n", b.survived);
		printf("shortest idle that did not:  %u s (%s)\n", b.dropped,
		       b.dropped_err == ETIMEDOUT ? "probes unanswered" :
		       b.dropped_err == ECONNRESET ? "reset" :
		       strerror(b.dropped_err));
		printf("the path forgets an idle connection after %u to %u s\n",
		       b.survived, b.dropped);
		tk_behind_values(b.survived, &idle, &intvl);
		printf("use: tcpkeep --behind %us   (= --idle %u --intvl %u)\n",
		       b.survived, idle, intvl);
	} else {
		printf("longest idle that survived:  %u s (none was dropped)\n",
		       b.survived);
		printf("no idle timeout up to %u s on this path\n", run->max_s);
	}
	if (b.closed > 0)
		printf("note: the service itself closed idle connections after %.0f s;"
		       " longer idle times could not be measured\n", b.closed);
	if (b.inconsistent)
		printf("note: a connection idle longer than %u s survived: more than"
		       " one timeout on the path, or packet loss; the shorter counts\n",
		       b.dropped);
	fflush(stdout);
}
