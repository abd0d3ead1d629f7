/* Binding to the real functions with dlsym(RTLD_NEXT) only: a later
 * preload library, or libc, keeps its place in the chain.
 *
 * A hook may run before our constructor (another library's constructor
 * opening a socket), so each pointer resolves itself on first use.  The
 * store is idempotent: two threads racing here store the same value. */
#include "autoconfig.h"
#include "config.h"
#include "real.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void (*any_fn)(void);

static any_fn resolve(any_fn *slot, const char *name, any_fn own_hook)
{
	any_fn fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	void *sym;

	if (fn != NULL)
		return fn;
	sym = dlsym(RTLD_NEXT, name);
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
	__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	return fn;
}

#define REAL(name) \
	static any_fn real_##name; \
	static any_fn bind_##name(void) \
	{ \
		return resolve(&real_##name, #name, (any_fn)tk_hook_##name); \
	}

REAL(socket)
REAL(connect)
REAL(accept)
#if HAVE_ACCEPT4
REAL(accept4)
#endif
REAL(setsockopt)

int tk_real_socket(int domain, int type, int protocol)
{
	return ((int (*)(int, int, int))bind_socket())(domain, type, protocol);
}

int tk_real_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return ((int (*)(int, const struct sockaddr *, socklen_t))
		bind_connect())(fd, addr, len);
}

int tk_real_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return ((int (*)(int, struct sockaddr *, socklen_t *))
		bind_accept())(fd, addr, len);
}

#if HAVE_ACCEPT4
int tk_real_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return ((int (*)(int, struct sockaddr *, socklen_t *, int))
		bind_accept4())(fd, addr, len, flags);
}
#endif

int tk_real_setsockopt(int fd, int level, int name, const void *value,
		       socklen_t len)
{
	return ((int (*)(int, int, int, const void *, socklen_t))
		bind_setsockopt())(fd, level, name, value, len);
}

void tk_real_bind_all(void)
{
	(void)bind_socket();
	(void)bind_connect();
	(void)bind_accept();
#if HAVE_ACCEPT4
	(void)bind_accept4();
#endif
	(void)bind_setsockopt();
}
