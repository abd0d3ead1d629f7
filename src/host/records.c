/* SPDX-License-Identifier: MIT */
/* The attachment records tcpkeep-bpf keeps in /run/tcpkeep/cgroups/ID
 * (one key=value per line, see CONTRACT), read for --status. */
#include "autoconfig.h"

#include "records.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

		/* Names are cgroup ids; temporary files are not. */
		if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    e->d_name[strspn(e->d_name, "0123456789")] != '\0')
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
