/* Setting the options on one socket. */
#ifndef TCPKEEP_APPLY_H
#define TCPKEEP_APPLY_H

#include "config.h"
#include "log.h"

/* Sets the configured options on FD, except those in PROG_MASK (the
 * program's own choices, TK_PROG_* bits).  An option the kernel refuses is
 * skipped; the others are still set.  Describes the outcome in LINE when
 * it is not NULL.  Keeps errno.  Returns 0, or -1 when FD turned out not
 * to be a TCP socket at all (a stale table entry): then nothing was set. */
int tk_apply(int fd, const struct tk_config *cfg, unsigned prog_mask,
	     struct tk_line *line);

/* Maps a setsockopt() level and name to its TK_PROG_* bit, 0 when it is
 * not one of ours. */
unsigned tk_option_bit(int level, int name);

#endif
