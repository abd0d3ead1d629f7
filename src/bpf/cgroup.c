/* SPDX-License-Identifier: MIT */
/* Cgroup v2 directories and the BPF file system as tcpkeep-bpf uses
 * them (see cgroup.h). */
#include "autoconfig.h"

#include "bpf/cgroup.h"
#include "host/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
# define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef BPF_FS_MAGIC
# define BPF_FS_MAGIC 0xcafe4a11
#endif

#define TK_BPFFS_DEFAULT "/sys/fs/bpf"

int tk_cg_find(char *mount, size_t mountlen, char *own, size_t ownlen)
{
	if (tk_mount_find("/proc/self/mountinfo", "cgroup2", mount, mountlen,
			  NULL, 0) < 0 ||
	    tk_proc_cgroup(0, own, ownlen) < 0 || !tk_cg_is_v2(own))
		return -1;
	return 0;
}

bool tk_cg_is_v2(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 &&
	       (unsigned long)sfs.f_type == (unsigned long)CGROUP2_SUPER_MAGIC;
}

uint64_t tk_cg_v2_id(const char *path)
{
	struct statfs sfs;
	struct stat st;
	uint64_t id = 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* One descriptor for both questions: the inode is a cgroup id only
	 * on the cgroup v2 file system, where any directory would give one. */
	if (fd < 0)
		return 0;
	if (fstatfs(fd, &sfs) == 0 &&
	    (unsigned long)sfs.f_type == (unsigned long)CGROUP2_SUPER_MAGIC &&
	    fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		id = (uint64_t)st.st_ino;
	close(fd);
	return id;
}

uint64_t tk_cg_id(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return (uint64_t)st.st_ino;
}

int tk_cg_populated(int events_fd)
{
	char buf[256], *p;
	ssize_t n = pread(events_fd, buf, sizeof buf - 1, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	if (p == NULL)
		return -1;
	return p[10] == '1';
}

int tk_cg_remove(const char *path)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	/* A task that has left cgroup.procs can hold the cgroup for a
	 * moment while it is reaped: EBUSY, bounded to two seconds. */
	for (int i = 0; i < 100; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		nanosleep(&pause, NULL);
	}
	return -1;
}

int tk_cg_join(int dir_fd)
{
	int fd, rc = 0;

	/* Through the directory made and locked, not its name: an owner of
	 * the parent (a delegated subtree) can remove the still empty
	 * cgroup and make another of that name. */
	fd = openat(dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, "0\n", 2) != 2)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

int tk_global_lock(void)
{
	int fd;

	if (tk_records_dir_make() < 0)
		return -1;
	fd = open(TK_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void tk_global_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int tk_bpffs(char *out, size_t outlen)
{
	struct statfs sfs;

	if (tk_mount_find("/proc/self/mountinfo", "bpf", out, outlen, NULL,
			  0) == 0)
		return 0;
	if (strlen(TK_BPFFS_DEFAULT) >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(out, TK_BPFFS_DEFAULT);
	if (statfs(out, &sfs) == 0 &&
	    (unsigned long)sfs.f_type == (unsigned long)BPF_FS_MAGIC)
		return 0;
	if (mkdir(out, 0755) < 0 && errno != EEXIST)
		return -1;
	if (mount("bpf", out, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700") < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ leftovers */

/* A transient cgroup whose maker is gone: nobody holds the lock on its
 * directory (the watcher of `run` holds it until it removed the cgroup).
 * Returns true when it was removed (or is gone). */
static bool clean_transient(const char *path, uint64_t id)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool gone = false;

	if (fd < 0)
		return errno == ENOENT;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		/* Its links went with the watcher; a cgroup that still has
		 * processes is left to them, only the record goes. */
		gone = rmdir(path) == 0;
		tk_record_remove(id);
	}
	close(fd);
	return gone;
}

static void clean_pins(uint64_t id)
{
	char fs[PATH_MAX], dir[PATH_MAX + 64], pin[PATH_MAX + 96];

	if (tk_mount_find("/proc/self/mountinfo", "bpf", fs, sizeof fs, NULL,
			  0) < 0)
		return;
	snprintf(dir, sizeof dir, "%s/tcpkeep/%llu", fs, (unsigned long long)id);
	snprintf(pin, sizeof pin, "%s/sockops", dir);
	unlink(pin);
	snprintf(pin, sizeof pin, "%s/sockopt", dir);
	unlink(pin);
	rmdir(dir);
}

void tk_cleanup_leftovers(const char *own_dir)
{
	DIR *d = opendir(TK_RECORDS_DIR);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char file[PATH_MAX], *end;
		struct tk_record r;
		unsigned long long id;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		id = strtoull(e->d_name, &end, 10);
		snprintf(file, sizeof file, "%s/%s", TK_RECORDS_DIR, e->d_name);
		if (*end != '\0') {
			/* A temporary file of a writer that was killed. */
			if (strcmp(end, ".tmp") == 0)
				unlink(file);
			continue;
		}
		if (tk_record_read(id, &r) < 0)
			continue;
		if (strcmp(r.mode, "run") == 0 && tk_cg_id(r.path) != id) {
			/* The cgroup went (or another took its name) before
			 * its record did: a watcher killed between the two. */
			tk_record_remove(id);
		} else if (strcmp(r.mode, "run") == 0) {
			clean_transient(r.path, id);
		} else if (tk_cg_id(r.path) != id) {
			/* An attached cgroup that was removed (or a new one
			 * that took its name): its links are defunct. */
			clean_pins(id);
			tk_record_remove(id);
		}
	}
	if (d != NULL)
		closedir(d);

	/* Transient cgroups of a run killed before it wrote its record,
	 * and of killed checks (which keep no record). */
	d = own_dir != NULL ? opendir(own_dir) : NULL;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[PATH_MAX];
		uint64_t id;

		if (strncmp(e->d_name, TK_CG_RUN, strlen(TK_CG_RUN)) != 0 &&
		    strncmp(e->d_name, TK_CG_CHECK, strlen(TK_CG_CHECK)) != 0)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", own_dir, e->d_name) >=
		    (int)sizeof path)
			continue;
		id = tk_cg_id(path);
		if (id != 0)
			clean_transient(path, id);
	}
	if (d != NULL)
		closedir(d);
}
