/* SPDX-License-Identifier: MIT */
/* The host-wide configuration file, $(sysconfdir)/tcpkeep.conf
 * (libtcpkeep(7), CONFIGURATION FILE): read once, trusted only when root
 * owns it and nobody else may write it, parsed in place in one pass into
 * layers that tk_config_apply_found() reads like an environment.  Keys are
 * the TCPKEEP_ variables of tk_config_names without the prefix, in any
 * case: a new variable needs its row in conffile.c's key table
 * (tests/unit/unit-conffile.c fails without it).
 *
 * No allocation, no stdio, no locks: the preload library reads it from its
 * constructor into static storage; the helper and tcpkeep-bpf use the same
 * code. */
#ifndef TCPKEEP_CONFFILE_H
#define TCPKEEP_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/config.h"

#define TK_CONF_SIZE_MAX 65536	/* larger files are not read */
#define TK_CONF_PROBLEMS 16	/* kept for messages; more are counted */

/* One section's values, by tk_config_names index. */
struct tk_conf_layer {
	const char *key[TK_CONFIG_NAME_COUNT];		/* as written */
	const char *value[TK_CONFIG_NAME_COUNT];
	unsigned line[TK_CONFIG_NAME_COUNT];
	unsigned char found[TK_CONFIG_NAME_COUNT];	/* indexes set */
	unsigned count;
	tk_name_set present;	/* the same indexes as a set */
	unsigned header;	/* line of its section header (0: none) */
};

/* A line the file's reader refused: REASON for a line that does not parse
 * or names an unknown key or section; for a refused value, KEY, VALUE and
 * what is ACCEPTED (as the environment's warnings say it). */
struct tk_conf_problem {
	unsigned line;
	const char *reason;
	const char *key;
	const char *value;
	const char *accepted;
};

enum tk_conf_state {
	TK_CONF_ABSENT = 0,	/* no file (or TCPKEEP_CONFIG=none) */
	TK_CONF_LOADED,		/* read and parsed */
	TK_CONF_REFUSED,	/* present but not trusted or unreadable */
};

struct tk_conf {
	const char *path;		/* as messages name it */
	enum tk_conf_state state;
	const char *refused;		/* why, for TK_CONF_REFUSED */
	bool secure;			/* debug and log are not taken */
	/* The program whose [program] sections apply: its absolute path;
	 * empty for a plain process (only [defaults]); NULL until asked
	 * (the library reads /proc/self/exe at the first such section). */
	const char *program;
	char program_buf[4096];
	struct tk_conf_layer defaults;
	struct tk_conf_layer by_name;	/* [program BASENAME] */
	struct tk_conf_layer by_path;	/* [program /ABS/PATH], wins */
	unsigned problems;		/* all of them; the first kept: */
	struct tk_conf_problem problem[TK_CONF_PROBLEMS];
	bool check_all;			/* values of every section checked */
	size_t len;
	/* The file, its NUL, and room for the parser's reads of a key
	 * eight bytes at a time (what lies past the key is masked off). */
	char text[TK_CONF_SIZE_MAX + 16];
};

/* Resets C and reads PATH.  Returns C->state.  A missing file costs one
 * open(); a present one one fstat() and one read().  Refused (with the
 * reason in C->refused): a symbolic link, not a regular file (a FIFO is
 * not even waited for), not owned by root, writable by group or others,
 * larger than TK_CONF_SIZE_MAX, unreadable.  PATH must outlive C. */
enum tk_conf_state tk_conf_read(struct tk_conf *c, const char *path);

/* Parses what tk_conf_read() read into the layers for C->program (set it
 * before, or leave it NULL for the calling process itself).  Lines that do
 * not parse are problems; values are checked when applied, or here for
 * every section with C->check_all (the helper's checks). */
void tk_conf_parse(struct tk_conf *c);

/* The file's layers onto CFG ([defaults], then [program BASENAME], then
 * [program /PATH]); refused values become problems.  NOTE as for
 * tk_config_apply() (CTX is C), VAR being the TCPKEEP_ name. */
void tk_conf_apply(struct tk_conf *c, struct tk_config *cfg,
		   tk_note_fn note);

/* Where a value of C's layers came from ("FILE:LINE") for the TCPKEEP_
 * name VAR, the topmost layer holding it; NULL when none does. */
size_t tk_conf_source(const struct tk_conf *c, const char *var,
		      char *buf, size_t len);

/* Message I of C, without the "tcpkeep[PID]: " prefix:
 * "FILE:LINE: ignoring ..." for a line, "ignoring FILE: ..." for the
 * whole file.  I == C->problems (past the kept ones) is the refusal of the
 * whole file when there is one.  Returns the length (cut to fit). */
size_t tk_conf_message(const struct tk_conf *c, unsigned i, char *buf,
		       size_t len);

/* The file the process reads: TCPKEEP_CONFIG from LOOKUP (ignored in a
 * secure-execution process, as LOOKUP does for secure names), else
 * TK_CONF_PATH.  NULL for "none".  A value that is neither an absolute
 * path nor "none" is refused through WARN and the default used. */
const char *tk_conf_path(tk_lookup_fn lookup, void *lookup_ctx,
			 tk_warn_fn warn, void *warn_ctx);
extern const char tk_accepts_config[];

/* /proc/PID/exe (PID 0: /proc/self/exe) into BUF, " (deleted)" taken off
 * (a binary replaced by an upgrade is still that program).  Returns BUF,
 * or an empty string when it cannot be read. */
const char *tk_conf_exe(pid_t pid, char *buf, size_t len);

/* The whole load of an applier: the file (PATH, PROGRAM as in struct
 * tk_conf; PATH NULL for none) then the environment through LOOKUP, into
 * CFG.  The environment's warnings go through WARN; the file's stay in C
 * for tk_conf_message().  Returns the number of both. */
unsigned tk_conf_load(struct tk_conf *c, const char *path,
		      const char *program, struct tk_config *cfg,
		      tk_lookup_fn lookup, void *lookup_ctx,
		      tk_warn_fn warn, void *warn_ctx);

#endif
