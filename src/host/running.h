/* SPDX-License-Identifier: MIT */
/* Processes that are already running (tcpkeep(1), RUNNING
 * PROCESSES): what the helper's
 * `pid` and `status` modes share.  The kernel's table of TCP sockets comes
 * from sock_diag (sockdiag.c), which process holds which socket from
 * /proc/PID/fd (procfd.c), the option values from a duplicate of the
 * socket taken with pidfd_getfd(2) (sockvals.c), and for a namespace the
 * caller cannot enter, the rest from the duplicate too (sockdup.c). */
#ifndef TCPKEEP_RUNNING_H
#define TCPKEEP_RUNNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* ------------------------------------------------------------ sockdiag.c */

/* One TCP socket as sock_diag reports it. */
struct tk_diag {
	uint32_t inode;
	uint64_t netns;		/* inode of the network namespace dumped */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t state;		/* TCP_ESTABLISHED, TCP_LISTEN, ... */
	uint8_t timer;		/* 0 none, 1 retransmit, 2 keepalive, 4 probe */
	uint8_t retrans;
	uint32_t expires_ms;
	uint16_t sport, dport;	/* host byte order */
	uint8_t src[16], dst[16];	/* network byte order, 4 bytes for v4 */
};

struct tk_diag_table {
	struct tk_diag *v;
	size_t n, cap;
	uint32_t *slot;		/* open addressing by inode: index + 1 */
	size_t nslots;
	uint32_t *listen;	/* indexes of the listeners */
	size_t nlisten;
};

/* Appends every TCP socket (v4 and v6, all states but TIME_WAIT and
 * SYN_RECV, which belong to no process) of the calling thread's network
 * namespace, tagged NETNS.  Only the kernel's replies count (see
 * sockdiag.c).  Returns 0, or -1 with errno and nothing appended. */
int tk_diag_dump(struct tk_diag_table *t, uint64_t netns);
/* One received datagram of a dump answering SEQ to port PORTID: 1 at
 * its end, 0 when more follow, -1 with errno (EPROTO: not a well-formed
 * reply to that request).  For the unit tests. */
int tk_diag_parse(struct tk_diag_table *t, const char *buf, size_t len,
		  uint32_t seq, uint32_t portid, uint64_t netns);
/* Builds the inode index; call after the last dump. */
int tk_diag_index(struct tk_diag_table *t);
/* The socket INODE as the dump of namespace NETNS has it: an inode
 * found in another namespace's table is another socket's row. */
const struct tk_diag *tk_diag_find(const struct tk_diag_table *t,
				   uint32_t inode, uint64_t netns);
/* True when D is a connection accepted by a listener of the same
 * namespace (same local port, same or wildcard address). */
bool tk_diag_accepted(const struct tk_diag_table *t, const struct tk_diag *d);
void tk_diag_free(struct tk_diag_table *t);

const char *tk_tcp_state_name(unsigned state);
/* "10.0.0.1:80", "[::1]:80", "*:80" for a wildcard. */
void tk_format_addr(char *buf, size_t len, unsigned family,
		    const uint8_t *addr, unsigned port);
/* The peer as a sockaddr, for the rule matcher. */
socklen_t tk_diag_peer(const struct tk_diag *d, struct sockaddr_storage *ss);

/* ------------------------------------------------------------ procfd.c */

struct tk_fdsock {
	uint32_t inode;
	int fd;
};

struct tk_proc {
	pid_t pid;
	char comm[32];
	uint64_t netns;		/* 0: unknown */
	int err;		/* errno when its descriptors could not be listed */
	/* Opened before /proc/PID was read and checked after: the facts
	 * read there are this process's, not of one that got its PID
	 * since.  -1 with pidfd_err (errno) when it could not be opened;
	 * closed by tk_scan_free. */
	int pidfd, pidfd_err;
	size_t first, count;	/* its sockets in tk_scan.socks */
};

struct tk_netns {
	uint64_t ino;
	pid_t via;		/* the first process seen in it */
	bool dumped;
	int err;		/* errno when it could not be read */
	/* The kernel's defaults there (a fresh socket's values). */
	int def_idle, def_intvl, def_cnt;
};

struct tk_scan {
	struct tk_proc *procs;
	size_t nprocs, capprocs;
	struct tk_fdsock *socks;
	size_t nsocks, capsocks;
	struct tk_netns *nets;
	size_t nnets, capnets;
	struct tk_diag_table diag;
	uint64_t own_netns;
};

/* Lists the sockets of the processes PIDS (all of /proc when N is 0),
 * then dumps the TCP table of every network namespace they are in
 * (entering it with setns(2) when it is not ours and we may).  A PID that
 * does not exist gets err = ESRCH. */
int tk_scan_run(struct tk_scan *s, const pid_t *pids, size_t n);
void tk_scan_free(struct tk_scan *s);
/* Why a process's sockets could not be listed (tk_proc.err), one phrase. */
const char *tk_proc_why(int err);
/* Why a namespace could not be read (tk_netns.err), one phrase. */
const char *tk_netns_why(int err);
const struct tk_netns *tk_scan_netns(const struct tk_scan *s, uint64_t ino);

/* Per-process facts status needs (its cgroup: host/cgroup.h). */
bool tk_proc_has_library(pid_t pid);	/* libtcpkeep.so mapped */

/* Parses a process ID: decimal, 1 .. INT_MAX.  0 or -1. */
int tk_parse_pid(const char *text, pid_t *out);

/* ------------------------------------------------------------ sockvals.c */

struct tk_sockvals {
	int keepalive, idle, intvl, cnt, user_timeout;	/* ms for the last */
};

/* pidfd_open(2) and pidfd_getfd(2), -1 with errno (ENOSYS when the
 * kernel or the headers do not have them). */
int tk_pidfd_open(pid_t pid);
int tk_pidfd_getfd(int pidfd, int fd);
/* The network namespace (inode) a socket lives in, 0 when not permitted. */
uint64_t tk_sock_netns(int fd);
/* pidfd_getfd of FD, checked to be the socket the scan saw there (INODE,
 * in the namespace NETNS; 0: not checked).  -1 with errno; ESTALE when
 * the process put another socket on that number meanwhile. */
int tk_sock_take(int pidfd, int fd, uint32_t inode, uint64_t netns);
int tk_sockvals_read(int fd, struct tk_sockvals *v);
/* What an errno from pidfd_open/pidfd_getfd means, for one line. */
const char *tk_pidfd_why(int err);

/* ------------------------------------------------------------ sockdup.c */

/* Whether PID's descriptor FD is a TCP socket, asked without taking it
 * (the socket's protocol name through /proc): 1, 0 (or gone), -1 when
 * the system does not say. */
int tk_proc_fd_is_tcp(pid_t pid, int fd);
/* A row for the TCP socket FD (a duplicate) from the socket itself: state
 * and addresses, its namespace (HOLDER_NETNS when it may not be asked),
 * no timer.  0, or -1 when it is not a TCP socket. */
int tk_dup_diag(int fd, uint32_t inode, uint64_t holder_netns,
		struct tk_diag *d);
/* True when taking a duplicate of one of PID's sockets could re-tag it
 * with another cgroup v1 net_cls class or net_prio index than it has:
 * a controller mounted as v1 and PID in another of its cgroups than we. */
bool tk_class_differs(pid_t pid);

#endif
