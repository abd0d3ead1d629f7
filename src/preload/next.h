/* SPDX-License-Identifier: MIT */
/* What dlsym(RTLD_NEXT, name) would return, found in the loaded objects'
 * own symbol tables (next.c): for a set of names in one walk, or one name
 * at a time in objects recorded at load. */
#ifndef TCPKEEP_NEXT_H
#define TCPKEEP_NEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "preload/export.h"

/* The walk's answer for one name. */
enum tk_next {
	TK_NEXT_NONE,		/* defined by no object after this library */
	TK_NEXT_FOUND,		/* its address is in the result */
	TK_NEXT_ASK		/* a definition the walk does not resolve
				 * itself (an IFUNC): ask dlsym() */
};

/* For each of the N NAMES, the first definition after this library in
 * the loader's order, under the rules of dlsym(): the default version of
 * a versioned name, never a hidden one.  Fills ADDR and HOW.  False when
 * the walk cannot be made (this library not among the objects seen). */
TCPKEEP_HIDDEN bool tk_next_lookup(const char *const *names, size_t n,
				   void **addr, enum tk_next *how);

/* The most objects after this library tk_next_record() keeps. */
#define TK_NEXT_OBJECTS_MAX 64

/* Records the objects after this library, in the loader's order, for
 * tk_next_find(): one walk of the loader's list (next.c says how) or of
 * dl_iterate_phdr() that reads each object's dynamic section, up to and
 * including the first object that defines LAST (the C library's
 * close(), say), and no further: a lookup of a name
 * that object defines never reads past it.  True when that object also
 * defines ALSO; false when this library is not among the objects seen,
 * no object defines LAST, the one that does lacks ALSO, or more than
 * TK_NEXT_OBJECTS_MAX objects come before it.  Once, before any
 * tk_next_find(), which the caller orders after it. */
TCPKEEP_HIDDEN bool tk_next_record(const char *last, const char *also);

/* NAME in the recorded objects from the FROM-th on, under the rules of
 * tk_next_lookup(): the answer, with the address in *ADDR when found and
 * the index of the object in *AT unless TK_NEXT_NONE.  Memory reads only
 * (no loader lock, no system call, errno untouched): async-signal-safe. */
TCPKEEP_HIDDEN enum tk_next tk_next_find(const char *name, unsigned from,
					 unsigned *at, void **addr);

/* NAME as the first object defining it (dlsym(RTLD_DEFAULT, NAME) of the
 * objects loaded at start), or NULL: how the binder finds dlsym() itself,
 * for the names the walk leaves to it. */
TCPKEEP_HIDDEN void *tk_next_default(const char *name);

#endif
