/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: tk_rules_parse and tk_rules_match.  The input is a
 * rule list, then (after the first NUL byte, if any) the bytes of a peer:
 * a selector, 16 address bytes, a port and a length adjustment.  Checks
 * what libtcpkeep(7), ENVIRONMENT, and src/common/rules.h promise: bounded
 * storage, ordered port ranges, and that a v4-mapped IPv6 peer matches
 * exactly as the IPv4 peer it stands for. */
#include "autoconfig.h"
#include "common/rules.h"

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t textlen = nul != NULL ? (size_t)(nul - data) : size;
	char *text = fuzz_string(data, textlen);
	uint8_t peer[20] = { 0 };
	struct tk_rules *rules = malloc(sizeof *rules);
	char err[160];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6, mapped;
	uint16_t port;
	int r;

	if (rules == NULL)
		abort();
	if (nul != NULL)
		memcpy(peer, nul + 1, size - textlen - 1 < sizeof peer ?
		       size - textlen - 1 : sizeof peer);

	r = tk_rules_parse(text, rules, err, sizeof err);
	CHECK(memchr(err, '\0', sizeof err) != NULL);
	if (r < 0) {
		CHECK(rules->count == 0);
		CHECK(err[0] != '\0');
		free(rules);
		free(text);
		return 0;
	}
	CHECK(rules->count >= 1 && rules->count <= TK_RULES_MAX);
	for (unsigned i = 0; i < rules->count; i++) {
		const struct tk_rule *ru = &rules->rule[i];

		CHECK(ru->port_lo <= ru->port_hi);
		CHECK(ru->kind != TK_RULE_V4 || ru->prefix <= 32);
		CHECK(ru->kind != TK_RULE_V6 || ru->prefix <= 128);
	}

	port = (uint16_t)(peer[17] << 8 | peer[18]);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, peer + 1, 4);
	memset(&mapped, 0, sizeof mapped);
	mapped.sin6_family = AF_INET6;
	mapped.sin6_addr.s6_addr[10] = 0xff;
	mapped.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&mapped.sin6_addr.s6_addr[12], peer + 1, 4);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	memcpy(&sin6.sin6_addr, peer + 1, 16);

	/* v4-mapped is IPv4, for every rule. */
	CHECK(tk_rules_match(rules, (struct sockaddr *)&sin, sizeof sin, port) ==
	      tk_rules_match(rules, (struct sockaddr *)&mapped, sizeof mapped, port));
	(void)tk_rules_match(rules, (struct sockaddr *)&sin6, sizeof sin6, port);
	/* A missing or short peer matches only port-only rules, and never
	 * reads past what it was given. */
	{
		bool v6 = peer[0] & 1;
		uint8_t src[sizeof sin6];
		socklen_t short_len = (socklen_t)(peer[19] % sizeof src);
		socklen_t needed = v6 ? (socklen_t)(offsetof(struct sockaddr_in6, sin6_addr) + 16)
				      : (socklen_t)(offsetof(struct sockaddr_in, sin_addr) + 4);
		uint8_t *cut = malloc(short_len ? short_len : 1);
		bool any_port_only = false;

		if (cut == NULL)
			abort();
		memset(src, 0, sizeof src);
		if (v6)
			memcpy(src, &sin6, sizeof sin6);
		else
			memcpy(src, &sin, sizeof sin);
		memcpy(cut, src, short_len);
		for (unsigned i = 0; i < rules->count; i++)
			if (rules->rule[i].kind == TK_RULE_ANY &&
			    port >= rules->rule[i].port_lo &&
			    port <= rules->rule[i].port_hi)
				any_port_only = true;
		CHECK(tk_rules_match(rules, NULL, 0, port) == any_port_only);
		if (short_len < needed)
			CHECK(tk_rules_match(rules, (struct sockaddr *)(void *)cut,
					     short_len, port) == any_port_only);
		free(cut);
	}
	free(rules);
	free(text);
	return 0;
}
