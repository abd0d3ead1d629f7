/* SPDX-License-Identifier: MIT */
/* The configuration of tcpkeep-bpf: the host's configuration file under
 * the TCPKEEP_* environment the wrapper validated, and the cgroup v2
 * hierarchy eBPF mode needs. */
#ifndef TCPKEEP_BPF_CONFIG_H
#define TCPKEEP_BPF_CONFIG_H

#include <stddef.h>

#include "common/config.h"

/* The file's [defaults], [program PROGRAM] above them (PROGRAM an
 * absolute path; "" for [defaults] only), and the environment on top;
 * bad values and the file's problems warned about on stderr.
 * load_config() is load_config_for() with "". */
void load_config(struct tk_config *cfg);
void load_config_for(struct tk_config *cfg, const char *program);

/* The raw rule lists, for the record, as the parser read them. */
const char *raw_rules(const char *var);

/* The cgroup v2 mount point and this process's cgroup below it; -1
 * after one line on stderr when there is no cgroup v2 hierarchy. */
int find_cgroup_v2(char *mount, size_t mountlen, char *own, size_t ownlen);

#endif
