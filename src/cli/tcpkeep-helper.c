/* SPDX-License-Identifier: MIT */
/* tcpkeep-helper: what the tcpkeep shell wrapper cannot do well itself.
 *
 *   tcpkeep-helper run       LIBRARY PRELOAD [VAR:OPTION]... -- COMMAND
 *   tcpkeep-helper print-env LIBRARY PRELOAD [VAR:OPTION]...
 *   tcpkeep-helper check     LIBRARY PRELOAD [VAR:OPTION]...
 *   tcpkeep-helper need-value VAR OPTION
 *
 * Every mode first validates the variables named by VAR:OPTION (already
 * exported by the wrapper, values exactly as the user wrote them) with the
 * library's own parser, so the wrapper and the library cannot disagree about
 * what a value means.  OPTION is the spelling the user typed, for messages.
 *
 * run:        resolves COMMAND through PATH the way execvp(3) does (exit 127
 *             when not found, 126 when not executable) and warns about what
 *             LD_PRELOAD cannot reach: static and Go executables, set-user-ID
 *             and set-group-ID programs, file capabilities.  The wrapper then
 *             exec()s the command itself.
 * print-env:  prints `export NAME='value'` for every TCPKEEP_* variable and
 *             for LD_PRELOAD (= PRELOAD), safe for eval.
 * check:      run with the library preloaded: a loopback connection, the
 *             options read back from the kernel on both ends, compared with
 *             the configuration.  Exit 0 when everything matches, 1 when not.
 *
 * Exit status 125 for a bad value, like the wrapper. */
#include "autoconfig.h"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rules.h"
#include "running.h"

#define EXIT_USAGE 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

#if HAVE_DECL_TCP_KEEPIDLE
# define TK_OPT_IDLE TCP_KEEPIDLE
# define TK_OPT_IDLE_NAME "TCP_KEEPIDLE"
#else
# define TK_OPT_IDLE TCP_KEEPALIVE
# define TK_OPT_IDLE_NAME "TCP_KEEPALIVE"
#endif

extern char **environ;

static const char me[] = "tcpkeep";

/* ------------------------------------------------------------ validation */

/* A value for messages: escaped and cut, so one line stays one line. */
static const char *shown(const char *value, char *buf, size_t len)
{
	tk_escape_value(buf, len, value, 200);
	return buf;
}

static int bad_value(const char *option, const char *value,
		     const char *reason, const char *accepted)
{
	char buf[1024];

	fprintf(stderr, "%s: bad value '%s' for %s%s%s: expected %s\n", me,
		shown(value, buf, sizeof buf), option,
		reason ? " " : "", reason ? reason : "", accepted);
	return -1;
}

/* Checks one VAR:OPTION pair against the variable's parser. */
static int validate_one(const char *pair)
{
	static struct tk_rules rules;	/* large; keep it off the stack */
	char var[64], reason[160], path[TK_LOG_PATH_MAX], why[200];
	const char *colon = strchr(pair, ':');
	const char *option, *value;
	size_t n;
	union {
		int i;
		unsigned u;
		bool b;
		enum tk_direction d;
		enum tk_log_dest l;
	} out;
	bool is_auto;

	if (colon == NULL || (n = (size_t)(colon - pair)) >= sizeof var) {
		fprintf(stderr, "%s: internal error: bad check '%s'\n", me, pair);
		return -1;
	}
	memcpy(var, pair, n);
	var[n] = '\0';
	option = colon + 1;
	value = getenv(var);
	if (value == NULL)
		value = "";

	if (strcmp(var, "TCPKEEP_IDLE") == 0 || strcmp(var, "TCPKEEP_INTVL") == 0) {
		if (tk_parse_seconds(value, &out.i) < 0)
			return bad_value(option, value, NULL, tk_accepts_seconds);
	} else if (strcmp(var, "TCPKEEP_CNT") == 0) {
		if (tk_parse_count(value, &out.i) < 0)
			return bad_value(option, value, NULL, tk_accepts_count);
	} else if (strcmp(var, "TCPKEEP_USER_TIMEOUT") == 0) {
		if (tk_parse_user_timeout(value, &out.u, &is_auto) < 0)
			return bad_value(option, value, NULL,
					 tk_accepts_user_timeout);
	} else if (strcmp(var, "TCPKEEP_DIRECTION") == 0) {
		if (tk_parse_direction(value, &out.d) < 0)
			return bad_value(option, value, NULL,
					 tk_accepts_direction);
	} else if (strcmp(var, "TCPKEEP_ONLY") == 0 ||
		   strcmp(var, "TCPKEEP_SKIP") == 0) {
		reason[0] = '\0';
		if (tk_rules_parse(value, &rules, reason, sizeof reason) < 0) {
			snprintf(why, sizeof why, "(%s)",
				 reason[0] ? reason : "not a rule list");
			return bad_value(option, value, why, tk_accepts_rules);
		}
	} else if (strcmp(var, "TCPKEEP_LOG") == 0) {
		if (tk_parse_log(value, &out.l, path, sizeof path) < 0)
			return bad_value(option, value, NULL, tk_accepts_log);
	} else if (strcmp(var, "TCPKEEP_FORCE") == 0 ||
		   strcmp(var, "TCPKEEP_DEBUG") == 0 ||
		   strcmp(var, "TCPKEEP_ENABLE") == 0) {
		if (tk_parse_bool(value, &out.b) < 0)
			return bad_value(option, value, NULL, tk_accepts_bool);
	} else {
		fprintf(stderr, "%s: internal error: unknown variable %s\n",
			me, var);
		return -1;
	}
	return 0;
}

static const char *accepted_for(const char *var)
{
	if (strcmp(var, "TCPKEEP_IDLE") == 0 || strcmp(var, "TCPKEEP_INTVL") == 0)
		return tk_accepts_seconds;
	if (strcmp(var, "TCPKEEP_CNT") == 0)
		return tk_accepts_count;
	if (strcmp(var, "TCPKEEP_USER_TIMEOUT") == 0)
		return tk_accepts_user_timeout;
	if (strcmp(var, "TCPKEEP_DIRECTION") == 0)
		return tk_accepts_direction;
	if (strcmp(var, "TCPKEEP_ONLY") == 0 || strcmp(var, "TCPKEEP_SKIP") == 0)
		return tk_accepts_rules;
	if (strcmp(var, "TCPKEEP_LOG") == 0)
		return tk_accepts_log;
	return "a value";
}

/* ------------------------------------------------------------ commands */

/* Finds NAME the way execvp(3) does: a name with a slash is taken as it
 * is, otherwise each PATH entry is tried (an empty entry is the current
 * directory).  Returns 0 with the file in PATH_OUT, or the wrapper's exit
 * status after printing why. */
static int resolve_command(const char *name, char *path_out, size_t len)
{
	char def[256];
	const char *search, *p;
	bool denied = false, is_dir = false;
	struct stat st;

	if (name[0] == '\0') {
		fprintf(stderr, "%s: cannot run '': command not found\n", me);
		return EXIT_NOT_FOUND;
	}
	if (strchr(name, '/') != NULL) {
		if (stat(name, &st) < 0) {
			fprintf(stderr, "%s: cannot run '%s': %s\n", me, name,
				strerror(errno));
			return errno == ENOENT || errno == ENOTDIR ?
				EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
		}
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: cannot run '%s': is a directory\n",
				me, name);
			return EXIT_CANNOT_EXEC;
		}
		if (!S_ISREG(st.st_mode) || access(name, X_OK) < 0) {
			fprintf(stderr, "%s: cannot run '%s': not an executable file\n",
				me, name);
			return EXIT_CANNOT_EXEC;
		}
		snprintf(path_out, len, "%s", name);
		return 0;
	}

	search = getenv("PATH");
	if (search == NULL) {
		size_t n = confstr(_CS_PATH, def, sizeof def);
		search = n > 0 && n <= sizeof def ? def : "/bin:/usr/bin";
	}
	for (p = search;; p++) {
		const char *end = strchr(p, ':');
		size_t dirlen = end ? (size_t)(end - p) : strlen(p);
		int n;

		if (dirlen == 0)
			n = snprintf(path_out, len, "%s", name);
		else
			n = snprintf(path_out, len, "%.*s/%s", (int)dirlen, p,
				     name);
		if (n > 0 && (size_t)n < len && stat(path_out, &st) == 0) {
			if (S_ISREG(st.st_mode) && access(path_out, X_OK) == 0)
				return 0;
			/* execvp goes on after EACCES and reports it only
			 * when nothing later in PATH can be run. */
			denied = true;
			is_dir = is_dir || S_ISDIR(st.st_mode);
		}
		if (end == NULL)
			break;
		p = end;
	}
	if (denied) {
		fprintf(stderr, "%s: cannot run '%s': %s\n", me, name,
			is_dir ? "is a directory" : "not an executable file");
		return EXIT_CANNOT_EXEC;
	}
	fprintf(stderr, "%s: cannot run '%s': command not found\n", me, name);
	return EXIT_NOT_FOUND;
}

/* What the ELF headers say.  Only what the warnings need. */
struct elf_facts {
	bool elf;
	bool interp;	/* has PT_INTERP: the dynamic loader runs first */
	bool go;	/* Go build ID note or build info section */
};

struct elf_reader {
	int fd;
	bool le;
	bool is64;
};

static uint64_t get(const struct elf_reader *r, const unsigned char *p,
		    unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned shift = r->le ? 8 * i : 8 * (size - 1 - i);
		v |= (uint64_t)p[i] << shift;
	}
	return v;
}

static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	if (off > (uint64_t)INT64_MAX)
		return false;
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* Go writes its build ID into a note owned by "Go" (type 4); section
 * headers can be stripped away, program headers cannot. */
static bool note_segment_is_go(const struct elf_reader *r, uint64_t off,
			       uint64_t size)
{
	unsigned char buf[4096];
	size_t pos = 0;

	if (size > sizeof buf)
		size = sizeof buf;
	if (size < 12 || !read_at(r->fd, buf, (size_t)size, off))
		return false;
	while (pos + 12 <= size) {
		uint64_t namesz = get(r, buf + pos, 4);
		uint64_t descsz = get(r, buf + pos + 4, 4);
		uint64_t type = get(r, buf + pos + 8, 4);
		const unsigned char *name = buf + pos + 12;

		if (namesz == 3 && pos + 15 <= size &&
		    memcmp(name, "Go", 3) == 0 && type == 4)
			return true;
		pos += 12 + ((namesz + 3) & ~(uint64_t)3) +
			((descsz + 3) & ~(uint64_t)3);
	}
	return false;
}

static bool sections_are_go(const struct elf_reader *r, uint64_t shoff,
			    uint64_t shentsize, uint64_t shnum,
			    uint64_t shstrndx)
{
	unsigned char sh[64];
	char names[65536];
	uint64_t str_off, str_size;
	unsigned name_at = 0, off_at = r->is64 ? 24 : 16;
	unsigned size_at = r->is64 ? 32 : 20, word = r->is64 ? 8 : 4;

	if (shoff == 0 || shentsize < (r->is64 ? 64u : 40u) || shentsize > 256)
		return false;
	/* Extended numbering: the real counts sit in section 0. */
	if (shnum == 0 || shstrndx == 0xffff) {
		if (!read_at(r->fd, sh, r->is64 ? 64 : 40, shoff))
			return false;
		if (shnum == 0)
			shnum = get(r, sh + size_at, word);
		if (shstrndx == 0xffff)
			shstrndx = get(r, sh + (r->is64 ? 40 : 24), 4);
	}
	if (shnum > 65536 || shstrndx >= shnum)
		return false;
	if (!read_at(r->fd, sh, r->is64 ? 64 : 40, shoff + shstrndx * shentsize))
		return false;
	str_off = get(r, sh + off_at, word);
	str_size = get(r, sh + size_at, word);
	if (str_size == 0)
		return false;
	if (str_size > sizeof names - 1)
		str_size = sizeof names - 1;
	if (!read_at(r->fd, names, (size_t)str_size, str_off))
		return false;
	names[str_size] = '\0';
	for (uint64_t i = 0; i < shnum; i++) {
		uint64_t name;

		if (!read_at(r->fd, sh, r->is64 ? 64 : 40, shoff + i * shentsize))
			return false;
		name = get(r, sh + name_at, 4);
		if (name >= str_size)
			continue;
		if (strcmp(names + name, ".note.go.buildid") == 0 ||
		    strcmp(names + name, ".go.buildinfo") == 0)
			return true;
	}
	return false;
}

static void inspect_elf(int fd, struct elf_facts *f)
{
	unsigned char eh[64], ph[56];
	struct elf_reader r = { fd, true, true };
	uint64_t type, phoff, phentsize, phnum, shoff, shentsize, shnum, shstrndx;

	memset(f, 0, sizeof *f);
	if (!read_at(fd, eh, 16, 0) || memcmp(eh, "\177ELF", 4) != 0)
		return;
	if ((eh[4] != 1 && eh[4] != 2) || (eh[5] != 1 && eh[5] != 2))
		return;
	r.is64 = eh[4] == 2;
	r.le = eh[5] == 1;
	if (!read_at(fd, eh, r.is64 ? 64 : 52, 0))
		return;
	type = get(&r, eh + 16, 2);
	if (type != 2 && type != 3)	/* ET_EXEC, ET_DYN */
		return;
	f->elf = true;
	if (r.is64) {
		phoff = get(&r, eh + 32, 8);
		shoff = get(&r, eh + 40, 8);
		phentsize = get(&r, eh + 54, 2);
		phnum = get(&r, eh + 56, 2);
		shentsize = get(&r, eh + 58, 2);
		shnum = get(&r, eh + 60, 2);
		shstrndx = get(&r, eh + 62, 2);
	} else {
		phoff = get(&r, eh + 28, 4);
		shoff = get(&r, eh + 32, 4);
		phentsize = get(&r, eh + 42, 2);
		phnum = get(&r, eh + 44, 2);
		shentsize = get(&r, eh + 46, 2);
		shnum = get(&r, eh + 48, 2);
		shstrndx = get(&r, eh + 50, 2);
	}
	if (phentsize >= (r.is64 ? 56u : 32u)) {
		for (uint64_t i = 0; i < phnum; i++) {
			uint64_t ptype, off, size;

			if (!read_at(fd, ph, r.is64 ? 56 : 32, phoff + i * phentsize))
				break;
			ptype = get(&r, ph, 4);
			off = get(&r, ph + (r.is64 ? 8 : 4), r.is64 ? 8 : 4);
			size = get(&r, ph + (r.is64 ? 32 : 16), r.is64 ? 8 : 4);
			if (ptype == 3)		/* PT_INTERP */
				f->interp = true;
			else if (ptype == 4 && !f->go)	/* PT_NOTE */
				f->go = note_segment_is_go(&r, off, size);
		}
	}
	if (!f->go)
		f->go = sections_are_go(&r, shoff, shentsize, shnum, shstrndx);
}

/* Would exec() of this file run in the loader's secure mode, where it
 * ignores LD_PRELOAD paths?  Only when the IDs actually change (root
 * running a set-user-ID-root file does not), never on a nosuid mount. */
static void privilege_reasons(const char *path, const struct stat *st,
			      const char **suid, const char **sgid,
			      const char **caps)
{
	struct statvfs vfs;
	bool nosuid = statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID);

	*suid = *sgid = *caps = NULL;
	if (nosuid)
		return;
	if ((st->st_mode & S_ISUID) && st->st_uid != getuid())
		*suid = "is set-user-ID";
	if ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) &&
	    st->st_gid != getgid())
		*sgid = "is set-group-ID";
	/* Capabilities granted by the file change nothing for root. */
	if (getuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0)
		*caps = "has file capabilities";
}

static void warn_unreachable(const char *name, const char *path)
{
	const char *reason[5];
	const char *suid, *sgid, *caps;
	unsigned n = 0;
	struct elf_facts f;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;		/* execute-only file: nothing to read */
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	inspect_elf(fd, &f);
	close(fd);
	privilege_reasons(path, &st, &suid, &sgid, &caps);

	if (f.elf && !f.interp)
		reason[n++] = "is statically linked";
	if (f.go)
		reason[n++] = "is a Go program (Go makes its own system calls)";
	if (suid)
		reason[n++] = suid;
	if (sgid)
		reason[n++] = sgid;
	if (caps)
		reason[n++] = caps;
	if (n == 0)
		return;
	fprintf(stderr, "%s: warning: '%s'", me, name);
	for (unsigned i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i == 0 ? "" : (i + 1 == n ? " and" : ","),
			reason[i]);
	fprintf(stderr, ", so LD_PRELOAD cannot reach it: running it without keepalive settings\n");
}

/* ------------------------------------------------------------ print-env */

/* NAME='value' with every ' written as '\'' : one token for sh, eval-safe
 * whatever the value holds. */
static void print_export(const char *name, size_t namelen, const char *value)
{
	printf("export %.*s='", (int)namelen, name);
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	}
	fputs("'\n", stdout);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int print_env(const char *preload)
{
	size_t count = 0, n = 0;
	const char **vars;

	for (char **e = environ; *e != NULL; e++)
		count++;
	vars = calloc(count + 1, sizeof *vars);
	if (vars == NULL) {
		perror(me);
		return 1;
	}
	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "TCPKEEP_", 8) == 0 && strchr(*e, '=') != NULL)
			vars[n++] = *e;
	qsort(vars, n, sizeof *vars, by_name);
	print_export("LD_PRELOAD", 10, preload);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(vars[i], '=');
		print_export(vars[i], (size_t)(eq - vars[i]), eq + 1);
	}
	free(vars);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the environment: %s\n", me,
			strerror(errno));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ check */

struct sockvals {
	int keepalive, idle, intvl, cnt, user_timeout;
};

static const char *lookup_env(void *ctx, const char *name, bool secure)
{
	(void)ctx;
	(void)secure;	/* the helper is never set-user-ID */
	return getenv(name);
}

static void print_warning(void *ctx, const char *var, const char *value,
			  const char *accepted)
{
	char buf[1024];

	(void)ctx;
	printf("warning: ignoring %s='%s': expected %s\n", var,
	       shown(value, buf, sizeof buf), accepted);
}

static int read_opt(int fd, int level, int name, int *out)
{
	socklen_t len = sizeof *out;

	*out = -1;
	return getsockopt(fd, level, name, out, &len);
}

static int read_values(int fd, struct sockvals *v)
{
	int rc = 0;

	rc |= read_opt(fd, SOL_SOCKET, SO_KEEPALIVE, &v->keepalive);
	rc |= read_opt(fd, IPPROTO_TCP, TK_OPT_IDLE, &v->idle);
	rc |= read_opt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v->intvl);
	rc |= read_opt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v->cnt);
#if HAVE_DECL_TCP_USER_TIMEOUT
	rc |= read_opt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v->user_timeout);
#else
	v->user_timeout = 0;
#endif
	if (v->keepalive > 0)
		v->keepalive = 1;
	return rc;
}

/* What a socket nobody touched looks like: one made by the system call
 * itself, which the preloaded library does not see. */
static int kernel_defaults(struct sockvals *v)
{
	int fd, rc;

#ifdef SYS_socket
	fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
#else
	errno = ENOSYS;
	fd = -1;
#endif
	if (fd < 0)
		return -1;
	rc = read_values(fd, v);
	close(fd);
	return rc;
}

struct loaded {
	const char *want;
	dev_t dev;
	ino_t ino;
	bool found;
};

static int find_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct loaded *l = data;
	struct stat st;

	(void)size;
	if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0')
		return 0;
	if (strcmp(info->dlpi_name, l->want) == 0 ||
	    (stat(info->dlpi_name, &st) == 0 && st.st_dev == l->dev &&
	     st.st_ino == l->ino)) {
		l->found = true;
		return 1;
	}
	return 0;
}

static bool library_loaded(const char *library)
{
	struct loaded l = { library, 0, 0, false };
	struct stat st;

	if (stat(library, &st) == 0) {
		l.dev = st.st_dev;
		l.ino = st.st_ino;
	}
	dl_iterate_phdr(find_object, &l);
	return l.found;
}

/* Does the configuration select this connection?  SPEC section 2/3:
 * direction first, then ONLY, and SKIP beats ONLY. */
static bool selected(const struct tk_config *cfg, bool outgoing,
		     const struct sockaddr_in *peer, uint16_t service_port)
{
	const struct sockaddr *sa = (const struct sockaddr *)peer;

	if (!cfg->enabled)
		return false;
	if (cfg->direction == TK_DIR_OUT && !outgoing)
		return false;
	if (cfg->direction == TK_DIR_IN && outgoing)
		return false;
	if (cfg->have_only &&
	    !tk_rules_match(&cfg->only, sa, sizeof *peer, service_port))
		return false;
	if (cfg->have_skip &&
	    tk_rules_match(&cfg->skip, sa, sizeof *peer, service_port))
		return false;
	return true;
}

static unsigned report(const char *side, const char *why,
		       const struct sockvals *got, const struct sockvals *want)
{
	static const struct {
		const char *name;
		size_t off;
	} rows[] = {
		{ "SO_KEEPALIVE", offsetof(struct sockvals, keepalive) },
		{ TK_OPT_IDLE_NAME, offsetof(struct sockvals, idle) },
		{ "TCP_KEEPINTVL", offsetof(struct sockvals, intvl) },
		{ "TCP_KEEPCNT", offsetof(struct sockvals, cnt) },
		{ "TCP_USER_TIMEOUT", offsetof(struct sockvals, user_timeout) },
	};
	unsigned bad = 0;

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int g = *(const int *)(const void *)((const char *)got + rows[i].off);
		int w = *(const int *)(const void *)((const char *)want + rows[i].off);

		printf("%-9s %-17s %10d %10d   %s\n", side, rows[i].name, g, w,
		       g == w ? "ok" : "MISMATCH");
		bad += g != w;
	}
	printf("%-9s (%s)\n", side, why);
	return bad;
}

static int check(const char *library)
{
	struct tk_config cfg;
	struct sockvals defaults, want_out, want_in, got_out, got_in;
	struct sockaddr_in addr, peer;
	socklen_t len = sizeof addr;
	int lfd = -1, cfd = -1, afd = -1, status = 1;
	unsigned bad;
	bool out_on, in_on, loaded;
	const char *why_out, *why_in;

	printf("tcpkeep " PACKAGE_VERSION " --check\n");
	tk_config_load(&cfg, lookup_env, NULL, print_warning, NULL);

	loaded = library_loaded(library);
	printf("library   %s: %s\n", library,
	       loaded ? "loaded" : "NOT LOADED (see the loader's message above)");

	if (kernel_defaults(&defaults) < 0) {
		fprintf(stderr, "%s: --check: cannot read the kernel's defaults: %s\n",
			me, strerror(errno));
		return 1;
	}

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) < 0) {
		fprintf(stderr, "%s: --check: cannot listen on 127.0.0.1: %s\n",
			me, strerror(errno));
		goto out;
	}
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		fprintf(stderr, "%s: --check: cannot connect to 127.0.0.1:%u: %s\n",
			me, ntohs(addr.sin_port), strerror(errno));
		goto out;
	}
	len = sizeof peer;
	afd = accept(lfd, (struct sockaddr *)&peer, &len);
	if (afd < 0) {
		fprintf(stderr, "%s: --check: accept failed: %s\n", me,
			strerror(errno));
		goto out;
	}
	if (read_values(cfd, &got_out) < 0 || read_values(afd, &got_in) < 0) {
		fprintf(stderr, "%s: --check: getsockopt failed: %s\n", me,
			strerror(errno));
		goto out;
	}

	/* The service port is the destination port outgoing and the local
	 * port accepted: the listener's port either way. */
	out_on = selected(&cfg, true, &addr, ntohs(addr.sin_port));
	in_on = selected(&cfg, false, &peer, ntohs(addr.sin_port));
	want_out = want_in = defaults;
	if (out_on || in_on) {
		struct sockvals on = defaults;

		on.keepalive = 1;
		on.idle = cfg.idle_s;
		on.intvl = cfg.intvl_s;
		on.cnt = cfg.cnt;
		if (cfg.user_timeout_set)
			on.user_timeout = (int)cfg.user_timeout_ms;
		if (out_on)
			want_out = on;
		if (in_on)
			want_in = on;
	}
	why_out = out_on ? "configured" : !cfg.enabled ?
		"untouched: TCPKEEP_ENABLE is off" :
		cfg.direction == TK_DIR_IN ? "untouched: direction is in" :
		"untouched: TCPKEEP_ONLY/TCPKEEP_SKIP exclude 127.0.0.1";
	why_in = in_on ? "configured" : !cfg.enabled ?
		"untouched: TCPKEEP_ENABLE is off" :
		cfg.direction == TK_DIR_OUT ? "untouched: direction is out" :
		"untouched: TCPKEEP_ONLY/TCPKEEP_SKIP exclude 127.0.0.1";

	printf("%-9s %-17s %10s %10s\n", "socket", "option", "kernel", "expected");
	bad = report("outgoing", why_out, &got_out, &want_out);
	bad += report("accepted", why_in, &got_in, &want_in);
	if (bad == 0) {
		printf("result    ok: all 10 values match the configuration\n");
		status = 0;
	} else {
		printf("result    FAILED: %u of 10 values differ from the configuration\n",
		       bad);
	}
out:
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	fflush(stdout);
	return status;
}

/* ------------------------------------------------------------ main */

static int usage_error(void)
{
	fprintf(stderr, "%s: tcpkeep-helper is run by the tcpkeep wrapper, not directly\n",
		me);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *mode, *library, *preload;
	char path[PATH_MAX];
	int i, rc;

	if (argc < 2)
		return usage_error();
	mode = argv[1];
	if (strcmp(mode, "need-value") == 0) {
		if (argc != 4)
			return usage_error();
		fprintf(stderr, "%s: option %s needs a value: %s\n", me, argv[3],
			accepted_for(argv[2]));
		return EXIT_USAGE;
	}
	/* Running processes: pid CHECKS -- PID..., status [OPTIONS] */
	if (strcmp(mode, "pid") == 0) {
		for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
			if (validate_one(argv[i]) < 0)
				return EXIT_USAGE;
		return tk_pid_main(argc - i, argv + i);
	}
	if (strcmp(mode, "status") == 0)
		return tk_status_main(argc - 2, argv + 2);
	if (argc < 4)
		return usage_error();
	library = argv[2];
	preload = argv[3];
	for (i = 4; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (validate_one(argv[i]) < 0)
			return EXIT_USAGE;

	if (strcmp(mode, "run") == 0) {
		if (i + 1 >= argc)
			return usage_error();
		rc = resolve_command(argv[i + 1], path, sizeof path);
		if (rc == 0)
			warn_unreachable(argv[i + 1], path);
		return rc;
	}
	if (i < argc)
		return usage_error();
	if (strcmp(mode, "print-env") == 0)
		return print_env(preload);
	if (strcmp(mode, "check") == 0)
		return check(library);
	return usage_error();
}
