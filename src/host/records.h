/* SPDX-License-Identifier: MIT */
/* Attachment records of tcpkeep-bpf (CONTRACT: /run/tcpkeep/cgroups/ID). */
#ifndef TCPKEEP_RECORDS_H
#define TCPKEEP_RECORDS_H

#include <stddef.h>

#define TK_RECORDS_DIR "/run/tcpkeep/cgroups"

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

/* Reads DIR (a missing directory is no records).  0, or -1 with errno. */
int tk_records_load(struct tk_records *rs, const char *dir);
/* The record whose path is CGROUP or one of its ancestors, or NULL. */
const struct tk_record *tk_records_match(const struct tk_records *rs,
					 const char *cgroup);
void tk_records_free(struct tk_records *rs);

#endif
