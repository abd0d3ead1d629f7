/* SPDX-License-Identifier: MIT */
/* A process's cgroup v2 directory from mountinfo and /proc/PID/cgroup
 * (cgroups(7), "/proc files"). */
#include "autoconfig.h"

#include "host/cgroup.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

int tk_mount_find(const char *mountinfo, const char *fstype, char *point,
		  size_t pointlen, char *root, size_t rootlen)
{
	FILE *f = fopen(mountinfo, "re");
	char line[4096];
	int found = -1;

	if (f == NULL)
		return -1;
	while (found < 0 && fgets(line, sizeof line, f) != NULL) {
		char *field[5], *save = NULL, *sep, *type;
		int n = 0;

		/* The optional fields end at " - ", then the type. */
		sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		type = strtok_r(sep + 3, " ", &save);
		if (type == NULL || strcmp(type, fstype) != 0)
			continue;
		save = NULL;
		for (char *t = strtok_r(line, " ", &save); t != NULL && n < 5;
		     t = strtok_r(NULL, " ", &save))
			field[n++] = t;
		if (n < 5)
			continue;
		unescape(field[3]);
		unescape(field[4]);
		if (strlen(field[4]) >= pointlen ||
		    (root != NULL && strlen(field[3]) >= rootlen))
			continue;
		strcpy(point, field[4]);
		if (root != NULL)
			strcpy(root, field[3]);
		found = 0;
	}
	fclose(f);
	return found;
}

/* The group's path in the unified hierarchy: the "0::" line. */
static int group_of(const char *cgroup_file, char *rel, size_t len)
{
	char line[PATH_MAX + 8];
	int rc = -1;
	FILE *f = fopen(cgroup_file, "re");

	if (f == NULL)
		return -1;
	while (rc < 0 && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line + 3) < len) {
			strcpy(rel, line + 3);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

static int join(const char *mount, const char *root, const char *rel,
		char *buf, size_t len)
{
	size_t rootlen = strlen(root);
	int n;

	while (rootlen > 0 && root[rootlen - 1] == '/')
		rootlen--;
	if (strncmp(rel, root, rootlen) != 0 ||
	    (rel[rootlen] != '/' && rel[rootlen] != '\0'))
		return -1;	/* not below what the mount shows */
	rel += rootlen;
	n = snprintf(buf, len, "%s%s", mount, strcmp(rel, "/") == 0 ? "" : rel);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int tk_cgroup_dir_in(const char *mountinfo, const char *cgroup_file,
		     char *buf, size_t len)
{
	char mount[PATH_MAX], root[PATH_MAX], rel[PATH_MAX];

	if (tk_mount_find(mountinfo, "cgroup2", mount, sizeof mount, root,
			  sizeof root) < 0 ||
	    group_of(cgroup_file, rel, sizeof rel) < 0)
		return -1;
	return join(mount, root, rel, buf, len);
}

int tk_proc_cgroup(pid_t pid, char *buf, size_t len)
{
	static char mount[PATH_MAX], root[PATH_MAX];
	static int state;	/* 0 not looked, 1 found, -1 none */
	char file[64], rel[PATH_MAX];

	/* --status asks for every process: the mounts once. */
	if (state == 0)
		state = tk_mount_find("/proc/self/mountinfo", "cgroup2", mount,
				      sizeof mount, root, sizeof root) == 0 ?
			1 : -1;
	if (state < 0)
		return -1;
	if (pid == 0)
		snprintf(file, sizeof file, "/proc/self/cgroup");
	else
		snprintf(file, sizeof file, "/proc/%d/cgroup", (int)pid);
	if (group_of(file, rel, sizeof rel) < 0)
		return -1;
	return join(mount, root, rel, buf, len);
}
