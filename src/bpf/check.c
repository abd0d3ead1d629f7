/* SPDX-License-Identifier: MIT */
/* tcpkeep-bpf check
 *
 * A temporary cgroup, a loopback connection made from a process in it,
 * the options read back from both ends; exit 0 when they match the
 * configuration, 1 when not. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/cgroup.h"
#include "bpf/commands.h"
#include "bpf/config.h"
#include "common/config.h"
#include "common/decide.h"
#include "bpf/loader.h"
#include "common/options.h"

/* ------------------------------------------------------------ check */

#define TK_NOPTS TK_OPT_COUNT	/* one value per row of options.h */

static int read_all(int fd, int v[TK_NOPTS])
{
	for (int i = 0; i < TK_NOPTS; i++)
		if (tk_option_read(fd, (enum tk_opt)i, &v[i]) < 0)
			return -1;
	return 0;
}

/* What the configuration asks of one connection of the probe. */
static void expected(const struct tk_config *cfg, enum tk_call call,
		     const struct sockaddr_in *peer, int port,
		     const int defaults[TK_NOPTS], int want[TK_NOPTS],
		     const char **why)
{
	struct tk_effective eff;

	memcpy(want, defaults, TK_NOPTS * sizeof want[0]);
	*why = !cfg->enabled ? "TCPKEEP_ENABLE is off" :
	       tk_decide(cfg, call, (const struct sockaddr *)peer,
			 sizeof *peer, port);
	if (*why != NULL)
		return;
	tk_effective_build(&eff, cfg);
	for (int i = 0; i < TK_NOPTS; i++)
		if (tk_effective_sets(&eff, (enum tk_opt)i))
			want[i] = eff.value[i];
}

static unsigned nvalues;

/* As the library's --check: a listener's option is not eBPF mode's (it
 * leaves listeners alone); TCP_MAXSEG and TCP_WINDOW_CLAMP, which the
 * kernel chooses per connection, are judged only where configured, and a
 * connection reads TCP_MAXSEG as the segment size in use, at most the
 * clamp. */
static unsigned print_side(const char *side, const int got[TK_NOPTS],
			   const int want[TK_NOPTS], const int defaults[TK_NOPTS],
			   const char *why)
{
	unsigned bad = 0;

	for (int i = 0; i < TK_NOPTS; i++) {
		bool ok = i == TK_OPT_MAXSEG ? got[i] > 0 && got[i] <= want[i]
					     : got[i] == want[i];

		if (tk_option_rows[i].when == TK_WHEN_LISTENER ||
		    ((i == TK_OPT_MAXSEG || i == TK_OPT_WINDOW_CLAMP) &&
		     (why != NULL || want[i] == defaults[i])))
			continue;
		printf("%-9s %-17s %10d %10d   %s\n", side,
		       tk_option_rows[i].name, got[i],
		       want[i], ok ? "ok" : "MISMATCH");
		bad += !ok;
		nvalues++;
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
	bad = print_side("outgoing", got_out, want_out, defaults, why_out);
	bad += print_side("accepted", got_in, want_in, defaults, why_in);
	if (bad == 0)
		printf("result    ok: all %u values match the configuration\n",
		       nvalues);
	else
		printf("result    FAILED: %u of %u values differ from the "
		       "configuration\n", bad, nvalues);
	fflush(stdout);
	close(afd);
	close(cfd);
	close(lfd);
	return bad == 0 ? 0 : 1;
}

int cmd_check(int argc, char **argv)
{
	char mount[PATH_MAX], own[PATH_MAX];
	struct tk_config cfg;
	struct transient t;
	struct tk_bpf *bpf;
	int status = 0;
	pid_t child;

	(void)argc;
	(void)argv;
	printf("tcpkeep " PACKAGE_VERSION " --bpf --check\n");
	fflush(stdout);
	load_config(&cfg);
	if (find_cgroup_v2(mount, sizeof mount, own, sizeof own) < 0)
		return TK_EXIT_NOT_STARTED;
	if (!cfg.enabled) {
		printf("ebpf      not attached: TCPKEEP_ENABLE is off\n");
		return probe(&cfg);
	}
	bpf = tk_bpf_load(&cfg);
	if (bpf == NULL)
		return TK_EXIT_NOT_STARTED;
	if (make_transient(&t, own, TK_CG_CHECK, NULL) < 0) {
		tk_bpf_close(bpf);
		return TK_EXIT_NOT_STARTED;
	}
	if (tk_bpf_attach(bpf, t.dir_fd, t.path) < 0) {
		tk_bpf_close(bpf);
		drop_transient(&t, false);
		return TK_EXIT_NOT_STARTED;
	}
	printf("ebpf      attached to the cgroup %s\n", t.path);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		if (tk_cg_join(t.dir_fd) < 0) {
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
