/* SPDX-License-Identifier: MIT */
/* tcpkeep-bpf: eBPF mode (tcpkeep(1), EBPF MODE), run by the tcpkeep wrapper.
 *
 *   tcpkeep-bpf run [--] COMMAND [ARG...]     run.c
 *   tcpkeep-bpf attach PATH                   attach.c
 *   tcpkeep-bpf detach PATH                   attach.c
 *   tcpkeep-bpf check                         check.c
 *
 * This file only dispatches: each command reads its configuration
 * (config.c) itself, so nothing calls back here.
 *
 * Exit status 125 when nothing could be started (privileges, kernel
 * support, cgroup v2), 126/127 when COMMAND cannot be run. */
#include "autoconfig.h"

#include <stddef.h>
#include <string.h>

#include "bpf/commands.h"
#include "host/exit.h"
#include "host/say.h"

static const struct command {
	const char *name;
	int min_args, max_args;	/* after the name; -1: no limit */
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", 0, -1, cmd_run },
	{ "attach", 1, 1, cmd_attach },
	{ "detach", 1, 1, cmd_detach },
	{ "check", 0, 0, cmd_check },
};

static int usage(void)
{
	tk_say("tcpkeep-bpf is run by the tcpkeep wrapper (tcpkeep --bpf, "
	       "--cgroup PATH [--detach], --bpf --check), not directly");
	return TK_EXIT_NOT_STARTED;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		const struct command *c = &commands[i];
		int n = argc - 2;

		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (n < c->min_args || (c->max_args >= 0 && n > c->max_args))
			break;
		return c->fn(n, argv + 2);
	}
	return usage();
}
