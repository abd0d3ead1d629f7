/* SPDX-License-Identifier: MIT */
/* JSON output of the host programs (--status --json, --discover --json). */
#ifndef TCPKEEP_HOST_JSON_H
#define TCPKEEP_HOST_JSON_H

/* S as a JSON string on stdout: quotes, backslashes and control bytes
 * escaped; other bytes as they are. */
void tk_json_str(const char *s);

#endif
