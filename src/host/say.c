/* SPDX-License-Identifier: MIT */
/* One line per message, written at once: lines of concurrent programs
 * (the wrapper's helper and tcpkeep-bpf) do not interleave mid-line. */
#include "autoconfig.h"

#include "host/say.h"

#include <stdarg.h>
#include <stdio.h>

const char tk_me[] = "tcpkeep";

void tk_say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", tk_me, line);
}
