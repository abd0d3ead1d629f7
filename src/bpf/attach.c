/* SPDX-License-Identifier: MIT */
/* tcpkeep-bpf attach PATH, tcpkeep-bpf detach PATH
 *
 * attach: the links pinned in the BPF file system (bpffs/tcpkeep/ID/), so
 * they stay until detach; attaching again replaces them.
 * detach: the pins and the record removed. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "bpf/cgroup.h"
#include "bpf/commands.h"
#include "bpf/config.h"
#include "common/config.h"
#include "bpf/loader.h"

/* ------------------------------------------------------------ attach */

static int resolve_cgroup(const char *arg, char *path, size_t pathlen,
			  uint64_t *id)
{
	char mount[PATH_MAX], own[PATH_MAX];

	if (find_cgroup_v2(mount, sizeof mount, own, sizeof own) < 0)
		return -1;
	if (realpath(arg, path) == NULL || strlen(path) >= pathlen) {
		tk_say("cannot use the cgroup '%s': %s", arg, strerror(errno));
		return -1;
	}
	if ((*id = tk_cg_v2_id(path)) == 0) {
		tk_say("'%s' is not a directory of the cgroup v2 hierarchy (%s)",
		       arg, mount);
		return -1;
	}
	return 0;
}

static int pin_dir(uint64_t id, char *dir, size_t dirlen, bool create)
{
	char fs[PATH_MAX];

	if (tk_bpffs(fs, sizeof fs) < 0) {
		tk_say("cannot mount the BPF file system at /sys/fs/bpf: %s",
		       strerror(errno));
		return -1;
	}
	snprintf(dir, dirlen, "%s/tcpkeep", fs);
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		goto fail;
	snprintf(dir, dirlen, "%s/tcpkeep/%llu", fs, (unsigned long long)id);
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	tk_say("cannot create %s: %s", dir, strerror(errno));
	return -1;
}

int cmd_attach(int argc, char **argv)
{
	const char *arg = argv[0];
	char path[PATH_MAX], dir[PATH_MAX + 64];
	struct tk_config cfg;
	struct tk_bpf *bpf;
	uint64_t id;
	int fd, lock, rc = TK_EXIT_NOT_STARTED;

	(void)argc;
	load_config(&cfg);
	if (resolve_cgroup(arg, path, sizeof path, &id) < 0)
		return TK_EXIT_NOT_STARTED;
	if (!cfg.enabled) {
		tk_say("TCPKEEP_ENABLE is off: nothing attached to %s", path);
		return 0;
	}
	bpf = tk_bpf_load(&cfg);
	if (bpf == NULL)
		return TK_EXIT_NOT_STARTED;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	lock = tk_global_lock();
	if (fd < 0 || lock < 0) {
		tk_say("cannot open %s: %s", fd < 0 ? path : TK_RUN_DIR,
		       strerror(errno));
		goto out;
	}
	tk_cleanup_leftovers(NULL);
	if (pin_dir(id, dir, sizeof dir, true) < 0 ||
	    tk_bpf_attach(bpf, fd, path) < 0 || tk_bpf_pin(bpf, dir) < 0)
		goto out;
	{
		struct tk_bpf_record rec = {
			.path = path, .mode = "attach", .pid = 0, .cfg = &cfg,
			.only = raw_rules("TCPKEEP_ONLY"),
			.skip = raw_rules("TCPKEEP_SKIP"),
		};

		if (tk_record_write(id, &rec) < 0)
			tk_say("warning: cannot write the record %s/%llu: %s",
			       TK_RECORDS_DIR, (unsigned long long)id,
			       strerror(errno));
	}
	printf("tcpkeep: eBPF program attached to %s until "
	       "`tcpkeep --cgroup %s --detach`\n", path, path);
	rc = 0;
out:
	tk_global_unlock(lock);
	if (fd >= 0)
		close(fd);
	tk_bpf_close(bpf);	/* the pins keep the links */
	return rc;
}

int cmd_detach(int argc, char **argv)
{
	const char *arg = argv[0];
	char path[PATH_MAX], dir[PATH_MAX + 64], pin[PATH_MAX + 96];
	uint64_t id = 0;
	int lock, found = 0, err = ENOENT;

	(void)argc;
	if (realpath(arg, path) != NULL) {
		/* Any other directory's inode number may equal the id of a
		 * cgroup that someone else attached to. */
		if (resolve_cgroup(arg, path, sizeof path, &id) < 0)
			return TK_EXIT_NOT_STARTED;
	} else {
		err = errno;
		id = tk_record_by_path(arg);
	}
	if (id == 0) {
		tk_say("nothing is attached to '%s': %s", arg, strerror(err));
		return 1;
	}
	{
		struct tk_record r;

		if (tk_record_read(id, &r) == 0 && strcmp(r.mode, "run") == 0) {
			tk_say("%s is the cgroup of a running tcpkeep --bpf "
			       "command; it goes away when the command ends", arg);
			return 1;
		}
	}
	lock = tk_global_lock();
	if (pin_dir(id, dir, sizeof dir, false) == 0) {
		snprintf(pin, sizeof pin, "%s/sockops", dir);
		found += unlink(pin) == 0;
		snprintf(pin, sizeof pin, "%s/sockopt", dir);
		found += unlink(pin) == 0;
		rmdir(dir);
	}
	found += tk_record_remove(id) == 0;
	tk_global_unlock(lock);
	if (!found) {
		tk_say("nothing is attached to %s", arg);
		return 1;
	}
	return 0;
}
