/* SPDX-License-Identifier: MIT */
/* The hooks, compiled as one translation unit: the files below are one
 * purpose each, but the compiler weighs inlining (how much each unit may
 * grow) over all of them together, as it did when they were one file.
 * Compiled apart, the smaller units inline more and the accept() path
 * under rules takes one instruction more per connection (make bench).
 * Each file still declares what it uses (manage.h) and compiles alone. */
#include "state.c"
#include "hooks.c"
#include "manage.c"
#include "fastopen.c"
#include "force.c"
#include "descriptors.c"
#include "handover.c"
