/* SPDX-License-Identifier: MIT */
/* rulesloop: calls tk_rules_match() N times on one rule list and one peer,
 * for counting instructions per call with callgrind (bench/rules.sh runs
 * it at two values of N and prints the difference per call).
 *
 *   rulesloop CASE N
 *
 * CASE names the list and the peer:
 *   v4-miss, v4-hit    32 random IPv4 CIDR blocks (/8 to /28); a peer in
 *                      none of them, or in the 8th
 *   v6-miss, v6-hit    32 random IPv6 blocks in 2001::/16 (/24 to /64)
 *   mix-miss, mix-hit  28 IPv4 blocks and 4 IPv4 blocks with a port each;
 *                      a peer in none, or in the 8th block
 *   mix-port           the same list, a peer and port of a port rule
 *   bench-miss, bench-hit
 *                      the list of bench/run.sh (31 x 10.N.0.0/16, then
 *                      127.0.0.0/8); 192.0.2.1 or 127.0.0.1
 * The random lists come from a fixed seed: every run sees the same list.
 * Exit status 0 when every call gave the expected verdict. */
#include "autoconfig.h"
#include "common/rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 11);
}

static size_t add(char *list, size_t size, size_t used, const char *text)
{
	size_t n = strlen(text);

	if (used + n + 2 > size)
		return used;
	if (used > 0)
		list[used++] = ',';
	memcpy(list + used, text, n + 1);
	return used + n;
}

int main(int argc, char **argv)
{
	static struct tk_rules rules;
	char list[4096] = "", rule[80], err[200];
	size_t used = 0;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	const char *which;
	long n, matched = 0;
	bool want;
	uint16_t port = 5000;
	uint32_t hit4 = 0, port4 = 0;
	uint8_t hit6[16] = { 0 };

	if (argc != 3 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: rulesloop CASE N\n");
		return 2;
	}
	which = argv[1];
	memset(&ss, 0, sizeof ss);
	want = strstr(which, "hit") != NULL || strstr(which, "port") != NULL;
	if (strncmp(which, "bench", 5) == 0) {
		for (int i = 0; i < 31; i++) {
			snprintf(rule, sizeof rule, "10.%d.0.0/16", i);
			used = add(list, sizeof list, used, rule);
		}
		add(list, sizeof list, used, "127.0.0.0/8");
		hit4 = 0x7f000001;
	} else if (strncmp(which, "v6", 2) == 0) {
		for (int i = 0; i < 32; i++) {
			uint8_t a[16];
			char text[INET6_ADDRSTRLEN];

			a[0] = 0x20;
			a[1] = 0x01;
			for (int k = 2; k < 16; k++)
				a[k] = (uint8_t)rnd();
			if (i == 7)
				memcpy(hit6, a, 16);
			inet_ntop(AF_INET6, a, text, sizeof text);
			snprintf(rule, sizeof rule, "%s/%u", text, 24 + rnd() % 41);
			used = add(list, sizeof list, used, rule);
		}
	} else {
		bool mix = strncmp(which, "mix", 3) == 0;

		for (int i = 0; i < 32; i++) {
			uint32_t a = rnd() | 0x01000000;
			unsigned prefix = 8 + rnd() % 21;
			int w = snprintf(rule, sizeof rule, "%u.%u.%u.%u/%u",
					 a >> 24, (a >> 16) & 255, (a >> 8) & 255,
					 a & 255, prefix);

			if (mix && i >= 28)
				snprintf(rule + w, sizeof rule - (size_t)w, ":%d",
					 6000 + i);
			if (i == 7)
				hit4 = a;
			if (i == 30)
				port4 = a;
			used = add(list, sizeof list, used, rule);
		}
	}
	if (tk_rules_parse(list, &rules, err, sizeof err) != 0) {
		fprintf(stderr, "rulesloop: %s\n", err);
		return 2;
	}
	if (strncmp(which, "v6", 2) == 0) {
		sin6->sin6_family = AF_INET6;
		if (want)
			memcpy(&sin6->sin6_addr, hit6, 16);
		else
			inet_pton(AF_INET6, "3001:db8::1", &sin6->sin6_addr);
		len = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		if (strcmp(which, "mix-port") == 0) {
			sin->sin_addr.s_addr = htonl(port4);
			port = 6030;
		} else {
			sin->sin_addr.s_addr = htonl(want ? hit4 : 0xc0000201);
		}
		len = sizeof *sin;
	}
	for (long i = 0; i < n; i++) {
		/* Nothing may be hoisted out of the loop. */
		__asm__ volatile("" : : : "memory");
		matched += tk_rules_match(&rules, (const struct sockaddr *)&ss,
					  len, port);
	}
	if (matched != (want ? n : 0)) {
		fprintf(stderr, "rulesloop %s: %ld of %ld calls matched\n",
			which, matched, n);
		return 1;
	}
	return 0;
}
