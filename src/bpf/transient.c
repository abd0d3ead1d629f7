/* SPDX-License-Identifier: MIT */
/* The transient cgroups of tcpkeep-bpf run and check: made below the
 * caller's own cgroup, locked while in use, removed with their record. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "bpf/cgroup.h"
#include "bpf/commands.h"
#include "bpf/config.h"
#include "common/config.h"
#include "bpf/loader.h"

/* Makes OWN/PREFIX<pid> and locks it, after removing what killed runs
 * left.  Holds the global lock meanwhile, so a concurrent start never
 * takes a new, still empty cgroup for a leftover. */
int make_transient(struct transient *t, const char *own,
		   const char *prefix, const struct tk_config *cfg)
{
	struct stat st;
	int lock = tk_global_lock();

	t->dir_fd = -1;
	if (lock < 0) {
		tk_say("cannot create %s: %s", TK_RUN_DIR, strerror(errno));
		return -1;
	}
	tk_cleanup_leftovers(own);
	if (snprintf(t->path, sizeof t->path, "%s/%s%ld", own, prefix,
		     (long)getpid()) >= (int)sizeof t->path) {
		tk_say("cgroup path too long: %s", own);
		goto fail;
	}
	if (mkdir(t->path, 0755) < 0) {
		tk_say("cannot create the cgroup %s: %s", t->path,
		       strerror(errno));
		goto fail;
	}
	t->dir_fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dir_fd < 0 || flock(t->dir_fd, LOCK_EX) < 0 ||
	    fstat(t->dir_fd, &st) < 0) {
		tk_say("cannot open the cgroup %s: %s", t->path, strerror(errno));
		goto fail_dir;
	}
	t->id = (uint64_t)st.st_ino;
	if (cfg != NULL) {
		struct tk_bpf_record rec = {
			.path = t->path, .mode = "run", .pid = (long)getpid(),
			.cfg = cfg, .only = raw_rules("TCPKEEP_ONLY"),
			.skip = raw_rules("TCPKEEP_SKIP"),
		};

		if (tk_record_write(t->id, &rec) < 0) {
			tk_say("cannot write the record %s/%llu: %s",
			       TK_RECORDS_DIR, (unsigned long long)t->id,
			       strerror(errno));
			goto fail_dir;
		}
	}
	tk_global_unlock(lock);
	return 0;

fail_dir:
	if (t->dir_fd >= 0)
		close(t->dir_fd);
	t->dir_fd = -1;
	rmdir(t->path);
fail:
	tk_global_unlock(lock);
	return -1;
}

void drop_transient(struct transient *t, bool record)
{
	/* Only ours: the name may be another's cgroup by now (see
	 * tk_cg_join). */
	if (tk_cg_id(t->path) == t->id)
		tk_cg_remove(t->path);
	if (record)
		tk_record_remove(t->id);
	if (t->dir_fd >= 0)
		close(t->dir_fd);
	t->dir_fd = -1;
}
