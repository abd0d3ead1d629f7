/* SPDX-License-Identifier: MIT */
/* The connections a cgroup tree holds when tcpkeep --cgroup attaches to it
 * (tcpkeep(1), EBPF MODE), and the selection of tcpkeep --status --cgroup.
 *
 * A socket is "in the cgroup" when a process of the tree holds it in its
 * descriptor table: the members are read from cgroup.procs of the
 * directory and of every directory below it, and their sockets are
 * configured as --pid configures them (pid.c), by the same code.  The
 * wrapper runs this after tcpkeep-bpf attach, so a connection made between
 * the two is reached by both, with the same values; tcpkeep-bpf itself
 * knows nothing of the helper. */
#include "autoconfig.h"

#include "common/config.h"
#include "cli/helper.h"
#include "host/conftool.h"
#include "host/running.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
# define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Deeper than any cgroup tree a system makes (systemd's are under ten);
 * a bound, so that a loop of bind mounts cannot recurse for ever. */
#define TK_CG_MAX_DEPTH 64

struct members {
	pid_t *v;
	size_t n, cap, notseen;
};

static int add(struct members *m, pid_t pid)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		pid_t *v = realloc(m->v, cap * sizeof *v);

		if (v == NULL)
			return -1;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = pid;
	return 0;
}

/* cgroup.procs of the directory DIRFD, then its subdirectories.  A
 * directory that goes away meanwhile, or a threaded cgroup whose
 * cgroup.procs cannot be read (its processes are listed by its domain),
 * adds nothing. */
static int walk(int dirfd, unsigned depth, struct members *m)
{
	char line[32];
	DIR *d;
	FILE *f;
	int fd;

	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (f = fdopen(fd, "re")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			pid_t pid;

			line[strcspn(line, "\n")] = '\0';
			if (strcmp(line, "0") == 0)
				m->notseen++;
			else if (tk_parse_pid(line, &pid) == 0 && add(m, pid) < 0) {
				fclose(f);
				return -1;
			}
		}
		fclose(f);
	} else if (fd >= 0) {
		close(fd);
	}
	if (depth >= TK_CG_MAX_DEPTH)
		return 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		int sub;

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		sub = openat(dirfd, e->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (walk(sub, depth + 1, m) < 0) {
			close(sub);
			closedir(d);
			return -1;
		}
		close(sub);
	}
	closedir(d);
	return 0;
}

int tk_cgroup_pids(const char *path, pid_t **pids, size_t *n,
		   size_t *notseen)
{
	struct members m = { 0 };
	struct statfs fs;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*pids = NULL;
	*n = *notseen = 0;
	if (fd < 0) {
		fprintf(stderr, "tcpkeep: cannot use the cgroup '%s': %s\n",
			path, strerror(errno));
		return -1;
	}
	if (fstatfs(fd, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
		fprintf(stderr, "tcpkeep: '%s' is not a directory of the cgroup v2 hierarchy\n",
			path);
		close(fd);
		return -1;
	}
	if (walk(fd, 0, &m) < 0) {
		perror("tcpkeep: reading the cgroup's processes");
		close(fd);
		free(m.v);
		return -1;
	}
	close(fd);
	*pids = m.v;
	*n = m.n;
	*notseen = m.notseen;
	return 0;
}

int tk_cgroup_main(int argc, char **argv)
{
	static struct tk_config cfg;	/* large: the rule tables */
	struct tk_pid_counts c;
	unsigned file_problems;
	size_t n, notseen;
	pid_t *pids;
	int failed;

	if (argc != 2 || strcmp(argv[0], "--") != 0) {
		fprintf(stderr, "tcpkeep: the cgroup mode needs one cgroup directory\n");
		return TK_EXIT_NOT_STARTED;
	}
	/* What tcpkeep-bpf attached for the cgroup: the file's [defaults]
	 * (it has said what is wrong with the file) under the environment. */
	if (tk_tool_config(&cfg, "", tk_pid_warn, NULL, false, &file_problems)
	    > 0)
		return TK_EXIT_NOT_STARTED;
	/* tcpkeep-bpf attached nothing and said so. */
	if (!cfg.enabled)
		return 0;
	if (tk_cgroup_pids(argv[1], &pids, &n, &notseen) < 0)
		return 1;
	printf("tcpkeep: the connections open now in %s (%zu process%s):\n",
	       argv[1], n, n == 1 ? "" : "es");
	fflush(stdout);
	failed = tk_pid_configure(&cfg, pids, n, TK_PID_MEMBERS, &c);
	if (notseen > 0) {
		fprintf(stderr, "tcpkeep: %zu process%s of %s in another PID namespace than this command: not reached (run it in the host's)\n",
			notseen, notseen == 1 ? "" : "es", argv[1]);
		c.procs_failed += notseen;
		failed = 1;
	}
	tk_pid_summary(&c);
	free(pids);
	return failed;
}
