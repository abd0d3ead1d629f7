/* A second preload library for the tests.  Loaded after tcpkeep
 * (LD_PRELOAD="libtcpkeep.so libcounter.so") it is what tcpkeep's
 * dlsym(RTLD_NEXT) finds, so it counts every socket-option call tcpkeep
 * makes — and proves the chain reaches a library behind ours. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <stddef.h>
#include <sys/socket.h>

__attribute__((visibility("default"))) unsigned long tk_test_calls;

#define NEXT(name) \
	static __typeof(name) *next_##name; \
	if (next_##name == NULL) \
		next_##name = (__typeof(name) *)dlsym(RTLD_NEXT, #name)

__attribute__((visibility("default")))
int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	NEXT(setsockopt);
	__atomic_fetch_add(&tk_test_calls, 1, __ATOMIC_SEQ_CST);
	return next_setsockopt(fd, level, name, value, len);
}

__attribute__((visibility("default")))
int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
	NEXT(getsockopt);
	__atomic_fetch_add(&tk_test_calls, 1, __ATOMIC_SEQ_CST);
	return next_getsockopt(fd, level, name, value, len);
}
