/* SPDX-License-Identifier: MIT */
/* The socket options tcpkeep manages, one row each, and the one
 * translation of a configuration into effective options: for each row a
 * value, or "leave it alone".  The preload library, the eBPF loader,
 * --pid, --check and --bpf --check all take their values from
 * tk_effective_build(), so one configuration gives the same kernel values
 * whichever of them applies it.  A new option is one row here (enum and
 * table) and its value in tk_effective_build(). */
#ifndef TCPKEEP_OPTIONS_H
#define TCPKEEP_OPTIONS_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "common/config.h"

/* macOS names the idle time TCP_KEEPALIVE; configure tells which. */
#if HAVE_DECL_TCP_KEEPIDLE
# define TK_TCP_IDLE TCP_KEEPIDLE
# define TK_TCP_IDLE_NAME "TCP_KEEPIDLE"
#else
# define TK_TCP_IDLE TCP_KEEPALIVE
# define TK_TCP_IDLE_NAME "TCP_KEEPALIVE"
#endif
/* Where the platform has no such option its row stays, so that every
 * index means the same everywhere, but nothing sets or reads it. */
#if HAVE_DECL_TCP_USER_TIMEOUT
# define TK_TCP_USER_TIMEOUT TCP_USER_TIMEOUT
#else
# define TK_TCP_USER_TIMEOUT (-1)
#endif

/* Where the platform lacks one of libkeepalive's options (Santos). */
#ifdef TCP_SYNCNT
# define TK_TCP_SYNCNT TCP_SYNCNT
#else
# define TK_TCP_SYNCNT (-1)
#endif
#ifdef TCP_WINDOW_CLAMP
# define TK_TCP_WINDOW_CLAMP TCP_WINDOW_CLAMP
#else
# define TK_TCP_WINDOW_CLAMP (-1)
#endif
#ifdef TCP_DEFER_ACCEPT
# define TK_TCP_DEFER_ACCEPT TCP_DEFER_ACCEPT
#else
# define TK_TCP_DEFER_ACCEPT (-1)
#endif

/* SO_KEEPALIVE is row 0 and is set last (tk_option_nth): turning it on
 * arms the first probe with whatever idle time the socket holds then.
 * New rows go at the end: the preload library and the eBPF program keep
 * one bit per row, in this order. */
enum tk_opt {
	TK_OPT_KEEPALIVE = 0,
	TK_OPT_IDLE,
	TK_OPT_INTVL,
	TK_OPT_CNT,
	TK_OPT_USER_TIMEOUT,
	TK_OPT_SYNCNT,
	TK_OPT_MAXSEG,
	TK_OPT_WINDOW_CLAMP,
	TK_OPT_DEFER_ACCEPT,
	TK_OPT_COUNT
};

/* When a row's value does anything.  The keepalive rows count on any TCP
 * socket; TCP_SYNCNT and TCP_MAXSEG only before the handshake (an
 * established connection keeps them, but they change nothing more); a
 * listener's option only on a socket that listens.  Appliers that meet
 * sockets later than socket() (--pid, eBPF) read this column. */
enum tk_when {
	TK_WHEN_ANY = 0,
	TK_WHEN_HANDSHAKE,
	TK_WHEN_LISTENER
};

struct tk_option_row {
	/* Characters, not pointers: a pointer is one more relocation for
	 * the loader in every process the library is preloaded into. */
	char name[20];		/* as tcp(7) and socket(7) spell it */
	char label[16];		/* short, for log lines */
	char unit[4];		/* of the value, for messages */
	int level;
	int optname;		/* -1: not on this platform */
	bool mptcp;		/* an MPTCP socket accepts it */
	enum tk_when when;
};

/* In the header, static: the library's inline appliers read it with
 * constant indexes, which the compiler folds into the calls. */
__attribute__((unused))
static const struct tk_option_row tk_option_rows[TK_OPT_COUNT] = {
	[TK_OPT_KEEPALIVE] = { "SO_KEEPALIVE", "keepalive", "",
			       SOL_SOCKET, SO_KEEPALIVE, true, TK_WHEN_ANY },
	[TK_OPT_IDLE] = { TK_TCP_IDLE_NAME, "idle", "s",
			  IPPROTO_TCP, TK_TCP_IDLE, true, TK_WHEN_ANY },
	[TK_OPT_INTVL] = { "TCP_KEEPINTVL", "intvl", "s",
			   IPPROTO_TCP, TCP_KEEPINTVL, true, TK_WHEN_ANY },
	[TK_OPT_CNT] = { "TCP_KEEPCNT", "cnt", "",
			 IPPROTO_TCP, TCP_KEEPCNT, true, TK_WHEN_ANY },
	[TK_OPT_USER_TIMEOUT] = { "TCP_USER_TIMEOUT", "user_timeout", "ms",
				  IPPROTO_TCP, TK_TCP_USER_TIMEOUT, false,
				  TK_WHEN_ANY },
	[TK_OPT_SYNCNT] = { "TCP_SYNCNT", "syncnt", "", IPPROTO_TCP,
			    TK_TCP_SYNCNT, false, TK_WHEN_HANDSHAKE },
	[TK_OPT_MAXSEG] = { "TCP_MAXSEG", "maxseg", "", IPPROTO_TCP,
			    TCP_MAXSEG, false, TK_WHEN_HANDSHAKE },
	[TK_OPT_WINDOW_CLAMP] = { "TCP_WINDOW_CLAMP", "window_clamp", "",
				  IPPROTO_TCP, TK_TCP_WINDOW_CLAMP, false,
				  TK_WHEN_ANY },
	[TK_OPT_DEFER_ACCEPT] = { "TCP_DEFER_ACCEPT", "defer_accept", "s",
				  IPPROTO_TCP, TK_TCP_DEFER_ACCEPT, true,
				  TK_WHEN_LISTENER },
};

/* The K-th row in the order options are set: the timers (and the other
 * rows) first, then SO_KEEPALIVE. */
static inline enum tk_opt tk_option_nth(unsigned k)
{
	return (enum tk_opt)((k + 1) % TK_OPT_COUNT);
}

/* The row of a setsockopt() level and name, -1 when it is none of ours. */
static inline int tk_option_find(int level, int optname)
{
	for (int o = 0; o < TK_OPT_COUNT; o++)
		if (tk_option_rows[o].optname >= 0 &&
		    tk_option_rows[o].level == level &&
		    tk_option_rows[o].optname == optname)
			return o;
	return -1;
}

/* What a configuration asks of a connection it selects. */
struct tk_effective {
	unsigned set;			/* 1u << row: set value[row] */
	int value[TK_OPT_COUNT];	/* meaningless where the bit is clear */
};

/* The one translation.  A row whose bit stays clear is left alone: the
 * socket keeps what it holds (the system default, unless its program
 * chose otherwise).  With the master switch off, every row is. */
void tk_effective_build(struct tk_effective *eff, const struct tk_config *cfg);

/* The value FD holds for row O, SO_KEEPALIVE as 0 or 1, and 0 for a row
 * the platform does not have.  Returns -1 with errno when getsockopt()
 * fails.  Not for the preload library's hooks (they have their own). */
int tk_option_read(int fd, enum tk_opt o, int *value);

static inline bool tk_effective_sets(const struct tk_effective *eff,
				     enum tk_opt o)
{
	return (eff->set >> o) & 1u;
}

#endif
