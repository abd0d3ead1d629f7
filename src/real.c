/* Binding to the real functions with dlsym(RTLD_NEXT) only: a later
 * preload library, or libc, keeps its place in the chain.
 *
 * A hook may run before our constructor (another library's constructor
 * opening a socket), so each pointer resolves itself on first use.  The
 * store is idempotent: two threads racing here store the same value. */
#include "autoconfig.h"
#include "real.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

tk_socket_fn tk_real_socket_ptr;
tk_connect_fn tk_real_connect_ptr;
tk_accept_fn tk_real_accept_ptr;
tk_accept4_fn tk_real_accept4_ptr;
tk_setsockopt_fn tk_real_setsockopt_ptr;

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

void tk_real_bind_all(void)
{
	if (tk_real_socket_ptr == NULL)
		(void)tk_bind_socket();
	if (tk_real_connect_ptr == NULL)
		(void)tk_bind_connect();
	if (tk_real_accept_ptr == NULL)
		(void)tk_bind_accept();
#if HAVE_ACCEPT4
	if (tk_real_accept4_ptr == NULL)
		(void)tk_bind_accept4();
#endif
	if (tk_real_setsockopt_ptr == NULL)
		(void)tk_bind_setsockopt();
}
