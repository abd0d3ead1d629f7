/* SPDX-License-Identifier: MIT */
/* Peer rules of TCPKEEP_ONLY / TCPKEEP_SKIP (libtcpkeep(7), ENVIRONMENT).
 *
 * The parser runs at load time inside a preload library, possibly before
 * main: no malloc, no stdio, no getenv.  Each rule is copied to the stack
 * and taken apart there; addresses go through inet_pton.
 *
 * Forms, and the choices made where the grammar leaves room:
 *
 *   loopback            any case; 127.0.0.0/8 and ::1 (a v4-mapped peer
 *                       ::ffff:127.x.x.x is IPv4, so it matches too)
 *   ADDR[/LEN]          IPv4 or IPv6; a bare address is /32 or /128
 *   :PORT[-PORT]        1..65535, low <= high
 *   ADDR[/LEN]:PORTS    IPv4 address or loopback followed by a port
 *   [ADDR[/LEN]][:PORTS]
 *                       brackets, needed for an IPv6 address with a port,
 *                       are accepted around any address, IPv4 included
 *                       ([10.0.0.1]:80 is 10.0.0.1:80); not around
 *                       loopback
 *
 *   - An unbracketed rule with two or more colons is an IPv6 address as a
 *     whole: 2001:db8::1:443 is the address 2001:db8::1:443, not port 443
 *     of 2001:db8::1 (it is a valid address, so it cannot be refused).
 *     2001:db8::/32:443 is refused: a port needs brackets.
 *   - Host bits beyond the prefix are cleared, not refused: 10.1.2.3/8 is
 *     10.0.0.0/8 (the stored addr is the masked one).
 *   - Peers that are v4-mapped IPv6 (::ffff:a.b.c.d) are IPv4 peers for
 *     every rule.  To keep that consistent, an IPv6 rule that lies wholly
 *     inside ::ffff:0:0/96 is stored as the IPv4 rule it stands for
 *     (::ffff:10.0.0.0/104 is 10.0.0.0/8, ::ffff:0:0/96 is 0.0.0.0/0).
 *     Any other IPv6 rule, even ::/0, matches only non-mapped IPv6 peers.
 *   - A peer that is missing, too short or of another family matches only
 *     port-only rules; a rule with an address never matches it.
 *   - Empty rules between separators are skipped; a list with no rule at
 *     all is refused.
 */
#include "autoconfig.h"
#include "rules.h"
#include "text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

/* Longest valid rule is
 * "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128]:65535-65535"
 * (63 bytes); anything longer is refused before it is looked at. */
#define RULE_TEXT_MAX 80
/* How much of a bad rule the error message quotes. */
#define ERR_TOKEN_MAX 40

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static bool is_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' ||
	       c == '\r' || c == '\v' || c == '\f';
}

/* Decimal digits only (no sign, no blanks, no 0x).  The value saturates at
 * MAX + 1, so the caller tells "too big" from "in range" without overflow. */
static int parse_number(const char **cursor, unsigned max, unsigned *out)
{
	const char *p = *cursor;
	unsigned value = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		value = value * 10 + (unsigned)(*p - '0');
		if (value > max)
			value = max + 1;
	}
	*cursor = p;
	*out = value;
	return 0;
}

static int parse_one_port(const char **cursor, uint16_t *out,
			  const char **why)
{
	unsigned port;

	if (parse_number(cursor, 65535, &port) < 0 || port < 1 || port > 65535) {
		*why = "a port must be a number from 1 to 65535";
		return -1;
	}
	*out = (uint16_t)port;
	return 0;
}

/* PORT or LOW-HIGH, the whole of TEXT. */
static int parse_ports(const char *text, struct tk_rule *r, const char **why)
{
	const char *p = text;

	if (*p == '\0') {
		*why = "missing port after ':'";
		return -1;
	}
	if (parse_one_port(&p, &r->port_lo, why) < 0)
		return -1;
	r->port_hi = r->port_lo;
	if (*p == '-') {
		p++;
		if (parse_one_port(&p, &r->port_hi, why) < 0)
			return -1;
	}
	if (*p != '\0') {
		*why = "expected :PORT or :LOW-HIGH after the address";
		return -1;
	}
	if (r->port_lo > r->port_hi) {
		*why = "port range is reversed (low must not exceed high)";
		return -1;
	}
	return 0;
}

/* Stores the address as the IPv4 rule it stands for when an IPv6 block
 * lies wholly inside ::ffff:0:0/96 (see the top of the file). */
static void unmap_v4(struct tk_rule *r)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (r->kind != TK_RULE_V6 || r->prefix < 96 ||
	    memcmp(r->addr, mapped, sizeof mapped) != 0)
		return;
	memmove(r->addr, r->addr + 12, 4);
	memset(r->addr + 4, 0, 12);
	r->kind = TK_RULE_V4;
	r->prefix = (uint8_t)(r->prefix - 96);
}

/* True when TEXT is an IPv6 address followed by ":DIGITS" (a port written
 * without brackets, as in ::ffff:192.0.2.1:80), for a better message. */
static bool looks_like_port_suffix(char *text)
{
	char *colon = strrchr(text, ':');
	const char *p;
	unsigned port;
	uint8_t scratch[16];
	bool addr_ok;

	if (colon == NULL)
		return false;
	p = colon + 1;
	if (parse_number(&p, 65535, &port) < 0 || *p != '\0')
		return false;
	*colon = '\0';
	addr_ok = inet_pton(AF_INET6, text, scratch) == 1;
	*colon = ':';
	return addr_ok;
}

/* ADDR or ADDR/LEN (TEXT is modified).  Bracketed text must be an address;
 * unbracketed text may also be "loopback". */
static int parse_address(char *text, bool bracketed, struct tk_rule *r,
			 const char **why)
{
	char *slash;
	unsigned prefix, max;

	if (!bracketed && tk_word_is(text, "loopback")) {
		r->kind = TK_RULE_LOOPBACK;
		return 0;
	}
	slash = strchr(text, '/');
	if (slash != NULL)
		*slash = '\0';
	if (!bracketed && tk_word_is(text, "loopback")) {
		*why = "loopback takes no prefix length";
		return -1;
	}
	if (strchr(text, ':') != NULL) {
		if (inet_pton(AF_INET6, text, r->addr) != 1) {
			*why = !bracketed && slash == NULL &&
				looks_like_port_suffix(text) ?
				"an IPv6 address with a port needs brackets, as in [2001:db8::1]:443" :
				"not an IPv6 address";
			return -1;
		}
		r->kind = TK_RULE_V6;
		max = 128;
	} else {
		if (text[0] == '\0' || inet_pton(AF_INET, text, r->addr) != 1) {
			*why = bracketed ? "not an IPv4 or IPv6 address" :
				"not loopback, an IPv4 or an IPv6 address";
			return -1;
		}
		r->kind = TK_RULE_V4;
		max = 32;
	}
	prefix = max;
	if (slash != NULL) {
		const char *p = slash + 1;

		if (*p == '\0') {
			*why = "missing prefix length after '/'";
			return -1;
		}
		if (parse_number(&p, max, &prefix) < 0 || *p != '\0' ||
		    prefix > max) {
			*why = max == 32 ?
				"IPv4 prefix length must be 0 to 32" :
				"IPv6 prefix length must be 0 to 128";
			return -1;
		}
	}
	r->prefix = (uint8_t)prefix;
	unmap_v4(r);
	return 0;
}

/* Clears the host bits of addr: the bits past the prefix, and for an
 * IPv4 rule the 12 bytes past the address. */
static void clear_host_bits(struct tk_rule *r)
{
	unsigned bits = r->prefix;

	if (r->kind != TK_RULE_V4 && r->kind != TK_RULE_V6)
		return;
	for (unsigned i = 0; i < 16; i++) {
		unsigned take = bits > 8 ? 8 : bits;

		r->addr[i] &= (uint8_t)(0xff00u >> take);
		bits -= take;
	}
	if (r->kind == TK_RULE_V4)
		memset(r->addr + 4, 0, 12);
}

/* One rule, NUL-terminated in a stack buffer that may be modified. */
static int parse_rule(char *text, struct tk_rule *r, const char **why)
{
	char *ports = NULL;
	char *addr = text;
	bool bracketed = false;

	memset(r, 0, sizeof *r);
	r->kind = TK_RULE_ANY;
	r->port_lo = 0;
	r->port_hi = 65535;

	if (text[0] == ':' && text[1] != ':') {
		/* Port only.  "::..." is an IPv6 address. */
		ports = text + 1;
		addr = NULL;
	} else if (text[0] == '[') {
		char *close = strchr(text, ']');

		if (close == NULL) {
			*why = "'[' without ']'";
			return -1;
		}
		*close = '\0';
		addr = text + 1;
		bracketed = true;
		if (close[1] == ':') {
			ports = close + 2;
		} else if (close[1] != '\0') {
			*why = "expected :PORT or nothing after ']'";
			return -1;
		}
	} else {
		char *colon = strchr(text, ':');

		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			/* One colon: IPv4 address or loopback, then port. */
			*colon = '\0';
			ports = colon + 1;
		} else if (colon != NULL) {
			/* Two or more: an IPv6 address as a whole. */
			char *slash = strchr(text, '/');

			if (slash != NULL && strchr(slash, ':') != NULL) {
				*why = "an IPv6 block with a port needs brackets, as in [2001:db8::/32]:443";
				return -1;
			}
		}
	}
	if (addr != NULL && parse_address(addr, bracketed, r, why) < 0)
		return -1;
	if (ports != NULL && parse_ports(ports, r, why) < 0)
		return -1;
	clear_host_bits(r);
	return 0;
}

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

/* Fills OUT->index from OUT->rule[0 .. count-1]. */
static void compile(struct tk_rules *out)
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
	for (unsigned i = 0; n4 > 0 && i < TK_RULES_MAX; i++) {
		const struct interval4 *v = &v4[i < n4 ? i : n4 - 1];

		x->v4[i].first = v->first;
		x->v4[i].span = v->last - v->first;
	}
	x->n6 = (uint8_t)n6;
	for (unsigned i = 0; n6 > 0 && i < TK_RULES_MAX; i++) {
		const struct interval6 *v = &v6[i < n6 ? i : n6 - 1];

		x->v6[i].first_hi = v->first.hi;
		x->v6[i].first_lo = v->first.lo;
		x->v6[i].span_lo = v->last.lo - v->first.lo;
		x->v6[i].span_hi = v->last.hi - v->first.hi -
			(v->last.lo < v->first.lo);
	}
}

static size_t append(char *err, size_t errlen, size_t used, const char *s)
{
	size_t n = strlen(s);

	if (used + 1 >= errlen)
		return used;
	if (n > errlen - 1 - used)
		n = errlen - 1 - used;
	memcpy(err + used, s, n);
	used += n;
	err[used] = '\0';
	return used;
}

/* "rule 'TOKEN': WHY", the token quoted with control characters escaped
 * and cut after ERR_TOKEN_MAX bytes. */
static void report(char *err, size_t errlen, const char *token, size_t len,
		   const char *why)
{
	char raw[ERR_TOKEN_MAX + 2];
	char quoted[ERR_TOKEN_MAX * 4 + 8];
	size_t used;

	if (err == NULL || errlen == 0)
		return;
	err[0] = '\0';
	if (token == NULL) {
		append(err, errlen, 0, why);
		return;
	}
	if (len > ERR_TOKEN_MAX + 1)
		len = ERR_TOKEN_MAX + 1;
	memcpy(raw, token, len);
	raw[len] = '\0';
	tk_escape_value(quoted, sizeof quoted, raw, ERR_TOKEN_MAX);
	used = append(err, errlen, 0, "rule '");
	used = append(err, errlen, used, quoted);
	used = append(err, errlen, used, "': ");
	append(err, errlen, used, why);
}

int tk_rules_parse(const char *text, struct tk_rules *out,
		   char *err, size_t errlen)
{
	const char *p = text;

	/* Counts only: nothing past them is ever read.  (The index is a few
	 * kB; clearing it all would cost more than building it.) */
	out->count = 0;
	out->index.n4 = out->index.n6 = out->index.nported = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL) {
		report(err, errlen, NULL, 0, "no rule list");
		return -1;
	}
	for (;;) {
		char buf[RULE_TEXT_MAX + 1];
		const char *why = NULL;
		const char *start;
		size_t len;

		while (is_separator(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && !is_separator(*p))
			p++;
		len = (size_t)(p - start);
		if (out->count >= TK_RULES_MAX) {
			why = "more than " STRINGIFY(TK_RULES_MAX) " rules";
		} else if (len > RULE_TEXT_MAX) {
			why = "too long to be a rule";
		} else {
			memcpy(buf, start, len);
			buf[len] = '\0';
			if (parse_rule(buf, &out->rule[out->count], &why) == 0)
				out->count++;
		}
		if (why != NULL) {
			out->count = 0;
			report(err, errlen, start, len, why);
			return -1;
		}
	}
	if (out->count == 0) {
		report(err, errlen, NULL, 0, "empty rule list");
		return -1;
	}
	compile(out);
	return 0;
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
