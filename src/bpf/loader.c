/* SPDX-License-Identifier: MIT */
/* The loader of eBPF mode: the configuration parsed by the common parser
 * (src/common/config.c) written into the object's read-only data, the
 * object loaded from the copy embedded at build time (the skeleton
 * tcpkeep.skel.h, made by bpftool from tcpkeep.bpf.o), its two programs
 * attached to a cgroup with bpf links. */
#include "autoconfig.h"

#include "bpf/loader.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/options.h"
#include "common/rules.h"
#include "bpf/tcpkeep.h"
#include "bpf/tcpkeep.skel.h"

struct tk_bpf {
	struct tcpkeep_bpf *skel;
	struct bpf_link *sockops;
	struct bpf_link *sockopt;
};

/* ------------------------------------------------------------ rules */

static void prefix_mask(__u32 mask[4], unsigned bits)
{
	for (unsigned w = 0; w < 4; w++) {
		unsigned b = bits > 32 * w ? bits - 32 * w : 0;
		__u32 host = b >= 32 ? 0xffffffffu : b == 0 ? 0 :
			     0xffffffffu << (32 - b);

		mask[w] = htobe32(host);
	}
}

static void put_addr(struct tk_bpf_rule *r, const uint8_t *addr,
		     unsigned bytes, unsigned bits)
{
	uint8_t full[16] = { 0 };

	memcpy(full, addr, bytes);
	memcpy(r->addr, full, sizeof full);
	prefix_mask(r->mask, bits);
	for (unsigned w = 0; w < 4; w++)
		r->addr[w] &= r->mask[w];
}

/* The rules as written (tk_rules.rule[]) as the kernel side reads them.
 * Returns the number of entries. */
static __u32 compile_rules(const struct tk_rules *rules,
			   struct tk_bpf_rule *out)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 0 };
	static const uint8_t lo6[16] = { [15] = 1 };
	__u32 n = 0;

	for (unsigned i = 0; i < rules->count && n + 2 <= TK_BPF_RULES_MAX; i++) {
		const struct tk_rule *src = &rules->rule[i];
		struct tk_bpf_rule r;

		memset(&r, 0, sizeof r);
		r.port_lo = src->port_lo;
		r.port_hi = src->port_hi;
		switch (src->kind) {
		case TK_RULE_ANY:
			r.family = TK_BPF_ANY;
			out[n++] = r;
			break;
		case TK_RULE_LOOPBACK:
			r.family = TK_BPF_V4;
			put_addr(&r, lo4, 4, 8);
			out[n++] = r;
			r.family = TK_BPF_V6;
			put_addr(&r, lo6, 16, 128);
			out[n++] = r;
			break;
		case TK_RULE_V4:
			r.family = TK_BPF_V4;
			put_addr(&r, src->addr, 4, src->prefix);
			out[n++] = r;
			break;
		case TK_RULE_V6:
			r.family = TK_BPF_V6;
			put_addr(&r, src->addr, 16, src->prefix);
			out[n++] = r;
			break;
		}
	}
	return n;
}

/* Every row but a listener's (TCP_DEFER_ACCEPT): the kernel side leaves
 * listening sockets alone, and bpf_setsockopt() refuses that option
 * anyway.  TCP_SYNCNT and TCP_MAXSEG go on at connect(), before the SYN,
 * with the others; bpf_setsockopt() takes TCP_MAXSEG and TCP_WINDOW_CLAMP
 * from Linux 6.0, and a kernel that refuses one skips it alone. */
_Static_assert(TK_OPT_COUNT - 1 <= TK_BPF_OPTIONS_MAX &&
	       TK_OPT_DEFER_ACCEPT == TK_OPT_COUNT - 1 &&
	       TK_BPF_SET_KEEPALIVE == 1u << TK_OPT_KEEPALIVE,
	       "the kernel side's table holds every row of options.h but "
	       "the listener's");

static void fill(struct tk_bpf_config *k, const struct tk_config *cfg)
{
	struct tk_effective eff;

	memset(k, 0, sizeof *k);
	tk_effective_build(&eff, cfg);
	for (unsigned i = 0; i < TK_OPT_COUNT; i++) {
		enum tk_opt o = tk_option_nth(i);
		struct tk_bpf_option *opt;

		if (tk_option_rows[o].when == TK_WHEN_LISTENER)
			continue;
		opt = &k->option[k->n_options++];

		opt->level = tk_option_rows[o].level;
		opt->name = tk_option_rows[o].optname;
		opt->value = eff.value[o];
		opt->set = tk_effective_sets(&eff, o);
		opt->bit = 1u << o;
		opt->mptcp = tk_option_rows[o].mptcp;
	}
	k->force = cfg->force;
	k->direction = cfg->direction == TK_DIR_OUT ? TK_BPF_OUT :
		       cfg->direction == TK_DIR_IN ? TK_BPF_IN : TK_BPF_BOTH;
	if (cfg->have_only)
		k->n_only = compile_rules(&cfg->only, k->only);
	if (cfg->have_skip)
		k->n_skip = compile_rules(&cfg->skip, k->skip);
}

/* ------------------------------------------------------------ libbpf */

static bool debug;

__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (!debug || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* What a failed bpf() call means to the user. */
static void say_failure(const char *what, int err)
{
	if (err == EPERM || err == EACCES)
		tk_say("eBPF mode needs root, or CAP_BPF and CAP_NET_ADMIN: %s: %s",
		       what, strerror(err));
	else if (err == ENOSYS)
		tk_say("eBPF mode needs a kernel with the bpf() system call "
		       "(CONFIG_BPF_SYSCALL): %s: %s", what, strerror(err));
	else
		tk_say("eBPF mode needs kernel support for cgroup eBPF programs "
		       "(CONFIG_CGROUP_BPF) with bpf_setsockopt for keepalive "
		       "(Linux 5.10 or later): %s: %s%s", what,
		       err == 524 ? "not supported" : strerror(err),
		       debug ? "" : " (TCPKEEP_DEBUG=1 shows the kernel's log)");
}

struct tk_bpf *tk_bpf_load(const struct tk_config *cfg)
{
	struct tk_bpf *bpf = calloc(1, sizeof *bpf);
	int err;

	debug = cfg->debug;
	libbpf_set_print(libbpf_print);
	if (bpf == NULL) {
		tk_say("out of memory");
		return NULL;
	}
	bpf->skel = tcpkeep_bpf__open();
	if (bpf->skel == NULL) {
		err = errno;
		tk_say("cannot open the embedded eBPF object: %s", strerror(err));
		free(bpf);
		return NULL;
	}
	fill(&bpf->skel->rodata->tk_cfg, cfg);
	/* 196: BPF_FUNC_skc_to_mptcp_sock, by number for older headers. */
	bpf->skel->rodata->tk_mptcp =
		libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCK_OPS, 196, NULL) == 1;
	err = tcpkeep_bpf__load(bpf->skel);
	if (err) {
		say_failure("loading the eBPF programs", -err);
		tk_bpf_close(bpf);
		return NULL;
	}
	return bpf;
}

int tk_bpf_attach(struct tk_bpf *bpf, int cgroup_fd, const char *path)
{
	char what[4200];

	bpf->sockops = bpf_program__attach_cgroup(bpf->skel->progs.tcpkeep_sockops,
						  cgroup_fd);
	if (bpf->sockops == NULL) {
		snprintf(what, sizeof what, "attaching sock_ops to %s", path);
		say_failure(what, errno);
		return -1;
	}
	bpf->sockopt = bpf_program__attach_cgroup(bpf->skel->progs.tcpkeep_sockopt,
						  cgroup_fd);
	if (bpf->sockopt == NULL) {
		snprintf(what, sizeof what, "attaching cgroup/setsockopt to %s", path);
		say_failure(what, errno);
		bpf_link__destroy(bpf->sockops);
		bpf->sockops = NULL;
		return -1;
	}
	return 0;
}

int tk_bpf_pin(struct tk_bpf *bpf, const char *dir)
{
	static const char *const name[2] = { "sockops", "sockopt" };
	struct bpf_link *link[2] = { bpf->sockops, bpf->sockopt };
	char path[4200];

	for (int i = 0; i < 2; i++) {
		int old;

		snprintf(path, sizeof path, "%s/%s", dir, name[i]);
		/* The link pinned there before (an earlier attach) is
		 * detached now: removing its pin alone releases it only
		 * after an RCU grace period and a deferred work item, and
		 * meanwhile the earlier program still runs first. */
		old = bpf_obj_get(path);
		if (old >= 0) {
			(void)bpf_link_detach(old);
			close(old);
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			tk_say("cannot replace %s: %s", path, strerror(errno));
			return -1;
		}
		if (bpf_link__pin(link[i], path) < 0) {
			tk_say("cannot pin the link at %s: %s", path,
			       strerror(errno));
			return -1;
		}
	}
	return 0;
}

void tk_bpf_close(struct tk_bpf *bpf)
{
	if (bpf == NULL)
		return;
	if (bpf->sockopt != NULL)
		bpf_link__destroy(bpf->sockopt);
	if (bpf->sockops != NULL)
		bpf_link__destroy(bpf->sockops);
	tcpkeep_bpf__destroy(bpf->skel);
	free(bpf);
}
