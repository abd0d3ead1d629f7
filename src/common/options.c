/* SPDX-License-Identifier: MIT */
/* Configuration -> effective options (options.h). */
#include "autoconfig.h"

#include <string.h>
#include <sys/socket.h>

#include "common/options.h"

static void put(struct tk_effective *eff, enum tk_opt o, int value)
{
	if (tk_option_rows[o].optname < 0)
		return;
	eff->set |= 1u << o;
	eff->value[o] = value;
}

void tk_effective_build(struct tk_effective *eff, const struct tk_config *cfg)
{
	memset(eff, 0, sizeof *eff);
	if (!cfg->enabled)
		return;
	put(eff, TK_OPT_KEEPALIVE, 1);
	/* An alias value of 0 (libkeepalive's "system default") clears
	 * the *_set flag: that option is left alone, not set to ours. */
	if (cfg->idle_set)
		put(eff, TK_OPT_IDLE, cfg->idle_s);
	if (cfg->intvl_set)
		put(eff, TK_OPT_INTVL, cfg->intvl_s);
	if (cfg->cnt_set)
		put(eff, TK_OPT_CNT, cfg->cnt);
	if (cfg->user_timeout_set)
		put(eff, TK_OPT_USER_TIMEOUT, (int)cfg->user_timeout_ms);
	if (cfg->syncnt_set)
		put(eff, TK_OPT_SYNCNT, cfg->syncnt);
	if (cfg->maxseg_set)
		put(eff, TK_OPT_MAXSEG, cfg->maxseg);
	if (cfg->window_clamp_set)
		put(eff, TK_OPT_WINDOW_CLAMP, cfg->window_clamp);
	if (cfg->defer_accept_set)
		put(eff, TK_OPT_DEFER_ACCEPT, cfg->defer_accept);
}

int tk_option_read(int fd, enum tk_opt o, int *value)
{
	socklen_t len = sizeof *value;

	*value = 0;
	if (tk_option_rows[o].optname < 0)
		return 0;
	if (getsockopt(fd, tk_option_rows[o].level, tk_option_rows[o].optname,
		       value, &len) < 0)
		return -1;
	if (o == TK_OPT_KEEPALIVE)
		*value = *value != 0;
	return 0;
}
