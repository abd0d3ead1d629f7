/* SPDX-License-Identifier: MIT */
/* print-env: the environment as export lines for eval. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

extern char **environ;

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
	size_t count = 0, n = 0;
	const char **vars;

	for (char **e = environ; *e != NULL; e++)
		count++;
	vars = calloc(count + 1, sizeof *vars);
	if (vars == NULL) {
		perror(me);
		return 1;
	}
	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "TCPKEEP_", 8) == 0 && strchr(*e, '=') != NULL)
			vars[n++] = *e;
	qsort(vars, n, sizeof *vars, by_name);
	print_export("LD_PRELOAD", 10, preload);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(vars[i], '=');
		print_export(vars[i], (size_t)(eq - vars[i]), eq + 1);
	}
	free(vars);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the environment: %s\n", me,
			strerror(errno));
		return 1;
	}
	return 0;
}
