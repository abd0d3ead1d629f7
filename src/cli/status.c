/* SPDX-License-Identifier: MIT */
/* tcpkeep --status (tcpkeep(1), RUNNING PROCESSES): every TCP connection of
 * the given processes (all visible ones by default), its keepalive values as the
 * kernel holds them, the timer now, where the values can have come from,
 * and whether it is at risk.  Text or JSON (schema in tcpkeep(1), RUNNING
 * PROCESSES).  Nothing is changed: a socket that taking a duplicate of
 * would re-tag (cgroup v1 net_cls/net_prio) is not taken.  What could not
 * be seen is said and counted, and fails --at-risk: a check that did not
 * see everything cannot say nothing is at risk. */
#include "autoconfig.h"

#include "host/json.h"
#include "common/config.h"
#include "host/records.h"
#include "cli/helper.h"
#include "host/cgroup.h"
#include "host/conftool.h"
#include "host/exit.h"
#include "host/running.h"
#include "cli/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TK_TCP_ESTABLISHED 1
#define TK_TCP_LISTEN 10

struct row {
	const struct tk_proc *proc;
	int fd;
	const struct tk_diag *d;
	struct tk_diag own;	/* the row read from the socket itself, when
				 * its namespace's table was not read */
	bool no_timer;		/* the timer is not known (own row) */
	bool have_vals;		/* read from the socket itself */
	struct tk_sockvals v;
	int keepalive;		/* 1 on, 0 off, -1 unknown */
	const char *source;
	bool at_risk;
};

struct opts {
	bool json, prometheus, at_risk_only;
	uint64_t max_idle_ms;
	pid_t *pids;
	size_t npids;
	/* --cgroup: PIDS are its members, read from the cgroup tree (none
	 * when it is empty); NOTSEEN of them in another PID namespace. */
	const char *cgroup;
	size_t notseen;
};

/* --pid: the processes were named, and each must be read. */
static bool named(const struct opts *o)
{
	return o->npids > 0 && o->cgroup == NULL;
}

static int usage(const char *what, const char *value)
{
	if (value != NULL)
		fprintf(stderr, "tcpkeep: bad value '%s' for %s: expected %s\n",
			value, what,
			strcmp(what, "--pid") == 0 ? "a process ID" :
			"a duration (300, 300s, 5m, 1h, 500ms)");
	else
		fprintf(stderr, "tcpkeep: --status: %s\n", what);
	return TK_EXIT_NOT_STARTED;
}

static int parse(int argc, char **argv, struct opts *o)
{
	/* The path's idle timeout when the file or --behind gives one. */
	o->max_idle_ms = tk_tool_max_idle_ms(300000);
	o->pids = calloc((size_t)argc + 1, sizeof *o->pids);
	if (o->pids == NULL)
		return usage("out of memory", NULL);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--prometheus") == 0) {
			o->prometheus = true;
		} else if (strcmp(a, "--at-risk") == 0) {
			o->at_risk_only = true;
		} else if (strcmp(a, "--cgroup") == 0 && i + 1 < argc &&
			   o->cgroup == NULL) {
			o->cgroup = argv[++i];
		} else if (strcmp(a, "--max-idle") == 0 || strcmp(a, "--pid") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tcpkeep: option %s needs a value\n", a);
				return TK_EXIT_NOT_STARTED;
			}
			if (a[2] == 'm') {
				if (tk_parse_duration_ms(argv[i + 1], TK_UNIT_S,
							 &o->max_idle_ms) < 0 ||
				    o->max_idle_ms == 0)
					return usage("--max-idle", argv[i + 1]);
			} else if (tk_parse_pid(argv[i + 1], &o->pids[o->npids++]) < 0) {
				return usage("--pid", argv[i + 1]);
			}
			i++;
		} else {
			fprintf(stderr, "tcpkeep: --status: unknown argument '%s'\n", a);
			return TK_EXIT_NOT_STARTED;
		}
	}
	if (o->cgroup != NULL) {
		if (o->npids > 0)
			return usage("--pid and --cgroup cannot be used together",
				     NULL);
		free(o->pids);
		if (tk_cgroup_pids(o->cgroup, &o->pids, &o->npids,
				   &o->notseen) < 0)
			return TK_EXIT_NOT_STARTED;
	}
	if (o->prometheus && (o->json || o->at_risk_only))
		return usage(o->json ? "--prometheus and --json cannot be used together" :
			     "--prometheus and --at-risk cannot be used together",
			     NULL);
	return 0;
}

static const char *timer_name(unsigned timer)
{
	switch (timer) {
	case 0: return "none";
	case 1: return "retransmit";
	case 2: return "keepalive";
	case 3: return "time-wait";
	case 4: return "probe";
	default: return "other";
	}
}

/* The values, their source and the risk of one row. */
static void judge(struct row *r, const struct tk_netns *n, bool library,
		  bool ebpf, const struct opts *o)
{
	bool nondefault = false, known = r->have_vals;

	if (r->have_vals) {
		r->keepalive = r->v.keepalive;
		nondefault = r->v.keepalive || r->v.user_timeout != 0 ||
			(n != NULL && (r->v.idle != n->def_idle ||
				       r->v.intvl != n->def_intvl ||
				       r->v.cnt != n->def_cnt));
	} else if (r->d->timer == 2) {
		r->keepalive = 1;	/* only keepalive arms sk_timer here */
		nondefault = known = true;
	} else if (r->d->timer == 0 && r->d->state == TK_TCP_ESTABLISHED) {
		r->keepalive = 0;	/* idle, and no keepalive timer */
	} else {
		r->keepalive = -1;
	}
	if (nondefault)
		r->source = library ? "library" : ebpf ? "ebpf" : "program-or-pid";
	else if (known || r->keepalive == 0)
		r->source = "kernel";
	else
		r->source = "unknown";

	if (r->d->state == TK_TCP_LISTEN)
		r->at_risk = false;
	else if (r->keepalive == 0)
		r->at_risk = true;
	else if (r->have_vals)
		r->at_risk = (uint64_t)r->v.idle * 1000 > o->max_idle_ms;
	else if (r->d->timer == 2)
		r->at_risk = r->d->expires_ms > o->max_idle_ms;
	else
		r->at_risk = false;
}

static void json_int_or_null(const char *key, bool have, long v)
{
	if (have)
		printf(", \"%s\": %ld", key, v);
	else
		printf(", \"%s\": null", key);
}

static void print_json_row(const struct row *r, bool first)
{
	char local[64], peer[64];
	const struct tk_diag *d = r->d;

	tk_format_addr(local, sizeof local, d->family, d->src, d->sport);
	tk_format_addr(peer, sizeof peer, d->family, d->dst, d->dport);
	printf("%s\n    {\"pid\": %d, \"program\": ", first ? "" : ",",
	       (int)r->proc->pid);
	tk_json_str(r->proc->comm);
	printf(", \"fd\": %d, \"family\": \"%s\", \"local\": \"%s\", \"peer\": \"%s\", \"state\": \"%s\"",
	       r->fd, d->family == AF_INET ? "ipv4" : "ipv6", local, peer,
	       tk_tcp_state_name(d->state));
	if (r->keepalive < 0)
		printf(", \"keepalive\": null");
	else
		printf(", \"keepalive\": %s", r->keepalive ? "true" : "false");
	json_int_or_null("idle", r->have_vals, r->v.idle);
	json_int_or_null("intvl", r->have_vals, r->v.intvl);
	json_int_or_null("cnt", r->have_vals, r->v.cnt);
	json_int_or_null("user_timeout_ms", r->have_vals, r->v.user_timeout);
	if (r->no_timer)
		printf(", \"timer\": null");
	else
		printf(", \"timer\": \"%s\"", timer_name(d->timer));
	json_int_or_null("timer_ms", !r->no_timer && d->timer != 0,
			 (long)d->expires_ms);
	printf(", \"source\": \"%s\", \"at_risk\": %s, \"netns\": %llu}",
	       r->source, r->at_risk ? "true" : "false",
	       (unsigned long long)d->netns);
}

static void print_text_row(const struct row *r)
{
	char local[64], peer[64], idle[16], intvl[16], cnt[16], uto[16], timer[32];
	const struct tk_diag *d = r->d;

	tk_format_addr(local, sizeof local, d->family, d->src, d->sport);
	tk_format_addr(peer, sizeof peer, d->family, d->dst, d->dport);
	if (r->have_vals) {
		snprintf(idle, sizeof idle, "%ds", r->v.idle);
		snprintf(intvl, sizeof intvl, "%ds", r->v.intvl);
		snprintf(cnt, sizeof cnt, "%d", r->v.cnt);
		if (r->v.user_timeout == 0)
			snprintf(uto, sizeof uto, "-");
		else
			snprintf(uto, sizeof uto, "%dms", r->v.user_timeout);
	} else {
		strcpy(idle, "?");
		strcpy(intvl, "?");
		strcpy(cnt, "?");
		strcpy(uto, "?");
	}
	if (r->no_timer)
		snprintf(timer, sizeof timer, "?");
	else if (d->timer == 0)
		snprintf(timer, sizeof timer, "-");
	else
		snprintf(timer, sizeof timer, "%s/%u.%us", timer_name(d->timer),
			 d->expires_ms / 1000, d->expires_ms % 1000 / 100);
	printf("%-7d %-15s %4d %-23s %-23s %-11s %-3s %6s %6s %3s %8s %-18s %-14s %s\n",
	       (int)r->proc->pid, r->proc->comm, r->fd, local, peer,
	       tk_tcp_state_name(d->state),
	       r->keepalive < 0 ? "?" : r->keepalive ? "on" : "off",
	       idle, intvl, cnt, uto, timer, r->source,
	       d->state == TK_TCP_LISTEN ? "-" : r->at_risk ? "AT-RISK" : "ok");
}

/* A record's field on a terminal: the records are files anyone who
 * may write /run/tcpkeep can make, and a cgroup's name is chosen by
 * whoever made the cgroup.  As process names: one printable word. */
static void text_str(const char *key, const char *s)
{
	printf("%s", key);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		putchar(c > 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
	}
}

static void print_records(const struct tk_records *rs, bool json)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct tk_record *r = &rs->v[i];

		if (json) {
			printf("%s\n    {\"cgroup\": ", i ? "," : "");
			tk_json_str(r->path);
			printf(", \"id\": \"%s\", \"mode\": ", r->id);
			tk_json_str(r->mode);
			printf(", \"pid\": %ld, \"idle\": %ld, \"intvl\": %ld, \"cnt\": %ld",
			       strtol(r->pid, NULL, 10), strtol(r->idle, NULL, 10),
			       strtol(r->intvl, NULL, 10), strtol(r->cnt, NULL, 10));
			if (r->user_timeout[0] >= '0' && r->user_timeout[0] <= '9')
				printf(", \"user_timeout_ms\": %ld",
				       strtol(r->user_timeout, NULL, 10));
			else
				printf(", \"user_timeout_ms\": null");
			printf(", \"direction\": ");
			tk_json_str(r->direction);
			printf(", \"force\": %s, \"only\": ",
			       strcmp(r->force, "1") == 0 ? "true" : "false");
			tk_json_str(r->only);
			printf(", \"skip\": ");
			tk_json_str(r->skip);
			printf("}");
		} else {
			text_str("  ", r->path);
			text_str(": mode=", r->mode);
			text_str(" pid=", r->pid);
			text_str(" idle=", r->idle);
			text_str(" intvl=", r->intvl);
			text_str(" cnt=", r->cnt);
			text_str(" user_timeout=", r->user_timeout);
			text_str(" direction=", r->direction);
			text_str(" force=", r->force);
			if (r->only[0])
				text_str(" only=", r->only);
			if (r->skip[0])
				text_str(" skip=", r->skip);
			putchar('\n');
		}
	}
}

/* What the listing is built from, and what it had to leave out. */
struct listing {
	const struct opts *o;
	struct tk_scan *s;
	const struct tk_records *rs;
	struct row *rows;
	size_t nrows;
	unsigned char *seen;	/* per row of s->diag: listed already */
	size_t procs_unread;	/* descriptors not listable (no --pid) */
	size_t socks_unread;	/* TCP sockets of a listed process, unread */
	size_t procs_class;	/* values not read: net_cls/net_prio */
	int status;
};

/* A socket of P the tables of the namespaces read do not hold: its
 * namespace could not be entered, or it lives in another namespace than
 * P.  From the duplicate: its namespace's row when that table was read,
 * else what the socket itself says.  False when it is no TCP socket. */
static bool from_dup(struct listing *l, const struct tk_proc *p, int dup,
		     uint32_t inode, struct row *r, const struct tk_diag **d)
{
	const struct tk_netns *m;

	if (tk_dup_diag(dup, inode, p->netns, &r->own) < 0)
		return false;
	m = tk_scan_netns(l->s, r->own.netns);
	*d = m != NULL && m->dumped ?
		tk_diag_find(&l->s->diag, inode, r->own.netns) : NULL;
	if (*d == NULL) {
		/* Held by several processes: listed once. */
		for (size_t j = 0; j < l->nrows; j++)
			if (l->rows[j].d == &l->rows[j].own &&
			    l->rows[j].own.inode == inode)
				return false;
		*d = &r->own;
		r->no_timer = true;
	}
	return true;
}

static void collect_proc(struct listing *l, const struct tk_proc *p)
{
	struct tk_scan *s = l->s;
	const struct tk_netns *n = tk_scan_netns(s, p->netns);
	bool readable = n != NULL && n->dumped;
	bool library = false, ebpf = false, looked = false, nodup = false;
	size_t unread = 0;
	int pidfd = -1, err = 0;
	const char *why;

	for (size_t k = p->first; k < p->first + p->count; k++) {
		uint32_t inode = s->socks[k].inode;
		int fd = s->socks[k].fd, tcp = 1, dup = -1;
		const struct tk_diag *d = readable ?
			tk_diag_find(&s->diag, inode, p->netns) : NULL;
		struct row *r = &l->rows[l->nrows];

		if (d != NULL && l->seen[d - s->diag.v])
			continue;
		/* Not in its namespace's table: most sockets are no TCP
		 * ones, which need not be taken to be told apart. */
		if (d == NULL && (tcp = tk_proc_fd_is_tcp(p->pid, fd)) == 0)
			continue;
		if (!looked) {
			char cg[4096];

			looked = true;
			library = tk_proc_has_library(p->pid);
			ebpf = l->rs->n > 0 &&
				tk_proc_cgroup(p->pid, cg, sizeof cg) == 0 &&
				tk_records_match(l->rs, cg) != NULL;
			/* Read-only: a socket this would re-tag is not
			 * taken. */
			nodup = tk_class_differs(p->pid);
			if (nodup)
				l->procs_class++;
			else if ((pidfd = p->pidfd) < 0)
				err = p->pidfd_err;
		}
		/* ESTALE: the number holds another socket now. */
		if (pidfd >= 0 && (dup = tk_sock_take(pidfd, fd, inode, 0)) < 0)
			err = errno == ESTALE ? 0 : errno;
		memset(r, 0, sizeof *r);
		if (d == NULL && (dup < 0 || !from_dup(l, p, dup, inode, r, &d))) {
			unread += dup < 0 && tcp == 1;
			if (dup >= 0)
				close(dup);
			continue;
		}
		if (d != &r->own) {
			if (l->seen[d - s->diag.v]) {
				if (dup >= 0)
					close(dup);
				continue;
			}
			l->seen[d - s->diag.v] = 1;
		}
		l->nrows++;
		r->proc = p;
		r->fd = fd;
		r->d = d;
		if (dup >= 0) {
			r->have_vals = tk_sockvals_read(dup, &r->v) == 0;
			close(dup);
		}
		/* The defaults of the namespace the socket lives in, which
		 * need not be its holder's. */
		n = tk_scan_netns(s, d->netns);
		judge(r, n != NULL && n->dumped ? n : NULL, library, ebpf, l->o);
	}
	if (unread == 0)
		return;
	if (!named(l->o)) {
		l->socks_unread += unread;
		return;
	}
	n = tk_scan_netns(s, p->netns);
	why = nodup ? "it is in another net_cls/net_prio cgroup than this command" :
		err == 0 ? "changed meanwhile" :
		tk_pidfd_why(err) ? tk_pidfd_why(err) : strerror(err);
	fprintf(stderr, "tcpkeep: --status: PID %d: %zu TCP socket%s not read: its network namespace: %s; taking %s: %s\n",
		(int)p->pid, unread, unread == 1 ? "" : "s",
		n != NULL && n->err ? strerror(n->err) : "not entered",
		unread == 1 ? "it" : "them", why);
	l->status = 1;
}

int tk_status_main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct tk_scan s;
	struct tk_records rs;
	struct listing l = { 0 };
	struct row *rows;
	unsigned char *seen;
	size_t nrows = 0, nconn = 0, nrisk = 0, nlisten = 0, hidden = 0;
	int rc, status = 0;
	bool first = true;
	char dur[32];

	rc = parse(argc, argv, &o);
	if (rc != 0)
		return rc;
	tk_records_load(&rs, TK_RECORDS_DIR);
	/* An empty cgroup: no process, not every process. */
	if (o.cgroup != NULL && o.npids == 0)
		memset(&s, 0, sizeof s);
	else if (tk_scan_run(&s, o.pids, o.npids) < 0) {
		perror("tcpkeep: --status");
		return 1;
	}
	rows = calloc(s.nsocks + 1, sizeof *rows);
	seen = calloc(s.diag.n + 1, 1);
	l.o = &o;
	l.s = &s;
	l.rs = &rs;
	l.rows = rows;
	l.seen = seen;
	if (rows == NULL || seen == NULL) {
		perror("tcpkeep: --status");
		return 1;
	}

	for (size_t i = 0; i < s.nprocs; i++) {
		const struct tk_proc *p = &s.procs[i];

		if (p->err == 0) {
			collect_proc(&l, p);
		} else if (named(&o)) {
			fprintf(stderr, "tcpkeep: --status: PID %d: %s\n",
				(int)p->pid, tk_proc_why(p->err));
			l.status = 1;
		} else if (p->err != ESRCH) {
			l.procs_unread++;
		}
	}
	rows = l.rows;
	nrows = l.nrows;
	status = l.status;
	l.procs_unread += o.notseen;
	if (o.npids == 0 && o.cgroup == NULL)
		for (size_t i = 0; i < s.diag.n; i++)
			hidden += !seen[i];

	if (o.prometheus) {
		static struct tk_metrics m;

		for (size_t i = 0; i < nrows; i++) {
			tk_metrics_add(&m, rows[i].d->state, rows[i].keepalive,
				       rows[i].source);
			m.at_risk += rows[i].at_risk;
		}
		m.max_idle_ms = o.max_idle_ms;
		m.attachments = rs.n;
		m.socks_not_visible = hidden + l.socks_unread;
		m.procs_not_visible = l.procs_unread;
		tk_metrics_print(&m);
		/* The figures say what was not visible; the file is
		 * written all the same. */
		fflush(stdout);
		status = ferror(stdout) ? 1 : l.status;
		goto out;
	}
	if (o.json)
		printf("{\n  \"schema\": 1,\n  \"max_idle_ms\": %llu,\n  \"connections\": [",
		       (unsigned long long)o.max_idle_ms);
	else
		printf("%-7s %-15s %4s %-23s %-23s %-11s %-3s %6s %6s %3s %8s %-18s %-14s %s\n",
		       "PID", "PROGRAM", "FD", "LOCAL", "PEER", "STATE", "KA",
		       "IDLE", "INTVL", "CNT", "USER_TO", "TIMER", "SOURCE", "RISK");
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (r->d->state == TK_TCP_LISTEN)
			nlisten++;
		else
			nconn++;
		nrisk += r->at_risk;
		if (o.at_risk_only && !r->at_risk)
			continue;
		if (o.json)
			print_json_row(r, first);
		else
			print_text_row(r);
		first = false;
	}
	if (o.json) {
		printf("%s],\n  \"attachments\": [", first ? "" : "\n  ");
		print_records(&rs, true);
		printf("%s],\n  \"summary\": {\"connections\": %zu, \"at_risk\": %zu, \"listening\": %zu, \"not_visible\": %zu, \"processes_not_visible\": %zu}\n}\n",
		       rs.n ? "\n  " : "", nconn, nrisk, nlisten,
		       hidden + l.socks_unread, l.procs_unread);
	} else {
		if (rs.n > 0) {
			printf("eBPF attachments (%s):\n", TK_RECORDS_DIR);
			print_records(&rs, false);
		}
		if (o.max_idle_ms % 1000 == 0)
			snprintf(dur, sizeof dur, "%llus",
				 (unsigned long long)(o.max_idle_ms / 1000));
		else
			snprintf(dur, sizeof dur, "%llums",
				 (unsigned long long)o.max_idle_ms);
		printf("%zu connection%s, %zu at risk (no keepalive, or a first probe later than %s), %zu listening",
		       nconn, nconn == 1 ? "" : "s", nrisk, dur, nlisten);
		if (hidden > 0)
			printf("; %zu more TCP socket%s held by no process visible to you",
			       hidden, hidden == 1 ? "" : "s");
		if (l.socks_unread > 0)
			printf("; %zu TCP socket%s of processes listed not read",
			       l.socks_unread, l.socks_unread == 1 ? "" : "s");
		putchar('\n');
	}
	fflush(stdout);
	/* What was left out can be what is at risk: a check that did not
	 * see everything does not pass. */
	if (l.procs_unread > 0 || l.socks_unread > 0)
		fprintf(stderr, "tcpkeep: --status: not visible to you: %zu process%s (descriptors not listed) and %zu TCP socket%s (namespace not entered, socket not taken); the listing is incomplete\n",
			l.procs_unread, l.procs_unread == 1 ? "" : "es",
			l.socks_unread, l.socks_unread == 1 ? "" : "s");
	if (l.procs_class > 0)
		fprintf(stderr, "tcpkeep: --status: %zu process%s in another cgroup v1 net_cls/net_prio group than this command: option values not read (taking a socket re-tags its traffic class), shown as ?\n",
			l.procs_class, l.procs_class == 1 ? "" : "es");
	if (o.at_risk_only &&
	    (nrisk > 0 || l.procs_unread > 0 || l.socks_unread > 0))
		status = 1;
out:
	free(rows);
	free(seen);
	free(o.pids);
	tk_scan_free(&s);
	tk_records_free(&rs);
	return status;
}
