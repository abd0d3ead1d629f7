/* SPDX-License-Identifier: MIT */
/* The functions we interpose, as the next object in the lookup chain
 * (normally libc) provides them. */
#ifndef TCPKEEP_REAL_H
#define TCPKEEP_REAL_H

#include <stddef.h>
#include <sys/socket.h>

#include "export.h"

typedef int (*tk_socket_fn)(int, int, int);
typedef int (*tk_connect_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*tk_accept_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*tk_accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef int (*tk_setsockopt_fn)(int, int, int, const void *, socklen_t);

/* Each starts out pointing at a stand-in in real.c that binds the pointer
 * and then makes the call: a hook that runs before our constructor (from
 * another library's constructor) still reaches the real function, and the
 * hooks call through the pointer without testing it first.  The
 * constructor binds them all. */
extern TCPKEEP_HIDDEN tk_socket_fn tk_real_socket_ptr;
extern TCPKEEP_HIDDEN tk_connect_fn tk_real_connect_ptr;
extern TCPKEEP_HIDDEN tk_accept_fn tk_real_accept_ptr;
extern TCPKEEP_HIDDEN tk_accept4_fn tk_real_accept4_ptr;
extern TCPKEEP_HIDDEN tk_setsockopt_fn tk_real_setsockopt_ptr;

TCPKEEP_HIDDEN tk_socket_fn tk_bind_socket(void);
TCPKEEP_HIDDEN tk_connect_fn tk_bind_connect(void);
TCPKEEP_HIDDEN tk_accept_fn tk_bind_accept(void);
TCPKEEP_HIDDEN tk_accept4_fn tk_bind_accept4(void);
TCPKEEP_HIDDEN tk_setsockopt_fn tk_bind_setsockopt(void);

/* The binders store with __atomic_store_n from any thread, so the hooks
 * read with a relaxed atomic load: no data race for the compiler to
 * exploit (re-reading the pointer, tearing it).  Relaxed is enough: the
 * stores are idempotent, of one aligned pointer, and whichever value a
 * thread sees, the stand-in or the real function, leads to the real
 * function, which needs nothing else to be visible. */
#define TK_REAL(name) __atomic_load_n(&tk_real_##name##_ptr, __ATOMIC_RELAXED)

static inline int tk_real_socket(int domain, int type, int protocol)
{
	return TK_REAL(socket)(domain, type, protocol);
}

static inline int tk_real_connect(int fd, const struct sockaddr *addr,
				  socklen_t len)
{
	return TK_REAL(connect)(fd, addr, len);
}

static inline int tk_real_accept(int fd, struct sockaddr *addr,
				 socklen_t *len)
{
	return TK_REAL(accept)(fd, addr, len);
}

static inline int tk_real_accept4(int fd, struct sockaddr *addr,
				  socklen_t *len, int flags)
{
	return TK_REAL(accept4)(fd, addr, len, flags);
}

static inline int tk_real_setsockopt(int fd, int level, int name,
				     const void *value, socklen_t len)
{
	return TK_REAL(setsockopt)(fd, level, name, value, len);
}

/* Resolves every pointer now, from the constructor. */
TCPKEEP_HIDDEN void tk_real_bind_all(void);

/* Our own hooks, by their internal names, so the binder can tell when
 * dlsym handed back the hook itself. */
int tk_hook_socket(int domain, int type, int protocol);
int tk_hook_connect(int fd, const struct sockaddr *addr, socklen_t len);
int tk_hook_accept(int fd, struct sockaddr *addr, socklen_t *len);
int tk_hook_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int tk_hook_setsockopt(int fd, int level, int name, const void *value,
		       socklen_t len);

#endif
