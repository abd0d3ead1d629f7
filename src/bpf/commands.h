/* SPDX-License-Identifier: MIT */
/* The commands of tcpkeep-bpf, dispatched by main.c (run.c, attach.c,
 * check.c), and the transient cgroups two of them make (transient.c). */
#ifndef TCPKEEP_BPF_COMMANDS_H
#define TCPKEEP_BPF_COMMANDS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

/* transient.c */
struct transient {
	char path[PATH_MAX];
	int dir_fd;		/* holds the lock that marks it as ours */
	uint64_t id;
};

/* Makes OWN/PREFIX<pid> and locks it, after removing what killed runs
 * left.  Holds the global lock meanwhile, so a concurrent start never
 * takes a new, still empty cgroup for a leftover.  With CFG, writes the
 * record of mode run. */
int make_transient(struct transient *t, const char *own,
		   const char *prefix, const struct tk_config *cfg);

/* Removes the cgroup, RECORD: and its record. */
void drop_transient(struct transient *t, bool record);

/* The commands, given the arguments after their name (main.c checked
 * how many): their exit status. */
int cmd_run(int argc, char **argv);	/* run.c: [--] COMMAND [ARG...] */
int cmd_attach(int argc, char **argv);	/* attach.c: PATH */
int cmd_detach(int argc, char **argv);	/* attach.c: PATH */
int cmd_check(int argc, char **argv);	/* check.c */

#endif
