/* SPDX-License-Identifier: MIT */
/* The parts of --status and --pid that need no other process: attachment
 * records (src/host/records.c) read from a scratch directory and matched
 * against cgroup paths, a process's cgroup directory from mountinfo
 * (src/host/cgroup.c), PID parsing, address formatting, and the sock_diag
 * dump of our own namespace against a loopback connection made here
 * (src/host/sockdiag.c). */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/cgroup.h"
#include "host/records.h"
#include "host/running.h"
#include "../lib/tap.h"

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, f);
	fclose(f);
}

static void records(void)
{
	char dir[] = "/tmp/tk-unit-records.XXXXXX", path[512];
	struct tk_records rs;
	const struct tk_record *r;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	write_file(dir, "101", "path=/sys/fs/cgroup/app\nmode=attach\npid=0\n"
		   "idle=60\nintvl=10\ncnt=6\nuser_timeout=unset\n"
		   "direction=both\nforce=0\nonly=\nskip=10.0.0.0/8\n");
	write_file(dir, "102", "path=/sys/fs/cgroup/app/web\nmode=run\npid=42\n"
		   "idle=30\nintvl=5\ncnt=3\nuser_timeout=45000\n"
		   "direction=out\nforce=1\nonly=:5432\nskip=\n");
	/* Not records: a temporary file of the atomic write, no path. */
	write_file(dir, "103.tmp", "path=/sys/fs/cgroup/other\n");
	write_file(dir, "104", "mode=attach\n");

	is_int(tk_records_load(&rs, dir), 0, "records: the directory reads");
	is_int(rs.n, 2, "records: two records, the temporary file and the one without a path left out");
	r = tk_records_match(&rs, "/sys/fs/cgroup/app");
	ok(r != NULL && strcmp(r->id, "101") == 0, "the recorded cgroup itself matches");
	r = tk_records_match(&rs, "/sys/fs/cgroup/app/worker/1");
	ok(r != NULL && strcmp(r->id, "101") == 0, "a cgroup below it matches");
	r = tk_records_match(&rs, "/sys/fs/cgroup/app/web/x");
	ok(r != NULL && strcmp(r->id, "102") == 0, "the deepest record wins");
	ok(r != NULL && strcmp(r->only, ":5432") == 0 &&
	   strcmp(r->user_timeout, "45000") == 0 && strcmp(r->pid, "42") == 0,
	   "its fields as written");
	ok(tk_records_match(&rs, "/sys/fs/cgroup/application") == NULL,
	   "a sibling whose name starts the same does not match");
	ok(tk_records_match(&rs, "/sys/fs/cgroup") == NULL,
	   "a parent does not match");
	tk_records_free(&rs);

	is_int(tk_records_load(&rs, "/nonexistent/tcpkeep/records"), 0,
	       "a missing directory is no records");
	is_int(rs.n, 0, "and none are listed");
	tk_records_free(&rs);

	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
}

/* A mount of a subtree of the cgroup v2 hierarchy (a container's view,
 * root /kubepods/pod7 mounted at /sys/fs/cgroup): /proc/PID/cgroup names
 * the whole path, the directory is below the mount's root.  tcpkeep-bpf
 * took the root off and --status did not, so --status looked for the
 * records of /sys/fs/cgroup/kubepods/pod7/ctr, which no attachment of
 * tcpkeep-bpf (made to /sys/fs/cgroup/ctr) names. */
static void cgroups(void)
{
	static const struct {
		const char *mountinfo, *cgroup, *want, *what;
	} cases[] = {
		{ "30 24 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw\n",
		  "0::/app/web\n", "/sys/fs/cgroup/app/web",
		  "the whole hierarchy: the path as it is" },
		{ "30 24 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		  "0::/\n", "/sys/fs/cgroup", "the root group: the mount point" },
		{ "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		  "1205 1190 0:26 /kubepods/pod7 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		  "12:cpu:/x\n0::/kubepods/pod7/ctr\n", "/sys/fs/cgroup/ctr",
		  "a mount of a subtree: the path below its root" },
		{ "1205 1190 0:26 /kubepods/pod7 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		  "0::/kubepods/pod7\n", "/sys/fs/cgroup",
		  "a mount of a subtree: its root group is the mount point" },
		{ "1205 1190 0:26 /kubepods/pod7 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
		  "0::/kubepods/pod70/ctr\n", NULL,
		  "a group outside the mount's subtree (a longer name) has none" },
		{ "30 24 0:26 / /run/my\\040cg rw - cgroup2 cgroup2 rw\n",
		  "0::/a\n", "/run/my cg/a", "an escaped mount point" },
		{ "30 24 0:26 / /sys/fs/cgroup rw - cgroup cgroup rw,cpu\n",
		  "0::/a\n", NULL, "no cgroup2 mount: none" },
	};
	char dir[] = "/tmp/tk-unit-cgroup.XXXXXX", mi[512], cg[512];
	char got[4096], self[4096];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(mi, sizeof mi, "%s/mountinfo", dir);
	snprintf(cg, sizeof cg, "%s/cgroup", dir);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc;

		write_file(dir, "mountinfo", cases[i].mountinfo);
		write_file(dir, "cgroup", cases[i].cgroup);
		rc = tk_cgroup_dir_in(mi, cg, got, sizeof got);
		if (cases[i].want == NULL)
			is_int(rc, -1, "cgroup: %s", cases[i].what);
		else if (!ok(rc == 0 && strcmp(got, cases[i].want) == 0,
			     "cgroup: %s", cases[i].what))
			diag("got %d '%s', want '%s'", rc, rc == 0 ? got : "",
			     cases[i].want);
	}
	unlink(mi);
	unlink(cg);
	rmdir(dir);

	/* Our own process: the cached mount gives what the files give. */
	if (tk_cgroup_dir_in("/proc/self/mountinfo", "/proc/self/cgroup",
			     self, sizeof self) < 0) {
		ok(tk_proc_cgroup(0, got, sizeof got) < 0,
		   "cgroup: no cgroup v2 here, for either");
	} else {
		ok(tk_proc_cgroup(0, got, sizeof got) == 0 &&
		   strcmp(got, self) == 0, "cgroup: this process: %s", self);
		ok(tk_proc_cgroup(getpid(), got, sizeof got) == 0 &&
		   strcmp(got, self) == 0, "cgroup: this process by its PID");
	}
}

static void pids(void)
{
	pid_t p = 0;

	ok(tk_parse_pid("1", &p) == 0 && p == 1, "PID 1 parses");
	ok(tk_parse_pid("2147483647", &p) == 0 && p == 2147483647, "INT_MAX parses");
	ok(tk_parse_pid("2147483648", &p) < 0, "past INT_MAX is refused");
	ok(tk_parse_pid("0", &p) < 0, "0 is refused");
	ok(tk_parse_pid("", &p) < 0, "empty is refused");
	ok(tk_parse_pid("12x", &p) < 0, "12x is refused");
	ok(tk_parse_pid("-3", &p) < 0, "-3 is refused");
}

static void addresses(void)
{
	uint8_t a4[16] = { 10, 0, 0, 1 }, zero[16] = { 0 }, a6[16] = { 0 };
	char buf[64];

	a6[15] = 1;
	tk_format_addr(buf, sizeof buf, AF_INET, a4, 80);
	ok(strcmp(buf, "10.0.0.1:80") == 0, "IPv4: %s", buf);
	tk_format_addr(buf, sizeof buf, AF_INET6, a6, 443);
	ok(strcmp(buf, "[::1]:443") == 0, "IPv6 in brackets: %s", buf);
	tk_format_addr(buf, sizeof buf, AF_INET, zero, 7101);
	ok(strcmp(buf, "*:7101") == 0, "wildcard: %s", buf);
	tk_format_addr(buf, sizeof buf, AF_INET6, zero, 0);
	ok(strcmp(buf, "*:*") == 0, "an unconnected peer: %s", buf);
}

/* A loopback connection of our own, found in the dump by its inodes. */
static void dump(void)
{
	struct tk_diag_table t = { 0 };
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	const struct tk_diag *dl, *dc, *da;
	struct stat sl, sc, sa;
	int l, c, s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof a) < 0 ||
	    (s = accept(l, NULL, NULL)) < 0) {
		diag("no loopback TCP here");
		return;
	}
	if (tk_diag_dump(&t, 1) < 0) {
		diag("sock_diag not available here: skipping the dump checks");
		close(s);
		close(c);
		close(l);
		return;
	}
	is_int(tk_diag_index(&t), 0, "dump: indexed");
	fstat(l, &sl);
	fstat(c, &sc);
	fstat(s, &sa);
	dl = tk_diag_find(&t, (uint32_t)sl.st_ino, 1);
	dc = tk_diag_find(&t, (uint32_t)sc.st_ino, 1);
	da = tk_diag_find(&t, (uint32_t)sa.st_ino, 1);
	ok(dl != NULL && dl->state == 10 && dl->sport == ntohs(a.sin_port),
	   "dump: our listener, state listen, its port");
	ok(dc != NULL && dc->state == 1 && dc->dport == ntohs(a.sin_port),
	   "dump: our connected socket, established, to the listener's port");
	ok(da != NULL && da->state == 1 && da->sport == ntohs(a.sin_port),
	   "dump: the accepted socket, on the listener's port");
	ok(dc != NULL && !tk_diag_accepted(&t, dc),
	   "the connected socket is not taken for an accepted one");
	ok(da != NULL && tk_diag_accepted(&t, da),
	   "the accepted socket is: same port as a listener");
	ok(tk_diag_find(&t, 0, 1) == NULL, "inode 0 is not found");
	ok(tk_diag_find(&t, (uint32_t)sc.st_ino, 2) == NULL,
	   "a socket's inode is not found under another namespace");
	tk_diag_free(&t);
	close(s);
	close(c);
	close(l);
}

/* Replies as sock_diag would send them, and what else a datagram can
 * hold: each length is checked before what lies behind it is read.  The
 * buffers end where a page that may not be read begins. */
static char *guarded(size_t len, char **base, size_t *maplen)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t n = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
	char *p = mmap(NULL, n + (size_t)page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p + n, (size_t)page, PROT_NONE);
	*base = p;
	*maplen = n + (size_t)page;
	return p + n - len;
}

static size_t put_hdr(char *at, uint32_t len, uint16_t type, uint32_t seq,
		      uint32_t pid)
{
	struct { uint32_t len; uint16_t type, flags; uint32_t seq, pid; } h =
		{ len, type, 2, seq, pid };

	memcpy(at, &h, sizeof h);
	return (len + 3u) & ~3u;
}

static void parse(void)
{
	struct tk_diag_table t = { 0 };
	char *base, *b;
	size_t maplen, off;
	int rc;

	/* A row (72 bytes after the header), then the end. */
	b = guarded(16 + 72 + 20, &base, &maplen);
	if (b == NULL) {
		diag("mmap failed: skipping the parser checks");
		return;
	}
	memset(b, 0, 16 + 72 + 20);
	off = put_hdr(b, 16 + 72, 20, 7, 99);
	b[16] = AF_INET;
	b[17] = 1;
	memcpy(b + 16 + 68, &(uint32_t){ 4242 }, 4);
	put_hdr(b + off, 20, 3, 7, 99);
	rc = tk_diag_parse(&t, b, 16 + 72 + 20, 7, 99, 5);
	ok(rc == 1 && t.n == 1 && t.v[0].inode == 4242 && t.v[0].netns == 5,
	   "parse: a row and the end of the dump");
	errno = 0;
	ok(tk_diag_parse(&t, b, 16 + 72 + 20, 8, 99, 5) < 0 && errno == EPROTO,
	   "parse: another request's sequence number is refused");
	ok(tk_diag_parse(&t, b, 16 + 72 + 20, 7, 98, 5) < 0 && errno == EPROTO,
	   "parse: replies to another port id are refused");
	ok(tk_diag_parse(&t, b, 16 + 72 - 4, 7, 99, 5) < 0 && errno == EPROTO,
	   "parse: a message longer than the datagram is refused");
	put_hdr(b, 16 + 40, 20, 7, 99);
	ok(tk_diag_parse(&t, b, 16 + 40, 7, 99, 5) < 0 && errno == EPROTO,
	   "parse: a row too short for its fields is refused");
	ok(tk_diag_parse(&t, b + 16 + 72 + 20 - 8, 8, 7, 99, 5) < 0 && errno == EPROTO,
	   "parse: half a header at the end is refused, not read past");
	munmap(base, maplen);

	/* A full 64 KiB datagram whose last message is an NLMSG_ERROR
	 * header without its error code. */
	b = guarded(65536, &base, &maplen);
	if (b == NULL)
		return;
	memset(b, 0, 65536);
	put_hdr(b, 65536 - 16, 20, 7, 99);
	put_hdr(b + 65536 - 16, 16, 2, 7, 99);
	ok(tk_diag_parse(&t, b, 65536, 7, 99, 5) < 0 && errno == EPROTO,
	   "parse: a short NLMSG_ERROR at the end of a full buffer is refused, not read past");
	put_hdr(b, 65536 - 20, 0x10, 7, 99);
	put_hdr(b + 65536 - 20, 20, 2, 7, 99);
	memcpy(b + 65536 - 4, &(int){ -EPERM }, 4);
	ok(tk_diag_parse(&t, b, 65536, 7, 99, 5) < 0 && errno == EPROTO,
	   "parse: a message of another type is refused");
	put_hdr(b, 65536 - 20, 3, 7, 99);
	is_int(tk_diag_parse(&t, b, 65536, 7, 99, 5), 1,
	       "parse: an end of dump ends it");
	put_hdr(b, 20, 2, 7, 99);
	memcpy(b + 16, &(int){ -EPERM }, 4);
	ok(tk_diag_parse(&t, b, 20, 7, 99, 5) < 0 && errno == EPERM,
	   "parse: the kernel's error is the error");
	is_int((int)t.n, 1, "parse: nothing refused was added");
	munmap(base, maplen);
	tk_diag_free(&t);
}

int main(void)
{
	records();
	cgroups();
	pids();
	addresses();
	dump();
	parse();
	return done_testing();
}
