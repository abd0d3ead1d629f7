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
#include "common/rules.h"
#include "common/text.h"

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

/* find() for the short texts of a rule, in this object: the common
 * lists (loopback, a port) then need no C library function bound at
 * load. */
static char *find(char *text, char c)
{
	for (; *text != '\0'; text++)
		if (*text == c)
			return text;
	return NULL;
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
	slash = find(text, '/');
	if (slash != NULL)
		*slash = '\0';
	if (!bracketed && tk_word_is(text, "loopback")) {
		*why = "loopback takes no prefix length";
		return -1;
	}
	if (find(text, ':') != NULL) {
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
		char *close = find(text, ']');

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
		char *colon = find(text, ':');

		if (colon != NULL && find(colon + 1, ':') == NULL) {
			/* One colon: IPv4 address or loopback, then port. */
			*colon = '\0';
			ports = colon + 1;
		} else if (colon != NULL) {
			/* Two or more: an IPv6 address as a whole. */
			char *slash = find(text, '/');

			if (slash != NULL && find(slash, ':') != NULL) {
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
		/* Copied as it is scanned (what fits), rather than by a
		 * memcpy() bound at load for this alone. */
		start = p;
		for (len = 0; *p != '\0' && !is_separator(*p); p++, len++)
			if (len < sizeof buf)
				buf[len] = *p;
		if (out->count >= TK_RULES_MAX) {
			why = "more than " STRINGIFY(TK_RULES_MAX) " rules";
		} else if (len > RULE_TEXT_MAX) {
			why = "too long to be a rule";
		} else {
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
	tk_rules_compile(out);
	return 0;
}
