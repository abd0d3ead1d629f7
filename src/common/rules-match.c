/* SPDX-License-Identifier: MIT */
/* Matching peers against TCPKEEP_ONLY / TCPKEEP_SKIP rules: the index
 * the parser's rules are compiled into (rules.c parses them), and the
 * search tk_rules_match() runs on the hot path of every connection. */
#include "autoconfig.h"
#include "common/rules.h"

#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

/* The matcher.
 *
 * tk_rules_parse() compiles the rules into struct tk_rules_index: the
 * rules without a port restriction become inclusive intervals of IPv4
 * addresses (32-bit numbers) and IPv6 addresses (128-bit numbers, as two
 * 64-bit halves), each list sorted and merged so that no two intervals
 * overlap or touch.  Then a peer lies in at most one interval: the last
 * one starting at or below it.  The search for it always takes 6 steps
 * over 64 entries (past the real intervals the arrays repeat the last
 * one), unrolled, each one compare and one select.  Rules with ports
 * stay a list, looked at one by one when the search misses.
 *
 * Everything tk_rules_match() runs is here: no library call (memcpy of a
 * fixed size and __builtin_bswap compile to plain loads), no allocation,
 * loops bounded by TK_RULES_MAX.  With gcc -O2 on x86-64 a call costs
 * about 45 instructions for an IPv4 peer and 32 rules without ports
 * (bench/rules.sh), 70 for IPv6, plus about 10 per rule with ports when
 * the search misses. */

/* Big-endian loads, from memory of any alignment.  GCC and clang name
 * the byte order, and turn memcpy + bswap into one load and one
 * instruction; anything else gets the shifts. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
	defined(__ORDER_BIG_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LOAD_BSWAP 1
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LOAD_NATIVE 1
#endif
#endif

static inline uint32_t load_be32(const uint8_t *p)
{
#if defined(LOAD_BSWAP) || defined(LOAD_NATIVE)
	uint32_t v;

	memcpy(&v, p, sizeof v);
#ifdef LOAD_BSWAP
	v = __builtin_bswap32(v);
#endif
	return v;
#else
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
#endif
}

static inline uint64_t load_be64(const uint8_t *p)
{
#if defined(LOAD_BSWAP) || defined(LOAD_NATIVE)
	uint64_t v;

	memcpy(&v, p, sizeof v);
#ifdef LOAD_BSWAP
	v = __builtin_bswap64(v);
#endif
	return v;
#else
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
#endif
}

/* The first BITS of BITS_MAX (32 or 64) set. */
static uint64_t high_bits(unsigned bits, unsigned bits_max)
{
	uint64_t all = bits_max == 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits_max) - 1;

	if (bits == 0)
		return 0;
	if (bits >= bits_max)
		return all;
	return all & (all << (bits_max - bits));
}

/* 128-bit numbers for IPv6: hi holds the first 8 bytes. */
struct u128 {
	uint64_t hi, lo;
};

static bool le128(uint64_t ahi, uint64_t alo, uint64_t bhi, uint64_t blo)
{
	return (ahi < bhi) | ((ahi == bhi) & (alo <= blo));
}

struct interval4 {
	uint32_t first, last;
};

struct interval6 {
	struct u128 first, last;
};

/* Sorts by first, then merges overlapping and adjacent intervals in
 * place; returns how many are left. */
static unsigned merge4(struct interval4 *v, unsigned n)
{
	unsigned out = 0;

	for (unsigned i = 1; i < n; i++) {
		struct interval4 x = v[i];
		unsigned j = i;

		for (; j > 0 && v[j - 1].first > x.first; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (unsigned i = 0; i < n; i++) {
		struct interval4 *last = out > 0 ? &v[out - 1] : NULL;

		if (last != NULL &&
		    (last->last == UINT32_MAX || v[i].first <= last->last + 1)) {
			if (v[i].last > last->last)
				last->last = v[i].last;
		} else {
			v[out++] = v[i];
		}
	}
	return out;
}

static unsigned merge6(struct interval6 *v, unsigned n)
{
	unsigned out = 0;

	for (unsigned i = 1; i < n; i++) {
		struct interval6 x = v[i];
		unsigned j = i;

		for (; j > 0 && !le128(v[j - 1].first.hi, v[j - 1].first.lo,
				       x.first.hi, x.first.lo); j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (unsigned i = 0; i < n; i++) {
		struct interval6 *last = out > 0 ? &v[out - 1] : NULL;
		struct u128 next;	/* last->last + 1 */

		if (last == NULL) {
			v[out++] = v[i];
			continue;
		}
		if (last->last.hi == UINT64_MAX && last->last.lo == UINT64_MAX)
			continue;	/* reaches the top: covers the rest */
		next.lo = last->last.lo + 1;
		next.hi = last->last.hi + (next.lo == 0);
		if (le128(v[i].first.hi, v[i].first.lo, next.hi, next.lo)) {
			if (!le128(v[i].last.hi, v[i].last.lo,
				   last->last.hi, last->last.lo))
				last->last = v[i].last;
		} else {
			v[out++] = v[i];
		}
	}
	return out;
}

static void add_ported(struct tk_rules_index *x, const struct tk_rule *r)
{
	struct tk_rule_ported *p = &x->ported[x->nported++];

	memset(p, 0, sizeof *p);
	p->port_lo = r->port_lo;
	p->port_hi = r->port_hi;
	switch (r->kind) {
	case TK_RULE_ANY:
		p->families = TK_RULE_FAM_V4 | TK_RULE_FAM_V6 | TK_RULE_FAM_OTHER;
		break;
	case TK_RULE_LOOPBACK:
		p->families = TK_RULE_FAM_V4 | TK_RULE_FAM_V6;
		p->net4 = UINT32_C(0x7f000000);
		p->mask4 = UINT32_C(0xff000000);
		p->net6_lo = 1;
		p->mask6_hi = p->mask6_lo = UINT64_MAX;
		break;
	case TK_RULE_V4:
		p->families = TK_RULE_FAM_V4;
		p->net4 = load_be32(r->addr);
		p->mask4 = (uint32_t)high_bits(r->prefix, 32);
		break;
	case TK_RULE_V6:
		p->families = TK_RULE_FAM_V6;
		p->net6_hi = load_be64(r->addr);
		p->net6_lo = load_be64(r->addr + 8);
		p->mask6_hi = high_bits(r->prefix, 64);
		p->mask6_lo = high_bits(r->prefix > 64 ? r->prefix - 64u : 0, 64);
		break;
	}
}

void tk_rules_compile(struct tk_rules *out)
{
	struct tk_rules_index *x = &out->index;
	struct interval4 v4[TK_RULES_MAX];
	struct interval6 v6[TK_RULES_MAX];
	unsigned n4 = 0, n6 = 0;

	x->nported = 0;
	for (unsigned i = 0; i < out->count && i < TK_RULES_MAX; i++) {
		const struct tk_rule *r = &out->rule[i];

		if (r->kind == TK_RULE_ANY || r->port_lo != 0 ||
		    r->port_hi != 65535) {
			add_ported(x, r);
			continue;
		}
		if (r->kind == TK_RULE_LOOPBACK) {
			v4[n4].first = UINT32_C(0x7f000000);
			v4[n4++].last = UINT32_C(0x7fffffff);
			v6[n6].first.hi = v6[n6].last.hi = 0;
			v6[n6].first.lo = v6[n6].last.lo = 1;
			n6++;
		} else if (r->kind == TK_RULE_V4) {
			uint32_t mask = (uint32_t)high_bits(r->prefix, 32);

			v4[n4].first = load_be32(r->addr) & mask;
			v4[n4].last = v4[n4].first | ~mask;
			n4++;
		} else {
			uint64_t mhi = high_bits(r->prefix, 64);
			uint64_t mlo = high_bits(r->prefix > 64 ? r->prefix - 64u : 0, 64);

			v6[n6].first.hi = load_be64(r->addr) & mhi;
			v6[n6].first.lo = load_be64(r->addr + 8) & mlo;
			v6[n6].last.hi = v6[n6].first.hi | ~mhi;
			v6[n6].last.lo = v6[n6].first.lo | ~mlo;
			n6++;
		}
	}
	n4 = merge4(v4, n4);
	n6 = merge6(v6, n6);
	x->n4 = (uint8_t)n4;
	for (unsigned i = 0; i < n4; i++) {
		x->v4[i].first = v4[i].first;
		x->v4[i].span = v4[i].last - v4[i].first;
	}
	/* The padding the search reads: the last interval again, copied
	 * whole from the top, two to a 16-byte store (this runs at every
	 * start). */
	if (n4 > 0) {
		const struct tk_interval4 last = x->v4[n4 - 1];
		const struct tk_interval4 two[2] = { last, last };
		unsigned i = TK_RULES_MAX;

		for (; i >= n4 + 8; i -= 8) {
			memcpy(&x->v4[i - 2], two, sizeof two);
			memcpy(&x->v4[i - 4], two, sizeof two);
			memcpy(&x->v4[i - 6], two, sizeof two);
			memcpy(&x->v4[i - 8], two, sizeof two);
		}
		for (; i > n4; i--)
			x->v4[i - 1] = last;
	}
	x->n6 = (uint8_t)n6;
	for (unsigned i = 0; i < n6; i++) {
		const struct interval6 *v = &v6[i];

		x->v6[i].first_hi = v->first.hi;
		x->v6[i].first_lo = v->first.lo;
		x->v6[i].span_lo = v->last.lo - v->first.lo;
		x->v6[i].span_hi = v->last.hi - v->first.hi -
			(v->last.lo < v->first.lo);
	}
	if (n6 > 0) {
		const struct tk_interval6 last = x->v6[n6 - 1];
		unsigned i = TK_RULES_MAX;

		for (; i >= n6 + 8; i -= 8) {
			x->v6[i - 1] = last;
			x->v6[i - 2] = last;
			x->v6[i - 3] = last;
			x->v6[i - 4] = last;
			x->v6[i - 5] = last;
			x->v6[i - 6] = last;
			x->v6[i - 7] = last;
			x->v6[i - 8] = last;
		}
		for (; i > n6; i--)
			x->v6[i - 1] = last;
	}
}

/* The interval that can hold A: the last one starting at or below it, or
 * the first one when none does.  TK_RULES_MAX is 64: 6 halvings, each a
 * compare and a select (clang makes it a cmov, gcc a short forward
 * branch; either way no loop). */
static inline const struct tk_interval4 *search4(const struct tk_interval4 *v,
						 uint32_t a)
{
	v = v[32].first <= a ? v + 32 : v;
	v = v[16].first <= a ? v + 16 : v;
	v = v[8].first <= a ? v + 8 : v;
	v = v[4].first <= a ? v + 4 : v;
	v = v[2].first <= a ? v + 2 : v;
	v = v[1].first <= a ? v + 1 : v;
	return v;
}

/* v[k].first <= (hi, lo) as 128-bit numbers. */
#define FIRST6_LE(k) \
	(v[k].first_hi < hi || (v[k].first_hi == hi && v[k].first_lo <= lo))

static inline const struct tk_interval6 *search6(const struct tk_interval6 *v,
						 uint64_t hi, uint64_t lo)
{
	v = FIRST6_LE(32) ? v + 32 : v;
	v = FIRST6_LE(16) ? v + 16 : v;
	v = FIRST6_LE(8) ? v + 8 : v;
	v = FIRST6_LE(4) ? v + 4 : v;
	v = FIRST6_LE(2) ? v + 2 : v;
	v = FIRST6_LE(1) ? v + 1 : v;
	return v;
}

#undef FIRST6_LE

/* Kept out of line: the common case (no rule with ports, or the search
 * matched) then needs no registers saved. */
#if defined(__GNUC__)
__attribute__((__noinline__))
#endif
static bool match_ported(const struct tk_rules_index *x, unsigned family,
			 uint32_t a4, uint64_t hi, uint64_t lo,
			 uint16_t service_port)
{
	/* Bounded by the array too, whatever the count says. */
	for (unsigned k = 0; k < x->nported && k < TK_RULES_MAX; k++) {
		const struct tk_rule_ported *p = &x->ported[k];

		if (service_port < p->port_lo || service_port > p->port_hi ||
		    !(p->families & family))
			continue;
		if (family == TK_RULE_FAM_V4) {
			if ((a4 & p->mask4) == p->net4)
				return true;
		} else if (family == TK_RULE_FAM_V6) {
			if ((((hi & p->mask6_hi) ^ p->net6_hi) |
			     ((lo & p->mask6_lo) ^ p->net6_lo)) == 0)
				return true;
		} else {
			return true;	/* port-only rule */
		}
	}
	return false;
}

static inline bool match4(const struct tk_rules_index *x, uint32_t a,
			  uint16_t service_port)
{
	if (x->n4 != 0) {
		const struct tk_interval4 *v = search4(x->v4, a);

		/* first <= a <= first + span in one compare: below first,
		 * the difference wraps past any span. */
		if (a - v->first <= v->span)
			return true;
	}
	return x->nported != 0 &&
	       match_ported(x, TK_RULE_FAM_V4, a, 0, 0, service_port);
}

static inline bool match6(const struct tk_rules_index *x, uint64_t hi,
			  uint64_t lo, uint16_t service_port)
{
	if (x->n6 != 0) {
		const struct tk_interval6 *v = search6(x->v6, hi, lo);
		uint64_t dlo = lo - v->first_lo;
		uint64_t dhi = hi - v->first_hi - (lo < v->first_lo);

		if (dhi < v->span_hi || (dhi == v->span_hi && dlo <= v->span_lo))
			return true;
	}
	return x->nported != 0 &&
	       match_ported(x, TK_RULE_FAM_V6, 0, hi, lo, service_port);
}

/* The peer's address is read with memcpy: the caller's buffer need not be
 * aligned for sockaddr_in/in6. */
bool tk_rules_match(const struct tk_rules *rules,
		    const struct sockaddr *peer, socklen_t peerlen,
		    uint16_t service_port)
{
	const struct tk_rules_index *x = &rules->index;
	const char *base = (const char *)peer;
	sa_family_t family;

	if (peer != NULL && peerlen >= (socklen_t)sizeof family) {
		memcpy(&family, base + offsetof(struct sockaddr, sa_family),
		       sizeof family);
		if (family == AF_INET &&
		    peerlen >= (socklen_t)(offsetof(struct sockaddr_in, sin_addr) + 4)) {
			uint8_t b[4];

			memcpy(b, base + offsetof(struct sockaddr_in, sin_addr), 4);
			return match4(x, load_be32(b), service_port);
		}
		if (family == AF_INET6 &&
		    peerlen >= (socklen_t)(offsetof(struct sockaddr_in6, sin6_addr) + 16)) {
			uint8_t b[16];
			uint64_t hi, lo;

			memcpy(b, base + offsetof(struct sockaddr_in6, sin6_addr), 16);
			hi = load_be64(b);
			lo = load_be64(b + 8);
			if (hi == 0 && lo >> 32 == 0xffff)	/* ::ffff:a.b.c.d */
				return match4(x, (uint32_t)lo, service_port);
			return match6(x, hi, lo, service_port);
		}
	}
	/* No address to look at: only port-only rules can match. */
	return x->nported != 0 &&
	       match_ported(x, TK_RULE_FAM_OTHER, 0, 0, 0, service_port);
}
