/* SPDX-License-Identifier: MIT */
/* The configuration the library runs with: the file, then ENV. */
#ifndef TCPKEEP_HOSTCONF_H
#define TCPKEEP_HOSTCONF_H

#include "common/config.h"

/* Fills CFG and fixes the log destination (tk_log_setup). */
void tk_hostconf_load(struct tk_config *cfg, struct tk_env *env);

#endif
