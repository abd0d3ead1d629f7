/* SPDX-License-Identifier: MIT */
/* What the loader (tcpkeep.c) writes into the eBPF object's read-only
 * data before load and the kernel side (tcpkeep.bpf.c) reads: the
 * configured values and the compiled TCPKEEP_ONLY / TCPKEEP_SKIP rules.
 * Also the layout of the per-socket mark both eBPF programs share.
 * UAPI types only: this header is compiled for the host and for -target
 * bpf. */
#ifndef TCPKEEP_BPF_H
#define TCPKEEP_BPF_H

#include <linux/types.h>

/* A rule list holds at most 64 rules (TK_RULES_MAX); `loopback` becomes
 * two entries here (127.0.0.0/8 and ::1). */
#define TK_BPF_RULES_MAX 128

enum tk_bpf_family {
	TK_BPF_ANY = 0,		/* port-only rule: every peer */
	TK_BPF_V4 = 4,		/* IPv4, and v4-mapped IPv6 peers */
	TK_BPF_V6 = 6		/* IPv6 that is not v4-mapped */
};

/* A peer matches when (peer & mask) == addr word by word and the service
 * port lies in port_lo..port_hi.  Words in network byte order, IPv4 in
 * addr[0]; ports in host byte order. */
struct tk_bpf_rule {
	__u32 addr[4];
	__u32 mask[4];
	__u16 port_lo;
	__u16 port_hi;
	__u32 family;		/* enum tk_bpf_family */
};

enum tk_bpf_direction { TK_BPF_BOTH = 0, TK_BPF_OUT = 1, TK_BPF_IN = 2 };

struct tk_bpf_config {
	__u32 idle;		/* seconds */
	__u32 intvl;		/* seconds */
	__u32 cnt;
	__u32 user_timeout;	/* milliseconds, when user_timeout_set */
	__u32 user_timeout_set;
	__u32 force;
	__u32 direction;	/* enum tk_bpf_direction */
	__u32 n_only;		/* 0: no TCPKEEP_ONLY */
	__u32 n_skip;
	struct tk_bpf_rule only[TK_BPF_RULES_MAX];
	struct tk_bpf_rule skip[TK_BPF_RULES_MAX];
};

/* Bits of tk_bpf_mark.prog_set: the options the program set itself. */
#define TK_BPF_SET_KEEPALIVE	1u
#define TK_BPF_SET_IDLE		2u
#define TK_BPF_SET_INTVL	4u
#define TK_BPF_SET_CNT		8u
#define TK_BPF_SET_USER_TIMEOUT	16u

/* Socket-local storage, cloned from a listener to the sockets it
 * accepts. */
struct tk_bpf_mark {
	__u32 prog_set;		/* TK_BPF_SET_* the program chose */
	__u32 applied;		/* the sock_ops program set our options */
};

#endif
