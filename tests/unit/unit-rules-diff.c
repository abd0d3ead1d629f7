/* SPDX-License-Identifier: MIT */
/* Differential test of the rule matcher: tk_rules_match() (sorted, merged
 * intervals and a binary search) against a plain linear matcher written
 * here from libtcpkeep(7), ENVIRONMENT, and the comments of rules.h, over
 * many random rule lists and many random peers and service ports.
 *
 * The rules are generated as data (family, address bytes, prefix, ports),
 * written out as text, parsed by tk_rules_parse(), and the reference
 * matches against the generated data, not against what the parser
 * stored: the parser's reading of each form is checked on the way.
 *
 * Generation is biased towards what can go wrong in an interval index:
 * duplicate, nested, adjacent and sibling blocks, /0, /32 and /128,
 * blocks at the bottom and the top of the address space, IPv6 blocks
 * whose edges carry between the two 64-bit halves, loopback, the
 * ::ffff:0:0/96 forms that stand for IPv4 rules, and port rules.  Peers
 * are biased to the edges of the generated blocks (network - 1, network,
 * broadcast, broadcast + 1), written as AF_INET or v4-mapped AF_INET6,
 * plus NULL, short and foreign peers.
 *
 * The seed is fixed; TK_RULES_DIFF_SEED=N runs another sequence. */
#include "common/rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../lib/tap.h"

#define LISTS 400
#define PEERS_PER_LIST 2000
#define MISMATCHES_SHOWN 10

/* xorshift64*: small, deterministic, good enough to pick cases. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Uniform enough in 0 .. n-1 for n far below 2^32. */
static unsigned rnd(unsigned n)
{
	return (unsigned)((rnd64() >> 32) % n);
}

static bool chance(unsigned percent)
{
	return rnd(100) < percent;
}

/* ---- generated rules --------------------------------------------------- */

enum gkind { G_ANY, G_LOOPBACK, G_V4, G_V6 };

struct grule {
	enum gkind kind;
	uint8_t addr[16];	/* as written; G_V4 uses the first 4 bytes */
	unsigned prefix;
	bool ported;		/* written with :LO or :LO-HI */
	uint16_t lo, hi;
};

static const uint8_t mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Bits 0 .. BITS-1 (from the most significant bit of byte 0) agree. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	for (unsigned i = 0; bits > 0; i++) {
		unsigned take = bits > 8 ? 8 : bits;
		uint8_t mask = (uint8_t)(0xff00u >> take);

		if ((a[i] & mask) != (b[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

/* A G_V6 rule that lies wholly inside ::ffff:0:0/96: it stands for the
 * IPv4 block of its last 32 bits and prefix - 96. */
static bool g_is_mapped(const struct grule *g)
{
	return g->kind == G_V6 && g->prefix >= 96 &&
	       memcmp(g->addr, mapped_prefix, 12) == 0;
}

/* ---- peers --------------------------------------------------------------- */

enum pkind { P_V4, P_V6, P_OTHER };

struct gpeer {
	struct sockaddr_storage ss;
	const struct sockaddr *sa;
	socklen_t len;
	/* What the reference makes of it, decided by the generator from the
	 * bytes and length it wrote, independently of the library: */
	enum pkind kind;
	uint8_t a4[4];		/* P_V4: the IPv4 address */
	uint8_t a16[16];	/* P_V6: the IPv6 address */
	char text[80];		/* for messages */
};

/* The linear reference: any rule whose port range holds PORT and whose
 * address block holds the peer.  PLAIN_ONLY looks at the rules without
 * ports only (to count what the port rules decide). */
static bool reference_match(const struct grule *g, unsigned n,
			    const struct gpeer *p, uint16_t port,
			    bool plain_only)
{
	static const uint8_t one6[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};

	for (unsigned i = 0; i < n; i++, g++) {
		if (g->ported && (plain_only || port < g->lo || port > g->hi))
			continue;
		switch (g->kind) {
		case G_ANY:
			return true;
		case G_LOOPBACK:
			if (p->kind == P_V4 && p->a4[0] == 127)
				return true;
			if (p->kind == P_V6 && memcmp(p->a16, one6, 16) == 0)
				return true;
			break;
		case G_V4:
			if (p->kind == P_V4 &&
			    prefix_equal(p->a4, g->addr, g->prefix))
				return true;
			break;
		case G_V6:
			if (g_is_mapped(g)) {
				if (p->kind == P_V4 &&
				    prefix_equal(p->a4, g->addr + 12,
						 g->prefix - 96))
					return true;
			} else if (p->kind == P_V6 &&
				   prefix_equal(p->a16, g->addr, g->prefix)) {
				return true;
			}
			break;
		}
	}
	return false;
}

/* ---- writing rules as text ------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static size_t put(char *buf, size_t size, size_t used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (used >= size)
		return used;
	va_start(ap, fmt);
	n = vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
	return n < 0 ? used : used + (size_t)n;
}

static size_t write_rule(const struct grule *g, char *buf, size_t size,
			 size_t used)
{
	char addr[INET6_ADDRSTRLEN];
	bool bracket = false;
	bool bare = false;	/* address without /LEN */

	switch (g->kind) {
	case G_ANY:
		break;
	case G_LOOPBACK:
		used = put(buf, size, used, "%s", chance(50) ? "loopback" :
			   chance(50) ? "LoopBack" : "LOOPBACK");
		break;
	case G_V4:
		inet_ntop(AF_INET, g->addr, addr, sizeof addr);
		bracket = chance(15);
		bare = g->prefix == 32 && chance(50);
		break;
	case G_V6:
		inet_ntop(AF_INET6, g->addr, addr, sizeof addr);
		bracket = g->ported || chance(20);
		bare = g->prefix == 128 && chance(50);
		break;
	}
	if (g->kind == G_V4 || g->kind == G_V6) {
		used = put(buf, size, used, "%s%s", bracket ? "[" : "", addr);
		if (!bare)
			used = put(buf, size, used, "/%u", g->prefix);
		if (bracket)
			used = put(buf, size, used, "]");
	}
	if (g->ported) {
		used = put(buf, size, used, ":%u", (unsigned)g->lo);
		if (g->hi != g->lo || chance(20))
			used = put(buf, size, used, "-%u", (unsigned)g->hi);
	}
	return used;
}

/* ---- generating rules ------------------------------------------------ */

static const uint32_t v4_pool[] = {
	0x00000000, 0x00000001, 0x0a000000, 0x0a008000, 0x0a000080,
	0x0a0000ff, 0x0a010000, 0x0affffff, 0x0b000000, 0x7e000000,
	0x7effffff, 0x7f000000, 0x7f000001, 0x7fffffff, 0x80000000,
	0xc0000200, 0xc00002ff, 0xc0a80000, 0xfffffffe, 0xffffffff,
	0xffffff00,
};

static const char *const v6_pool[] = {
	"::", "::1", "::2", "::ffff:0:0", "::fffe:ffff:ffff", "::1:0:0:0",
	"::ffff:7f00:0", "::ffff:ffff:ffff", "::7f00:1",
	"2001:db8::", "2001:db8:0:0:ffff:ffff:ffff:ffff", "2001:db8:0:1::",
	"2001:db8:8000::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
	"2001:db9::", "fe80::", "fe80::1", "ffff:ffff:ffff:ffff::",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	"ffff:ffff:ffff:fffe:ffff:ffff:ffff:ffff",
};

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* 128-bit arithmetic on 16 big-endian bytes. */
static void add128(uint8_t *a, const uint8_t *b)
{
	unsigned carry = 0;

	for (int i = 15; i >= 0; i--) {
		unsigned s = (unsigned)a[i] + b[i] + carry;

		a[i] = (uint8_t)s;
		carry = s >> 8;
	}
}

static void sub128(uint8_t *a, const uint8_t *b)
{
	int borrow = 0;

	for (int i = 15; i >= 0; i--) {
		int d = (int)a[i] - b[i] - borrow;

		borrow = d < 0;
		a[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

/* The value 1 << (WIDTH - BITS) in a field of WIDTH bits (WIDTH 32 or
 * 128) at the end of 16 bytes: the size of a /BITS block. */
static void block_size(uint8_t *out, unsigned width, unsigned bits)
{
	unsigned shift = width - bits;	/* 0 .. width */

	memset(out, 0, 16);
	if (shift >= 128)
		return;		/* /0 of IPv6: the whole space, no neighbour */
	out[15 - shift / 8] = (uint8_t)(1u << (shift % 8));
}

static void mask_bytes(uint8_t *a, unsigned nbytes, unsigned bits)
{
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned take = bits > 8 ? 8 : bits;

		a[i] &= (uint8_t)(0xff00u >> take);
		bits -= take;
	}
}

/* Random bytes, then the first BITS bits taken from SRC. */
static void random_inside(uint8_t *dst, const uint8_t *src, unsigned nbytes,
			  unsigned bits)
{
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned take = bits > 8 * i ? bits - 8 * i : 0;
		uint8_t m;

		if (take > 8)
			take = 8;
		m = (uint8_t)(0xff00u >> take);
		dst[i] = (uint8_t)((src[i] & m) | ((uint8_t)rnd64() & ~m));
	}
}

static unsigned random_prefix(unsigned width)
{
	unsigned r = rnd(100);

	if (r < 2)
		return 0;
	if (r < 20)
		return width;
	if (r < 26)
		return width - 1;
	if (width == 128 && r < 34)
		return 63 + rnd(3);	/* around the 64-bit halves */
	if (width == 128 && r < 40)
		return 96 + rnd(33);
	return 1 + rnd(width - 1);
}

/* Another block related to the earlier rule E, of the same family:
 * duplicate, nested inside, the parent, a neighbour or a sibling. */
static void derive(struct grule *g, const struct grule *e, unsigned width)
{
	uint8_t size[16];
	unsigned nbytes = width / 8;

	memcpy(g->addr, e->addr, 16);
	g->prefix = e->prefix;
	switch (rnd(5)) {
	case 0:		/* duplicate */
		break;
	case 1:		/* nested: longer prefix, somewhere inside */
		if (g->prefix < width) {
			g->prefix += 1 + rnd(width - g->prefix);
			random_inside(g->addr, e->addr, nbytes, e->prefix);
		}
		break;
	case 2:		/* the enclosing block */
		if (g->prefix > 0)
			g->prefix -= 1 + rnd(g->prefix < 8 ? g->prefix : 8);
		break;
	default: {	/* the block just after or just before, or a sibling */
		uint8_t wide[16] = { 0 };

		if (g->prefix == 0)
			break;
		mask_bytes(g->addr, nbytes, g->prefix);
		block_size(size, width, g->prefix);
		if (width == 32) {
			/* work on the last 4 bytes of a 16-byte number */
			memcpy(wide + 12, g->addr, 4);
			if (chance(50))
				add128(wide, size);
			else
				sub128(wide, size);
			memcpy(g->addr, wide + 12, 4);
		} else if (chance(50)) {
			add128(g->addr, size);
		} else {
			sub128(g->addr, size);
		}
		break;
	}
	}
	if (width == 32)
		memset(g->addr + 4, 0, 12);
}

static void random_ports(struct grule *g)
{
	static const uint16_t edges[] = { 1, 2, 22, 80, 443, 5432, 65534, 65535 };

	g->ported = true;
	g->lo = chance(40) ? edges[rnd(8)] : (uint16_t)(1 + rnd(65535));
	if (chance(40)) {
		g->hi = g->lo;
	} else {
		unsigned width = chance(50) ? rnd(4) : rnd(3000);
		unsigned hi = g->lo + width;

		g->hi = (uint16_t)(hi > 65535 ? 65535 : hi);
	}
}

/* What a list is made of: anything, or (to fill the search's 64 slots)
 * mostly distinct IPv4 or IPv6 blocks. */
enum flavor { F_MIXED, F_MANY_V4, F_MANY_V6 };

static void random_rule(struct grule *g, const struct grule *earlier,
			unsigned n_earlier, enum flavor flavor)
{
	unsigned r = rnd(100);

	memset(g, 0, sizeof *g);
	if (flavor != F_MIXED && chance(90)) {
		uint64_t a = rnd64(), b = rnd64();

		g->kind = flavor == F_MANY_V4 ? G_V4 : G_V6;
		memcpy(g->addr, &a, 8);
		memcpy(g->addr + 8, &b, 8);
		if (g->kind == G_V4) {
			memset(g->addr + 4, 0, 12);
			g->prefix = 16 + rnd(17);
		} else {
			g->prefix = 32 + rnd(97);
		}
		if (n_earlier > 0 && chance(20)) {
			/* right after or before an earlier one */
			const struct grule *e = &earlier[rnd(n_earlier)];

			if (e->kind == g->kind && e->prefix > 0)
				derive(g, e, g->kind == G_V4 ? 32 : 128);
		}
		return;
	}
	if (r < 8) {
		g->kind = G_ANY;
		random_ports(g);
		return;
	}
	if (r < 14) {
		g->kind = G_LOOPBACK;
		if (chance(30))
			random_ports(g);
		return;
	}
	g->kind = r < 62 ? G_V4 : G_V6;
	/* Related to an earlier rule of the same kind, half the time. */
	if (n_earlier > 0 && chance(50)) {
		const struct grule *e = &earlier[rnd(n_earlier)];

		if (e->kind == g->kind) {
			derive(g, e, g->kind == G_V4 ? 32 : 128);
			goto host_bits;
		}
	}
	if (g->kind == G_V4) {
		uint32_t a = chance(60) ? v4_pool[rnd(sizeof v4_pool /
						    sizeof v4_pool[0])] :
			(uint32_t)rnd64();

		store_be32(g->addr, a);
		g->prefix = random_prefix(32);
	} else if (chance(25)) {
		/* ::ffff:a.b.c.d/96+N: an IPv4 rule in IPv6 clothes;
		 * sometimes a little wider, which stays IPv6. */
		memcpy(g->addr, mapped_prefix, 12);
		store_be32(g->addr + 12, chance(50) ?
			   v4_pool[rnd(sizeof v4_pool / sizeof v4_pool[0])] :
			   (uint32_t)rnd64());
		g->prefix = chance(85) ? 96 + rnd(33) : 80 + rnd(16);
	} else {
		if (chance(60)) {
			inet_pton(AF_INET6, v6_pool[rnd(sizeof v6_pool /
						   sizeof v6_pool[0])], g->addr);
		} else {
			uint64_t a = rnd64(), b = rnd64();

			memcpy(g->addr, &a, 8);
			memcpy(g->addr + 8, &b, 8);
		}
		g->prefix = random_prefix(128);
	}
host_bits:
	/* The parser clears host bits; write them cleared or not. */
	if (chance(50))
		mask_bytes(g->addr, g->kind == G_V4 ? 4 : 16, g->prefix);
	if (chance(20))
		random_ports(g);
}

/* ---- generating peers ------------------------------------------------ */

static void peer_v4(struct gpeer *p, const uint8_t *a4)
{
	memset(p, 0, sizeof *p);
	p->sa = (const struct sockaddr *)&p->ss;
	p->kind = P_V4;
	memcpy(p->a4, a4, 4);
	if (chance(70)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a4, 4);
		p->len = chance(90) ? (socklen_t)sizeof *sin :
			(socklen_t)(offsetof(struct sockaddr_in, sin_addr) + 4);
		inet_ntop(AF_INET, a4, p->text, sizeof p->text);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->ss;
		char t[INET6_ADDRSTRLEN];

		sin6->sin6_family = AF_INET6;
		memcpy(sin6->sin6_addr.s6_addr, mapped_prefix, 12);
		memcpy(sin6->sin6_addr.s6_addr + 12, a4, 4);
		p->len = (socklen_t)sizeof *sin6;
		inet_ntop(AF_INET6, &sin6->sin6_addr, t, sizeof t);
		snprintf(p->text, sizeof p->text, "[%s]", t);
	}
}

static void peer_v6(struct gpeer *p, const uint8_t *a16)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->ss;
	char t[INET6_ADDRSTRLEN];

	if (memcmp(a16, mapped_prefix, 12) == 0) {
		/* It is a v4-mapped peer: an IPv4 one. */
		peer_v4(p, a16 + 12);
		return;
	}
	memset(p, 0, sizeof *p);
	p->sa = (const struct sockaddr *)&p->ss;
	p->kind = P_V6;
	memcpy(p->a16, a16, 16);
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, a16, 16);
	p->len = chance(90) ? (socklen_t)sizeof *sin6 :
		(socklen_t)(offsetof(struct sockaddr_in6, sin6_addr) + 16);
	inet_ntop(AF_INET6, a16, t, sizeof t);
	snprintf(p->text, sizeof p->text, "[%s]", t);
}

/* NULL, too short, or a family without an address rules can name. */
static void peer_other(struct gpeer *p)
{
	memset(p, 0, sizeof *p);
	p->sa = (const struct sockaddr *)&p->ss;
	p->kind = P_OTHER;
	switch (rnd(6)) {
	case 0:
		p->sa = NULL;
		p->len = chance(50) ? 0 : (socklen_t)sizeof p->ss;
		snprintf(p->text, sizeof p->text, "NULL len %u", (unsigned)p->len);
		return;
	case 1: {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0x7f000001);
		p->len = (socklen_t)rnd(offsetof(struct sockaddr_in, sin_addr) + 4);
		break;
	}
	case 2: {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		p->len = (socklen_t)rnd(offsetof(struct sockaddr_in6, sin6_addr) + 16);
		break;
	}
	case 3: {
		struct sockaddr_un *sun = (struct sockaddr_un *)&p->ss;

		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, "/tmp/x", 7);
		p->len = (socklen_t)sizeof *sun;
		break;
	}
	case 4:
		/* AF_UNSPEC with loopback-looking bytes after it */
		memset(&p->ss, 0x7f, sizeof p->ss);
		p->ss.ss_family = AF_UNSPEC;
		p->len = (socklen_t)sizeof p->ss;
		break;
	default:
		p->ss.ss_family = (sa_family_t)(AF_INET6 + 1 + rnd(30));
		p->len = (socklen_t)sizeof p->ss;
		break;
	}
	snprintf(p->text, sizeof p->text, "family %u len %u",
		 (unsigned)p->ss.ss_family, (unsigned)p->len);
}

/* An address at or next to an edge of rule G's block. */
static void edge_peer(struct gpeer *p, const struct grule *g)
{
	uint8_t a[16], size[16], one[16] = { 0 };
	unsigned width, nbytes, prefix;
	const uint8_t *base;
	unsigned r = rnd(8);

	one[15] = 1;
	if (g->kind == G_LOOPBACK) {
		static const char *const v4[] = {
			"126.255.255.255", "127.0.0.0", "127.0.0.1",
			"127.255.255.255", "128.0.0.0", "0.0.0.1",
		};
		static const char *const v6[] = {
			"::", "::1", "::2", "::100", "1::1", "::7f00:1",
			"::ffff:7f00:1", "fe80::1",
		};

		if (chance(50)) {
			inet_pton(AF_INET, v4[rnd(6)], a);
			peer_v4(p, a);
		} else {
			inet_pton(AF_INET6, v6[rnd(8)], a);
			peer_v6(p, a);
		}
		return;
	}
	if (g_is_mapped(g)) {
		width = 32;
		base = g->addr + 12;
		prefix = g->prefix - 96;
	} else if (g->kind == G_V4) {
		width = 32;
		base = g->addr;
		prefix = g->prefix;
	} else {
		width = 128;
		base = g->addr;
		prefix = g->prefix;
	}
	nbytes = width / 8;
	/* Network address in the last NBYTES of a 16-byte number, so the
	 * arithmetic below wraps at the width of the family. */
	memset(a, 0, 16);
	memcpy(a + 16 - nbytes, base, nbytes);
	mask_bytes(a + 16 - nbytes, nbytes, prefix);
	block_size(size, width, prefix);
	switch (r) {
	case 0:		/* network - 1 */
		sub128(a, one);
		break;
	case 1:		/* network */
		break;
	case 2:		/* network + 1 */
		add128(a, one);
		break;
	case 3:		/* broadcast = network + size - 1 */
	case 4:		/* broadcast + 1 */
	case 5:		/* broadcast - 1 */
		add128(a, size);
		if (prefix == 0 && width == 128)
			memset(a, 0, 16);	/* size was 2^128 */
		sub128(a, one);
		if (r == 4)
			add128(a, one);
		else if (r == 5)
			sub128(a, one);
		break;
	default:	/* somewhere inside */
		random_inside(a + 16 - nbytes, base, nbytes, prefix);
		break;
	}
	if (width == 32)
		peer_v4(p, a + 12);
	else
		peer_v6(p, a);
}

static void random_peer(struct gpeer *p, const struct grule *g, unsigned n)
{
	unsigned r = rnd(100);
	uint8_t a[16];

	if (r < 60) {
		/* near an edge of some rule with an address */
		for (unsigned tries = 0; tries < 8; tries++) {
			const struct grule *e = &g[rnd(n)];

			if (e->kind != G_ANY) {
				edge_peer(p, e);
				return;
			}
		}
	}
	if (r < 75) {
		store_be32(a, chance(50) ? v4_pool[rnd(sizeof v4_pool /
						   sizeof v4_pool[0])] :
			   (uint32_t)rnd64());
		peer_v4(p, a);
	} else if (r < 90) {
		if (chance(10)) {
			/* ::ffff:a.b.c.d in the low half, but not v4-mapped:
			 * something in the high half, or 0:1:ffff:... */
			uint64_t hi = chance(50) ? (uint64_t)1 << rnd(64) : 0;
			uint64_t lo = (uint64_t)(chance(50) ? 0xffffu : 0x1ffffu) << 32 |
				(chance(50) ? 0x7f000001u : (uint32_t)rnd64());

			if (hi == 0 && lo >> 32 == 0xffff)
				hi = 1;
			for (int i = 0; i < 8; i++) {
				a[i] = (uint8_t)(hi >> (56 - 8 * i));
				a[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
			}
		} else if (chance(50)) {
			inet_pton(AF_INET6, v6_pool[rnd(sizeof v6_pool /
						   sizeof v6_pool[0])], a);
		} else {
			uint64_t x = rnd64(), y = rnd64();

			memcpy(a, &x, 8);
			memcpy(a + 8, &y, 8);
		}
		peer_v6(p, a);
	} else {
		peer_other(p);
	}
}

static uint16_t random_port(const struct grule *g, unsigned n)
{
	unsigned r = rnd(100);

	if (r < 10)
		return 0;	/* unknown service port */
	if (r < 60) {
		const struct grule *e = &g[rnd(n)];

		if (e->ported) {
			switch (rnd(5)) {
			case 0: return (uint16_t)(e->lo - 1);
			case 1: return e->lo;
			case 2: return e->hi;
			case 3: return (uint16_t)(e->hi + 1);
			default: return (uint16_t)(e->lo + rnd(e->hi - e->lo + 1u));
			}
		}
	}
	if (r < 70)
		return chance(50) ? 1 : 65535;
	return (uint16_t)rnd(65536);
}

/* ---- the index's own promises ------------------------------------------ */

/* Sorted, never overlapping or touching, padded with the last interval. */
static bool index_well_formed(const struct tk_rules_index *x)
{
	for (unsigned i = 0; i + 1 < x->n4; i++) {
		uint32_t last = x->v4[i].first + x->v4[i].span;

		if (x->v4[i].span > UINT32_MAX - x->v4[i].first ||
		    last == UINT32_MAX || last + 1 >= x->v4[i + 1].first)
			return false;
	}
	for (unsigned i = x->n4; x->n4 > 0 && i < TK_RULES_MAX; i++)
		if (x->v4[i].first != x->v4[x->n4 - 1].first ||
		    x->v4[i].span != x->v4[x->n4 - 1].span)
			return false;
	for (unsigned i = 0; i + 1 < x->n6; i++) {
		const struct tk_interval6 *v = &x->v6[i], *w = &x->v6[i + 1];
		uint64_t lo = v->first_lo + v->span_lo;
		uint64_t hi = v->first_hi + v->span_hi + (lo < v->first_lo);

		/* last + 1 < next first, as 128-bit numbers */
		lo += 1;
		hi += lo == 0;
		if ((hi == 0 && lo == 0) || hi > w->first_hi ||
		    (hi == w->first_hi && lo >= w->first_lo))
			return false;
	}
	for (unsigned i = x->n6; x->n6 > 0 && i < TK_RULES_MAX; i++)
		if (memcmp(&x->v6[i], &x->v6[x->n6 - 1], sizeof x->v6[i]) != 0)
			return false;
	return x->n4 <= TK_RULES_MAX && x->n6 <= TK_RULES_MAX &&
	       x->nported <= TK_RULES_MAX;
}

/* ---- the run ------------------------------------------------------------ */

int main(void)
{
	static struct grule g[TK_RULES_MAX];
	static struct tk_rules rules;
	char text[TK_RULES_MAX * 72];
	const char *seed_env = getenv("TK_RULES_DIFF_SEED");
	unsigned long cases = 0, mismatches = 0, parse_failures = 0;
	unsigned long bad_index = 0, matched = 0, matched_ported = 0;
	unsigned long by_kind[3] = { 0, 0, 0 }, hits_by_kind[3] = { 0, 0, 0 };
	unsigned long port_zero = 0, full_lists = 0, merged_lists = 0;
	unsigned long both_families = 0, rules_total = 0;
	unsigned long wide_v4 = 0, wide_v6 = 0;
	unsigned shown = 0;

	if (seed_env != NULL && *seed_env != '\0')
		rng_state = strtoull(seed_env, NULL, 0) | 1;
	diag("seed %#llx, %d lists x %d peers", (unsigned long long)rng_state,
	     LISTS, PEERS_PER_LIST);

	for (unsigned list = 0; list < LISTS; list++) {
		unsigned n, v4_plain = 0;
		size_t used = 0;
		char err[200];
		enum flavor flavor = chance(80) ? F_MIXED :
			chance(50) ? F_MANY_V4 : F_MANY_V6;

		/* Mostly short lists, some long ones, some full ones. */
		if (flavor == F_MIXED)
			n = chance(70) ? 1 + rnd(12) : chance(50) ?
				1 + rnd(64) : TK_RULES_MAX;
		else
			n = chance(50) ? 33 + rnd(32) : TK_RULES_MAX;
		if (n == TK_RULES_MAX)
			full_lists++;
		for (unsigned i = 0; i < n; i++) {
			random_rule(&g[i], g, i, flavor);
			if (i > 0)
				used = put(text, sizeof text, used, "%s",
					   chance(50) ? "," : chance(50) ?
					   " " : ", ");
			used = write_rule(&g[i], text, sizeof text, used);
			if (g[i].kind == G_V4 && !g[i].ported)
				v4_plain++;
		}
		rules_total += n;
		if (tk_rules_parse(text, &rules, err, sizeof err) != 0 ||
		    rules.count != n) {
			if (parse_failures++ < MISMATCHES_SHOWN)
				diag("list %u does not parse as %u rules: %s; list: %s",
				     list, n, err, text);
			continue;
		}
		if (!index_well_formed(&rules.index) &&
		    bad_index++ < MISMATCHES_SHOWN)
			diag("list %u: index not sorted, merged and padded: %s",
			     list, text);
		if (rules.index.n4 < v4_plain)
			merged_lists++;
		if (rules.index.n4 > 0 && rules.index.n6 > 0)
			both_families++;
		wide_v4 += rules.index.n4 > 32;
		wide_v6 += rules.index.n6 > 32;
		for (unsigned k = 0; k < PEERS_PER_LIST; k++) {
			struct gpeer p;
			uint16_t port = random_port(g, n);
			bool want, got;

			random_peer(&p, g, n);
			want = reference_match(g, n, &p, port, false);
			got = tk_rules_match(&rules, p.sa, p.len, port);
			cases++;
			by_kind[p.kind]++;
			if (want) {
				matched++;
				hits_by_kind[p.kind]++;
				if (!reference_match(g, n, &p, port, true))
					matched_ported++;
			}
			port_zero += port == 0;
			if (want != got) {
				mismatches++;
				if (shown++ < MISMATCHES_SHOWN)
					diag("list %u: %s port %u: reference %s, "
					     "tk_rules_match %s; rules: %s",
					     list, p.text, port,
					     want ? "matches" : "does not match",
					     got ? "matches" : "does not match",
					     text);
			}
		}
	}

	is_int((int)parse_failures, 0, "%d random lists (%lu rules) all parse as generated",
	       LISTS, rules_total);
	is_int((int)bad_index, 0,
	       "every compiled index is sorted, merged (no overlap, no touching) and padded");
	if (!ok(mismatches == 0,
		"tk_rules_match agrees with the linear reference on %lu cases",
		cases))
		diag("%lu mismatches", mismatches);
	diag("peers: %lu IPv4 (%lu match), %lu IPv6 (%lu match), %lu NULL/short/other (%lu match)",
	     by_kind[P_V4], hits_by_kind[P_V4], by_kind[P_V6], hits_by_kind[P_V6],
	     by_kind[P_OTHER], hits_by_kind[P_OTHER]);
	diag("%lu matches, %lu only through a port rule; %lu with port 0",
	     matched, matched_ported, port_zero);
	diag("lists: %lu full, %lu with merged IPv4 blocks, %lu with both families, "
	     "%lu with > 32 IPv4 intervals, %lu with > 32 IPv6 intervals",
	     full_lists, merged_lists, both_families, wide_v4, wide_v6);
	/* The run must have exercised what it claims to. */
	ok(matched > cases / 10 && cases - matched > cases / 10,
	   "both verdicts are common (%lu of %lu match)", matched, cases);
	ok(hits_by_kind[P_V4] > 1000 && hits_by_kind[P_V6] > 1000 &&
	   hits_by_kind[P_OTHER] > 100 &&
	   by_kind[P_V4] - hits_by_kind[P_V4] > 1000 &&
	   by_kind[P_V6] - hits_by_kind[P_V6] > 1000 &&
	   by_kind[P_OTHER] - hits_by_kind[P_OTHER] > 100,
	   "every kind of peer both matches and misses");
	ok(matched_ported > 1000, "port rules decide many cases (%lu)",
	   matched_ported);
	ok(full_lists > 10 && merged_lists > LISTS / 10 && both_families > 10 &&
	   wide_v4 > 10 && wide_v6 > 10,
	   "full lists, merged blocks, mixed families and > 32 intervals all occur");
	return done_testing();
}
