/* SPDX-License-Identifier: MIT */
/* What the library knows of each descriptor: one entry per fd number below
 * TK_FDSTATE_SIZE (2^20, Linux's default fs.nr_open).  It lets connect()
 * on a UDP or Unix socket, and accept() on a listener already decided,
 * cost no system call at all, and it remembers which options the program
 * set itself before a decision.
 *
 * The record follows the descriptor, not the number: close(), close_range()
 * and closefrom() forget the numbers they free, dup(), dup2(), dup3() and
 * fcntl(F_DUPFD) copy the record to the new number, recvmsg() forgets the
 * numbers SCM_RIGHTS installs, socket() and accept() write a fresh one.  A
 * number freed where no hook sees it (a raw close system call, fclose() of
 * an fdopen()ed socket) keeps its old entry until one of those calls
 * rewrites it; libtcpkeep(7) says what that can cost.  A vfork() child
 * shares this memory with its parent but not its descriptors: the hooks
 * of descriptors.c leave the parent's entries alone there.
 *
 * This is the library's only mutable state besides the configuration,
 * written once at load.  It needs no lock: each entry is one aligned 16-bit
 * word, read and stored atomically (relaxed: an entry describes its own descriptor and
 * orders nothing else).  A child made by fork() inherits the table together
 * with the descriptors it describes.
 *
 * Descriptors at or above the table size have no entry: nothing can be
 * remembered about them, in particular not the program's own choice of an
 * option.  The hooks therefore give such a descriptor our options only
 * where no choice of the program can exist yet (right after socket()
 * without filters) or in force mode, and otherwise leave it alone. */
#ifndef TCPKEEP_FDSTATE_H
#define TCPKEEP_FDSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "preload/export.h"

/* A build may choose a smaller table (a power of two): the tests build
 * one with 64 entries to try numbers beyond it. */
#ifndef TK_FDSTATE_SIZE
# define TK_FDSTATE_SIZE (1u << 20)
#endif
_Static_assert((TK_FDSTATE_SIZE & (TK_FDSTATE_SIZE - 1)) == 0,
	       "the close() mask needs a power of two");

enum tk_fd_state {
	TK_FD_UNSEEN = 0,	/* nothing known: decided by asking the kernel */
	TK_FD_NOT_TCP,		/* not a TCP socket: never touched */
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
 * decision then leaves them alone.  One bit per row of options.h: the
 * nine rows and the state take 12 bits, so an entry is 16 bits wide.  The
 * table is zero-filled memory that only the entries written make dirty:
 * a program whose descriptors stay below 2048 touches one page, as with
 * one-byte entries below 4096 (libtcpkeep(7) has the figures). */
#define TK_PROG_KEEPALIVE    0x008u
#define TK_PROG_IDLE         0x010u
#define TK_PROG_INTVL        0x020u
#define TK_PROG_CNT          0x040u
#define TK_PROG_USER_TO      0x080u
#define TK_PROG_SYNCNT       0x100u
#define TK_PROG_MAXSEG       0x200u
#define TK_PROG_WINDOW_CLAMP 0x400u
#define TK_PROG_DEFER_ACCEPT 0x800u
#define TK_PROG_MASK         0xff8u
/* libkeepalive's options, which configurations rarely set: one test
 * passes them all by (tk_apply). */
#define TK_PROG_DROPIN (TK_PROG_SYNCNT | TK_PROG_MAXSEG | \
			TK_PROG_WINDOW_CLAMP | TK_PROG_DEFER_ACCEPT)

typedef uint16_t tk_fd_entry;

/* The record is the first TK_FDSTATE_SIZE bytes.  The table is twice
 * that, so that close() can clear an entry with no range test: it masks
 * the number with TK_FDSTATE_CLOSE_MASK, and a negative number (close(-1)
 * is common) or one from 2^20 to 2^21 - 1 lands in the upper half, which
 * nothing reads.  Only a number from 2^21 up, possible where fs.nr_open
 * was raised above 2097152, clears the entry of another number (which is
 * then asked of the kernel again).  Page-aligned so that forgetting a
 * range can ask which pages were ever written (tk_fd_forget_range). */
#define TK_FDSTATE_CLOSE_MASK (2u * TK_FDSTATE_SIZE - 1u)
extern TCPKEEP_HIDDEN tk_fd_entry tk_fd_table[2 * TK_FDSTATE_SIZE];

/* The entry of FD; TK_FD_UNSEEN for a number beyond the table. */
static inline unsigned tk_fd_get(int fd)
{
	if ((unsigned)fd >= TK_FDSTATE_SIZE)
		return TK_FD_UNSEEN;
	return __atomic_load_n(&tk_fd_table[fd], __ATOMIC_RELAXED);
}

/* True when FD has an entry (it is below the table size). */
static inline bool tk_fd_in_table(int fd)
{
	return (unsigned)fd < TK_FDSTATE_SIZE;
}

/* True when FD is in the table with a decision taken (the hooks' common
 * case, one test). */
static inline bool tk_fd_decided(int fd)
{
	return (unsigned)fd < TK_FDSTATE_SIZE &&
	       !TK_FD_UNDECIDED(__atomic_load_n(&tk_fd_table[fd],
						__ATOMIC_RELAXED));
}

/* Stores VALUE as FD's entry; nothing for a number beyond the table. */
static inline void tk_fd_put(int fd, unsigned value)
{
	if ((unsigned)fd < TK_FDSTATE_SIZE)
		__atomic_store_n(&tk_fd_table[fd], (tk_fd_entry)value,
				 __ATOMIC_RELAXED);
}

static inline void tk_fd_add_prog(int fd, unsigned bits)
{
	if ((unsigned)fd < TK_FDSTATE_SIZE)
		__atomic_fetch_or(&tk_fd_table[fd], (tk_fd_entry)bits,
				  __ATOMIC_RELAXED);
}

/* Forgets every number from FIRST to LAST (both included) that has an
 * entry; touches only the table pages that were ever written. */
TCPKEEP_HIDDEN void tk_fd_forget_range(unsigned first, unsigned last);

#endif
