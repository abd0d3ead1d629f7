/* Which sockets are TCP (SPEC section 2). */
#ifndef TCPKEEP_CLASSIFY_H
#define TCPKEEP_CLASSIFY_H

#include <stdbool.h>

/* From the arguments of socket(): no system call. */
bool tk_is_tcp(int domain, int type, int protocol);

/* For a descriptor the library did not see created: asks the kernel.
 * Returns 1 for TCP, 0 for anything else (including not a socket or a
 * closed descriptor).  Leaves errno as it found it. */
int tk_fd_is_tcp(int fd);

#endif
