/* SPDX-License-Identifier: MIT */
/* The hooks, compiled as one translation unit: the files below are one
 * purpose each, but the compiler weighs inlining (how much each unit may
 * grow) over all of them together, as it did when they were one file.
 * Compiled apart, the smaller units inline more and the accept() path
 * under rules takes one instruction more per connection (make bench).
 * Each file still declares what it uses (state.h, manage.h, hooks.h)
 * and compiles alone. */
#include "preload/state.c"
#include "preload/hooks.c"
#include "preload/manage.c"
#include "preload/fastopen.c"
#include "preload/force.c"
#include "preload/descriptors.c"
#include "preload/handover.c"
