/* SPDX-License-Identifier: MIT */
/* The configuration every command of tcpkeep-bpf starts from. */
#include "autoconfig.h"

#include "bpf/config.h"

#include <stdlib.h>

#include "bpf/cgroup.h"
#include "common/text.h"
#include "host/conftool.h"
#include "host/say.h"

static void warn_value(void *ctx, const char *var, const char *value,
		       const char *accepted)
{
	char buf[256];

	(void)ctx;
	tk_escape_value(buf, sizeof buf, value, 200);
	tk_say("ignoring %s='%s': expected %s", var, buf, accepted);
}

void load_config(struct tk_config *cfg)
{
	load_config_for(cfg, "");
}

void load_config_for(struct tk_config *cfg, const char *program)
{
	unsigned file_problems;

	(void)tk_tool_config(cfg, program, warn_value, NULL, true,
			     &file_problems);
}

const char *raw_rules(const char *var)
{
	const char *v = getenv(var);

	return v != NULL ? v : "";
}

int find_cgroup_v2(char *mount, size_t mountlen, char *own, size_t ownlen)
{
	if (tk_cg_find(mount, mountlen, own, ownlen) == 0)
		return 0;
	tk_say("eBPF mode needs a cgroup v2 hierarchy, and none is mounted "
	       "(no cgroup2 line in /proc/self/mountinfo, or this process's "
	       "cgroup is not in it)");
	return -1;
}
