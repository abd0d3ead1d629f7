/* SPDX-License-Identifier: MIT */
/* The values tk_apply() sets, computed once at load. */
#include "autoconfig.h"
#include "config.h"
#include "apply.h"

void tk_options_build(struct tk_options *opts, const struct tk_config *cfg)
{
	opts->idle = cfg->idle_s;
	opts->intvl = cfg->intvl_s;
	opts->cnt = cfg->cnt;
	opts->user_timeout = (int)cfg->user_timeout_ms;
	opts->on = 1;
	/* Each option the configuration leaves at the system default gets
	 * its bit here, and tk_apply() passes it by. */
	opts->unset = (cfg->idle_set ? 0 : TK_PROG_IDLE) |
		      (cfg->intvl_set ? 0 : TK_PROG_INTVL) |
		      (cfg->cnt_set ? 0 : TK_PROG_CNT);
#if HAVE_DECL_TCP_USER_TIMEOUT
	if (!cfg->user_timeout_set)
		opts->unset |= TK_PROG_USER_TO;
#else
	opts->unset |= TK_PROG_USER_TO;
#endif
	opts->set = TK_REAL(setsockopt);
}
