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
	/* Precomputed at parse time for tk_rules_match(); derived from the
	 * fields above, never set by hand. */
	uint8_t families;	/* TK_RULE_FAM_* bits of the peers it can match */
	uint32_t net4, mask4;	/* network byte order; net4 = addr & mask4 */
	uint64_t net6[2], mask6[2];	/* the 16 bytes in memory order */
};

/* Peer kinds, as bits of tk_rule.families. */
#define TK_RULE_FAM_V4    1u	/* AF_INET, and v4-mapped AF_INET6 */
#define TK_RULE_FAM_V6    2u	/* AF_INET6 that is not v4-mapped */
#define TK_RULE_FAM_OTHER 4u	/* NULL, short or another family */

struct tk_rules {
	unsigned count;
	struct tk_rule rule[TK_RULES_MAX];
};

/* Parses a whole rule list ("loopback, 10.0.0.0/8:5432 :8000-8099").
 * Returns 0 and fills OUT, or -1 and leaves OUT empty, writing a short
 * reason (naming the offending rule) into ERR.  An empty or blank list is
 * an error: it would otherwise silently mean "no peers" for ONLY. */
int tk_rules_parse(const char *text, struct tk_rules *out,
		   char *err, size_t errlen);

/* True when PEER (AF_INET or AF_INET6, v4-mapped IPv6 treated as IPv4)
 * with the service port SERVICE_PORT (host byte order) matches any rule.
 * A NULL or short PEER, or one of another family, matches only port-only
 * rules.  Async-signal-safe: no allocation, no locks, at most
 * TK_RULES_MAX rules looked at. */
bool tk_rules_match(const struct tk_rules *rules,
		    const struct sockaddr *peer, socklen_t peerlen,
		    uint16_t service_port);

#endif
