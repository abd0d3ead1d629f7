/* SPDX-License-Identifier: MIT */
/* The part of the kernel's netlink and sock_diag interface that
 * sockdiag.c uses, for C libraries installed without the kernel's UAPI
 * headers (configure: HAVE_LINUX_INET_DIAG_H unset; Debian's musl-gcc).
 * The layouts and numbers are the kernel's ABI, which does not change:
 * netlink(7), sock_diag(7). */
#ifndef TCPKEEP_DIAG_ABI_H
#define TCPKEEP_DIAG_ABI_H

#include <stdint.h>
#include <sys/socket.h>

#define NETLINK_SOCK_DIAG 4
#define SOCK_DIAG_BY_FAMILY 20

#define NLM_F_REQUEST 0x1
#define NLM_F_DUMP 0x300	/* NLM_F_ROOT | NLM_F_MATCH */
#define NLMSG_ERROR 0x2
#define NLMSG_DONE 0x3

struct sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	uint32_t nl_pid;
	uint32_t nl_groups;
};

struct nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type;
	uint16_t nlmsg_flags;
	uint32_t nlmsg_seq;
	uint32_t nlmsg_pid;
};

struct nlmsgerr {
	int error;
	struct nlmsghdr msg;
};

#define NLMSG_ALIGN(len) (((len) + 3u) & ~3u)
#define NLMSG_HDRLEN ((int)NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_LENGTH(len) ((len) + (size_t)NLMSG_HDRLEN)
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))

struct inet_diag_sockid {
	uint16_t idiag_sport;		/* network byte order */
	uint16_t idiag_dport;
	uint32_t idiag_src[4];
	uint32_t idiag_dst[4];
	uint32_t idiag_if;
	uint32_t idiag_cookie[2];
};

struct inet_diag_req_v2 {
	uint8_t sdiag_family;
	uint8_t sdiag_protocol;
	uint8_t idiag_ext;
	uint8_t pad;
	uint32_t idiag_states;
	struct inet_diag_sockid id;
};

struct inet_diag_msg {
	uint8_t idiag_family;
	uint8_t idiag_state;
	uint8_t idiag_timer;
	uint8_t idiag_retrans;
	struct inet_diag_sockid id;
	uint32_t idiag_expires;
	uint32_t idiag_rqueue;
	uint32_t idiag_wqueue;
	uint32_t idiag_uid;
	uint32_t idiag_inode;
};

_Static_assert(sizeof(struct nlmsghdr) == 16, "netlink header size");
_Static_assert(sizeof(struct inet_diag_req_v2) == 56, "inet_diag_req_v2 size");
_Static_assert(sizeof(struct inet_diag_msg) == 72, "inet_diag_msg size");

#endif
