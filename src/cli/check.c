/* SPDX-License-Identifier: MIT */
/* check: run with the library preloaded, a loopback connection whose
 * options are read back from the kernel on both ends and compared with the
 * configuration.  Exit 0 when everything matches, 1 when not. */
#include "autoconfig.h"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#ifdef __GLIBC__
# include <gnu/libc-version.h>
#endif
#include <link.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "rules.h"
#include "helper.h"

#if HAVE_DECL_TCP_KEEPIDLE
# define TK_OPT_IDLE TCP_KEEPIDLE
# define TK_OPT_IDLE_NAME "TCP_KEEPIDLE"
#else
# define TK_OPT_IDLE TCP_KEEPALIVE
# define TK_OPT_IDLE_NAME "TCP_KEEPALIVE"
#endif

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

/* Does the configuration select this connection?  libtcpkeep(7), "Which
 * sockets" and "When options are applied": direction first, then ONLY, and
 * SKIP beats ONLY. */
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

int check(const char *library)
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
		/* An option left at the system default (an alias value of 0)
		 * keeps the kernel's value. */
		if (cfg.idle_set)
			on.idle = (int)cfg.idle_s;
		if (cfg.intvl_set)
			on.intvl = (int)cfg.intvl_s;
		if (cfg.cnt_set)
			on.cnt = (int)cfg.cnt;
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

/* A library whose symbol versions this C library lacks stops the program
 * before main(), with one loader line per version: asked first, without
 * the library, the helper can say which C library the file is for. */
int check_needs(const char *library)
{
	char missing[512];
	const char *have = NULL;
	const char *newest = missing + 6;	/* after "GLIBC_" */

#ifdef __GLIBC__
	have = gnu_get_libc_version();
#endif
	if (have == NULL ||
	    glibc_versions_missing(library, have, missing, sizeof missing) == 0)
		return 0;
	printf("tcpkeep " PACKAGE_VERSION " --check\n");
	printf("library   %s: NOT LOADED: it needs glibc %.*s or later (%s); this program has glibc %s\n",
	       library, (int)strcspn(newest, ","), newest, missing, have);
	printf("result    FAILED: the library cannot be loaded with this C library\n");
	fflush(stdout);
	return 1;
}
