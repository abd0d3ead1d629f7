/* SPDX-License-Identifier: MIT */
/* print-env: the environment as export lines for eval.  Only the names
 * tcpkeep defines are printed (LD_PRELOAD and the library's TCPKEEP_
 * variables, the loader's own list), each value judged first like an
 * option's: an environment entry whose name holds shell syntax or a
 * newline is never printed, and a bad value is refused, not passed on. */
#include "autoconfig.h"

#include "common/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/helper.h"

/* NAME='value' with every ' written as '\'' : one token for sh, eval-safe
 * whatever the value holds. */
static void print_export(const char *name, size_t namelen, const char *value)
{
	printf("export %.*s='", (int)namelen, name);
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	}
	fputs("'\n", stdout);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int print_env(const char *preload)
{
	const char *names[64] = { NULL };
	size_t n = 0;

	/* The loader's list holds the aliases of earlier libraries too;
	 * those are not tcpkeep's to print. */
	for (const char *const *v = tk_config_names; *v != NULL; v++)
		if (strncmp(*v, "TCPKEEP_", 8) == 0 &&
		    n < sizeof names / sizeof names[0])
			names[n++] = *v;
	qsort(names, n, sizeof names[0], by_name);
	print_export("LD_PRELOAD", 10, preload);
	for (size_t i = 0; i < n; i++) {
		const char *value = getenv(names[i]);

		if (value != NULL)
			print_export(names[i], strlen(names[i]), value);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the environment: %s\n", tk_me,
			strerror(errno));
		return 1;
	}
	return 0;
}
