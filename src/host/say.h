/* SPDX-License-Identifier: MIT */
/* Messages of the host programs: one line on stderr, prefixed with the
 * name the user typed (tcpkeep), whichever program prints it. */
#ifndef TCPKEEP_HOST_SAY_H
#define TCPKEEP_HOST_SAY_H

/* The name every message starts with. */
extern const char tk_me[];

/* "tcpkeep: ..." and a newline, on stderr. */
void tk_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
