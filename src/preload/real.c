/* SPDX-License-Identifier: MIT */
/* Binding to the real functions with dlsym(RTLD_NEXT) only: a later
 * preload library, or libc, keeps its place in the chain.
 *
 * A hook may run before our constructor (another library's constructor
 * opening a socket), so each pointer starts at a stand-in that resolves it
 * on first use.  The store is idempotent: two threads racing here store
 * the same value. */
#include "autoconfig.h"
#include "real.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void (*any_fn)(void);

static any_fn resolve(const char *name, any_fn own_hook)
{
	void *sym = dlsym(RTLD_NEXT, name);
	any_fn fn;

	memcpy(&fn, &sym, sizeof fn);	/* object to function pointer */
	if (fn == NULL || fn == own_hook) {
		static const char head[] = "tcpkeep: cannot find the real ";
		static const char tail[] = "() after this library; aborting\n";
		ssize_t ignored;

		ignored = write(STDERR_FILENO, head, sizeof head - 1);
		ignored = write(STDERR_FILENO, name, strlen(name));
		ignored = write(STDERR_FILENO, tail, sizeof tail - 1);
		(void)ignored;
		abort();
	}
	return fn;
}

#define BIND(name) \
	tk_##name##_fn tk_bind_##name(void) \
	{ \
		tk_##name##_fn fn = (tk_##name##_fn)resolve(#name, \
				(any_fn)tk_hook_##name); \
		__atomic_store_n(&tk_real_##name##_ptr, fn, __ATOMIC_RELEASE); \
		return fn; \
	}

BIND(socket)
BIND(connect)
BIND(accept)
BIND(setsockopt)

#if HAVE_ACCEPT4
BIND(accept4)
#else
/* Never called: without accept4 in libc there is no hook for it. */
tk_accept4_fn tk_bind_accept4(void)
{
	abort();
}
#endif

/* The stand-ins the pointers start at. */
static int first_socket(int domain, int type, int protocol)
{
	return tk_bind_socket()(domain, type, protocol);
}

static int first_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return tk_bind_connect()(fd, addr, len);
}

static int first_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return tk_bind_accept()(fd, addr, len);
}

static int first_accept4(int fd, struct sockaddr *addr, socklen_t *len,
			 int flags)
{
	return tk_bind_accept4()(fd, addr, len, flags);
}

static int first_setsockopt(int fd, int level, int name, const void *value,
			    socklen_t len)
{
	return tk_bind_setsockopt()(fd, level, name, value, len);
}

tk_socket_fn tk_real_socket_ptr = first_socket;
tk_connect_fn tk_real_connect_ptr = first_connect;
tk_accept_fn tk_real_accept_ptr = first_accept;
tk_accept4_fn tk_real_accept4_ptr = first_accept4;
tk_setsockopt_fn tk_real_setsockopt_ptr = first_setsockopt;

void tk_real_bind_all(void)
{
	if (TK_REAL(socket) == first_socket)
		(void)tk_bind_socket();
	if (TK_REAL(connect) == first_connect)
		(void)tk_bind_connect();
	if (TK_REAL(accept) == first_accept)
		(void)tk_bind_accept();
#if HAVE_ACCEPT4
	if (TK_REAL(accept4) == first_accept4)
		(void)tk_bind_accept4();
#endif
	if (TK_REAL(setsockopt) == first_setsockopt)
		(void)tk_bind_setsockopt();
}
