/* SPDX-License-Identifier: MIT */
/* tcpkeep-helper: what the files of the helper share (see helper.c). */
#ifndef TCPKEEP_HELPER_H
#define TCPKEEP_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "host/exit.h"
#include "host/say.h"

/* run: the command's ABI has no library; the wrapper runs it with the
 * library left out of LD_PRELOAD (the warning is printed). */
#define EXIT_RUN_WITHOUT_LIBRARY 3

/* validate.c: the TCPKEEP_* values judged by the library's loader.
 * CHECKS are VAR:OPTION words; with ENVIRONMENT, every other TCPKEEP_
 * variable of the environment too.  0, or -1 after one line on stderr. */
const char *shown(const char *value, char *buf, size_t len);
int validate_checks(int count, char *const *checks, bool environment);
/* What VAR accepts, worded for messages. */
const char *accepted_for(const char *var);

/* run.c: COMMAND found the way execvp(3) finds it, and the path printed
 * for the wrapper's exec (0, or 1 when stdout fails). */
int resolve_command(const char *name, char *path_out, size_t len);
int print_exec_path(const char *path);

/* elf.c: what LD_PRELOAD cannot reach (static, Go, set-ID, capabilities,
 * a program of an ABI LIBRARY has no file for).  True in the last case:
 * the library is to be left out of its LD_PRELOAD. */
bool warn_unreachable(const char *name, const char *path,
		      const char *library);

/* abi.c: the file of LIBRARY (an LD_PRELOAD entry, $LIB expanded as the
 * loader of an ELF CLASS and MACHINE program expands it) into OUT; false
 * when that is not a shared object of this ABI.  abi_name: "32-bit
 * (i386)" and the like, for messages. */
bool abi_library(const char *library, unsigned elf_class, unsigned machine,
		 char *out, size_t len);
const char *abi_name(unsigned elf_class, unsigned machine);

/* pid.c: argv[0] is "--", then the PIDs; the CHECKS are already
 * validated.  status.c: the arguments after "status". */
int tk_pid_main(int argc, char **argv);

/* pid.c, shared with cgroupfix.c: the configured options on the sockets
 * of the processes PIDS (none: nothing done), a line per socket. */
struct tk_config;
struct tk_pid_counts {
	size_t changed;		/* an option set */
	size_t left;		/* a filter, its state, the program's values */
	size_t failed;		/* could not be changed */
	size_t procs_failed;	/* could not be read or reached */
};
/* The PIDS are the members of a cgroup read a moment ago: one that has
 * ended since is no failure, one without sockets says nothing. */
#define TK_PID_MEMBERS 1u
/* Each process gets the configuration file's [defaults] and the [program]
 * sections of its own executable (/proc/PID/exe) under the environment,
 * in place of CFG (which says whether anything is enabled at all). */
#define TK_PID_SECTIONS 2u
/* 1 when a socket could not be changed or a process read, else 0. */
int tk_pid_configure(const struct tk_config *cfg, const pid_t *pids,
		     size_t npids, unsigned flags, struct tk_pid_counts *c);
void tk_pid_summary(const struct tk_pid_counts *c);
/* The warning of tk_config_load. */
void tk_pid_warn(void *ctx, const char *var, const char *value,
		 const char *accepted);

/* cgroupfix.c: the processes of the cgroup v2 directory PATH and of every
 * cgroup below it (their cgroup.procs), into a malloc'd array; NOTSEEN
 * counts the members listed as 0 (in a PID namespace not ours).  0, or -1
 * after one line on stderr. */
int tk_cgroup_pids(const char *path, pid_t **pids, size_t *n,
		   size_t *notseen);
/* The helper's cgroup mode: argv[0] is "--", argv[1] the cgroup; the
 * CHECKS are already validated. */
int tk_cgroup_main(int argc, char **argv);
int tk_status_main(int argc, char **argv);

/* printenv.c: export lines for eval. */
int print_env(const char *preload);

/* check.c: a loopback connection, the options read back from the kernel.
 * check_needs, run without the library: 1 after the lines saying which
 * C library version it needs when this process's C library is older,
 * else 0 and nothing printed. */
int check(const char *library);
int check_needs(const char *library);

/* needs.c: the GLIBC_ versions LIBRARY needs that are newer than HAVE
 * ("2.31"), newest first and comma-separated, into OUT; how many. */
unsigned glibc_versions_missing(const char *library, const char *have,
				char *out, size_t len);

/* explain.c: tcpkeep --explain. */
int explain_main(int argc, char **argv);

#endif
