/* SPDX-License-Identifier: MIT */
/* A second preload library for the tests.  Loaded after tcpkeep
 * (LD_PRELOAD="libtcpkeep.so libcounter.so") it is what tcpkeep's
 * dlsym(RTLD_NEXT) finds, so it counts every socket-option call tcpkeep
 * makes — and proves the chain reaches a library behind ours. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <stddef.h>
#include <sys/socket.h>

__attribute__((visibility("default"))) unsigned long tk_test_calls;
/* setsockopt() alone: whether a program's call reached the kernel, apart
 * from what tcpkeep asks (getsockopt) to decide. */
__attribute__((visibility("default"))) unsigned long tk_test_set_calls;

/* The pointer is stored and read atomically: threads race to the first
 * call (ThreadSanitizer reported the plain version). */
#define NEXT(name) \
	static __typeof(name) *next_##name; \
	__typeof(name) *fn_##name = __atomic_load_n(&next_##name, __ATOMIC_ACQUIRE); \
	if (fn_##name == NULL) { \
		fn_##name = (__typeof(name) *)dlsym(RTLD_NEXT, #name); \
		__atomic_store_n(&next_##name, fn_##name, __ATOMIC_RELEASE); \
	}

__attribute__((visibility("default")))
int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
	NEXT(setsockopt);
	__atomic_fetch_add(&tk_test_calls, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&tk_test_set_calls, 1, __ATOMIC_SEQ_CST);
	return fn_setsockopt(fd, level, name, value, len);
}

__attribute__((visibility("default")))
int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
	NEXT(getsockopt);
	__atomic_fetch_add(&tk_test_calls, 1, __ATOMIC_SEQ_CST);
	return fn_getsockopt(fd, level, name, value, len);
}
