/* SPDX-License-Identifier: MIT */
/* What the files of tcpkeep-bpf share: main.c (dispatch, configuration),
 * transient.c, and the commands run.c, attach.c, check.c. */
#ifndef TCPKEEP_BPF_COMMANDS_H
#define TCPKEEP_BPF_COMMANDS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* main.c: the TCPKEEP_* environment through the common parser, bad
 * values warned about on stderr. */
void load_config(struct tk_config *cfg);
void load_config_for(struct tk_config *cfg, const char *program);

/* The raw rule lists, for the record, as the parser read them. */
const char *raw_rules(const char *var);

/* The cgroup v2 mount point and this process's cgroup below it; -1
 * after one line on stderr when there is no cgroup v2 hierarchy. */
int find_cgroup_v2(char *mount, size_t mountlen, char *own, size_t ownlen);

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

/* The commands: their exit status. */
int cmd_run(char **argv);		/* run.c */
int cmd_attach(const char *arg);	/* attach.c */
int cmd_detach(const char *arg);	/* attach.c */
int cmd_check(void);			/* check.c */

#endif
