/* SPDX-License-Identifier: MIT */
/* What dlsym(RTLD_NEXT, name) would return for a set of names, found by
 * one walk of the loaded objects and their own symbol tables (next.c). */
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

/* NAME as the first object defining it (dlsym(RTLD_DEFAULT, NAME) of the
 * objects loaded at start), or NULL: how the binder finds dlsym() itself,
 * for the names the walk leaves to it. */
TCPKEEP_HIDDEN void *tk_next_default(const char *name);

#endif
