/* SPDX-License-Identifier: MIT */
/* The configuration file and the environment as the tools (the helper,
 * tcpkeep-bpf) load them: one call, the file's problems printed, every
 * section's values checked.  Not for the preload library (stdio). */
#ifndef TCPKEEP_HOST_CONFTOOL_H
#define TCPKEEP_HOST_CONFTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conffile.h"

/* CFG from the file (TCPKEEP_CONFIG or the default) for PROGRAM (an
 * absolute path; "" for a plain process: [defaults] only; NULL for this
 * process) and the environment above it.  The environment's refused
 * values go through WARN; the file's problems are counted in
 * *FILE_PROBLEMS and, with SAY, printed to stderr (tk_say).
 * Returns the environment's warnings. */
unsigned tk_tool_config(struct tk_config *cfg, const char *program,
			tk_warn_fn warn, void *warn_ctx, bool say,
			unsigned *file_problems);

/* The file as the last tk_tool_config() read it. */
const struct tk_conf *tk_tool_conf(void);

/* COMMAND's executable as execvp() would find it, symbolic links
 * resolved (what /proc/PID/exe will say), into BUF; "" when not found. */
const char *tk_tool_program(const char *command, char *buf, size_t len);

/* --status's threshold: behind (file or TCPKEEP_BEHIND) in ms, else
 * OTHERWISE. */
uint64_t tk_tool_max_idle_ms(uint64_t otherwise);

#endif
