/* SPDX-License-Identifier: MIT */
/* The binder's walk (src/preload/next.c, compiled in here) against
 * dlsym(RTLD_NEXT) itself, from a preloaded object as the library is:
 * for every name the library binds, and a few that test the rules (a
 * versioned name with an older version beside the default, an IFUNC,
 * data, a name nobody defines), one line on stderr:
 *
 *   same NAME OBJECT     both found it in OBJECT (or both found nothing:
 *                        OBJECT is "-")
 *   ask NAME             the walk leaves it to dlsym, which finds it
 *   DIFFER NAME ...      what each found
 *
 * then "done N" with the number of names.  The lookup of one name at a
 * time in the objects recorded at load (tk_next_record, tk_next_find)
 * must give the walk's answer for each: "DIFFER NAME lazy ..." if not,
 * "record failed" if the objects could not be recorded; and before
 * "done", "record walks N": how many times recording called
 * dl_iterate_phdr() (none where it starts from the loader's own record
 * of the object, on amd64 glibc with lazy binding). */
#include "autoconfig.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../src/preload/next.h"
#include "../../src/preload/real.h"

#define NAME(name, ret, args) #name,
static const char *const names[] = {
	TK_REAL_ALL(NAME)
	/* Not bound by the library on every ABI, but by some. */
	"__setsockopt64", "__fcntl_time64", "__recvmsg64", "__sendmsg64",
	"fcntl64", "close_range", "closefrom", "accept4", "dup3",
	/* The rules: two versions of memcpy on amd64 glibc (and an IFUNC),
	 * data, the dlsym the binder asks, a name nobody has. */
	"memcpy", "environ", "dlsym", "fstat", "getsockopt", "tk_no_such_name"
};
#define COUNT (sizeof names / sizeof names[0])

static const char *object_of(const void *addr)
{
	Dl_info info;

	if (addr == NULL)
		return "-";
	if (dladdr(addr, &info) == 0 || info.dli_fname == NULL)
		return "?";
	return info.dli_fname;
}

/* The calls of dl_iterate_phdr(), next.c's (compiled in here) among them:
 * the probe's definition is the first the loader finds. */
static unsigned walks;

int dl_iterate_phdr(int (*callback)(struct dl_phdr_info *, size_t, void *),
		    void *data)
{
	typedef int (*iterate_fn)(int (*)(struct dl_phdr_info *, size_t,
					  void *), void *);
	void *sym = dlsym(RTLD_NEXT, "dl_iterate_phdr");
	iterate_fn fn;

	walks++;
	if (sym == NULL)
		return 0;
	memcpy(&fn, &sym, sizeof fn);
	return fn(callback, data);
}

__attribute__((constructor))
static void probe(void)
{
	unsigned before;
	void *addr[COUNT];
	enum tk_next how[COUNT];
	char line[512];

	if (!tk_next_lookup(names, COUNT, addr, how)) {
		fprintf(stderr, "walk failed\n");
		return;
	}
	before = walks;
	if (!tk_next_record("close", "close"))
		fprintf(stderr, "record failed\n");
	fprintf(stderr, "record walks %u\n", walks - before);
	for (size_t k = 0; k < COUNT; k++) {
		void *want = dlsym(RTLD_NEXT, names[k]);
		void *one = NULL;
		unsigned at;
		enum tk_next one_how = tk_next_find(names[k], 0, &at, &one);

		if (one_how != how[k] ||
		    (how[k] == TK_NEXT_FOUND && one != addr[k]))
			fprintf(stderr, "DIFFER %s lazy=%d %p (%s)\n", names[k],
				(int)one_how, one, object_of(one));

		if (how[k] == TK_NEXT_ASK && want != NULL)
			snprintf(line, sizeof line, "ask %s\n", names[k]);
		else if ((how[k] == TK_NEXT_FOUND && addr[k] == want) ||
			 (how[k] == TK_NEXT_NONE && want == NULL))
			snprintf(line, sizeof line, "same %s %s\n", names[k],
				 object_of(want));
		else
			snprintf(line, sizeof line,
				 "DIFFER %s walk=%d %p (%s) dlsym=%p (%s)\n",
				 names[k], (int)how[k], addr[k],
				 object_of(addr[k]), want, object_of(want));
		fputs(line, stderr);
	}
	fprintf(stderr, "done %u\n", (unsigned)COUNT);
}
