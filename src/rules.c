/* Placeholder until the rule parser lands: every list is refused, so a
 * filter is ignored with a warning rather than taken as "match all". */
#include "rules.h"

#include <string.h>

int tk_rules_parse(const char *text, struct tk_rules *out,
		   char *err, size_t errlen)
{
	(void)text;
	out->count = 0;
	if (errlen > 0) {
		strncpy(err, "rule lists are not supported yet", errlen - 1);
		err[errlen - 1] = '\0';
	}
	return -1;
}

bool tk_rules_match(const struct tk_rules *rules,
		    const struct sockaddr *peer, socklen_t peerlen,
		    uint16_t service_port)
{
	(void)rules; (void)peer; (void)peerlen; (void)service_port;
	return false;
}
