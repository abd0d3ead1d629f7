/* SPDX-License-Identifier: MIT */
/* tcpkeep --discover: which idle times are tried, and why that is enough.
 *
 * T is the path's timeout: a box on the path forgets a flow after T
 * seconds of silence.  A connection tried at idle t sends its first
 * keepalive probe after between t and t + e seconds of silence, e a few
 * milliseconds: the kernel never probes before TCP_KEEPIDLE = t (set
 * before connect), and at t the helper sets it again, which makes the
 * kernel probe at once (left alone, its timer wheel may run a timer that
 * long up to an eighth late).  An answered probe proves T >= t; a
 * connection that ends after its probe proves T <= t + e.  So the
 * reported bracket [survived, dropped] holds T.
 *
 * Round 1 opens every connection at once, at the idle times
 *
 *   g(0) = 1,  g(k+1) = g(k) + max(4, floor(0.35 g(k))),  last = max
 *
 * (1 5 9 13 17 22 29 39 52 70 94 126 170 229 309 417 562 758 900 for the
 * default 15 minutes: 19 connections; 31 for the longest, 32767 s).  If
 * T <= max, the last survivor g(k) and the first loss g(k+1) are
 * adjacent, and g(k+1) - g(k) <= max(4, 0.35 g(k)) <= max(4, 0.35 T)
 * because g(k) <= T: round 1 alone meets the accuracy bound.  If nothing
 * was lost below g(0) = 1 the bracket is [0, 1].
 *
 * Round 2 only narrows it: once round 1 has its bracket (s, d), the
 * connections left (32 less round 1's) go to idle times spread evenly
 * strictly between s and d, every whole second when there are enough.
 * Each is opened only if it is decided before the deadline (see
 * discover.c), so round 2 never makes the run longer than allowed.
 *
 * Time: round 1's connections are established within TK_DISCOVER_CONNECT_S
 * of the start of round 1 (the first one within twice that, trying the
 * addresses), probe at idle <= max and are decided within
 * TK_DISCOVER_CNT * (intvl + 0.6) + 1 <= 36 s of their probe, so round 1
 * ends before max + 51 s; a hard stop at max + 59 s ends whatever is
 * left.  The whole run: at most max + 60 s. */
#include "autoconfig.h"

#include "cli/discover.h"

unsigned tk_discover_round1(unsigned max_s, unsigned *idle, unsigned cap)
{
	unsigned n = 0, t = 1, step;

	while (t < max_s && n + 1 < cap) {
		idle[n++] = t;
		step = t * 35 / 100;
		t += step > 4 ? step : 4;
	}
	if (n < cap)
		idle[n++] = max_s;
	return n;
}

unsigned tk_discover_round2(unsigned survived, unsigned dropped,
			    unsigned slots, unsigned *idle)
{
	unsigned gap, k, n = 0;

	if (dropped <= survived + 1 || slots == 0)
		return 0;
	gap = dropped - survived;
	k = gap - 1 < slots ? gap - 1 : slots;
	/* k <= gap - 1 points, so consecutive ones differ by >= 1 s. */
	for (unsigned j = 1; j <= k; j++)
		idle[n++] = survived + (unsigned)((unsigned long long)gap * j / (k + 1));
	return n;
}

void tk_discover_bracket(const struct tk_discover_run *run,
			 struct tk_discover_bracket *b)
{
	const struct tk_probe *p;

	b->survived = 0;
	b->dropped = 0;
	b->closed = 0;
	b->dropped_err = 0;
	b->inconsistent = false;
	for (unsigned i = 0; i < run->nprobe; i++) {
		p = &run->probe[i];
		if (p->result == TK_PROBE_DROPPED &&
		    (b->dropped == 0 || p->idle < b->dropped)) {
			b->dropped = p->idle;
			b->dropped_err = p->err;
		}
		if (p->result == TK_PROBE_CLOSED &&
		    (b->closed == 0 || p->ended < b->closed))
			b->closed = p->ended;
	}
	/* The longest survivor below the first loss: a longer one means the
	 * path is not one clean timeout, and the loss is what counts. */
	for (unsigned i = 0; i < run->nprobe; i++) {
		p = &run->probe[i];
		if (p->result != TK_PROBE_SURVIVED)
			continue;
		if (b->dropped != 0 && p->idle >= b->dropped)
			b->inconsistent = true;
		else if (p->idle > b->survived)
			b->survived = p->idle;
	}
}
