/* SPDX-License-Identifier: MIT */
/* From the idle timeout of the box a connection sits behind (a NAT, a
 * firewall, a load balancer) to the keepalive values that keep its flow
 * alive.  One formula, used wherever a timeout becomes an idle time:
 * what tcpkeep --discover recommends, and --behind. */
#ifndef TCPKEEP_BEHIND_H
#define TCPKEEP_BEHIND_H

/* For a box that forgets a flow after TIMEOUT_S seconds of silence:
 *
 *   intvl = TIMEOUT_S / 10, at least 1 and at most 75 (seconds)
 *   idle  = 0.8 * TIMEOUT_S - intvl, at least 1 (seconds, rounded down)
 *
 * The first probe comes at idle; if it is lost, the second and third
 * still come before 0.9 * TIMEOUT_S (idle + 2 intvl <= 0.8 T + intvl),
 * so one lost probe, or a clock of the box running 10 % fast, does not
 * cost the flow.  The cap of 75 is the kernel's default interval: longer
 * gaps only delay noticing a dead peer.  TIMEOUT_S 0 gives idle 1,
 * intvl 1 (the shortest the kernel accepts). */
void tk_behind_values(unsigned timeout_s, unsigned *idle_s, unsigned *intvl_s);

#endif
