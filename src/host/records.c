/* SPDX-License-Identifier: MIT */
/* The attachment records of tcpkeep-bpf (see records.h): their writer
 * and their reader, so both agree on the one directory and format. */
#include "autoconfig.h"

#include "host/records.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ writing */

int tk_records_dir_make(void)
{
	if (mkdir(TK_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -1;
	if (mkdir(TK_RECORDS_DIR, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static void record_path(char *buf, size_t len, uint64_t id, const char *suffix)
{
	snprintf(buf, len, "%s/%llu%s", TK_RECORDS_DIR, (unsigned long long)id,
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

	if (tk_records_dir_make() < 0)
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

int tk_record_remove(uint64_t id)
{
	char path[PATH_MAX];

	record_path(path, sizeof path, id, "");
	return unlink(path);
}

/* ------------------------------------------------------------ reading */

static void set(struct tk_record *r, const char *key, const char *value)
{
	static const struct {
		const char *key;
		size_t off, len;
	} fields[] = {
#define F(name) { #name, offsetof(struct tk_record, name), sizeof(((struct tk_record *)0)->name) }
		F(path), F(mode), F(pid), F(idle), F(intvl), F(cnt),
		F(user_timeout), F(direction), F(force), F(only), F(skip),
#undef F
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(key, fields[i].key) == 0)
			snprintf((char *)r + fields[i].off, fields[i].len, "%s",
				 value);
}

static int read_one(const char *dir, const char *name, struct tk_record *r)
{
	char path[4096], line[8192];
	FILE *f;

	if (strlen(name) >= sizeof r->id)
		return -1;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	memset(r, 0, sizeof *r);
	memcpy(r->id, name, strlen(name) + 1);
	while (fgets(line, sizeof line, f) != NULL) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\n")] = '\0';
		if (eq == NULL)
			continue;
		*eq = '\0';
		set(r, line, eq + 1);
	}
	fclose(f);
	/* Without a path nothing can be matched against it. */
	return r->path[0] == '/' ? 0 : -1;
}

int tk_record_read(uint64_t id, struct tk_record *r)
{
	char name[32];

	snprintf(name, sizeof name, "%llu", (unsigned long long)id);
	if (read_one(TK_RECORDS_DIR, name, r) < 0)
		return -1;
	return r->mode[0] != '\0' ? 0 : -1;
}

/* Names are cgroup ids; temporary files are not. */
static bool is_id(const char *name)
{
	return name[0] >= '0' && name[0] <= '9' &&
	       name[strspn(name, "0123456789")] == '\0';
}

uint64_t tk_record_by_path(const char *path)
{
	DIR *d = opendir(TK_RECORDS_DIR);
	struct dirent *e;
	uint64_t id = 0;

	while (d != NULL && id == 0 && (e = readdir(d)) != NULL) {
		struct tk_record r;

		if (is_id(e->d_name) &&
		    read_one(TK_RECORDS_DIR, e->d_name, &r) == 0 &&
		    strcmp(r.path, path) == 0)
			id = strtoull(e->d_name, NULL, 10);
	}
	if (d != NULL)
		closedir(d);
	return id;
}

int tk_records_load(struct tk_records *rs, const char *dir)
{
	struct dirent *e;
	DIR *d;

	memset(rs, 0, sizeof *rs);
	d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		struct tk_record r, *v;

		if (!is_id(e->d_name))
			continue;
		if (read_one(dir, e->d_name, &r) < 0)
			continue;
		v = realloc(rs->v, (rs->n + 1) * sizeof *v);
		if (v == NULL)
			break;
		rs->v = v;
		rs->v[rs->n++] = r;
	}
	closedir(d);
	return 0;
}

const struct tk_record *tk_records_match(const struct tk_records *rs,
					 const char *cgroup)
{
	const struct tk_record *best = NULL;
	size_t bestlen = 0;

	/* The deepest record at or above the cgroup: that one's program
	 * runs last and its values stand. */
	for (size_t i = 0; i < rs->n; i++) {
		const char *p = rs->v[i].path;
		size_t len = strlen(p);

		while (len > 1 && p[len - 1] == '/')
			len--;
		if (strncmp(cgroup, p, len) != 0 ||
		    (cgroup[len] != '\0' && cgroup[len] != '/'))
			continue;
		if (best == NULL || len > bestlen) {
			best = &rs->v[i];
			bestlen = len;
		}
	}
	return best;
}

void tk_records_free(struct tk_records *rs)
{
	free(rs->v);
	memset(rs, 0, sizeof *rs);
}
