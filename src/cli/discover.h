/* SPDX-License-Identifier: MIT */
/* tcpkeep --discover: what its files share.
 *
 * discover.c       options, the address, the connections and the loop
 *                  that probes them
 * discover-plan.c  which idle times are tried (the schedule, and why it
 *                  meets the accuracy and time bounds)
 * discover-out.c   the progress line, the report and its JSON form */
#ifndef TCPKEEP_DISCOVER_H
#define TCPKEEP_DISCOVER_H

#include <stdbool.h>

/* Connections opened in one run, both rounds together; never more are
 * open at once either. */
#define TK_DISCOVER_CONNS 32
/* Keepalive probes lost before the kernel gives a connection up. */
#define TK_DISCOVER_CNT 4
/* The longest interval between probes (a very long round trip). */
#define TK_DISCOVER_INTVL_MAX 8
/* A connection not established within this many seconds is given up. */
#define TK_DISCOVER_CONNECT_S 5
/* The whole run ends within --max plus this many seconds. */
#define TK_DISCOVER_SLACK_S 60

enum tk_probe_result {
	TK_PROBE_PENDING,	/* not decided yet */
	TK_PROBE_SURVIVED,	/* its probe was answered */
	TK_PROBE_DROPPED,	/* it ended after its probe (or before, by a reset) */
	TK_PROBE_CLOSED,	/* the service closed it (FIN) before its probe */
	TK_PROBE_FAILED,	/* never established, or undecided in time */
	TK_PROBE_CANCELLED,	/* no longer needed: longer than a dropped one */
};

struct tk_probe {
	unsigned idle;		/* seconds of silence before its probe */
	unsigned round;		/* 1 or 2 */
	enum tk_probe_result result;
	int err;		/* errno it ended with (DROPPED, FAILED) */
	double ended;		/* CLOSED: seconds idle when the FIN came */
};

struct tk_discover_run {
	const char *target;	/* HOST:PORT as given */
	char address[64];	/* the address every connection went to */
	unsigned port;
	unsigned max_s;
	unsigned intvl;		/* TCP_KEEPINTVL used */
	struct tk_probe probe[TK_DISCOVER_CONNS];
	unsigned nprobe;
	double elapsed;		/* seconds since the start */
};

/* What the probes say.  survived: the longest idle answered (0 when
 * none).  dropped: the shortest idle lost, 0 when none was.  closed: the
 * shortest idle after which the service itself closed a connection, 0
 * when it never did.  inconsistent: an idle longer than dropped
 * survived (several boxes, or loss). */
struct tk_discover_bracket {
	unsigned survived, dropped;
	double closed;
	int dropped_err;
	bool inconsistent;
};

/* discover-plan.c */
unsigned tk_discover_round1(unsigned max_s, unsigned *idle, unsigned cap);
unsigned tk_discover_round2(unsigned survived, unsigned dropped,
			    unsigned slots, unsigned *idle);
void tk_discover_bracket(const struct tk_discover_run *run,
			 struct tk_discover_bracket *b);

/* discover-out.c */
void tk_discover_progress(const struct tk_discover_run *run, double now,
			  unsigned round, unsigned open);
void tk_discover_progress_end(void);
void tk_discover_report(const struct tk_discover_run *run, bool json);

/* discover.c: argv after the mode word. */
int tk_discover_main(int argc, char **argv);

#endif
