/* SPDX-License-Identifier: MIT */
/* The kernel's table of TCP sockets, through NETLINK_SOCK_DIAG
 * (sock_diag(7)): one inet_diag_req_v2 dump per address family, the
 * timers and inodes from each inet_diag_msg.  No extensions are asked
 * for: the keepalive parameters are not in them, and the dump stays
 * small. */
#include "autoconfig.h"

#include "host/running.h"

#include <arpa/inet.h>
#include <errno.h>
#ifdef HAVE_LINUX_INET_DIAG_H
# include <linux/inet_diag.h>
# include <linux/netlink.h>
# include <linux/sock_diag.h>
#else
# include "host/diag-abi.h"
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel's TCP states (include/net/tcp_states.h). */
enum {
	TK_TCP_ESTABLISHED = 1, TK_TCP_SYN_SENT, TK_TCP_SYN_RECV,
	TK_TCP_FIN_WAIT1, TK_TCP_FIN_WAIT2, TK_TCP_TIME_WAIT, TK_TCP_CLOSE,
	TK_TCP_CLOSE_WAIT, TK_TCP_LAST_ACK, TK_TCP_LISTEN, TK_TCP_CLOSING,
	TK_TCP_NEW_SYN_RECV, TK_TCP_MAX_STATES
};

const char *tk_tcp_state_name(unsigned state)
{
	static const char *const names[] = {
		"unknown", "established", "syn-sent", "syn-recv", "fin-wait-1",
		"fin-wait-2", "time-wait", "close", "close-wait", "last-ack",
		"listen", "closing", "new-syn-recv",
	};

	return state < sizeof names / sizeof names[0] ? names[state] : "unknown";
}

static int grow(struct tk_diag_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct tk_diag *v = realloc(t->v, cap * sizeof *v);

	if (v == NULL)
		return -1;
	t->v = v;
	t->cap = cap;
	return 0;
}

static int add(struct tk_diag_table *t, const struct inet_diag_msg *m,
	       uint64_t netns)
{
	struct tk_diag *d;

	/* Request and time-wait sockets have no file, so no process. */
	if (m->idiag_inode == 0)
		return 0;
	if (t->n == t->cap && grow(t) < 0)
		return -1;
	d = &t->v[t->n++];
	d->inode = m->idiag_inode;
	d->netns = netns;
	d->family = m->idiag_family;
	d->state = m->idiag_state;
	d->timer = m->idiag_timer;
	d->retrans = m->idiag_retrans;
	d->expires_ms = m->idiag_expires;
	d->sport = ntohs(m->id.idiag_sport);
	d->dport = ntohs(m->id.idiag_dport);
	memcpy(d->src, m->id.idiag_src, 16);
	memcpy(d->dst, m->id.idiag_dst, 16);
	return 0;
}

/* What a reply must be to count: from the kernel (the sender's port id
 * 0; a connected socket refuses every other sender, this is the second
 * lock), to us (our port id), to this request (its sequence number).
 * Another program that may send on netlink in this namespace (root in a
 * user namespace of its own has CAP_NET_ADMIN there) could otherwise
 * slip rows in, or end the dump early. */
struct expect {
	uint32_t seq, portid;
};

/* One datagram: 1 when the dump is done, 0 for more, -1 with errno. */
int tk_diag_parse(struct tk_diag_table *t, const char *buf, size_t len,
		  uint32_t seq, uint32_t portid, uint64_t netns)
{
	const struct nlmsghdr *h;
	size_t off, next;

	/* NLMSG_OK/NEXT by offsets, without their char * casts
	 * (-Wcast-align): messages are 4-byte aligned in a buffer aligned
	 * to 8.  Every length is checked against what was received before
	 * anything behind it is read. */
	for (off = 0; off < len; off = next) {
		if (len - off < sizeof *h)
			goto bad;
		h = (const struct nlmsghdr *)(const void *)(buf + off);
		if (h->nlmsg_len < sizeof *h || h->nlmsg_len > len - off)
			goto bad;
		next = off + NLMSG_ALIGN(h->nlmsg_len);
		if (next > len)
			next = len;
		if (h->nlmsg_seq != seq || h->nlmsg_pid != portid)
			goto bad;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e;

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof e->error))
				goto bad;
			e = (const struct nlmsgerr *)(const void *)
				(buf + off + NLMSG_HDRLEN);
			errno = e->error < 0 ? -e->error : EPROTO;
			return -1;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
			goto bad;
		if (add(t, (const struct inet_diag_msg *)(const void *)
			(buf + off + NLMSG_HDRLEN), netns) < 0)
			return -1;
	}
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

static int dump_family(int nl, struct tk_diag_table *t, unsigned family,
		       const struct expect *x, uint64_t netns)
{
	static char buf[65536] __attribute__((aligned(8)));
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} q;

	memset(&q, 0, sizeof q);
	q.nlh.nlmsg_len = sizeof q;
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.nlh.nlmsg_seq = x->seq;
	q.req.sdiag_family = (uint8_t)family;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = ((1u << TK_TCP_MAX_STATES) - 1) &
		~((1u << TK_TCP_TIME_WAIT) | (1u << TK_TCP_SYN_RECV) |
		  (1u << TK_TCP_NEW_SYN_RECV));
	if (send(nl, &q, sizeof q, 0) < 0)
		return -1;
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr m = {
			.msg_name = &from, .msg_namelen = sizeof from,
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		ssize_t got = recvmsg(nl, &m, 0);
		int rc;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* A datagram cut to fit is not a table. */
		if (got == 0 || (m.msg_flags & MSG_TRUNC) ||
		    m.msg_namelen < sizeof from ||
		    from.nl_family != AF_NETLINK || from.nl_pid != 0) {
			errno = EPROTO;
			return -1;
		}
		rc = tk_diag_parse(t, buf, (size_t)got, x->seq, x->portid, netns);
		if (rc != 0) {
			/* IPv6 compiled out: nothing to list. */
			if (rc < 0 && family == AF_INET6 && errno == ENOENT)
				return 0;
			return rc < 0 ? -1 : 0;
		}
	}
}

int tk_diag_dump(struct tk_diag_table *t, uint64_t netns)
{
	static uint32_t seq;
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK }, self;
	socklen_t len = sizeof self;
	struct expect x;
	size_t before = t->n;
	int rc = -1, saved;

	if (nl < 0)
		return -1;
	/* Connected to the kernel (port id 0): the socket takes datagrams
	 * from no one else. */
	if (connect(nl, (struct sockaddr *)&kernel, sizeof kernel) < 0 ||
	    getsockname(nl, (struct sockaddr *)&self, &len) < 0)
		goto out;
	if (seq == 0)
		seq = (uint32_t)getpid() * 2654435761u;
	x.portid = self.nl_pid;
	x.seq = ++seq;
	if (dump_family(nl, t, AF_INET, &x, netns) < 0)
		goto out;
	x.seq = ++seq;
	if (dump_family(nl, t, AF_INET6, &x, netns) == 0)
		rc = 0;
out:
	saved = errno;
	close(nl);
	/* Half a namespace's table is not its table. */
	if (rc < 0)
		t->n = before;
	errno = saved;
	return rc;
}

static size_t hash(uint32_t inode, size_t mask)
{
	return (size_t)(inode * 2654435761u) & mask;
}

int tk_diag_index(struct tk_diag_table *t)
{
	size_t n = 16;

	while (n < t->n * 2)
		n *= 2;
	free(t->slot);
	t->slot = calloc(n, sizeof *t->slot);
	if (t->slot == NULL)
		return -1;
	t->nslots = n;
	free(t->listen);
	t->nlisten = 0;
	t->listen = malloc((t->n ? t->n : 1) * sizeof *t->listen);
	if (t->listen == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].state == TK_TCP_LISTEN)
			t->listen[t->nlisten++] = (uint32_t)i;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t h = hash(t->v[i].inode, n - 1);

		while (t->slot[h] != 0)
			h = (h + 1) & (n - 1);
		t->slot[h] = (uint32_t)(i + 1);
	}
	return 0;
}

const struct tk_diag *tk_diag_find(const struct tk_diag_table *t,
				   uint32_t inode, uint64_t netns)
{
	size_t h;

	if (t->nslots == 0)
		return NULL;
	for (h = hash(inode, t->nslots - 1); t->slot[h] != 0;
	     h = (h + 1) & (t->nslots - 1))
		if (t->v[t->slot[h] - 1].inode == inode &&
		    t->v[t->slot[h] - 1].netns == netns)
			return &t->v[t->slot[h] - 1];
	return NULL;
}

static bool is_wildcard(const struct tk_diag *d)
{
	static const uint8_t zero[16];

	return memcmp(d->src, zero, d->family == AF_INET ? 4 : 16) == 0;
}

bool tk_diag_accepted(const struct tk_diag_table *t, const struct tk_diag *d)
{
	if (d->state == TK_TCP_LISTEN)
		return false;
	for (size_t i = 0; i < t->nlisten; i++) {
		const struct tk_diag *l = &t->v[t->listen[i]];

		if (l->sport != d->sport ||
		    l->netns != d->netns)
			continue;
		/* A dual-stack listener (::) takes IPv4 connections too. */
		if (is_wildcard(l))
			return true;
		if (l->family == d->family &&
		    memcmp(l->src, d->src, d->family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

void tk_diag_free(struct tk_diag_table *t)
{
	free(t->v);
	free(t->slot);
	free(t->listen);
	memset(t, 0, sizeof *t);
}

void tk_format_addr(char *buf, size_t len, unsigned family,
		    const uint8_t *addr, unsigned port)
{
	char a[INET6_ADDRSTRLEN];
	static const uint8_t zero[16];

	if (memcmp(addr, zero, family == AF_INET ? 4 : 16) == 0) {
		if (port == 0)
			snprintf(buf, len, "*:*");
		else
			snprintf(buf, len, "*:%u", port);
		return;
	}
	if (inet_ntop((int)family, addr, a, sizeof a) == NULL)
		snprintf(a, sizeof a, "?");
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

socklen_t tk_diag_peer(const struct tk_diag *d, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (d->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(d->dport);
		memcpy(&in->sin_addr, d->dst, 4);
		return sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(d->dport);
		memcpy(&in6->sin6_addr, d->dst, 16);
		return sizeof *in6;
	}
}
