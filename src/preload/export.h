/* SPDX-License-Identifier: MIT */
/* The module is built with -fvisibility=hidden; only the interposed calls
 * carry this mark, so no internal name can bind to a program's symbol. */
#ifndef TCPKEEP_EXPORT_H
#define TCPKEEP_EXPORT_H

#define TCPKEEP_EXPORT __attribute__((visibility("default")))

/* For declarations of internal objects: without it the compiler must
 * assume they may live in another object and reach them through the GOT. */
#define TCPKEEP_HIDDEN __attribute__((visibility("hidden")))

/* The exported names are aliases of the hooks, each in the file that
 * defines the hook: the binder in real.c can then compare what dlsym
 * returns with our own addresses. */
#define EXPORT_ALIAS(name) \
	extern __typeof(tk_hook_##name) name \
		__attribute__((alias("tk_hook_" #name))) TCPKEEP_EXPORT

#endif
