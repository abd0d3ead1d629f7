/* SPDX-License-Identifier: MIT */
/* tcpkeep-bpf: eBPF mode (SPEC section 7), run by the tcpkeep wrapper.
 *
 *   tcpkeep-bpf run [--] COMMAND [ARG...]
 *   tcpkeep-bpf attach PATH
 *   tcpkeep-bpf detach PATH
 *   tcpkeep-bpf check
 *
 * The configuration is the TCPKEEP_* environment, read by the common
 * parser (the wrapper has validated it).
 *
 * run:    a new cgroup below the caller's own, both programs attached with
 *         bpf links, this process moved into it, then exec: the command
 *         keeps this PID.  A watcher forked before the exec, outside the
 *         cgroup, holds the links and a lock on the cgroup directory; when
 *         the cgroup is empty it removes the cgroup and the record and
 *         exits.  What a killed watcher leaves is removed at the next
 *         start (cgroup.c, tk_cleanup_leftovers).
 * attach: the links pinned in the BPF file system (bpffs/tcpkeep/ID/), so
 *         they stay until detach; attaching again replaces them.
 * check:  a temporary cgroup, a loopback connection made from a process in
 *         it, the options read back from both ends; exit 0 when they match
 *         the configuration, 1 when not.
 *
 * Exit status 125 when nothing could be started (privileges, kernel
 * support, cgroup v2), 126/127 when COMMAND cannot be run. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "decide.h"
#include "loader.h"

#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/* ------------------------------------------------------------ config */

static void warn_value(void *ctx, const char *var, const char *value,
		       const char *accepted)
{
	char buf[256];

	(void)ctx;
	tk_escape_value(buf, sizeof buf, value, 200);
	tk_say("ignoring %s='%s': expected %s", var, buf, accepted);
}

static void load_config(struct tk_config *cfg)
{
	tk_config_load(cfg, tk_env_lookup, NULL, warn_value, NULL);
}

/* The raw rule lists, for the record, as the parser read them. */
static const char *raw_rules(const char *var)
{
	const char *v = getenv(var);

	return v != NULL ? v : "";
}

static int find_cgroup_v2(char *mount, size_t mountlen, char *own,
			  size_t ownlen)
{
	if (tk_cg_find(mount, mountlen, own, ownlen) == 0)
		return 0;
	tk_say("eBPF mode needs a cgroup v2 hierarchy, and none is mounted "
	       "(no cgroup2 line in /proc/self/mountinfo, or this process's "
	       "cgroup is not in it)");
	return -1;
}

/* ------------------------------------------------------------ transient cgroups */

struct transient {
	char path[PATH_MAX];
	int dir_fd;		/* holds the lock that marks it as ours */
	uint64_t id;
};

/* Makes OWN/PREFIX<pid> and locks it, after removing what killed runs
 * left.  Holds the global lock meanwhile, so a concurrent start never
 * takes a new, still empty cgroup for a leftover. */
static int make_transient(struct transient *t, const char *own,
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
			       TK_RECORD_DIR, (unsigned long long)t->id,
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

static void drop_transient(struct transient *t, bool record)
{
	tk_cg_remove(t->path);
	if (record)
		tk_record_remove(t->id);
	if (t->dir_fd >= 0)
		close(t->dir_fd);
	t->dir_fd = -1;
}

/* ------------------------------------------------------------ run */

/* The caller's descriptors, which the command inherits: the watcher's
 * own (links, programs, maps, the cgroup directory, the pipe) are all
 * close-on-exec, the caller's that the command gets are not. */
static void close_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name), flags;

		if (fd <= 2 || fd == dirfd(d))
			continue;
		flags = fcntl(fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			close(fd);
	}
	closedir(d);
}

/* The watcher: outside the cgroup, in its own session, deaf to the
 * terminal's and a supervisor's signals; it ends when the cgroup is
 * empty (or when the command's process died before joining it). */
static void watch(struct tk_bpf *bpf, struct transient *t, int ready_fd)
{
	static const int ignored[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM,
				       SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU,
				       SIGUSR1, SIGUSR2 };
	char events[PATH_MAX + 16], byte;
	int fd, null;
	ssize_t n;

	setsid();
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		signal(ignored[i], SIG_IGN);
	/* Not holding the caller's pipes open: `x=$(tcpkeep --bpf -- cmd)`
	 * ends when the command does. */
	close_inherited();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	if (chdir("/") < 0) {
		/* nothing depends on the working directory */
	}

	snprintf(events, sizeof events, "%s/cgroup.events", t->path);
	fd = open(events, O_RDONLY | O_CLOEXEC);
	do
		n = read(ready_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && fd >= 0) {
		/* The kernel signals a change of cgroup.events as an
		 * exceptional condition; the timeout only bounds a missed
		 * one. */
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLPRI };
			int populated = tk_cg_populated(fd);

			if (populated <= 0)
				break;
			if (poll(&p, 1, 5000) < 0 && errno != EINTR)
				break;
		}
	}
	tk_bpf_close(bpf);
	drop_transient(t, true);
	_exit(0);
}

static int exec_command(char **argv)
{
	int err;

	execvp(argv[0], argv);
	err = errno;
	if (err == ENOENT || err == ENOTDIR) {
		tk_say("cannot run '%s': command not found", argv[0]);
		return EXIT_NOT_FOUND;
	}
	tk_say("cannot run '%s': %s", argv[0], strerror(err));
	return EXIT_CANNOT_EXEC;
}

static int cmd_run(char **argv)
{
	char mount[PATH_MAX], own[PATH_MAX];
	struct tk_config cfg;
	struct transient t;
	struct tk_bpf *bpf;
	struct rlimit memlock;
	int ready[2], status;
	bool have_memlock;
	pid_t child;

	load_config(&cfg);
	if (!cfg.enabled)
		return exec_command(argv);
	/* libbpf raises RLIMIT_MEMLOCK on kernels that charge BPF memory to
	 * it (before 5.11); the command gets the caller's limit back. */
	have_memlock = getrlimit(RLIMIT_MEMLOCK, &memlock) == 0;
	if (find_cgroup_v2(mount, sizeof mount, own, sizeof own) < 0)
		return EXIT_SETUP;
	bpf = tk_bpf_load(&cfg);
	if (bpf == NULL)
		return EXIT_SETUP;
	if (make_transient(&t, own, TK_CG_RUN, &cfg) < 0) {
		tk_bpf_close(bpf);
		return EXIT_SETUP;
	}
	if (tk_bpf_attach(bpf, t.dir_fd, t.path) < 0 ||
	    pipe2(ready, O_CLOEXEC) < 0) {
		tk_bpf_close(bpf);
		drop_transient(&t, true);
		return EXIT_SETUP;
	}

	/* The watcher is a grandchild, so that it is not the command's
	 * child: a program that waits for all its children must not wait
	 * for it. */
	fflush(NULL);
	child = fork();
	if (child == 0) {
		close(ready[1]);
		if (fork() == 0)
			watch(bpf, &t, ready[0]);
		_exit(0);
	}
	close(ready[0]);
	if (child < 0) {
		tk_say("cannot fork: %s", strerror(errno));
		tk_bpf_close(bpf);
		drop_transient(&t, true);
		return EXIT_SETUP;
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;

	/* From here on the watcher cleans up: it sees the pipe close
	 * without a byte when this process fails or exits, or the cgroup
	 * empty after the command's process tree ended. */
	if (tk_cg_join(t.path) < 0) {
		tk_say("cannot move into the cgroup %s: %s", t.path,
		       strerror(errno));
		return EXIT_SETUP;
	}
	if (write(ready[1], "j", 1) != 1) {
		tk_say("the watcher of %s is gone", t.path);
		return EXIT_SETUP;
	}
	if (cfg.debug)
		tk_say("eBPF program attached to %s (cgroup %llu)", t.path,
		       (unsigned long long)t.id);
	if (have_memlock)
		(void)setrlimit(RLIMIT_MEMLOCK, &memlock);
	return exec_command(argv);
}

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
	if (!tk_cg_is_v2(path) || (*id = tk_cg_id(path)) == 0) {
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

static int cmd_attach(const char *arg)
{
	char path[PATH_MAX], dir[PATH_MAX + 64];
	struct tk_config cfg;
	struct tk_bpf *bpf;
	uint64_t id;
	int fd, lock, rc = EXIT_SETUP;

	load_config(&cfg);
	if (resolve_cgroup(arg, path, sizeof path, &id) < 0)
		return EXIT_SETUP;
	if (!cfg.enabled) {
		tk_say("TCPKEEP_ENABLE is off: nothing attached to %s", path);
		return 0;
	}
	bpf = tk_bpf_load(&cfg);
	if (bpf == NULL)
		return EXIT_SETUP;
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
			       TK_RECORD_DIR, (unsigned long long)id,
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

/* A record whose path= is PATH: the id of a cgroup that is gone. */
static uint64_t recorded_id(const char *arg)
{
	char file[PATH_MAX], want[PATH_MAX + 8], line[PATH_MAX + 16];
	DIR *d = opendir(TK_RECORD_DIR);
	struct dirent *e;
	uint64_t id = 0;
	FILE *f;

	snprintf(want, sizeof want, "path=%s\n", arg);
	while (d != NULL && id == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(file, sizeof file, "%s/%s", TK_RECORD_DIR, e->d_name);
		f = fopen(file, "re");
		if (f == NULL)
			continue;
		if (fgets(line, sizeof line, f) != NULL && strcmp(line, want) == 0)
			id = strtoull(e->d_name, NULL, 10);
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return id;
}

static int cmd_detach(const char *arg)
{
	char path[PATH_MAX], dir[PATH_MAX + 64], pin[PATH_MAX + 96];
	uint64_t id = 0;
	int lock, found = 0;

	if (realpath(arg, path) != NULL)
		id = tk_cg_id(path);
	else
		id = recorded_id(arg);
	if (id == 0) {
		tk_say("nothing is attached to '%s': %s", arg,
		       realpath(arg, path) ? "not a cgroup directory"
					  : strerror(errno));
		return 1;
	}
	{
		char rpath[PATH_MAX], mode[16];

		if (tk_record_read(id, rpath, sizeof rpath, mode, sizeof mode) == 0 &&
		    strcmp(mode, "run") == 0) {
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
	snprintf(pin, sizeof pin, "%s/%llu", TK_RECORD_DIR,
		 (unsigned long long)id);
	found += unlink(pin) == 0;
	tk_global_unlock(lock);
	if (!found) {
		tk_say("nothing is attached to %s", arg);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ check */

#define TK_NOPTS 5
static const struct {
	const char *name;
	int level, opt;
} opts[TK_NOPTS] = {
	{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE },
	{ "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE },
	{ "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL },
	{ "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT },
	{ "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT },
};

static int read_all(int fd, int v[TK_NOPTS])
{
	for (int i = 0; i < TK_NOPTS; i++) {
		socklen_t len = sizeof v[i];

		if (getsockopt(fd, opts[i].level, opts[i].opt, &v[i], &len) < 0)
			return -1;
	}
	v[0] = v[0] != 0;
	return 0;
}

/* What the configuration asks of one connection of the probe. */
static void expected(const struct tk_config *cfg, enum tk_call call,
		     const struct sockaddr_in *peer, int port,
		     const int defaults[TK_NOPTS], int want[TK_NOPTS],
		     const char **why)
{
	memcpy(want, defaults, TK_NOPTS * sizeof want[0]);
	*why = !cfg->enabled ? "TCPKEEP_ENABLE is off" :
	       tk_decide(cfg, call, (const struct sockaddr *)peer,
			 sizeof *peer, port);
	if (*why != NULL)
		return;
	want[0] = 1;
	want[1] = cfg->idle_s;
	want[2] = cfg->intvl_s;
	want[3] = cfg->cnt;
	if (cfg->user_timeout_set)
		want[4] = (int)cfg->user_timeout_ms;
}

static unsigned print_side(const char *side, const int got[TK_NOPTS],
			   const int want[TK_NOPTS], const char *why)
{
	unsigned bad = 0;

	for (int i = 0; i < TK_NOPTS; i++) {
		printf("%-9s %-17s %10d %10d   %s\n", side, opts[i].name, got[i],
		       want[i], got[i] == want[i] ? "ok" : "MISMATCH");
		bad += got[i] != want[i];
	}
	printf("%-9s (%s)\n", side, why ? why : "configured");
	return bad;
}

/* The loopback connection, made by the calling process (in the cgroup). */
static int probe(const struct tk_config *cfg)
{
	struct sockaddr_in addr = { .sin_family = AF_INET }, peer;
	int defaults[TK_NOPTS], got_out[TK_NOPTS], got_in[TK_NOPTS];
	int want_out[TK_NOPTS], want_in[TK_NOPTS];
	socklen_t len = sizeof addr;
	int lfd, cfd, afd, port;
	const char *why_out, *why_in;
	unsigned bad;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || cfd < 0 || read_all(cfd, defaults) < 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) < 0 ||
	    connect(cfd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		tk_say("--check: cannot connect on 127.0.0.1: %s",
		       strerror(errno));
		return 1;
	}
	len = sizeof peer;
	afd = accept(lfd, (struct sockaddr *)&peer, &len);
	if (afd < 0 || read_all(cfd, got_out) < 0 || read_all(afd, got_in) < 0) {
		tk_say("--check: %s: %s", afd < 0 ? "accept" : "getsockopt",
		       strerror(errno));
		return 1;
	}
	/* The service port is the listener's on both sides. */
	port = ntohs(addr.sin_port);
	expected(cfg, TK_CALL_CONNECT, &addr, port, defaults, want_out, &why_out);
	expected(cfg, TK_CALL_ACCEPT, &peer, port, defaults, want_in, &why_in);

	printf("%-9s %-17s %10s %10s\n", "socket", "option", "kernel", "expected");
	bad = print_side("outgoing", got_out, want_out, why_out);
	bad += print_side("accepted", got_in, want_in, why_in);
	if (bad == 0)
		printf("result    ok: all %d values match the configuration\n",
		       2 * TK_NOPTS);
	else
		printf("result    FAILED: %u of %d values differ from the "
		       "configuration\n", bad, 2 * TK_NOPTS);
	fflush(stdout);
	close(afd);
	close(cfd);
	close(lfd);
	return bad == 0 ? 0 : 1;
}

static int cmd_check(void)
{
	char mount[PATH_MAX], own[PATH_MAX];
	struct tk_config cfg;
	struct transient t;
	struct tk_bpf *bpf;
	int status = 0;
	pid_t child;

	printf("tcpkeep " PACKAGE_VERSION " --bpf --check\n");
	fflush(stdout);
	load_config(&cfg);
	if (find_cgroup_v2(mount, sizeof mount, own, sizeof own) < 0)
		return EXIT_SETUP;
	if (!cfg.enabled) {
		printf("ebpf      not attached: TCPKEEP_ENABLE is off\n");
		return probe(&cfg);
	}
	bpf = tk_bpf_load(&cfg);
	if (bpf == NULL)
		return EXIT_SETUP;
	if (make_transient(&t, own, TK_CG_CHECK, NULL) < 0) {
		tk_bpf_close(bpf);
		return EXIT_SETUP;
	}
	if (tk_bpf_attach(bpf, t.dir_fd, t.path) < 0) {
		tk_bpf_close(bpf);
		drop_transient(&t, false);
		return EXIT_SETUP;
	}
	printf("ebpf      attached to the cgroup %s\n", t.path);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		if (tk_cg_join(t.path) < 0) {
			tk_say("--check: cannot move into %s: %s", t.path,
			       strerror(errno));
			_exit(1);
		}
		_exit(probe(&cfg));
	}
	if (child < 0)
		tk_say("cannot fork: %s", strerror(errno));
	else
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	tk_bpf_close(bpf);
	drop_transient(&t, false);
	if (child < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* ------------------------------------------------------------ main */

static int usage(void)
{
	tk_say("tcpkeep-bpf is run by the tcpkeep wrapper (tcpkeep --bpf, "
	       "--cgroup PATH [--detach], --bpf --check), not directly");
	return EXIT_SETUP;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "run") == 0) {
		int first = argc > 2 && strcmp(argv[2], "--") == 0 ? 3 : 2;

		if (first >= argc) {
			tk_say("no command given");
			return EXIT_SETUP;
		}
		return cmd_run(argv + first);
	}
	if (strcmp(argv[1], "attach") == 0 && argc == 3)
		return cmd_attach(argv[2]);
	if (strcmp(argv[1], "detach") == 0 && argc == 3)
		return cmd_detach(argv[2]);
	if (strcmp(argv[1], "check") == 0 && argc == 2)
		return cmd_check();
	return usage();
}
