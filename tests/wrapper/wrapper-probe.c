/* SPDX-License-Identifier: MIT */
/* A program for the wrapper's tests to run: prints its process ID and
 * whether the preload library is mapped into it, then exits with the status
 * given as its first argument.  Built dynamic and, for the warning about
 * what LD_PRELOAD cannot reach, statically linked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int library_mapped(void)
{
	char line[4096];
	int found = 0;
	FILE *maps = fopen("/proc/self/maps", "r");

	if (maps == NULL)
		return -1;
	while (!found && fgets(line, sizeof line, maps) != NULL)
		found = strstr(line, "libtcpkeep.so") != NULL;
	fclose(maps);
	return found;
}

int main(int argc, char **argv)
{
	printf("pid=%ld preloaded=%d\n", (long)getpid(), library_mapped());
	fflush(stdout);
	return argc > 1 ? (int)strtol(argv[1], NULL, 10) : 0;
}
