/* SPDX-License-Identifier: MIT */
/* The values tk_apply() sets, computed once at load from the one
 * translation (options.h), so the hooks do no more per socket than
 * before it. */
#include "autoconfig.h"
#include "common/config.h"
#include "common/options.h"
#include "preload/apply.h"

void tk_options_build(struct tk_options *opts, const struct tk_config *cfg)
{
	struct tk_effective eff;

	tk_effective_build(&eff, cfg);
	/* Each option left alone gets its bit here, and tk_apply() passes
	 * it by. */
	opts->unset = 0;
	for (int o = 0; o < TK_OPT_COUNT; o++) {
		opts->value[o] = eff.value[o];
		if (!tk_effective_sets(&eff, (enum tk_opt)o))
			opts->unset |= TK_PROG_BIT(o);
	}
}
