/* The functions we interpose, as the next object in the lookup chain
 * (normally libc) provides them. */
#ifndef TCPKEEP_REAL_H
#define TCPKEEP_REAL_H

#include <sys/socket.h>

int tk_real_socket(int domain, int type, int protocol);
int tk_real_connect(int fd, const struct sockaddr *addr, socklen_t len);
int tk_real_accept(int fd, struct sockaddr *addr, socklen_t *len);
#if HAVE_ACCEPT4
int tk_real_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
#endif
int tk_real_setsockopt(int fd, int level, int name, const void *value,
		       socklen_t len);

/* Resolves every pointer now (from the constructor), so that hooks
 * normally find them set. */
void tk_real_bind_all(void);

/* Our own hooks, by their internal names, so the binder can tell when
 * dlsym handed back the hook itself. */
int tk_hook_socket(int domain, int type, int protocol);
int tk_hook_connect(int fd, const struct sockaddr *addr, socklen_t len);
int tk_hook_accept(int fd, struct sockaddr *addr, socklen_t *len);
int tk_hook_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int tk_hook_setsockopt(int fd, int level, int name, const void *value,
		       socklen_t len);

#endif
