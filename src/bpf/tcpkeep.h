/* SPDX-License-Identifier: MIT */
/* What the loader (loader.c) writes into the eBPF object's read-only
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

/* One socket option, a row of the loader's table (src/common/options.h)
 * with its effective value.  The kernel side knows no option by name but
 * SO_KEEPALIVE, so a new row needs no change here. */
#define TK_BPF_OPTIONS_MAX 8
struct tk_bpf_option {
	__s32 level;
	__s32 name;
	__s32 value;
	__u32 set;		/* 0: leave the option alone */
	__u32 bit;		/* its bit in tk_bpf_mark.prog_set */
	__u32 mptcp;		/* an MPTCP socket accepts it */
};

struct tk_bpf_config {
	/* In the order they are set: the timers first, SO_KEEPALIVE last,
	 * so that it arms the first probe with the configured idle time. */
	__u32 n_options;
	struct tk_bpf_option option[TK_BPF_OPTIONS_MAX];
	__u32 force;
	__u32 direction;	/* enum tk_bpf_direction */
	__u32 n_only;		/* 0: no TCPKEEP_ONLY */
	__u32 n_skip;
	struct tk_bpf_rule only[TK_BPF_RULES_MAX];
	struct tk_bpf_rule skip[TK_BPF_RULES_MAX];
};

/* tk_bpf_mark.prog_set has the bit of each option the program set
 * itself; the kernel side needs to know SO_KEEPALIVE's (row 0). */
#define TK_BPF_SET_KEEPALIVE	1u

/* Socket-local storage, cloned from a listener to the sockets it
 * accepts. */
struct tk_bpf_mark {
	__u32 prog_set;		/* tk_bpf_option.bit of what the program chose */
	__u32 applied;		/* the sock_ops program set our options */
};

#endif
