/* SPDX-License-Identifier: MIT */
/* Peer rules of TCPKEEP_ONLY / TCPKEEP_SKIP: parsed once at load time into
 * fixed storage, matched on the hot path without allocating or locking. */
#ifndef TCPKEEP_RULES_H
#define TCPKEEP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* More rules than this in one variable are refused (with a warning), so
 * matching stays bounded and the storage is static. */
#define TK_RULES_MAX 64

enum tk_rule_addr {
	TK_RULE_ANY = 0,	/* port-only rule */
	TK_RULE_LOOPBACK,	/* 127.0.0.0/8 and ::1 */
	TK_RULE_V4,
	TK_RULE_V6
};

struct tk_rule {
	enum tk_rule_addr kind;
	uint8_t prefix;		/* bits of addr that must match */
	uint8_t addr[16];	/* network byte order; first 4 bytes for V4 */
	uint16_t port_lo;	/* 0..65535; port_lo = 0, port_hi = 65535: any */
	uint16_t port_hi;
};

/* Peer kinds, as bits of tk_rule_ported.families. */
#define TK_RULE_FAM_V4    1u	/* AF_INET, and v4-mapped AF_INET6 */
#define TK_RULE_FAM_V6    2u	/* AF_INET6 that is not v4-mapped */
#define TK_RULE_FAM_OTHER 4u	/* NULL, short or another family */

/* A rule with a port restriction, as tk_rules_match() checks it.  IPv6
 * values are the address as a 128-bit number split in two halves (hi =
 * the first 8 bytes); all values are in host byte order. */
struct tk_rule_ported {
	uint64_t net6_hi, net6_lo, mask6_hi, mask6_lo;
	uint32_t net4, mask4;
	uint16_t port_lo, port_hi;
	uint8_t families;	/* TK_RULE_FAM_* bits of the peers it can match */
};

/* An inclusive interval of addresses, as numbers in host byte order:
 * first .. first + span.  IPv6 addresses are 128-bit numbers split in
 * two halves (hi = the first 8 bytes). */
struct tk_interval4 {
	uint32_t first, span;
};

struct tk_interval6 {
	uint64_t first_hi, first_lo, span_hi, span_lo;
};

/* What tk_rules_match() looks at, compiled by tk_rules_parse() from
 * rule[] and never set by hand.  Rules without a port restriction become
 * address intervals, sorted and merged (so they never overlap or touch)
 * and found by a binary search of 6 steps: past the n intervals, the
 * arrays repeat the last one up to TK_RULES_MAX entries.  Rules with
 * ports, and port-only rules, are checked one by one in ported[] after
 * the search misses. */
struct tk_rules_index {
	uint8_t n4, n6, nported;
	struct tk_interval4 v4[TK_RULES_MAX];
	struct tk_interval6 v6[TK_RULES_MAX];
	struct tk_rule_ported ported[TK_RULES_MAX];
};

struct tk_rules {
	unsigned count;
	struct tk_rule rule[TK_RULES_MAX];	/* as written, in order */
	struct tk_rules_index index;
};

/* Parses a whole rule list ("loopback, 10.0.0.0/8:5432 :8000-8099").
 * Returns 0 and fills OUT, or -1 and leaves OUT empty, writing a short
 * reason (naming the offending rule) into ERR.  An empty or blank list is
 * an error: it would otherwise silently mean "no peers" for ONLY. */
int tk_rules_parse(const char *text, struct tk_rules *out,
		   char *err, size_t errlen);

/* Fills RULES->index from RULES->rule[0 .. count-1] (tk_rules_parse
 * does; rules-match.c). */
void tk_rules_compile(struct tk_rules *rules);

/* True when PEER (AF_INET or AF_INET6, v4-mapped IPv6 treated as IPv4)
 * with the service port SERVICE_PORT (host byte order) matches any rule.
 * A NULL or short PEER, or one of another family, matches only port-only
 * rules.  RULES must have been filled by tk_rules_parse() (or be all
 * zero: matches nothing).  Async-signal-safe: no allocation, no locks, no
 * calls; a binary search of 6 steps, then at most
 * TK_RULES_MAX rules with ports looked at. */
bool tk_rules_match(const struct tk_rules *rules,
		    const struct sockaddr *peer, socklen_t peerlen,
		    uint16_t service_port);

#endif
