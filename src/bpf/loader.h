/* SPDX-License-Identifier: MIT */
/* The loader (loader.c): the eBPF object embedded in tcpkeep-bpf, filled
 * with one configuration, loaded, attached to one cgroup. */
#ifndef TCPKEEP_BPF_LOADER_H
#define TCPKEEP_BPF_LOADER_H

#include <stdio.h>

#include "common/config.h"
#include "host/exit.h"
#include "host/say.h"

struct tk_bpf;

/* Loads the programs with CFG.  On failure says what is missing (root or
 * CAP_BPF and CAP_NET_ADMIN, kernel support) in one line and returns
 * NULL.  DEBUG: the verifier's log goes to stderr too. */
struct tk_bpf *tk_bpf_load(const struct tk_config *cfg);

/* Attaches both programs to the cgroup directory CGROUP_FD (PATH for
 * messages) with bpf links.  -1 after one line on stderr. */
int tk_bpf_attach(struct tk_bpf *bpf, int cgroup_fd, const char *path);

/* Pins the links in DIR (DIR/sockops, DIR/sockopt), replacing earlier
 * pins there.  -1 after one line on stderr. */
int tk_bpf_pin(struct tk_bpf *bpf, const char *dir);

/* Closes everything: links that are not pinned are detached. */
void tk_bpf_close(struct tk_bpf *bpf);

#endif
