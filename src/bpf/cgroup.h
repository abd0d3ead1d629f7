/* SPDX-License-Identifier: MIT */
/* Cgroup v2 directories and the BPF file system as tcpkeep-bpf uses
 * them: its transient cgroups, its lock, the leftovers of killed runs. */
#ifndef TCPKEEP_BPF_CGROUP_H
#define TCPKEEP_BPF_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/records.h"

#define TK_LOCK_FILE	TK_RUN_DIR "/lock"
/* The names of the transient cgroups of `run` and `check`, made in the
 * caller's cgroup: the prefix and the process ID. */
#define TK_CG_RUN	"tcpkeep-run-"
#define TK_CG_CHECK	"tcpkeep-check-"

/* The mount point of the cgroup v2 hierarchy, from /proc/self/mountinfo,
 * and this process's cgroup directory below it (from /proc/self/cgroup).
 * -1 when there is no cgroup v2 hierarchy. */
int tk_cg_find(char *mount, size_t mountlen, char *own, size_t ownlen);

/* True when PATH is a directory of a cgroup v2 hierarchy. */
bool tk_cg_is_v2(const char *path);

/* The id of the cgroup v2 directory PATH; 0 when PATH is not one. */
uint64_t tk_cg_v2_id(const char *path);

/* The cgroup id: the directory's inode number.  0 on error. */
uint64_t tk_cg_id(const char *path);

/* Reads cgroup.events: 1 populated, 0 empty, -1 error. */
int tk_cg_populated(int events_fd);

/* rmdir, retried for a moment while the last tasks finish dying. */
int tk_cg_remove(const char *path);

/* Moves the calling process into the cgroup of the directory DIR_FD. */
int tk_cg_join(int dir_fd);

/* Serialises start-up and the clean-up of leftovers between concurrent
 * tcpkeep-bpf processes.  Returns the lock's descriptor, or -1. */
int tk_global_lock(void);
void tk_global_unlock(int fd);

/* The mount point of the BPF file system, mounted at /sys/fs/bpf when no
 * such file system is mounted yet; -1 with errno on failure. */
int tk_bpffs(char *out, size_t outlen);

/* Removes what killed runs left: transient cgroups no tcpkeep-bpf process
 * holds any more (empty ones are removed), records of those and of
 * cgroups that are gone, and the pinned links of attachments whose
 * cgroup is gone.  OWN_DIR is the caller's cgroup directory, where run
 * makes its cgroups (NULL: records only).  Call with the global lock
 * held. */
void tk_cleanup_leftovers(const char *own_dir);

#endif
