/* SPDX-License-Identifier: MIT */
/* Where a process's cgroup v2 directory is: one answer for tcpkeep-bpf
 * (the cgroup it attaches to or runs in) and --status (which attachment
 * covers a process), so the two cannot disagree about one process. */
#ifndef TCPKEEP_HOST_CGROUP_H
#define TCPKEEP_HOST_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* The first mount of file system type FSTYPE listed in MOUNTINFO (a
 * /proc/PID/mountinfo file): its mount point and, unless ROOT is NULL,
 * the directory of the file system mounted there.  0, or -1. */
int tk_mount_find(const char *mountinfo, const char *fstype, char *point,
		  size_t pointlen, char *root, size_t rootlen);

/* The directory of the cgroup v2 group named by CGROUP_FILE (a
 * /proc/PID/cgroup file) under the cgroup2 mount of MOUNTINFO.  A mount
 * of a subtree (a container's view) shows the group's path below the
 * mount's root, so that root is taken off the path.  -1 when there is
 * no cgroup v2 mount or the group lies outside what it shows. */
int tk_cgroup_dir_in(const char *mountinfo, const char *cgroup_file,
		     char *buf, size_t len);

/* The same for process PID (0: the caller) through the caller's own
 * mounts, which are read once. */
int tk_proc_cgroup(pid_t pid, char *buf, size_t len);

#endif
