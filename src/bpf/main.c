/* SPDX-License-Identifier: MIT */
/* tcpkeep-bpf: eBPF mode (tcpkeep(1), EBPF MODE), run by the tcpkeep wrapper.
 *
 *   tcpkeep-bpf run [--] COMMAND [ARG...]     run.c
 *   tcpkeep-bpf attach PATH                   attach.c
 *   tcpkeep-bpf detach PATH                   attach.c
 *   tcpkeep-bpf check                         check.c
 *
 * The configuration is the TCPKEEP_* environment, read by the common
 * parser (the wrapper has validated it).
 *
 * Exit status 125 when nothing could be started (privileges, kernel
 * support, cgroup v2), 126/127 when COMMAND cannot be run. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "commands.h"
#include "config.h"
#include "loader.h"
#include "conftool.h"

/* ------------------------------------------------------------ config */

static void warn_value(void *ctx, const char *var, const char *value,
		       const char *accepted)
{
	char buf[256];

	(void)ctx;
	tk_escape_value(buf, sizeof buf, value, 200);
	tk_say("ignoring %s='%s': expected %s", var, buf, accepted);
}

/* The file's [defaults], [program PROGRAM] above them when the command
 * is known (run, check: this process), and the environment on top. */
void load_config(struct tk_config *cfg)
{
	load_config_for(cfg, "");
}

void load_config_for(struct tk_config *cfg, const char *program)
{
	unsigned file_problems;

	(void)tk_tool_config(cfg, program, warn_value, NULL, "tcpkeep",
			     &file_problems);
}

/* The raw rule lists, for the record, as the parser read them. */
const char *raw_rules(const char *var)
{
	const char *v = getenv(var);

	return v != NULL ? v : "";
}

int find_cgroup_v2(char *mount, size_t mountlen, char *own,
		   size_t ownlen)
{
	if (tk_cg_find(mount, mountlen, own, ownlen) == 0)
		return 0;
	tk_say("eBPF mode needs a cgroup v2 hierarchy, and none is mounted "
	       "(no cgroup2 line in /proc/self/mountinfo, or this process's "
	       "cgroup is not in it)");
	return -1;
}

/* ------------------------------------------------------------ main */

static int usage(void)
{
	tk_say("tcpkeep-bpf is run by the tcpkeep wrapper (tcpkeep --bpf, "
	       "--cgroup PATH [--detach], --bpf --check), not directly");
	return EXIT_SETUP;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "run") == 0) {
		int first = argc > 2 && strcmp(argv[2], "--") == 0 ? 3 : 2;

		if (first >= argc) {
			tk_say("no command given");
			return EXIT_SETUP;
		}
		return cmd_run(argv + first);
	}
	if (strcmp(argv[1], "attach") == 0 && argc == 3)
		return cmd_attach(argv[2]);
	if (strcmp(argv[1], "detach") == 0 && argc == 3)
		return cmd_detach(argv[2]);
	if (strcmp(argv[1], "check") == 0 && argc == 2)
		return cmd_check();
	return usage();
}
