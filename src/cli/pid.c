/* SPDX-License-Identifier: MIT */
/* tcpkeep --pid (tcpkeep(1), RUNNING PROCESSES): the configured options on
 * the TCP sockets running processes hold now, established and listening.
 * Each socket is duplicated with pidfd_getfd(2) and configured through the
 * duplicate, which is the same socket: the process is not stopped, traced
 * or restarted.  The rules of the library hold: filters by direction and
 * peer, and an option the socket already holds at a value other than the
 * kernel's default (of its network namespace) stays unless --force. */
#include "autoconfig.h"

#include "common/config.h"
#include "common/decide.h"
#include "common/options.h"
#include "cli/helper.h"
#include "host/conftool.h"
#include "host/exit.h"
#include "host/running.h"

#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TK_TCP_ESTABLISHED 1
#define TK_TCP_LISTEN 10

void tk_pid_warn(void *ctx, const char *var, const char *value,
		 const char *accepted)
{
	(void)ctx;
	fprintf(stderr, "tcpkeep: bad value '%s' for %s: expected %s\n",
		value, var, accepted);
}

struct line {
	char buf[512];
	size_t len;
};

static void put(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof l->buf)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len >= sizeof l->buf)
		l->len = sizeof l->buf - 1;
}

/* TCP_SYNCNT reads as net.ipv4.tcp_syn_retries until a program sets it.
 * Read in our own network namespace: where the socket's differs, its
 * value is taken for the program's (and kept unless --force). */
static int syn_retries_default(void)
{
	static int value = -1;

	if (value < 0) {
		FILE *f = fopen("/proc/sys/net/ipv4/tcp_syn_retries", "r");

		value = 6;	/* the kernel's own default */
		if (f != NULL) {
			if (fscanf(f, "%d", &value) != 1)
				value = 6;
			fclose(f);
		}
	}
	return value;
}

/* The kernel's default for row O in the socket's network namespace: a
 * value other than it was the program's choice. */
static int default_of(const struct tk_netns *n, enum tk_opt o)
{
	switch (o) {
	case TK_OPT_IDLE:
		return n->def_idle;
	case TK_OPT_INTVL:
		return n->def_intvl;
	case TK_OPT_CNT:
		return n->def_cnt;
	case TK_OPT_SYNCNT:
		return syn_retries_default();
	case TK_OPT_MAXSEG:
		return 536;	/* the kernel's TCP_MSS_DEFAULT, until connected */
	default:
		/* Keepalive off, no user timeout, no window clamp on a
		 * listener, no deferred accept. */
		return 0;
	}
}

/* One option: kept when the program chose it (unless force), else set.
 * Returns 1 when set, 0 when kept, -1 when setsockopt failed. */
static int one(struct line *l, int fd, const struct tk_config *cfg,
	       enum tk_opt o, int want, int now, int def)
{
	const struct tk_option_row *r = &tk_option_rows[o];

	if (now != def && now != want && !cfg->force) {
		put(l, " %s=%d%s(kept: the program's)", r->label, now, r->unit);
		return 0;
	}
	if (setsockopt(fd, r->level, r->optname, &want, sizeof want) < 0) {
		put(l, " %s=failed(%s)", r->label, strerror(errno));
		return -1;
	}
	if (o == TK_OPT_KEEPALIVE)
		put(l, " %s=on", r->label);
	else
		put(l, " %s=%d%s", r->label, want, r->unit);
	return 1;
}

/* True when a rule of R names addresses that can be the peer of a
 * connection a listener of FAMILY on PORT accepts: what such a rule says
 * depends on the peer, which the listener cannot know.  A rule for other
 * ports never applies there (the port an accepted connection is judged
 * by is the listener's), nor an IPv6 one to an IPv4 listener. */
static bool names_peers(const struct tk_rules *r, unsigned family,
			unsigned port)
{
	for (unsigned i = 0; i < r->count; i++) {
		const struct tk_rule *x = &r->rule[i];

		if (x->kind == TK_RULE_ANY || port < x->port_lo ||
		    port > x->port_hi ||
		    (family == AF_INET && x->kind == TK_RULE_V6))
			continue;
		return true;
	}
	return false;
}

/* Why a listener is left alone, or NULL.  The kernel copies a listener's
 * options to every connection it accepts, so it may be configured only
 * when the library would give every one of them the options: when no
 * rule can tell its peers apart.  Port-only rules cannot (the port is its
 * own): a listener they select (no TCPKEEP_SKIP port of its own, a
 * TCPKEEP_ONLY port of its own) has only peers they select. */
static const char *listener_why(const struct tk_config *cfg,
				const struct tk_diag *d)
{
	const char *why = tk_decide(cfg, TK_CALL_ACCEPT, NULL, 0, d->sport);

	if (why == NULL && cfg->have_skip &&
	    names_peers(&cfg->skip, d->family, d->sport))
		return "TCPKEEP_SKIP names peer addresses: the connections it "
			"accepts would inherit its options, those from skipped "
			"peers too";
	if (why != NULL && cfg->have_only && strstr(why, "ONLY") != NULL &&
	    names_peers(&cfg->only, d->family, d->sport))
		return "TCPKEEP_ONLY names peer addresses: the connections it "
			"accepts would inherit its options, those from other "
			"peers too";
	return why;
}

/* Configures one socket: 1 when an option was set, 0 when it was left
 * alone (a filter, its state, every option the program's), -1 when it
 * could not be changed. */
static int configure(const struct tk_config *cfg, const struct tk_proc *p,
		     int fd, const struct tk_diag *d,
		     const struct tk_diag_table *t, const struct tk_netns *n)
{
	char local[64], peer[64], head[256];
	struct sockaddr_storage ss;
	static struct tk_config plain_cfg;	/* large: the rule tables */
	struct tk_effective eff, plain;
	struct line l = { .len = 0 };
	bool listening = d->state == TK_TCP_LISTEN;
	bool accepted = !listening && tk_diag_accepted(t, d);
	const char *why;
	int dup, bad = 0, set = 0;

	tk_effective_build(&eff, cfg);
	tk_config_defaults(&plain_cfg);
	tk_effective_build(&plain, &plain_cfg);

	tk_format_addr(local, sizeof local, d->family, d->src, d->sport);
	tk_format_addr(peer, sizeof peer, d->family, d->dst, d->dport);
	if (listening)
		snprintf(head, sizeof head, "PID %d (%s) fd %d %s listening",
			 (int)p->pid, p->comm, fd, local);
	else
		snprintf(head, sizeof head, "PID %d (%s) fd %d %s %s %s %s",
			 (int)p->pid, p->comm, fd, local,
			 accepted ? "<-" : "->", peer,
			 accepted ? "accepted" : "connected");

	if (!listening && d->state != TK_TCP_ESTABLISHED) {
		printf("%s: left alone: state %s\n", head,
		       tk_tcp_state_name(d->state));
		return 0;
	}
	if (!cfg->enabled) {
		printf("%s: left alone: TCPKEEP_ENABLE is off\n", head);
		return 0;
	}
	if (listening)
		why = listener_why(cfg, d);
	else
		why = tk_decide(cfg, accepted ? TK_CALL_ACCEPT : TK_CALL_CONNECT,
				(const struct sockaddr *)&ss, tk_diag_peer(d, &ss),
				accepted ? d->sport : d->dport);
	if (why != NULL) {
		printf("%s: left alone: %s\n", head, why);
		return 0;
	}

	dup = tk_sock_take(p->pidfd, fd, d->inode, d->netns);
	if (dup < 0) {
		int err = errno;
		const char *w = tk_pidfd_why(err);

		fprintf(stderr, "tcpkeep: %s: %s: %s\n", head,
			err == ESTALE ? "not configured" : "cannot reach the socket",
			w ? w : strerror(err));
		return -1;
	}
	put(&l, "%s:", head);
	/* The timers first, so that SO_KEEPALIVE arms the first probe
	 * with the configured idle time. */
	for (unsigned k = 0; k < TK_OPT_COUNT; k++) {
		enum tk_opt o = tk_option_nth(k);
		int now;

		if (tk_effective_sets(&eff, o) && !listening &&
		    tk_option_rows[o].when != TK_WHEN_ANY) {
			/* Counts only before the handshake, or only on a
			 * listener: nothing to change on a connection. */
			if (tk_option_rows[o].when == TK_WHEN_HANDSHAKE)
				put(&l, " %s=skipped(connected already)",
				    tk_option_rows[o].label);
			continue;
		}
		if (tk_effective_sets(&eff, o) && !listening &&
		    o == TK_OPT_WINDOW_CLAMP && !cfg->force) {
			/* A connection holds a clamp the kernel chose at the
			 * handshake: no value tells a program's from it. */
			put(&l, " %s=kept(the kernel's or the program's; "
			    "--force sets it)", tk_option_rows[o].label);
			continue;
		}
		if (!tk_effective_sets(&eff, o)) {
			/* Said only where tcpkeep would set it but the
			 * configuration (an alias of 0) leaves it alone. */
			if (tk_effective_sets(&plain, o))
				put(&l, " %s=unset", tk_option_rows[o].label);
			continue;
		}
		if (tk_option_read(dup, o, &now) < 0) {
			fprintf(stderr, "tcpkeep: %s: cannot read its options: %s\n",
				head, strerror(errno));
			close(dup);
			return -1;
		}
		switch (one(&l, dup, cfg, o, eff.value[o], now,
			    default_of(n, o))) {
		case -1:
			bad = 1;
			break;
		case 1:
			set = 1;
			break;
		}
	}
	close(dup);
	if (listening)
		put(&l, "; connections it accepts from now on inherit these");
	if (bad) {
		fprintf(stderr, "tcpkeep: %s\n", l.buf);
		return -1;
	}
	printf("%s\n", l.buf);
	return set;
}

/* The options on the sockets the processes PIDS hold now: every applier
 * of running processes (--pid, and --cgroup for what a cgroup holds when
 * it attaches) goes through here.  Returns 1 when a socket could not be
 * changed or a process read, else 0; C counts the sockets. */
int tk_pid_configure(const struct tk_config *cfg, const pid_t *pids,
		     size_t npids, unsigned flags, struct tk_pid_counts *c)
{
	struct tk_scan s;
	size_t *first;		/* per socket of the table: its first holder + 1 */
	bool quiet = flags & TK_PID_MEMBERS;
	int failed = 0;
	static struct tk_config own;	/* large: the rule tables */

	memset(c, 0, sizeof *c);
	if (npids == 0)		/* tk_scan_run would take every process */
		return 0;
	if (tk_scan_run(&s, pids, npids) < 0) {
		perror("tcpkeep: --pid");
		return 1;
	}

	first = calloc(s.diag.n + 1, sizeof *first);
	if (first == NULL) {
		perror("tcpkeep: --pid");
		tk_scan_free(&s);
		return 1;
	}
	for (size_t i = 0; i < s.nprocs; i++) {
		const struct tk_proc *p = &s.procs[i];
		const struct tk_netns *n = tk_scan_netns(&s, p->netns);
		size_t found = 0;

		/* A member that ended since the cgroup was read is no
		 * failure: it holds nothing now. */
		if (p->err == ESRCH && quiet)
			continue;
		if (p->err != 0) {
			fprintf(stderr, "tcpkeep: PID %d: %s\n", (int)p->pid,
				tk_proc_why(p->err));
			c->procs_failed++;
			failed = 1;
			continue;
		}
		if (p->count > 0 && (n == NULL || !n->dumped)) {
			fprintf(stderr, "tcpkeep: PID %d (%s): cannot read the sockets of its network namespace: %s\n",
				(int)p->pid, p->comm,
				n ? tk_netns_why(n->err) : "unknown namespace");
			c->procs_failed++;
			failed = 1;
			continue;
		}
		if (flags & TK_PID_SECTIONS) {
			/* Its own [program] sections: the file's for what
			 * /proc/PID/exe names (quiet: said at the start). */
			char exe[4096];
			unsigned file_problems;

			(void)tk_tool_config(&own, tk_conf_exe(p->pid, exe,
								 sizeof exe),
					     NULL, NULL, false, &file_problems);
		}
		for (size_t k = p->first; k < p->first + p->count; k++) {
			const struct tk_diag *d = tk_diag_find(&s.diag, s.socks[k].inode,
								 p->netns);

			if (d == NULL)
				continue;
			/* Shared with another process (fork): one socket,
			 * configured once. */
			if (first[d - s.diag.v] != 0) {
				size_t k0 = first[d - s.diag.v] - 1;
				const struct tk_proc *p0 = p;

				for (size_t j = 0; j <= i; j++)
					if (s.procs[j].first <= k0 &&
					    k0 < s.procs[j].first + s.procs[j].count)
						p0 = &s.procs[j];
				printf("PID %d (%s) fd %d: the same socket as PID %d fd %d, above\n",
				       (int)p->pid, p->comm, s.socks[k].fd,
				       (int)p0->pid, s.socks[k0].fd);
				found++;
				continue;
			}
			first[d - s.diag.v] = k + 1;
			if (found++ == 0 && p->pidfd < 0) {
				const char *w = tk_pidfd_why(p->pidfd_err);

				fprintf(stderr, "tcpkeep: PID %d (%s): cannot reach its sockets: %s\n",
					(int)p->pid, p->comm,
					w ? w : strerror(p->pidfd_err));
				c->procs_failed++;
				failed = 1;
				break;
			}
			switch (configure(flags & TK_PID_SECTIONS ? &own : cfg,
					  p, s.socks[k].fd, d, &s.diag, n)) {
			case -1:
				c->failed++;
				failed = 1;
				break;
			case 0:
				c->left++;
				break;
			default:
				c->changed++;
			}
		}
		if (found == 0 && !quiet)
			printf("PID %d (%s): no TCP sockets\n", (int)p->pid, p->comm);
	}
	fflush(stdout);
	tk_scan_free(&s);
	free(first);
	return failed;
}

/* How many: the last line, for a person and for a script. */
void tk_pid_summary(const struct tk_pid_counts *c)
{
	printf("%zu socket%s changed, %zu left alone", c->changed,
	       c->changed == 1 ? "" : "s", c->left);
	if (c->failed > 0)
		printf(", %zu could not be changed", c->failed);
	if (c->procs_failed > 0)
		printf(", %zu process%s not read", c->procs_failed,
		       c->procs_failed == 1 ? "" : "es");
	putchar('\n');
	fflush(stdout);
}

int tk_pid_main(int argc, char **argv)
{
	static struct tk_config cfg;	/* large: the rule tables */
	struct tk_pid_counts c;
	unsigned file_problems;
	pid_t *pids;
	int failed;

	if (argc < 2 || strcmp(argv[0], "--") != 0) {
		fprintf(stderr, "tcpkeep: --pid needs a process ID\n");
		return TK_EXIT_NOT_STARTED;
	}
	pids = calloc((size_t)argc, sizeof *pids);
	if (pids == NULL)
		return 1;
	for (int i = 1; i < argc; i++)
		if (tk_parse_pid(argv[i], &pids[i - 1]) < 0) {
			fprintf(stderr, "tcpkeep: bad value '%s' for --pid: expected a process ID\n",
				argv[i]);
			free(pids);
			return TK_EXIT_NOT_STARTED;
		}
	/* The environment's bad values stop it (they are the caller's); the
	 * file's are reported, the rest applies. */
	if (tk_tool_config(&cfg, "", tk_pid_warn, NULL, true, &file_problems)
	    > 0) {
		free(pids);
		return TK_EXIT_NOT_STARTED;
	}
	failed = tk_pid_configure(&cfg, pids, (size_t)argc - 1,
				  TK_PID_SECTIONS, &c);
	if (c.changed > 0)
		printf("Sockets these processes open from now on are not reached: "
		       "start them under tcpkeep (the library), or use --bpf for their cgroup.\n");
	tk_pid_summary(&c);
	free(pids);
	return failed;
}
