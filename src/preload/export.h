/* SPDX-License-Identifier: MIT */
/* The module is built with -fvisibility=hidden; only the interposed calls
 * carry this mark, so no internal name can bind to a program's symbol. */
#ifndef TCPKEEP_EXPORT_H
#define TCPKEEP_EXPORT_H

#define TCPKEEP_EXPORT __attribute__((visibility("default")))

/* For declarations of internal objects: without it the compiler must
 * assume they may live in another object and reach them through the GOT. */
#define TCPKEEP_HIDDEN __attribute__((visibility("hidden")))

#endif
