/* SPDX-License-Identifier: MIT */
/* The exit statuses tcpkeep's programs share with the wrapper
 * (tcpkeep(1), EXIT STATUS): the helper and tcpkeep-bpf end the way the
 * wrapper itself would, so a caller sees one meaning per number. */
#ifndef TCPKEEP_HOST_EXIT_H
#define TCPKEEP_HOST_EXIT_H

/* Nothing was started: a bad option, value or combination, or what the
 * mode needs is missing (privileges, kernel support, cgroup v2).  One
 * line on stderr has said why. */
#define TK_EXIT_NOT_STARTED 125
/* COMMAND was found but cannot be run; COMMAND was not found (the
 * shell's numbers, so a wrapped command reads like a direct one). */
#define TK_EXIT_CANNOT_EXEC 126
#define TK_EXIT_NOT_FOUND 127

#endif
