/* SPDX-License-Identifier: MIT */
/* The attachment records of tcpkeep-bpf, /run/tcpkeep/cgroups/ID (ID: the
 * cgroup's id), one key=value per line: written by tcpkeep-bpf for each
 * attachment and run, read by --status to say which configuration
 * covers a process, and by tcpkeep-bpf to clean up after killed runs
 * (tcpkeep(1), EBPF MODE). */
#ifndef TCPKEEP_HOST_RECORDS_H
#define TCPKEEP_HOST_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

#define TK_RUN_DIR	"/run/tcpkeep"
#define TK_RECORDS_DIR	TK_RUN_DIR "/cgroups"

/* ------------------------------------------------------------ writing */

/* What one attachment records. */
struct tk_bpf_record {
	const char *path;
	const char *mode;	/* "attach" or "run" */
	long pid;
	const struct tk_config *cfg;
	const char *only;	/* raw TCPKEEP_ONLY, NULL or "" when unset */
	const char *skip;
};

/* Makes TK_RECORDS_DIR (and TK_RUN_DIR).  0, or -1 with errno. */
int tk_records_dir_make(void);
/* Writes record ID whole or not at all (a temporary file renamed). */
int tk_record_write(uint64_t id, const struct tk_bpf_record *rec);
/* 0 when record ID was there and is removed, -1 with errno. */
int tk_record_remove(uint64_t id);

/* ------------------------------------------------------------ reading */

/* Every field as the record has it (strings, unchecked). */
struct tk_record {
	char id[32];
	char path[4096];
	char mode[16];
	char pid[16];
	char idle[16];
	char intvl[16];
	char cnt[16];
	char user_timeout[16];
	char direction[8];
	char force[4];
	char only[2048];
	char skip[2048];
};

struct tk_records {
	struct tk_record *v;
	size_t n;
};

/* Record ID of TK_RECORDS_DIR; -1 when there is none, or it has no path
 * or no mode. */
int tk_record_read(uint64_t id, struct tk_record *r);
/* The id of the record whose path is PATH (a cgroup that may be gone),
 * 0 when none. */
uint64_t tk_record_by_path(const char *path);

/* Reads DIR (a missing directory is no records).  0, or -1 with errno. */
int tk_records_load(struct tk_records *rs, const char *dir);
/* The record whose path is CGROUP or one of its ancestors, or NULL. */
const struct tk_record *tk_records_match(const struct tk_records *rs,
					 const char *cgroup);
void tk_records_free(struct tk_records *rs);

#endif
