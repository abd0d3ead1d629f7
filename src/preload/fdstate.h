/* SPDX-License-Identifier: MIT */
/* What the library knows of each descriptor: one byte per fd, in a table
 * the size of a typical descriptor limit.  It lets connect() on a UDP or
 * Unix socket, and accept() on a listener already configured, cost no
 * system call at all.
 *
 * This is the library's only mutable state.  It needs no lock (each fd is
 * one byte, stored atomically) and no fork handler: a child inherits the
 * table together with the descriptors it describes.  Descriptors beyond
 * the table are treated as never seen, which costs system calls but is
 * never wrong. */
#ifndef TCPKEEP_FDSTATE_H
#define TCPKEEP_FDSTATE_H

#include <stdbool.h>
#include <stdint.h>

#define TK_FDSTATE_SIZE (1u << 20)

enum tk_fd_state {
	TK_FD_UNSEEN = 0,	/* not created through our hooks */
	TK_FD_NOT_TCP,		/* never touched */
	TK_FD_PENDING,		/* TCP, decision waits for connect/accept */
	TK_FD_MANAGED,		/* TCP, our options applied */
	TK_FD_LEFT		/* TCP, decided to leave it as it is */
};
#define TK_FD_STATE_MASK 0x07u

/* UNSEEN (0) and PENDING (2) are the states that still need a decision:
 * one mask test tells them from the others on the hot path. */
#define TK_FD_UNDECIDED(entry) (((entry) & TK_FD_STATE_MASK & ~2u) == 0)
_Static_assert(TK_FD_UNSEEN == 0 && TK_FD_PENDING == 2 &&
	       TK_FD_NOT_TCP == 1 && TK_FD_MANAGED == 3 && TK_FD_LEFT == 4,
	       "TK_FD_UNDECIDED relies on these values");

/* Options the program set itself before a decision was taken: the
 * decision then leaves them alone. */
#define TK_PROG_KEEPALIVE 0x08u
#define TK_PROG_IDLE      0x10u
#define TK_PROG_INTVL     0x20u
#define TK_PROG_CNT       0x40u
#define TK_PROG_USER_TO   0x80u
#define TK_PROG_MASK      0xf8u

extern uint8_t tk_fd_table[TK_FDSTATE_SIZE];

static inline unsigned tk_fd_get(int fd)
{
	if (fd < 0 || (unsigned)fd >= TK_FDSTATE_SIZE)
		return TK_FD_UNSEEN;
	return __atomic_load_n(&tk_fd_table[fd], __ATOMIC_RELAXED);
}

/* True when FD is in the table with a decision taken (the hooks' common
 * case, one test). */
static inline bool tk_fd_decided(int fd)
{
	return (unsigned)fd < TK_FDSTATE_SIZE &&
	       !TK_FD_UNDECIDED(__atomic_load_n(&tk_fd_table[fd],
						__ATOMIC_RELAXED));
}

static inline void tk_fd_put(int fd, unsigned value)
{
	if (fd >= 0 && (unsigned)fd < TK_FDSTATE_SIZE)
		__atomic_store_n(&tk_fd_table[fd], (uint8_t)value,
				 __ATOMIC_RELAXED);
}

static inline void tk_fd_add_prog(int fd, unsigned bits)
{
	if (fd >= 0 && (unsigned)fd < TK_FDSTATE_SIZE)
		__atomic_fetch_or(&tk_fd_table[fd], (uint8_t)bits,
				  __ATOMIC_RELAXED);
}

#endif
