// SPDX-License-Identifier: MIT
/* The kernel side of eBPF mode (tcpkeep(1), EBPF MODE): the options of
 * libtcpkeep(7), ENVIRONMENT, set on the TCP connections of the processes
 * of one cgroup.
 *
 *   tcpkeep_sockops  (sock_ops) sets the options when a connection is
 *                    made: at connect() for outgoing ones, when the
 *                    handshake completes for accepted ones.
 *   tcpkeep_sockopt  (cgroup/setsockopt) sees the program's own
 *                    setsockopt() calls: without force mode it marks the
 *                    options the program chose, so they stay
 *                    (libtcpkeep(7), "When options are applied", option
 *                    by option); with force mode it refuses
 *                    changes to a connection that has ours.
 *
 * The marks live in socket-local storage cloned to accepted sockets, so a
 * choice made on a listener holds for the connections it accepts.  The
 * configuration is read-only data filled by the loader (tcpkeep.c) before
 * load; the verifier sees it as constants.
 *
 * MPTCP: the program's calls reach the MPTCP socket, which hands the
 * values on to its subflows; sock_ops sees only the subflows, TCP sockets
 * of the kernel's.  The marks of an MPTCP connection are kept on its MPTCP
 * socket, which sock_ops reaches from a subflow. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpf/tcpkeep.h"

/* From the socket headers of the C library, which a -target bpf build
 * does not include. */
#define TK_AF_INET	2
#define TK_AF_INET6	10
#define TK_SOL_SOCKET	1
#define TK_SO_KEEPALIVE	9
/* Newer than some UAPI headers. */
#define TK_IPPROTO_MPTCP	262
#define TK_FUNC_SKC_TO_MPTCP_SOCK	196

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile struct tk_bpf_config tk_cfg = {};
/* Set by the loader when the kernel lets sock_ops reach the MPTCP socket
 * of a subflow (bpf_skc_to_mptcp_sock, Linux 5.19).  Zero, the verifier
 * drops the branch that calls it, which an older kernel would refuse. */
const volatile __u32 tk_mptcp = 0;

/* By number: older libbpf headers do not declare it. */
static void *(*const tk_skc_to_mptcp_sock)(void *sk) =
	(void *)TK_FUNC_SKC_TO_MPTCP_SOCK;

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct tk_bpf_mark);
} tk_marks SEC(".maps");

/* The peer as rules see it: IPv4 (v4-mapped IPv6 included) in ip[0], or
 * IPv6 in ip[0..3], network byte order. */
struct tk_peer {
	__u32 ip[4];
	__u32 v4;
	__u16 port;		/* service port, host byte order */
};

static __always_inline int rule_matches(const volatile struct tk_bpf_rule *r,
					const struct tk_peer *p)
{
	if (p->port < r->port_lo || p->port > r->port_hi)
		return 0;
	if (r->family == TK_BPF_ANY)
		return 1;
	if (r->family == TK_BPF_V4)
		return p->v4 && (p->ip[0] & r->mask[0]) == r->addr[0];
	return !p->v4 &&
	       (p->ip[0] & r->mask[0]) == r->addr[0] &&
	       (p->ip[1] & r->mask[1]) == r->addr[1] &&
	       (p->ip[2] & r->mask[2]) == r->addr[2] &&
	       (p->ip[3] & r->mask[3]) == r->addr[3];
}

static __always_inline int list_matches(const volatile struct tk_bpf_rule *list,
					__u32 n, const struct tk_peer *p)
{
	for (__u32 i = 0; i < TK_BPF_RULES_MAX; i++) {
		if (i >= n)
			break;
		if (rule_matches(&list[i], p))
			return 1;
	}
	return 0;
}

static __always_inline int set_int(struct bpf_sock_ops *skops, int level,
				   int name, int value)
{
	return bpf_setsockopt(skops, level, name, &value, sizeof value);
}

/* An MPTCP listener listens through a TCP socket of the kernel's, which
 * a connection from a peer without MPTCP is accepted from as a plain TCP
 * socket: the program's choice on the MPTCP listener is copied to it,
 * so that the marks cloned to such connections hold it. */
static __always_inline void mark_mptcp_listener(struct bpf_sock_ops *skops)
{
	struct tk_bpf_mark *conn, *mark;
	struct bpf_sock *sk = skops->sk;
	void *msk;

	if (!sk)
		return;
	msk = tk_skc_to_mptcp_sock(sk);
	if (!msk)
		return;
	conn = bpf_sk_storage_get(&tk_marks, msk, 0, 0);
	if (!conn || !conn->prog_set)
		return;
	mark = bpf_sk_storage_get(&tk_marks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (mark)
		mark->prog_set |= conn->prog_set;
}

SEC("sockops")
int tcpkeep_sockops(struct bpf_sock_ops *skops)
{
	struct tk_bpf_mark *mark = NULL, *conn = NULL;
	struct tk_peer peer = {};
	struct bpf_sock *sk;
	__u32 prog_set = 0, chosen = 0;
	int outgoing;

	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		outgoing = 1;
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		outgoing = 0;
		break;
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		if (tk_mptcp)
			mark_mptcp_listener(skops);
		return 1;
	default:
		return 1;
	}
	if (outgoing && tk_cfg.direction == TK_BPF_IN)
		return 1;
	if (!outgoing && tk_cfg.direction == TK_BPF_OUT)
		return 1;

	if (tk_cfg.n_only || tk_cfg.n_skip) {
		if (skops->family == TK_AF_INET) {
			peer.ip[0] = skops->remote_ip4;
			peer.v4 = 1;
		} else if (skops->family == TK_AF_INET6) {
			peer.ip[0] = skops->remote_ip6[0];
			peer.ip[1] = skops->remote_ip6[1];
			peer.ip[2] = skops->remote_ip6[2];
			peer.ip[3] = skops->remote_ip6[3];
			if (peer.ip[0] == 0 && peer.ip[1] == 0 &&
			    peer.ip[2] == bpf_htonl(0xffff)) {
				peer.ip[0] = peer.ip[3];
				peer.ip[1] = peer.ip[2] = peer.ip[3] = 0;
				peer.v4 = 1;
			}
		} else {
			return 1;
		}
		/* remote_port holds the port in network byte order in its
		 * upper half; local_port is in host byte order. */
		peer.port = outgoing ? (__u16)bpf_ntohl(skops->remote_port)
				     : (__u16)skops->local_port;
		if (tk_cfg.n_skip && list_matches(tk_cfg.skip, tk_cfg.n_skip, &peer))
			return 1;
		if (tk_cfg.n_only && !list_matches(tk_cfg.only, tk_cfg.n_only, &peer))
			return 1;
	}

	/* A mark exists when the program set one of the options (or its
	 * listener did).  Only force mode needs one on every connection:
	 * tcpkeep_sockopt then knows which connections hold our values.
	 * Without it nothing is allocated per connection. */
	sk = skops->sk;
	if (sk) {
		mark = bpf_sk_storage_get(&tk_marks, sk, 0,
					  tk_cfg.force ? BPF_SK_STORAGE_GET_F_CREATE : 0);
		if (mark) {
			if (mark->applied)
				return 1;	/* at most once per socket */
			chosen = mark->prog_set;
		}
		if (tk_mptcp) {
			void *msk = tk_skc_to_mptcp_sock(sk);

			/* Each subflow is configured once (its own mark in
			 * force mode); the MPTCP socket's mark holds what the
			 * program chose and, in force mode, that ours apply. */
			if (msk)
				conn = bpf_sk_storage_get(&tk_marks, msk, 0,
							  tk_cfg.force ?
							  BPF_SK_STORAGE_GET_F_CREATE : 0);
			if (conn)
				chosen |= conn->prog_set;
		}
	}
	if (!tk_cfg.force)
		prog_set = chosen;
	/* Keepalive already on, and not by the program's own call: a
	 * tcpkeep program of a cgroup below ours ran first (the kernel runs
	 * the innermost cgroup's programs first).  The innermost
	 * configuration wins, as the innermost tcpkeep wrapper's does.
	 * Before Linux 6.1 the kernel refuses this option here (an error,
	 * the value zeroed): taken as off, so there the outermost tcpkeep's
	 * values win; the program's own choices, kept in the marks, hold. */
	if (!(chosen & TK_BPF_SET_KEEPALIVE)) {
		int on = 0;

		if (bpf_getsockopt(skops, TK_SOL_SOCKET, TK_SO_KEEPALIVE, &on,
				   sizeof on) == 0 && on)
			return 1;
	}

	/* In the loader's order (SO_KEEPALIVE last); an option the
	 * configuration leaves alone is not touched.  A refused option is
	 * skipped alone. */
	for (__u32 i = 0; i < TK_BPF_OPTIONS_MAX; i++) {
		if (i >= tk_cfg.n_options)
			break;
		if (tk_cfg.option[i].set && !(prog_set & tk_cfg.option[i].bit))
			set_int(skops, tk_cfg.option[i].level,
				tk_cfg.option[i].name, tk_cfg.option[i].value);
	}
	if (mark)
		mark->applied = 1;
	if (conn)
		conn->applied = 1;
	return 1;
}

/* The option a setsockopt() call names: its prog_set bit (0 when not
 * one of ours), whether the configuration sets it and whether an MPTCP
 * socket accepts it. */
static __always_inline __u32 option_bit(int level, int name, __u32 *set,
					__u32 *mptcp)
{
	for (__u32 i = 0; i < TK_BPF_OPTIONS_MAX; i++) {
		if (i >= tk_cfg.n_options)
			break;
		if (tk_cfg.option[i].level == level &&
		    tk_cfg.option[i].name == name) {
			*set = tk_cfg.option[i].set;
			*mptcp = tk_cfg.option[i].mptcp;
			return tk_cfg.option[i].bit;
		}
	}
	return 0;
}

SEC("cgroup/setsockopt")
int tcpkeep_sockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct tk_bpf_mark *mark;
	__u32 set = 0, mptcp = 0;
	__u32 bit = option_bit(ctx->level, ctx->optname, &set, &mptcp);
	int *value;

	/* optlen 0: the kernel takes the program's buffer as it was, with
	 * no copy (and no limit of one page on its size). */
	if (!bit || !sk ||
	    (sk->family != TK_AF_INET && sk->family != TK_AF_INET6)) {
		ctx->optlen = 0;
		return 1;
	}
	/* An option MPTCP refuses (TCP_USER_TIMEOUT): no choice to keep. */
	if (sk->protocol != IPPROTO_TCP &&
	    (sk->protocol != TK_IPPROTO_MPTCP || !tk_mptcp ||
	     !mptcp)) {
		ctx->optlen = 0;
		return 1;
	}
	mark = bpf_sk_storage_get(&tk_marks, sk, 0,
				  BPF_SK_STORAGE_GET_F_CREATE);
	if (!mark) {
		ctx->optlen = 0;
		return 1;
	}
	/* An option the configuration leaves alone is the program's,
	 * force mode or not. */
	if (tk_cfg.force && mark->applied && set) {
		/* Turning keepalive on again is harmless; anything else
		 * would undo the configured values. */
		value = ctx->optval;
		if (bit == TK_BPF_SET_KEEPALIVE &&
		    (void *)(value + 1) <= ctx->optval_end && *value != 0) {
			ctx->optlen = 0;
			return 1;
		}
		ctx->optlen = -1;	/* not passed on; the call returns 0 */
		return 1;
	}
	mark->prog_set |= bit;
	ctx->optlen = 0;
	return 1;
}
