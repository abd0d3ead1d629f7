/* SPDX-License-Identifier: MIT */
/* Preloaded behind libtcpkeep.so, so that the library's close_range()
 * and closefrom() reach these: after the real call, before returning, it
 * calls the program's after_close() (tests/preload/records.c), which lets another
 * thread take a freed number at the worst moment, every time. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <unistd.h>

static void after(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "after_close");
	void (*fn)(void);

	if (sym != NULL) {
		*(void **)&fn = sym;
		fn();
	}
}

#ifdef HAVE_CLOSE_RANGE
__attribute__((visibility("default")))
int close_range(unsigned first, unsigned last, int flags)
{
	int (*real)(unsigned, unsigned, int);
	int rc;

	*(void **)&real = dlsym(RTLD_NEXT, "close_range");
	rc = real(first, last, flags);
	after();
	return rc;
}
#endif

#ifdef HAVE_CLOSEFROM
__attribute__((visibility("default")))
void closefrom(int fd)
{
	void (*real)(int);

	*(void **)&real = dlsym(RTLD_NEXT, "closefrom");
	real(fd);
	after();
}
#endif
