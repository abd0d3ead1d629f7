/* SPDX-License-Identifier: MIT */
/* check: run with the library preloaded, a loopback connection whose
 * options are read back from the kernel on both ends and compared with the
 * configuration.  Exit 0 when everything matches, 1 when not. */
#include "autoconfig.h"

#include "common/config.h"
#include "common/decide.h"
#include "common/options.h"

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

#include "common/rules.h"
#include "cli/helper.h"
#include "host/conftool.h"

/* One value per row of options.h. */
struct sockvals {
	int v[TK_OPT_COUNT];
};

static void print_warning(void *ctx, const char *var, const char *value,
			  const char *accepted)
{
	char buf[1024];

	(void)ctx;
	printf("warning: ignoring %s='%s': expected %s\n", var,
	       shown(value, buf, sizeof buf), accepted);
}

static int read_values(int fd, struct sockvals *v)
{
	int rc = 0;

	for (int o = 0; o < TK_OPT_COUNT; o++)
		rc |= tk_option_read(fd, (enum tk_opt)o, &v->v[o]);
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

/* Whether a connection's value GOT shows the configured WANT.  A
 * connection reads TCP_MAXSEG as the segment size in use: at most the
 * clamp, less the TCP options (timestamps) of every segment. */
static bool shows(enum tk_opt o, int got, int want)
{
	if (o == TK_OPT_MAXSEG)
		return got > 0 && got <= want;
	return got == want;
}

/* The rows one connection of the probe is judged on: the keepalive
 * options always; a listener's option is read on the listener; the
 * drop-in options only where configured, and TCP_MAXSEG and
 * TCP_WINDOW_CLAMP, which the kernel chooses per connection, only on a
 * side the configuration does not leave UNTOUCHED.  NVALUES counts the
 * values compared. */
static bool judged(enum tk_opt o, const struct tk_effective *eff,
		   bool untouched)
{
	if (tk_option_rows[o].optname < 0 ||
	    tk_option_rows[o].when == TK_WHEN_LISTENER)
		return false;
	if (o == TK_OPT_MAXSEG || o == TK_OPT_WINDOW_CLAMP)
		return tk_effective_sets(eff, o) && !untouched;
	if (o == TK_OPT_SYNCNT)
		return tk_effective_sets(eff, o);
	return true;
}

static unsigned nvalues;

/* A rule with addresses leaves a listener's own option alone: it would
 * hold for every peer (libtcpkeep(7)). */
static bool names_addresses(const struct tk_config *cfg)
{
	const struct tk_rules *lists[2] = {
		cfg->have_only ? &cfg->only : NULL,
		cfg->have_skip ? &cfg->skip : NULL,
	};

	for (int i = 0; i < 2; i++)
		for (unsigned k = 0; lists[i] != NULL && k < lists[i]->count; k++)
			if (lists[i]->rule[k].kind != TK_RULE_ANY)
				return true;
	return false;
}

static unsigned report(const char *side, const char *why,
		       const struct sockvals *got, const struct sockvals *want,
		       const struct tk_effective *eff, bool listener)
{
	unsigned bad = 0;

	for (int o = 0; o < TK_OPT_COUNT; o++) {
		int g = got->v[o], w = want->v[o];
		bool ok = shows((enum tk_opt)o, g, w);

		if (listener ? tk_option_rows[o].when != TK_WHEN_LISTENER ||
			       tk_option_rows[o].optname < 0
			     : !judged((enum tk_opt)o, eff, why != NULL))
			continue;
		printf("%-9s %-17s %10d %10d   %s\n", side,
		       tk_option_rows[o].name, g, w,
		       ok ? "ok" : "MISMATCH");
		bad += !ok;
		nvalues++;
	}
	if (listener)
		return bad;
	printf("%-9s (%s%s)\n", side, why ? "untouched: " : "configured",
	       why ? why : "");
	return bad;
}

/* What the configuration asks of one side of the probe: the kernel's
 * defaults but for the options the decision lets it set.  Returns NULL,
 * or why that side is left untouched. */
static const char *expected(const struct tk_config *cfg,
			    const struct tk_effective *eff, enum tk_call call,
			    const struct sockaddr_in *peer, int port,
			    const struct sockvals *defaults,
			    struct sockvals *want)
{
	const char *why;

	*want = *defaults;
	if (!cfg->enabled)
		return "TCPKEEP_ENABLE is off";
	why = tk_decide(cfg, call, (const struct sockaddr *)peer, sizeof *peer,
			port);
	if (why != NULL)
		return why;
	for (int o = 0; o < TK_OPT_COUNT; o++)
		if (tk_effective_sets(eff, (enum tk_opt)o))
			want->v[o] = eff->value[o];
	return NULL;
}

int check(const char *library)
{
	struct tk_config cfg;
	struct sockvals defaults, want_out, want_in, got_out, got_in;
	struct sockvals want_listen, got_listen;
	struct sockaddr_in addr, peer;
	socklen_t len = sizeof addr;
	int lfd = -1, cfd = -1, afd = -1, status = 1;
	struct tk_effective eff;
	unsigned bad;
	bool loaded;
	const char *why_out, *why_in;

	printf("tcpkeep " PACKAGE_VERSION " --check\n");
	/* The library loaded in this process reads the same file for this
	 * program, and says what is wrong with it. */
	{
		unsigned file_problems;
		const struct tk_conf *conf;

		(void)tk_tool_config(&cfg, NULL, print_warning, NULL, false,
				     &file_problems);
		conf = tk_tool_conf();
		printf("file      %s: %s%s\n",
		       conf->path != NULL ? conf->path : "none",
		       conf->state == TK_CONF_LOADED ? "read" :
		       conf->state == TK_CONF_REFUSED ? "ignored: " :
		       conf->path != NULL ? "absent" : "not read",
		       conf->state == TK_CONF_REFUSED ? conf->refused : "");
	}

	loaded = library_loaded(library);
	printf("library   %s: %s\n", library,
	       loaded ? "loaded" : "NOT LOADED (see the loader's message above)");

	if (kernel_defaults(&defaults) < 0) {
		fprintf(stderr, "%s: --check: cannot read the kernel's defaults: %s\n",
			tk_me, strerror(errno));
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
			tk_me, strerror(errno));
		goto out;
	}
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* One byte: a listener with TCP_DEFER_ACCEPT has nothing to accept
	 * before data comes (else accept() waits the deferral out), and the
	 * segment size is then read as any program that sent data reads it. */
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    write(cfd, "", 1) != 1) {
		fprintf(stderr, "%s: --check: cannot connect to 127.0.0.1:%u: %s\n",
			tk_me, ntohs(addr.sin_port), strerror(errno));
		goto out;
	}
	len = sizeof peer;
	afd = accept(lfd, (struct sockaddr *)&peer, &len);
	if (afd < 0) {
		fprintf(stderr, "%s: --check: accept failed: %s\n", tk_me,
			strerror(errno));
		goto out;
	}
	if (read_values(cfd, &got_out) < 0 || read_values(afd, &got_in) < 0 ||
	    read_values(lfd, &got_listen) < 0) {
		fprintf(stderr, "%s: --check: getsockopt failed: %s\n", tk_me,
			strerror(errno));
		goto out;
	}

	/* The service port is the destination port outgoing and the local
	 * port accepted: the listener's port either way. */
	tk_effective_build(&eff, &cfg);
	why_out = expected(&cfg, &eff, TK_CALL_CONNECT, &addr,
			   ntohs(addr.sin_port), &defaults, &want_out);
	why_in = expected(&cfg, &eff, TK_CALL_ACCEPT, &peer,
			  ntohs(addr.sin_port), &defaults, &want_in);

	/* The listener is judged as the connections it accepts are. */
	(void)expected(&cfg, &eff, TK_CALL_ACCEPT, &peer, ntohs(addr.sin_port),
		       &defaults, &want_listen);
	if (why_in != NULL || names_addresses(&cfg))
		want_listen = defaults;

	printf("%-9s %-17s %10s %10s\n", "socket", "option", "kernel", "expected");
	bad = report("outgoing", why_out, &got_out, &want_out, &eff, false);
	bad += report("accepted", why_in, &got_in, &want_in, &eff, false);
	bad += report("listener", NULL, &got_listen, &want_listen, &eff, true);
	if (bad == 0) {
		printf("result    ok: all %u values match the configuration\n",
		       nvalues);
		status = 0;
	} else {
		printf("result    FAILED: %u of %u values differ from the configuration\n",
		       bad, nvalues);
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
