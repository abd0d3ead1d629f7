/* SPDX-License-Identifier: MIT */
/* Rule lists of TCPKEEP_ONLY / TCPKEEP_SKIP: parser and matcher tables,
 * no preload.  Every form gets a peer that must match and one that must
 * not; every malformed list must be refused, naming the bad rule. */
#include "common/rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../lib/tap.h"

/* Peer spelled as text: an IPv4 or IPv6 address, "null" (no address),
 * "unix" (AF_UNIX), "short4"/"short6" (a family with a truncated length). */
struct peer {
	struct sockaddr_storage ss;
	const struct sockaddr *sa;
	socklen_t len;
};

static int make_peer(const char *text, struct peer *p)
{
	memset(p, 0, sizeof *p);
	p->sa = (const struct sockaddr *)&p->ss;
	if (strcmp(text, "null") == 0) {
		p->sa = NULL;
		p->len = 0;
	} else if (strcmp(text, "unix") == 0) {
		struct sockaddr_un *su = (struct sockaddr_un *)&p->ss;

		su->sun_family = AF_UNIX;
		strcpy(su->sun_path, "/tmp/x");
		p->len = sizeof *su;
	} else if (strcmp(text, "short4") == 0) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0x7f000001);
		p->len = (socklen_t)offsetof(struct sockaddr_in, sin_addr) + 3;
	} else if (strcmp(text, "short6") == 0) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		p->len = (socklen_t)offsetof(struct sockaddr_in6, sin6_addr) + 15;
	} else if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->ss;

		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, text, &sin6->sin6_addr) != 1)
			return -1;
		p->len = sizeof *sin6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&p->ss;

		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, text, &sin->sin_addr) != 1)
			return -1;
		p->len = sizeof *sin;
	}
	return 0;
}

struct match_case {
	const char *rules;
	const char *peer;
	uint16_t port;
	bool want;
};

static const struct match_case match_cases[] = {
	/* IPv4 exact */
	{ "192.0.2.7", "192.0.2.7", 80, true },
	{ "192.0.2.7", "192.0.2.6", 80, false },
	{ "192.0.2.7", "192.0.2.8", 80, false },
	{ "192.0.2.7", "::ffff:192.0.2.7", 80, true },
	{ "192.0.2.7", "::ffff:192.0.2.8", 80, false },
	{ "192.0.2.7", "::192.0.2.7", 80, false },	/* v4-compatible, not mapped */
	{ "192.0.2.7", "2001:db8::c000:207", 80, false },
	/* ::ffff:a.b.c.d in the low half alone is not v4-mapped */
	{ "192.0.2.7", "1::ffff:192.0.2.7", 80, false },
	{ "0.0.0.0/0", "1::ffff:192.0.2.7", 80, false },
	{ "0.0.0.0/0", "::1:ffff:c000:207", 80, false },
	{ "::/0", "1::ffff:192.0.2.7", 80, true },
	{ "::/0", "::1:ffff:c000:207", 80, true },
	/* IPv4 CIDR at the edges */
	{ "0.0.0.0/0", "0.0.0.0", 1, true },
	{ "0.0.0.0/0", "255.255.255.255", 1, true },
	{ "0.0.0.0/0", "::ffff:198.51.100.1", 1, true },
	{ "0.0.0.0/0", "2001:db8::1", 1, false },
	{ "0.0.0.0/0", "::1", 1, false },
	{ "10.0.0.0/8", "10.0.0.0", 1, true },
	{ "10.0.0.0/8", "10.255.255.255", 1, true },
	{ "10.0.0.0/8", "9.255.255.255", 1, false },
	{ "10.0.0.0/8", "11.0.0.0", 1, false },
	{ "10.0.0.0/8", "::ffff:10.1.2.3", 1, true },
	{ "10.0.0.0/8", "::ffff:11.1.2.3", 1, false },
	{ "10.0.0.0/9", "10.127.255.255", 1, true },
	{ "10.0.0.0/9", "10.128.0.0", 1, false },
	{ "192.0.2.6/31", "192.0.2.6", 1, true },
	{ "192.0.2.6/31", "192.0.2.7", 1, true },
	{ "192.0.2.6/31", "192.0.2.5", 1, false },
	{ "192.0.2.6/31", "192.0.2.8", 1, false },
	{ "192.0.2.7/32", "192.0.2.7", 1, true },
	{ "192.0.2.7/32", "192.0.2.6", 1, false },
	{ "192.0.2.7/32", "192.0.2.8", 1, false },
	/* host bits beyond the prefix are cleared, not refused */
	{ "10.1.2.3/8", "10.200.0.1", 1, true },
	{ "10.1.2.3/8", "11.1.2.3", 1, false },
	/* IPv6 exact and CIDR */
	{ "2001:db8::1", "2001:db8::1", 1, true },
	{ "2001:db8::1", "2001:db8::2", 1, false },
	{ "2001:db8::1", "2001:db8::1:0", 1, false },
	{ "2001:db8::1", "3001:db8::1", 1, false },
	{ "::/0", "2001:db8::1", 1, true },
	{ "::/0", "::1", 1, true },
	{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, true },
	{ "::/0", "::ffff:192.0.2.1", 1, false },	/* mapped = IPv4 */
	{ "::/0", "192.0.2.1", 1, false },
	{ "2001:db8::/32", "2001:db8::", 1, true },
	{ "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1, true },
	{ "2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 1, false },
	{ "2001:db8::/32", "2001:db9::", 1, false },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1, true },
	{ "2001:db8::/33", "2001:db8:8000::1", 1, false },
	{ "2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff", 1, true },
	{ "2001:db8::/64", "2001:db8:0:1::", 1, false },
	{ "2001:db8::/127", "2001:db8::", 1, true },
	{ "2001:db8::/127", "2001:db8::1", 1, true },
	{ "2001:db8::/127", "2001:db8::2", 1, false },
	{ "2001:db8::1/128", "2001:db8::1", 1, true },
	{ "2001:db8::1/128", "2001:db8::", 1, false },
	{ "2001:db8::1/128", "2001:db8::2", 1, false },
	/* IPv6 rules inside ::ffff:0:0/96 are the IPv4 rules they stand for */
	{ "::ffff:10.0.0.0/104", "10.1.2.3", 1, true },
	{ "::ffff:10.0.0.0/104", "::ffff:10.1.2.3", 1, true },
	{ "::ffff:10.0.0.0/104", "11.1.2.3", 1, false },
	{ "::ffff:0:0/96", "192.0.2.1", 1, true },
	{ "::ffff:0:0/96", "2001:db8::1", 1, false },
	{ "::ffff:192.0.2.7", "192.0.2.7", 1, true },
	{ "::ffff:192.0.2.7", "192.0.2.8", 1, false },
	/* loopback */
	{ "loopback", "127.0.0.1", 1, true },
	{ "loopback", "127.255.255.254", 1, true },
	{ "loopback", "127.0.0.0", 1, true },
	{ "loopback", "127.255.255.255", 1, true },
	{ "loopback", "::1", 1, true },
	{ "loopback", "::ffff:127.0.0.1", 1, true },
	{ "loopback", "128.0.0.1", 1, false },
	{ "loopback", "126.255.255.255", 1, false },
	{ "loopback", "10.0.0.1", 1, false },
	{ "loopback", "::", 1, false },
	{ "loopback", "::2", 1, false },
	{ "loopback", "::127.0.0.1", 1, false },
	{ "loopback", "::ffff:128.0.0.1", 1, false },
	{ "LoopBack", "127.0.0.1", 1, true },
	{ "LOOPBACK", "::1", 1, true },
	/* ports and ranges at the edges */
	{ ":5432", "192.0.2.1", 5432, true },
	{ ":5432", "2001:db8::1", 5432, true },
	{ ":5432", "192.0.2.1", 5431, false },
	{ ":5432", "192.0.2.1", 5433, false },
	{ ":8000-8099", "192.0.2.1", 7999, false },
	{ ":8000-8099", "192.0.2.1", 8000, true },
	{ ":8000-8099", "192.0.2.1", 8099, true },
	{ ":8000-8099", "192.0.2.1", 8100, false },
	{ ":1-65535", "192.0.2.1", 1, true },
	{ ":1-65535", "192.0.2.1", 65535, true },
	{ ":1-65535", "192.0.2.1", 0, false },
	{ ":65535", "::1", 65535, true },
	{ ":65535", "::1", 65534, false },
	{ ":1", "::1", 1, true },
	{ ":1", "::1", 2, false },
	{ ":80-80", "::1", 80, true },
	{ ":80-80", "::1", 81, false },
	/* address and port */
	{ "10.0.0.0/8:5432", "10.1.1.1", 5432, true },
	{ "10.0.0.0/8:5432", "::ffff:10.1.1.1", 5432, true },
	{ "10.0.0.0/8:5432", "10.1.1.1", 5433, false },
	{ "10.0.0.0/8:5432", "11.1.1.1", 5432, false },
	{ "192.0.2.7:80-90", "192.0.2.7", 79, false },
	{ "192.0.2.7:80-90", "192.0.2.7", 80, true },
	{ "192.0.2.7:80-90", "192.0.2.7", 90, true },
	{ "192.0.2.7:80-90", "192.0.2.7", 91, false },
	{ "192.0.2.7:80-90", "192.0.2.8", 85, false },
	{ "[2001:db8::/32]:443", "2001:db8::5", 443, true },
	{ "[2001:db8::/32]:443", "2001:db8::5", 444, false },
	{ "[2001:db8::/32]:443", "2001:db9::5", 443, false },
	{ "[::1]:22", "::1", 22, true },
	{ "[::1]:22", "::1", 23, false },
	{ "[::1]:22", "127.0.0.1", 22, false },
	{ "[::1]:22", "::2", 22, false },
	{ "[::1]", "::1", 9, true },
	{ "[::1]", "::2", 9, false },
	{ "[2001:db8::/127]:1000-1001", "2001:db8::1", 1001, true },
	{ "[2001:db8::/127]:1000-1001", "2001:db8::1", 1002, false },
	{ "loopback:5432", "127.0.0.1", 5432, true },
	{ "loopback:5432", "::1", 5432, true },
	{ "loopback:5432", "127.0.0.1", 5433, false },
	{ "loopback:5432", "10.0.0.1", 5432, false },
	/* brackets are accepted around IPv4 too */
	{ "[10.0.0.1]:80", "10.0.0.1", 80, true },
	{ "[10.0.0.1]:80", "10.0.0.1", 81, false },
	{ "[10.0.0.0/8]", "10.9.9.9", 81, true },
	/* without brackets, many colons are an IPv6 address as a whole */
	{ "2001:db8::1:443", "2001:db8::1:443", 1, true },
	{ "2001:db8::1:443", "2001:db8::1", 443, false },
	/* peers of no known family match port-only rules only */
	{ ":80", "null", 80, true },
	{ ":80", "null", 81, false },
	{ ":1-65535", "null", 1, true },
	{ ":1-65535", "unix", 65535, true },
	{ ":1-65535", "null", 0, false },
	{ ":80", "unix", 80, true },
	{ ":80", "short4", 80, true },
	{ "0.0.0.0/0", "null", 80, false },
	{ "0.0.0.0/0", "unix", 80, false },
	{ "0.0.0.0/0", "short4", 80, false },
	{ "::/0", "short6", 80, false },
	{ "::/0", "unix", 80, false },
	{ "loopback", "null", 80, false },
	{ "loopback", "short4", 80, false },
	{ "loopback", "short6", 80, false },
	{ "10.0.0.0/8:80", "null", 80, false },
	/* lists: any rule matching is a match */
	{ "10.0.0.0/8, 192.0.2.7 :22", "192.0.2.7", 1, true },
	{ "10.0.0.0/8, 192.0.2.7 :22", "10.2.3.4", 1, true },
	{ "10.0.0.0/8, 192.0.2.7 :22", "172.16.0.1", 22, true },
	{ "10.0.0.0/8, 192.0.2.7 :22", "172.16.0.1", 23, false },
	{ "2001:db8::/32 loopback", "::1", 1, true },
	{ "2001:db8::/32 loopback", "2001:db8::9", 1, true },
	{ "2001:db8::/32 loopback", "fe80::1", 1, false },
};

/* Merging in the compiled index: how many intervals each family keeps,
 * and peers (at port 1) on both sides of every edge that must or must
 * not match. */
struct merge_case {
	const char *rules;
	unsigned n4, n6, nported;
	const char *yes[6];
	const char *no[6];
};

static const struct merge_case merge_cases[] = {
	{ "10.0.0.0/25, 10.0.0.128/25", 1, 0, 0,
	  { "10.0.0.0", "10.0.0.127", "10.0.0.128", "10.0.0.255" },
	  { "9.255.255.255", "10.0.1.0" } },
	{ "10.0.0.128/25 10.0.0.0/25", 1, 0, 0,
	  { "10.0.0.0", "10.0.0.127", "10.0.0.128", "10.0.0.255" },
	  { "9.255.255.255", "10.0.1.0" } },
	/* a gap of one address is not merged */
	{ "10.0.0.0/25 10.0.0.129/32", 2, 0, 0,
	  { "10.0.0.0", "10.0.0.127", "10.0.0.129" },
	  { "10.0.0.128", "10.0.0.130", "9.255.255.255" } },
	{ "10.0.2.0/23 10.0.0.0/24 10.0.1.0/24", 1, 0, 0,
	  { "10.0.0.0", "10.0.1.0", "10.0.1.255", "10.0.3.255" },
	  { "9.255.255.255", "10.0.4.0" } },
	/* nested, in either order */
	{ "10.1.2.3 10.0.0.0/8 10.1.0.0/16", 1, 0, 0,
	  { "10.0.0.0", "10.1.2.3", "10.1.2.4", "10.255.255.255" },
	  { "9.255.255.255", "11.0.0.0" } },
	{ "10.0.0.0/8 10.255.255.255 10.0.0.0/9", 1, 0, 0,
	  { "10.0.0.0", "10.128.0.0", "10.255.255.255" },
	  { "9.255.255.255", "11.0.0.0" } },
	/* duplicates */
	{ "192.0.2.0/24 192.0.2.0/24 192.0.2.7 192.0.2.7/32", 1, 0, 0,
	  { "192.0.2.0", "192.0.2.7", "192.0.2.255" },
	  { "192.0.1.255", "192.0.3.0" } },
	{ "192.0.2.7 192.0.2.7", 1, 0, 0,
	  { "192.0.2.7" }, { "192.0.2.6", "192.0.2.8" } },
	/* the top and the bottom of the space */
	{ "255.255.255.0/24 255.255.255.255 255.255.254.0/24", 1, 0, 0,
	  { "255.255.254.0", "255.255.255.254", "255.255.255.255" },
	  { "255.255.253.255", "0.0.0.0" } },
	{ "0.0.0.1 0.0.0.0/32 0.0.0.2/31", 1, 0, 0,
	  { "0.0.0.0", "0.0.0.1", "0.0.0.3" },
	  { "0.0.0.4", "255.255.255.255" } },
	{ "10.0.0.0/8 0.0.0.0/0 192.0.2.1", 1, 0, 0,
	  { "0.0.0.0", "255.255.255.255", "::ffff:1.2.3.4" },
	  { "::1", "2001:db8::1", "::" } },
	/* loopback merges with its neighbours, and brings ::1 */
	{ "126.0.0.0/8 loopback 127.0.0.0/8 128.0.0.0/8", 1, 1, 0,
	  { "126.0.0.0", "127.0.0.1", "128.255.255.255", "::1",
	    "::ffff:128.0.0.1" },
	  { "125.255.255.255", "129.0.0.0", "::2", "::" } },
	{ "loopback ::1 loopback", 1, 1, 0,
	  { "127.0.0.1", "::1" }, { "::2", "::", "128.0.0.0" } },
	/* IPv4 rules written in IPv6 merge with IPv4 ones */
	{ "::ffff:10.0.0.0/105 10.128.0.0/9", 1, 0, 0,
	  { "10.0.0.0", "10.127.255.255", "10.128.0.0", "::ffff:10.200.0.1" },
	  { "11.0.0.0", "9.255.255.255" } },
	/* IPv6 */
	{ "2001:db8::/33 2001:db8:8000::/33", 0, 1, 0,
	  { "2001:db8::", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff",
	    "2001:db8:8000::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" },
	  { "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::" } },
	/* adjacent across the carry between the 64-bit halves */
	{ "2001:db8:0:0:ffff:ffff:ffff:ffff 2001:db8:0:1::/64", 0, 1, 0,
	  { "2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::",
	    "2001:db8:0:1:ffff:ffff:ffff:ffff" },
	  { "2001:db8::ffff:ffff:ffff:fffe", "2001:db8:0:2::" } },
	/* an interval whose low half wraps: last.lo < first.lo */
	{ "2001:db8:0:1::/65 2001:db8:0:0:8000::/65", 0, 1, 0,
	  { "2001:db8::8000:0:0:0", "2001:db8::ffff:ffff:ffff:ffff",
	    "2001:db8:0:1::", "2001:db8:0:1:7fff:ffff:ffff:ffff" },
	  { "2001:db8::7fff:ffff:ffff:ffff", "2001:db8:0:1:8000::",
	    "2001:db8:0:2:7fff::" } },
	{ "2001:db8:0:0:ffff:ffff:ffff:fffe 2001:db8:0:1::", 0, 2, 0,
	  { "2001:db8::ffff:ffff:ffff:fffe", "2001:db8:0:1::" },
	  { "2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::1" } },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff::/16 ::/0", 0, 1, 0,
	  { "::", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	  { "::ffff:1.2.3.4", "1.2.3.4" } },
	{ "2001:db8::/32 2001:db8:1::/48 2001:db8::/32 2001:db8:1::5", 0, 1, 0,
	  { "2001:db8::", "2001:db8:1::5", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" },
	  { "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::" } },
	/* rules with ports stay out of the intervals */
	{ "10.0.0.0/8 10.0.0.0/8:80 :443 [2001:db8::/32]:22 loopback:5432", 1, 0, 4,
	  { "10.0.0.1" }, { "11.0.0.1", "2001:db8::1", "127.0.0.1", "::1" } },
};

/* Separators: each list has the rules 192.0.2.1 and :22 (or one rule). */
struct sep_case {
	const char *rules;
	unsigned count;
};

static const struct sep_case sep_cases[] = {
	{ "192.0.2.1,:22", 2 },
	{ "192.0.2.1 :22", 2 },
	{ "192.0.2.1\t:22", 2 },
	{ "192.0.2.1, :22", 2 },
	{ "192.0.2.1 ,\t, :22", 2 },
	{ ",192.0.2.1,:22,", 2 },
	{ "  192.0.2.1  :22  ", 2 },
	{ "\t,192.0.2.1\t,\t:22\t", 2 },
	{ ",,192.0.2.1,,,:22,,", 2 },
	{ "192.0.2.1\n:22", 2 },
	{ "192.0.2.1", 1 },
	{ " 192.0.2.1 ", 1 },
	{ ",192.0.2.1,", 1 },
};

/* Malformed lists; NEEDLE must appear in the error message. */
struct bad_case {
	const char *rules;
	const char *needle;
};

static const struct bad_case bad_cases[] = {
	{ "10.0.0.0/33", "'10.0.0.0/33'" },
	{ "::/129", "'::/129'" },
	{ "10.0.0.0/999999999999", "'10.0.0.0/999999999999'" },
	{ "10.0.0.0/", "'10.0.0.0/'" },
	{ "10.0.0.0/-1", "'10.0.0.0/-1'" },
	{ "10.0.0.0/+8", "'10.0.0.0/+8'" },
	{ "10.0.0.0/8/8", "'10.0.0.0/8/8'" },
	{ "10.0.0.0/8x", "'10.0.0.0/8x'" },
	{ ":0", "':0'" },
	{ ":65536", "':65536'" },
	{ ":99999999999999999999", "':99999999999999999999'" },
	{ ":90-80", "':90-80'" },
	{ ":0-80", "':0-80'" },
	{ ":80-65536", "':80-65536'" },
	{ ":80-", "':80-'" },
	{ ":-80", "':-80'" },
	{ ":80-90-100", "':80-90-100'" },
	{ ":+80", "':+80'" },
	{ ":0x50", "':0x50'" },
	{ ":", "':'" },
	{ "300.1.1.1", "'300.1.1.1'" },
	{ "256.0.0.0", "'256.0.0.0'" },
	{ "1.2.3", "'1.2.3'" },
	{ "1.2.3.4.5", "'1.2.3.4.5'" },
	{ "10.0.0.0/8:", "'10.0.0.0/8:'" },
	{ "10.0.0.1:80:90", "'10.0.0.1:80:90'" },
	{ "2001:db8::/32:443", "'2001:db8::/32:443'" },
	{ "2001:db8::/32:443", "brackets" },
	{ "::ffff:1.2.3.4:80", "'::ffff:1.2.3.4:80'" },
	{ "::ffff:1.2.3.4:80", "brackets" },
	{ "fe80::1:22:", "'fe80::1:22:'" },
	{ "gggg::1", "'gggg::1'" },
	{ "gggg::1", "not an IPv6 address" },
	{ "loopback/8", "no prefix" },
	{ "[::1", "'[::1'" },
	{ "[::1]x", "'[::1]x'" },
	{ "[::1]:", "'[::1]:'" },
	{ "[]", "'[]'" },
	{ "[]:80", "'[]:80'" },
	{ "[loopback]:22", "'[loopback]:22'" },
	{ "[::1]:80:90", "'[::1]:80:90'" },
	{ "[::/129]:80", "'[::/129]:80'" },
	{ "loopback/8", "'loopback/8'" },
	{ "loopbacks", "'loopbacks'" },
	{ "abc", "'abc'" },
	{ "", "empty" },
	{ ",,", "empty" },
	{ " \t , ", "empty" },
	{ "10.0.0.1;10.0.0.2", "'10.0.0.1;10.0.0.2'" },
	/* one bad rule spoils the whole list, wherever it is */
	{ "10.0.0.1, bogus", "'bogus'" },
	{ "loopback :22 [::1]:99999", "'[::1]:99999'" },
};

static void test_matches(void)
{
	for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
		const struct match_case *c = &match_cases[i];
		struct tk_rules rules;
		struct peer peer;
		char err[160];
		int rc = tk_rules_parse(c->rules, &rules, err, sizeof err);

		if (rc != 0 || make_peer(c->peer, &peer) != 0) {
			ok(0, "'%s' vs %s port %u: setup failed (%s)",
			   c->rules, c->peer, c->port, rc != 0 ? err : "peer");
			continue;
		}
		is_int(tk_rules_match(&rules, peer.sa, peer.len, c->port),
		       c->want, "'%s' %s %s port %u", c->rules,
		       c->want ? "matches" : "does not match", c->peer, c->port);
	}
}

static void test_separators(void)
{
	for (size_t i = 0; i < sizeof sep_cases / sizeof sep_cases[0]; i++) {
		const struct sep_case *c = &sep_cases[i];
		struct tk_rules rules;
		struct peer a, b;
		char err[160];
		int rc = tk_rules_parse(c->rules, &rules, err, sizeof err);

		if (!is_int(rc, 0, "separators: list %zu parses", i)) {
			diag("  err: %s", err);
			continue;
		}
		is_int(rules.count, c->count, "separators: list %zu has %u rules",
		       i, c->count);
		make_peer("192.0.2.1", &a);
		make_peer("192.0.2.2", &b);
		ok(tk_rules_match(&rules, a.sa, a.len, 1) &&
		   !tk_rules_match(&rules, b.sa, b.len, 23) &&
		   tk_rules_match(&rules, b.sa, b.len, 22) == (c->count == 2),
		   "separators: list %zu matches as written", i);
	}
}

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct tk_rules rules;
		struct peer peer;
		char err[160];
		int rc;

		/* Start from a parsed list, so "left empty" is observable. */
		if (tk_rules_parse(":1-65535 0.0.0.0/0", &rules, err, sizeof err) != 0)
			ok(0, "setup list parses");
		memset(err, 'x', sizeof err);
		rc = tk_rules_parse(c->rules, &rules, err, sizeof err);
		is_int(rc, -1, "'%s' is refused", c->rules);
		is_int(rules.count, 0, "'%s' leaves the list empty", c->rules);
		if (!ok(memchr(err, '\0', sizeof err) != NULL &&
			strstr(err, c->needle) != NULL,
			"'%s': error names %s", c->rules, c->needle))
			diag("  err: %.159s", err);
		else
			diag("  err: %s", err);
		make_peer("192.0.2.1", &peer);
		ok(!tk_rules_match(&rules, peer.sa, peer.len, 80),
		   "'%s': the refused list matches nothing", c->rules);
	}
}

static void test_limits(void)
{
	char list[TK_RULES_MAX * 16 + 64];
	char err[160];
	struct tk_rules rules;
	struct peer peer;
	size_t used = 0;
	int rc;

	for (unsigned i = 0; i < TK_RULES_MAX; i++)
		used += (size_t)snprintf(list + used, sizeof list - used,
					 "%s10.0.%u.0/24", i ? "," : "", i);
	rc = tk_rules_parse(list, &rules, err, sizeof err);
	is_int(rc, 0, "%d rules are accepted", TK_RULES_MAX);
	is_int(rules.count, TK_RULES_MAX, "all %d are stored", TK_RULES_MAX);
	make_peer("10.0.63.9", &peer);
	ok(tk_rules_match(&rules, peer.sa, peer.len, 1), "the last of them matches");
	make_peer("10.0.64.9", &peer);
	ok(!tk_rules_match(&rules, peer.sa, peer.len, 1), "and no more");

	snprintf(list + used, sizeof list - used, " :7777");
	rc = tk_rules_parse(list, &rules, err, sizeof err);
	is_int(rc, -1, "%d rules are refused", TK_RULES_MAX + 1);
	is_int(rules.count, 0, "and leave the list empty");
	ok(strstr(err, "':7777'") != NULL && strstr(err, "more than 64") != NULL,
	   "the error names the extra rule: %s", err);

	/* A long rule is cut in the message, the message always terminated. */
	memset(list, '1', 300);
	list[300] = '\0';
	rc = tk_rules_parse(list, &rules, err, sizeof err);
	is_int(rc, -1, "a 300-byte rule is refused");
	ok(strstr(err, "...") != NULL && strlen(err) < 100,
	   "its message is cut: %s", err);

	rc = tk_rules_parse("bogus-rule-text", &rules, err, 8);
	ok(rc == -1 && strlen(err) == 7, "a short error buffer is filled and terminated");
	rc = tk_rules_parse("bogus", &rules, NULL, 0);
	ok(rc == -1 && rules.count == 0, "no error buffer at all is fine");
	rc = tk_rules_parse(NULL, &rules, err, sizeof err);
	ok(rc == -1 && rules.count == 0, "a NULL list is refused");

	/* Control characters in the quoted rule are escaped. */
	rc = tk_rules_parse("ab\x01" "c", &rules, err, sizeof err);
	ok(rc == -1 && strstr(err, "ab\\x01c") != NULL,
	   "control characters are escaped: %s", err);
}

/* What is stored, for the forms whose storage is a decision. */
static void test_stored(void)
{
	struct tk_rules r;
	char err[160];
	static const uint8_t ten[4] = { 10, 0, 0, 0 };
	uint8_t v6[16];

	if (is_int(tk_rules_parse("10.1.2.3/8", &r, err, sizeof err), 0,
		   "10.1.2.3/8 parses"))
		ok(r.rule[0].kind == TK_RULE_V4 && r.rule[0].prefix == 8 &&
		   memcmp(r.rule[0].addr, ten, 4) == 0 &&
		   r.rule[0].port_lo == 0 && r.rule[0].port_hi == 65535,
		   "stored as 10.0.0.0/8, any port");
	if (is_int(tk_rules_parse("::ffff:10.0.0.0/104", &r, err, sizeof err), 0,
		   "::ffff:10.0.0.0/104 parses"))
		ok(r.rule[0].kind == TK_RULE_V4 && r.rule[0].prefix == 8 &&
		   memcmp(r.rule[0].addr, ten, 4) == 0,
		   "stored as the IPv4 rule 10.0.0.0/8");
	if (is_int(tk_rules_parse("::ffff:0:0/95", &r, err, sizeof err), 0,
		   "::ffff:0:0/95 parses"))
		ok(r.rule[0].kind == TK_RULE_V6 && r.rule[0].prefix == 95,
		   "a block wider than the mapped range stays IPv6");
	if (is_int(tk_rules_parse("[2001:db8::/32]:443", &r, err, sizeof err), 0,
		   "[2001:db8::/32]:443 parses")) {
		inet_pton(AF_INET6, "2001:db8::", v6);
		ok(r.rule[0].kind == TK_RULE_V6 && r.rule[0].prefix == 32 &&
		   memcmp(r.rule[0].addr, v6, 16) == 0 &&
		   r.rule[0].port_lo == 443 && r.rule[0].port_hi == 443,
		   "stored as 2001:db8::/32 port 443");
	}
	if (is_int(tk_rules_parse("2001:db8::1:443", &r, err, sizeof err), 0,
		   "2001:db8::1:443 parses")) {
		inet_pton(AF_INET6, "2001:db8::1:443", v6);
		ok(r.rule[0].kind == TK_RULE_V6 && r.rule[0].prefix == 128 &&
		   memcmp(r.rule[0].addr, v6, 16) == 0 &&
		   r.rule[0].port_lo == 0 && r.rule[0].port_hi == 65535,
		   "stored as the address 2001:db8::1:443/128, any port");
	}
	if (is_int(tk_rules_parse("Loopback:22 :80-90", &r, err, sizeof err), 0,
		   "Loopback:22 :80-90 parses"))
		ok(r.count == 2 && r.rule[0].kind == TK_RULE_LOOPBACK &&
		   r.rule[0].port_lo == 22 && r.rule[0].port_hi == 22 &&
		   r.rule[1].kind == TK_RULE_ANY &&
		   r.rule[1].port_lo == 80 && r.rule[1].port_hi == 90,
		   "stored as loopback port 22, any address ports 80-90");
}

static void test_merging(void)
{
	for (size_t i = 0; i < sizeof merge_cases / sizeof merge_cases[0]; i++) {
		const struct merge_case *c = &merge_cases[i];
		struct tk_rules rules;
		struct peer peer;
		char err[160];

		if (!is_int(tk_rules_parse(c->rules, &rules, err, sizeof err), 0,
			    "'%s' parses", c->rules)) {
			diag("  err: %s", err);
			continue;
		}
		ok(rules.index.n4 == c->n4 && rules.index.n6 == c->n6 &&
		   rules.index.nported == c->nported,
		   "'%s' keeps %u IPv4 and %u IPv6 intervals, %u rules with ports"
		   " (has %u, %u, %u)", c->rules, c->n4, c->n6, c->nported,
		   rules.index.n4, rules.index.n6, rules.index.nported);
		for (size_t k = 0; k < 6 && c->yes[k] != NULL; k++) {
			if (make_peer(c->yes[k], &peer) != 0) {
				ok(0, "peer %s", c->yes[k]);
				continue;
			}
			ok(tk_rules_match(&rules, peer.sa, peer.len, 1),
			   "'%s' matches %s", c->rules, c->yes[k]);
		}
		for (size_t k = 0; k < 6 && c->no[k] != NULL; k++) {
			if (make_peer(c->no[k], &peer) != 0) {
				ok(0, "peer %s", c->no[k]);
				continue;
			}
			ok(!tk_rules_match(&rules, peer.sa, peer.len, 1),
			   "'%s' does not match %s", c->rules, c->no[k]);
		}
	}
}

static bool match_text(const struct tk_rules *rules, const char *text,
		       uint16_t port)
{
	struct peer peer;

	return make_peer(text, &peer) == 0 &&
	       tk_rules_match(rules, peer.sa, peer.len, port);
}

/* Full lists, written in a scrambled order (i * 37 mod 64 visits every
 * slot once): every search step is used. */
static void test_full_lists(void)
{
	char list[TK_RULES_MAX * 48];
	char addr[64];
	struct tk_rules rules;
	char err[160];
	size_t used;
	unsigned bad;

	/* 64 single addresses with gaps: 64 intervals. */
	used = 0;
	for (unsigned i = 0; i < TK_RULES_MAX; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s10.0.%u.%u",
					 i ? "," : "", (i * 37) % 64, 4 * ((i * 37) % 64) + 1);
	if (is_int(tk_rules_parse(list, &rules, err, sizeof err), 0,
		   "64 separate IPv4 addresses parse")) {
		is_int(rules.index.n4, 64, "they stay 64 intervals");
		bad = 0;
		for (unsigned i = 0; i < 64; i++) {
			snprintf(addr, sizeof addr, "10.0.%u.%u", i, 4 * i + 1);
			bad += !match_text(&rules, addr, 1);
			snprintf(addr, sizeof addr, "10.0.%u.%u", i, 4 * i);
			bad += match_text(&rules, addr, 1);
			snprintf(addr, sizeof addr, "10.0.%u.%u", i, 4 * i + 2);
			bad += match_text(&rules, addr, 1);
		}
		is_int(bad, 0, "each matches, its neighbours do not");
	}

	/* 64 /30 blocks that tile 10.0.0.0/24: one interval. */
	used = 0;
	for (unsigned i = 0; i < TK_RULES_MAX; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s10.0.0.%u/30",
					 i ? " " : "", 4 * ((i * 37) % 64));
	if (is_int(tk_rules_parse(list, &rules, err, sizeof err), 0,
		   "64 /30 blocks tiling a /24 parse")) {
		is_int(rules.index.n4, 1, "they merge into one interval");
		ok(match_text(&rules, "10.0.0.0", 1) &&
		   match_text(&rules, "10.0.0.128", 1) &&
		   match_text(&rules, "10.0.0.255", 1) &&
		   !match_text(&rules, "9.255.255.255", 1) &&
		   !match_text(&rules, "10.0.1.0", 1),
		   "which is 10.0.0.0 to 10.0.0.255");
	}

	/* 64 IPv6 addresses with gaps. */
	used = 0;
	for (unsigned i = 0; i < TK_RULES_MAX; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s2001:db8::%x",
					 i ? "," : "", 2 * ((i * 37) % 64) + 1);
	if (is_int(tk_rules_parse(list, &rules, err, sizeof err), 0,
		   "64 separate IPv6 addresses parse")) {
		is_int(rules.index.n6, 64, "they stay 64 intervals");
		bad = 0;
		for (unsigned i = 0; i < 64; i++) {
			snprintf(addr, sizeof addr, "2001:db8::%x", 2 * i + 1);
			bad += !match_text(&rules, addr, 1);
			snprintf(addr, sizeof addr, "2001:db8::%x", 2 * i);
			bad += match_text(&rules, addr, 1);
		}
		bad += match_text(&rules, "2001:db8::82", 1);
		is_int(bad, 0, "each matches, its neighbours do not");
	}

	/* 32 of each family. */
	used = 0;
	for (unsigned i = 0; i < TK_RULES_MAX; i++) {
		unsigned k = (i * 37) % 64;

		if (k % 2)
			used += (size_t)snprintf(list + used, sizeof list - used,
						 "%s192.0.%u.0/24", i ? "," : "", k);
		else
			used += (size_t)snprintf(list + used, sizeof list - used,
						 "%s2001:db8:%x::/48", i ? "," : "", k);
	}
	if (is_int(tk_rules_parse(list, &rules, err, sizeof err), 0,
		   "32 IPv4 and 32 IPv6 blocks parse")) {
		ok(rules.index.n4 == 32 && rules.index.n6 == 32,
		   "they keep 32 intervals each");
		bad = 0;
		for (unsigned k = 0; k < 64; k++) {
			if (k % 2) {
				snprintf(addr, sizeof addr, "192.0.%u.255", k);
				bad += !match_text(&rules, addr, 1);
				snprintf(addr, sizeof addr, "192.0.%u.0", k + 1);
				bad += match_text(&rules, addr, 1);
			} else {
				snprintf(addr, sizeof addr, "2001:db8:%x::", k);
				bad += !match_text(&rules, addr, 1);
				snprintf(addr, sizeof addr, "2001:db8:%x::", k + 1);
				bad += match_text(&rules, addr, 1);
			}
		}
		is_int(bad, 0, "each matches at its edge, the next block does not");
	}

	/* 64 rules with ports: all in the list, none in the intervals. */
	used = 0;
	for (unsigned i = 0; i < TK_RULES_MAX; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s10.0.0.%u:%u",
					 i ? "," : "", i, 1000 + i);
	if (is_int(tk_rules_parse(list, &rules, err, sizeof err), 0,
		   "64 rules with ports parse")) {
		ok(rules.index.nported == 64 && rules.index.n4 == 0,
		   "they are all checked one by one");
		ok(match_text(&rules, "10.0.0.63", 1063) &&
		   !match_text(&rules, "10.0.0.63", 1062) &&
		   !match_text(&rules, "10.0.0.64", 1064) &&
		   match_text(&rules, "10.0.0.0", 1000),
		   "the first and the last of them match, as written");
	}
}

/* The search reads all 64 entries of each interval array: past the real
 * ones, every entry is the last one again (rules.h), whatever the count
 * (the padding is stored four at a time from the top). */
static void test_padding(void)
{
	static const char *const lists[] = {
		"loopback", "10.0.0.0/8", "10.0.0.0/8 192.168.0.0/16 172.16.0.0/12",
		"loopback 10.0.0.0/8 2001:db8::/32 fe80::/10 192.0.2.1",
		"1.0.0.1 1.0.0.3 1.0.0.5 1.0.0.7 1.0.0.9 ::2 ::4 ::6 ::8 ::a ::c",
	};

	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		static struct tk_rules rules;
		const struct tk_rules_index *x = &rules.index;
		bool padded = true;

		if (!ok(tk_rules_parse(lists[i], &rules, NULL, 0) == 0,
			"'%s' parses", lists[i]))
			continue;
		for (unsigned k = x->n4; x->n4 > 0 && k < TK_RULES_MAX; k++)
			padded = padded &&
				x->v4[k].first == x->v4[x->n4 - 1].first &&
				x->v4[k].span == x->v4[x->n4 - 1].span;
		for (unsigned k = x->n6; x->n6 > 0 && k < TK_RULES_MAX; k++)
			padded = padded &&
				memcmp(&x->v6[k], &x->v6[x->n6 - 1],
				       sizeof x->v6[k]) == 0;
		ok(padded && x->n4 + x->n6 > 0,
		   "'%s': %u and %u intervals, the last one repeated to %d",
		   lists[i], x->n4, x->n6, TK_RULES_MAX);
	}
}

int main(void)
{
	test_matches();
	test_separators();
	test_bad();
	test_limits();
	test_stored();
	test_merging();
	test_full_lists();
	test_padding();
	return done_testing();
}
