/* SPDX-License-Identifier: MIT */
/* Cgroup v2 directories, the BPF file system and attachment records. */
#include "autoconfig.h"

#include "cgroup.h"
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

static int mkdir_p(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];

	if (strlen(dir) >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int tk_global_lock(void)
{
	int fd;

	if (mkdir_p(TK_RECORD_DIR, 0755) < 0)
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
	if (mkdir_p(out, 0755) < 0)
		return -1;
	if (mount("bpf", out, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700") < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ records */

static void record_path(char *buf, size_t len, uint64_t id, const char *suffix)
{
	snprintf(buf, len, "%s/%llu%s", TK_RECORD_DIR, (unsigned long long)id,
		 suffix);
}

/* Rule lists as given, on one line. */
static void put_raw(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s=", key);
	for (const char *p = value ? value : ""; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
	fputc('\n', f);
}

int tk_record_write(uint64_t id, const struct tk_bpf_record *rec)
{
	static const char *const dir[] = { "both", "out", "in" };
	const struct tk_config *cfg = rec->cfg;
	char tmp[PATH_MAX], final[PATH_MAX];
	FILE *f;
	int fd, rc = 0;

	if (mkdir_p(TK_RECORD_DIR, 0755) < 0)
		return -1;
	record_path(tmp, sizeof tmp, id, ".tmp");
	record_path(final, sizeof final, id, "");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0)
		return -1;
	(void)fchmod(fd, 0644);	/* whatever the umask */
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	fprintf(f, "path=%s\nmode=%s\npid=%ld\n", rec->path, rec->mode,
		rec->pid);
	fprintf(f, "idle=%d\nintvl=%d\ncnt=%d\n", cfg->idle_s, cfg->intvl_s,
		cfg->cnt);
	if (cfg->user_timeout_set)
		fprintf(f, "user_timeout=%u\n", cfg->user_timeout_ms);
	else
		fprintf(f, "user_timeout=unset\n");
	fprintf(f, "direction=%s\nforce=%d\n", dir[cfg->direction],
		cfg->force ? 1 : 0);
	put_raw(f, "only", cfg->have_only ? rec->only : "");
	put_raw(f, "skip", cfg->have_skip ? rec->skip : "");
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, final) < 0)
		rc = -1;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

void tk_record_remove(uint64_t id)
{
	char path[PATH_MAX];

	record_path(path, sizeof path, id, "");
	unlink(path);
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

/* Reads the path= and mode= lines of one record. */
static int read_record(const char *file, char *path, size_t pathlen,
		       char *mode, size_t modelen)
{
	FILE *f = fopen(file, "re");
	char line[PATH_MAX + 16];

	if (f == NULL)
		return -1;
	path[0] = mode[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "path=", 5) == 0 && strlen(line + 5) < pathlen)
			strcpy(path, line + 5);
		else if (strncmp(line, "mode=", 5) == 0 &&
			 strlen(line + 5) < modelen)
			strcpy(mode, line + 5);
	}
	fclose(f);
	return path[0] && mode[0] ? 0 : -1;
}

int tk_record_read(uint64_t id, char *path, size_t pathlen, char *mode,
		   size_t modelen)
{
	char file[PATH_MAX];

	record_path(file, sizeof file, id, "");
	return read_record(file, path, pathlen, mode, modelen);
}

void tk_cleanup_leftovers(const char *own_dir)
{
	DIR *d = opendir(TK_RECORD_DIR);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char file[PATH_MAX], path[PATH_MAX], mode[16], *end;
		unsigned long long id;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		id = strtoull(e->d_name, &end, 10);
		snprintf(file, sizeof file, "%s/%s", TK_RECORD_DIR, e->d_name);
		if (*end != '\0') {
			/* A temporary file of a writer that was killed. */
			if (strcmp(end, ".tmp") == 0)
				unlink(file);
			continue;
		}
		if (read_record(file, path, sizeof path, mode, sizeof mode) < 0)
			continue;
		if (strcmp(mode, "run") == 0 && tk_cg_id(path) != id) {
			/* The cgroup went (or another took its name) before
			 * its record did: a watcher killed between the two. */
			unlink(file);
		} else if (strcmp(mode, "run") == 0) {
			clean_transient(path, id);
		} else if (tk_cg_id(path) != id) {
			/* An attached cgroup that was removed (or a new one
			 * that took its name): its links are defunct. */
			clean_pins(id);
			unlink(file);
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
