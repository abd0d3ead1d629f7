/* SPDX-License-Identifier: MIT */
/* Setting the options on one socket: the library's one applier. */
#ifndef TCPKEEP_APPLY_H
#define TCPKEEP_APPLY_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "common/classify.h"
#include "common/config.h"
#include "preload/export.h"
#include "preload/fdstate.h"
#include "preload/log.h"
#include "common/options.h"
#include "preload/real.h"

/* The hooks save errno around every TCP socket they configure: through
 * the GOT directly, not through a PLT stub. */
#if defined(__has_attribute)
# if __has_attribute(noplt)
extern int *__errno_location(void) __attribute__((noplt));
# endif
#endif

/* The TK_PROG_* bit of a row of options.h: the rows in their order. */
#define TK_PROG_BIT(o) (TK_PROG_KEEPALIVE << (o))
/* A row added to options.h needs its bit in the descriptor's record. */
_Static_assert(TK_PROG_BIT(TK_OPT_IDLE) == TK_PROG_IDLE &&
	       TK_PROG_BIT(TK_OPT_INTVL) == TK_PROG_INTVL &&
	       TK_PROG_BIT(TK_OPT_CNT) == TK_PROG_CNT &&
	       TK_PROG_BIT(TK_OPT_USER_TIMEOUT) == TK_PROG_USER_TO &&
	       TK_PROG_BIT(TK_OPT_SYNCNT) == TK_PROG_SYNCNT &&
	       TK_PROG_BIT(TK_OPT_MAXSEG) == TK_PROG_MAXSEG &&
	       TK_PROG_BIT(TK_OPT_WINDOW_CLAMP) == TK_PROG_WINDOW_CLAMP &&
	       TK_PROG_BIT(TK_OPT_DEFER_ACCEPT) == TK_PROG_DEFER_ACCEPT &&
	       TK_PROG_BIT(TK_OPT_COUNT) - TK_PROG_BIT(0) == TK_PROG_MASK &&
	       TK_PROG_MASK <= (tk_fd_entry)~0u,
	       "one TK_PROG_* bit per row of options.h, in its order");
/* tk_apply() sets the keepalive rows one by one and libkeepalive's behind
 * one test; TCP_DEFER_ACCEPT is a listener's, set at listen(). */
_Static_assert(TK_OPT_USER_TIMEOUT + 1 == TK_OPT_SYNCNT &&
	       TK_OPT_WINDOW_CLAMP + 1 == TK_OPT_DEFER_ACCEPT &&
	       TK_OPT_DEFER_ACCEPT + 1 == TK_OPT_COUNT,
	       "tk_apply() knows the rows in this order");
/* What a configuration of the keepalive options alone leaves unset. */
#define TK_PROG_UNSET_PLAIN (TK_PROG_USER_TO | TK_PROG_DROPIN)

/* The effective options (options.h), computed once at load. */
struct tk_options {
	int value[TK_OPT_COUNT];
	/* TK_PROG_* bits of the options the configuration leaves alone:
	 * never set, like the program's own.  TK_PROG_USER_TO and
	 * TK_PROG_DROPIN are here unless those options were asked for. */
	unsigned unset;
};

TCPKEEP_HIDDEN void tk_options_build(struct tk_options *opts,
				     const struct tk_config *cfg);

/* One option of tk_apply(): 1 left alone (SKIP has its bit), 0 set, -1
 * refused by the kernel.  With LINE, its part of the debug line. */
__attribute__((always_inline))
static inline int tk_apply_one(int fd,
			       int level, int name, const int *value,
			       unsigned bit, unsigned skip, unsigned unset,
			       const char *label, struct tk_line *line)
{
	if (line != NULL) {
		tk_line_str(line, " ");
		tk_line_str(line, label);
		tk_line_str(line, "=");
	}
	if (skip & bit) {
		if (line != NULL)
			tk_line_str(line, (unset & bit) ? "unset" : "program's");
		return 1;
	}
	if (TK_REAL(setsockopt)(fd, level, name, value, sizeof(int)) != 0) {
		if (line != NULL) {
			tk_line_str(line, "failed(errno ");
			tk_line_long(line, errno);
			tk_line_str(line, ")");
		}
		return -1;
	}
	if (line != NULL)
		tk_line_long(line, *value);
	return 0;
}

/* Sets every option of OPTS on FD but those whose TK_PROG_* bit is in
 * PROG (the program's choice) or UNSET (opts->unset: pass it, so that a
 * caller can make it a constant), the timers first: SO_KEEPALIVE then arms
 * the first probe with the configured idle time rather than the kernel's.
 * A refused option is skipped, the others are still set, and errno is
 * left as it was found.  With LINE, appends "applied idle=..." to it.
 *
 * Returns -1, having set nothing, when FD turns out not to be TCP: a
 * table entry can be stale when its number was freed where no hook saw it
 * (fdstate.h).  SO_KEEPALIVE would succeed on a UDP or Unix socket, so
 * when no TCP-level option was taken the socket's kind is asked first;
 * FRESH (a socket socket() has just created as TCP) says not to.
 *
 * Inline: the callers pass constants where they can (no debug line, no
 * option of the program's), and the tests of those go away. */
__attribute__((always_inline))
static inline int tk_apply(int fd, const struct tk_options *opts,
			   unsigned prog, unsigned unset, bool fresh,
			   struct tk_line *line)
{
	int *errno_p = &errno;
	int saved_errno = *errno_p;
	unsigned skip = prog | unset;
	bool proven = fresh;
	int rc;

	if (line != NULL)
		tk_line_str(line, "applied");
	/* Unrolled: the rows are constants and every call is inline, as
	 * if written out one by one. */
#pragma GCC unroll 16
	for (unsigned k = 0; k < TK_OPT_USER_TIMEOUT; k++) {
		enum tk_opt o = tk_option_nth(k);

		rc = tk_apply_one(fd, tk_option_rows[o].level,
				  tk_option_rows[o].optname, &opts->value[o],
				  TK_PROG_BIT(o), skip, unset,
				  tk_option_rows[o].label, line);
		if (k == 0 && __builtin_expect(rc < 0, 0) && !proven) {
			if (!tk_fd_is_tcp(fd)) {
				*errno_p = saved_errno;
				return -1;
			}
			proven = true;
		}
		proven |= rc == 0;
	}
	/* libkeepalive's options: one test when none is asked for, and
	 * none at all where SKIP is a constant that holds them. */
	if (__builtin_expect((~skip & (TK_PROG_DROPIN &
				       ~TK_PROG_DEFER_ACCEPT)) != 0, 0)) {
#pragma GCC unroll 16
		for (unsigned o = TK_OPT_SYNCNT; o < TK_OPT_DEFER_ACCEPT; o++) {
			rc = tk_apply_one(fd, tk_option_rows[o].level,
					  tk_option_rows[o].optname,
					  &opts->value[o], TK_PROG_BIT(o), skip,
					  unset, tk_option_rows[o].label, line);
			proven |= rc == 0;
		}
	}
	if (!proven && !tk_fd_is_tcp(fd)) {
		*errno_p = saved_errno;
		return -1;
	}
	(void)tk_apply_one(fd, tk_option_rows[TK_OPT_KEEPALIVE].level,
			   tk_option_rows[TK_OPT_KEEPALIVE].optname,
			   &opts->value[TK_OPT_KEEPALIVE],
			   TK_PROG_BIT(TK_OPT_KEEPALIVE), skip, unset,
			   tk_option_rows[TK_OPT_KEEPALIVE].label, line);
	/* Whether or not a call failed: storing the value errno already
	 * holds is cheaper than finding out. */
	*errno_p = saved_errno;
	return 0;
}

/* Maps a setsockopt() level and name to its TK_PROG_* bit, 0 when it is
 * not one of ours. */
static inline unsigned tk_option_bit(int level, int name)
{
	int o = tk_option_find(level, name);

	return o < 0 ? 0 : TK_PROG_BIT(o);
}

/* The names of the rows in UNSET's complement, as bits modulo 32: the
 * options a configuration sets.  With UNSET 0, every row's: a constant. */
static inline unsigned tk_option_names(unsigned unset)
{
	unsigned names = 0;

#pragma GCC unroll 16
	for (int o = 0; o < TK_OPT_COUNT; o++)
		if (tk_option_rows[o].optname >= 0 &&
		    !(unset & TK_PROG_BIT(o)))
			names |= 1u << (tk_option_rows[o].optname & 31);
	return names;
}

/* A cheap first test for setsockopt(): false for every option that is
 * not one the configuration sets but a few whose number is the same as
 * one of those at another level (SO_BROADCAST, IP_OPTIONS, ...), which
 * tk_option_bit() then sorts out.  The name modulo 32 picks a bit of
 * NAMES (tk_option_names()).  Only the rows configured count: an option
 * left to the system is the program's whatever it does, and
 * libkeepalive's rows share numbers with SO_REUSEADDR and SO_SNDBUF,
 * which programs set all the time. */
static inline bool tk_option_maybe(unsigned names, int name)
{
	return (names >> ((unsigned)name & 31)) & 1;
}

#endif
