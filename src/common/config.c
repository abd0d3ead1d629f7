/* SPDX-License-Identifier: MIT */
/* The configuration from its layers (libtcpkeep(7), ENVIRONMENT and
 * CONFIGURATION FILE): the built-in defaults, then each layer's settings
 * from the first of their variables that is set (values.c parses them).
 *
 * Nothing here allocates, locks or touches stdio: the library runs it from
 * its constructor, or from the first hook when another library's
 * constructor opens a socket before ours ran. */
#include "autoconfig.h"
#include "common/config.h"
#include "common/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/behind.h"


void tk_config_defaults(struct tk_config *cfg)
{
	/* Field by field: clearing the whole struct (two rule arrays, the
	 * path) would cost the library 13 kB of memset at every start. */
	cfg->user_timeout_set = false;
	cfg->user_timeout_auto = false;
	cfg->user_timeout_ms = 0;
	cfg->have_only = false;
	cfg->have_skip = false;
	cfg->only.count = 0;
	cfg->skip.count = 0;
	cfg->force = false;
	cfg->debug = false;
	cfg->log_path[0] = '\0';
	cfg->idle_from = NULL;
	cfg->intvl_from = NULL;
	cfg->cnt_from = NULL;
	cfg->user_timeout_from = NULL;
	cfg->behind_s = 0;
	cfg->syncnt_set = false;
	cfg->maxseg_set = false;
	cfg->window_clamp_set = false;
	cfg->defer_accept_set = false;
	cfg->syncnt = 0;
	cfg->maxseg = 0;
	cfg->window_clamp = 0;
	cfg->defer_accept = 0;
	cfg->syncnt_from = NULL;
	cfg->maxseg_from = NULL;
	cfg->window_clamp_from = NULL;
	cfg->defer_accept_from = NULL;
	cfg->enabled = true;
	cfg->idle_set = true;
	cfg->intvl_set = true;
	cfg->cnt_set = true;
	cfg->idle_s = TK_IDLE_DEFAULT_S;
	cfg->intvl_s = TK_INTVL_DEFAULT_S;
	cfg->cnt = TK_CNT_DEFAULT;
	cfg->direction = TK_DIR_BOTH;
	cfg->log = TK_LOG_STDERR;
}


/* Each setting is read from the first of its variables that is set: the
 * TCPKEEP_ name, then the aliases of the earlier libraries in the order of
 * libtcpkeep(7), ENVIRONMENT.  A bad value in the winning variable is
 * reported and the default kept; later aliases are not consulted. */
static const char *const idle_vars[] = {
	"TCPKEEP_IDLE", "TCP_KEEPIDLE", "DD_TCP_KEEPALIVE_TIME", "KEEPIDLE", NULL
};
static const char *const intvl_vars[] = {
	"TCPKEEP_INTVL", "TCP_KEEPINTVL", "DD_TCP_KEEPALIVE_INTVL", "KEEPINTVL",
	NULL
};
static const char *const cnt_vars[] = {
	"TCPKEEP_CNT", "TCP_KEEPCNT", "DD_TCP_KEEPALIVE_PROBES", "KEEPCNT", NULL
};
static const char *const user_timeout_vars[] = {
	"TCPKEEP_USER_TIMEOUT", "TCP_USER_TIMEOUT", NULL
};
/* TCP_SYNCNT is libkeepalive's (Santos), like the three below, which
 * have no TCPKEEP_ name. */
static const char *const syncnt_vars[] = {
	"TCPKEEP_SYNCNT", "TCP_SYNCNT", NULL
};
static const char *const maxseg_vars[] = { "TCP_MAXSEG", NULL };
static const char *const window_clamp_vars[] = { "TCP_WINDOW_CLAMP", NULL };
static const char *const defer_accept_vars[] = { "TCP_DEFER_ACCEPT", NULL };
static const char *const enable_vars[] = {
	"TCPKEEP_ENABLE", "DD_USE_KEEPALIVE", "KEEPALIVE", NULL
};
static const char *const debug_vars[] = {
	"TCPKEEP_DEBUG", "LIBKEEPALIVE_DEBUG", "DD_DEBUG", NULL
};

/* Every variable tk_config_load() may ask for. */
const char *const tk_config_names[TK_CONFIG_NAME_COUNT + 1] = {
	"TCPKEEP_ENABLE", "TCPKEEP_IDLE", "TCPKEEP_INTVL", "TCPKEEP_CNT",
	"TCPKEEP_USER_TIMEOUT", "TCPKEEP_DIRECTION", "TCPKEEP_ONLY",
	"TCPKEEP_SKIP", "TCPKEEP_FORCE", "TCPKEEP_DEBUG", "TCPKEEP_LOG",
	"TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_USER_TIMEOUT",
	"LIBKEEPALIVE_DEBUG", "DD_TCP_KEEPALIVE_TIME", "DD_TCP_KEEPALIVE_INTVL",
	"DD_TCP_KEEPALIVE_PROBES", "DD_USE_KEEPALIVE", "DD_DEBUG",
	"KEEPIDLE", "KEEPINTVL", "KEEPCNT", "KEEPALIVE",
	"TCPKEEP_SYNCNT", "TCP_SYNCNT", "TCP_MAXSEG", "TCP_WINDOW_CLAMP",
	"TCP_DEFER_ACCEPT", "TCPKEEP_BEHIND", "TCPKEEP_CONFIG", NULL
};

struct loader {
	tk_lookup_fn lookup;
	void *lookup_ctx;
	tk_warn_fn warn;
	void *warn_ctx;
	tk_note_fn note;
	unsigned warnings;
};

/* SETTING (its TCPKEEP_ name) took VALUE from VAR: for tcpkeep --explain,
 * which names where each value came from. */
static void noted(struct loader *ld, const char *setting, const char *var,
		  const char *value)
{
	if (ld->note != NULL)
		ld->note(ld->warn_ctx, setting, var, value);
}

/* Every lookup but the master switch's is a secure one: in a
 * secure-execution process it finds nothing, and the defaults hold. */
static const char *first_set(struct loader *ld, const char *const *names,
			     const char **from, bool secure)
{
	for (; *names != NULL; names++) {
		const char *value = ld->lookup(ld->lookup_ctx, *names, secure);
		if (value != NULL) {
			*from = *names;
			return value;
		}
	}
	return NULL;
}

static void reject(struct loader *ld, const char *var, const char *value,
		   const char *accepted)
{
	ld->warnings++;
	if (ld->warn != NULL)
		ld->warn(ld->warn_ctx, var, value, accepted);
}

static void load_bool(struct loader *ld, const char *const *names, bool *out)
{
	const char *from = NULL;
	const char *value = first_set(ld, names, &from, true);

	if (value == NULL)
		return;
	if (tk_parse_bool(value, out) < 0)
		reject(ld, from, value, tk_accepts_bool);
	else
		noted(ld, names[0], from, value);
}

/* The master switch, the one setting a secure-execution process takes from
 * its environment, and only to turn the library off.  There the other
 * values are ignored without a word, as every other variable is. */
static void load_enable(struct loader *ld, struct tk_config *cfg)
{
	const char *from = NULL;
	const char *value = first_set(ld, enable_vars, &from, false);
	bool secure, on;

	if (value == NULL)
		return;
	secure = ld->lookup(ld->lookup_ctx, from, true) == NULL;
	if (tk_parse_enable(from, value, &on) < 0) {
		if (!secure)
			reject(ld, from, value, tk_text_same(from, "KEEPALIVE") ?
			       tk_accepts_keepalive : tk_accepts_bool);
		return;
	}
	if (!on || !secure) {
		cfg->enabled = on;
		noted(ld, enable_vars[0], from, value);
	}
}

/* libkeepalive (Santos) documents 0 in TCP_KEEPIDLE, TCP_KEEPINTVL and
 * TCP_KEEPCNT as "the system default": digits only, all zero. */
static bool santos_zero(const char *from, const char *value)
{
	const char *p = value;
	uint64_t n;

	if (!tk_text_same(from, "TCP_KEEPIDLE") &&
	    !tk_text_same(from, "TCP_KEEPINTVL") && !tk_text_same(from, "TCP_KEEPCNT"))
		return false;
	return tk_parse_digits(&p, &n) == 0 && *p == '\0' && n == 0;
}

/* TCPKEEP_IDLE, TCPKEEP_INTVL (seconds) or TCPKEEP_CNT (a count). */
static void load_timer(struct loader *ld, const char *const *names,
		       bool count, int *out, bool *set, const char **from_out)
{
	const char *from = NULL;
	const char *value = first_set(ld, names, &from, true);

	if (value == NULL)
		return;
	if ((count ? tk_parse_count(value, out)
		   : tk_parse_seconds(value, out)) == 0) {
		*set = true;
		*from_out = from;
		noted(ld, names[0], from, value);
	} else if (santos_zero(from, value)) {
		*set = false;
		*from_out = from;
		noted(ld, names[0], from, value);
	} else {
		reject(ld, from, value,
		       count ? tk_accepts_count : tk_accepts_seconds);
	}
}

static void load_user_timeout(struct loader *ld, struct tk_config *cfg)
{
	const char *from = NULL;
	const char *value = first_set(ld, user_timeout_vars, &from, true);
	unsigned ms = cfg->user_timeout_ms;
	bool is_auto = cfg->user_timeout_auto;

	if (value == NULL)
		return;
	if (tk_text_same(from, "TCP_USER_TIMEOUT") && tk_text_same(value, "-1")) {
		/* libkeepalive (Santos): derive it from the others. */
		is_auto = true;
	} else if (tk_parse_user_timeout(value, &ms, &is_auto) < 0) {
		reject(ld, from, value, tk_accepts_user_timeout);
		return;
	}
	cfg->user_timeout_ms = ms;
	cfg->user_timeout_auto = is_auto;
	cfg->user_timeout_set = true;
	cfg->user_timeout_from = from;
	noted(ld, user_timeout_vars[0], from, value);
}

/* An automatic user timeout counts the timers the configuration ends
 * with, whichever layer (the file's sections, the environment) set them. */
void tk_config_finish(struct tk_config *cfg)
{
	if (cfg->user_timeout_set && cfg->user_timeout_auto) {
		/* An option left unset counts with the kernel's default.  At
		 * most 32767 + 32767 * 127 s: more than INT_MAX ms, so the
		 * sum is clamped to what the kernel accepts. */
		uint64_t idle = (uint64_t)(cfg->idle_set ? cfg->idle_s
						       : TK_KERNEL_IDLE_S);
		uint64_t intvl = (uint64_t)(cfg->intvl_set ? cfg->intvl_s
							 : TK_KERNEL_INTVL_S);
		uint64_t cnt = (uint64_t)(cfg->cnt_set ? cfg->cnt
						     : TK_KERNEL_CNT);
		uint64_t ms = (idle + intvl * cnt) * 1000;

		cfg->user_timeout_ms = ms > TK_USER_TIMEOUT_MAX ?
			TK_USER_TIMEOUT_MAX : (unsigned)ms;
	}
}


static void load_behind(struct loader *ld, struct tk_config *cfg)
{
	const char *value = ld->lookup(ld->lookup_ctx, "TCPKEEP_BEHIND", true);

	if (value == NULL)
		return;
	if (tk_parse_behind(value, &cfg->behind_s) < 0) {
		reject(ld, "TCPKEEP_BEHIND", value, tk_accepts_behind);
		return;
	}
	noted(ld, "TCPKEEP_BEHIND", "TCPKEEP_BEHIND", value);
	/* Idle and interval take the place of this layer: an idle of a
	 * lower layer (the file's [defaults] under a --behind) gives way,
	 * one given beside it or above it (loaded after) wins. */
	{
		unsigned idle, intvl;

		tk_behind_values(cfg->behind_s, &idle, &intvl);
		cfg->idle_s = idle > TK_SECONDS_MAX ? TK_SECONDS_MAX : (int)idle;
		cfg->intvl_s = (int)intvl;
		cfg->idle_set = cfg->intvl_set = true;
		cfg->idle_from = cfg->intvl_from = NULL;
	}
}

/* One of the options the kernel leaves alone unless asked: a whole number
 * in [LO, HI].  A libkeepalive variable (any name but TCPKEEP_'s) also
 * takes 0, that library's "the system default": the option stays unset. */
static void load_int_option(struct loader *ld, const char *const *names,
			    int lo, int hi, const char *accepted,
			    const char *alias_accepted, int *out, bool *set,
			    const char **from_out)
{
	const char *from = NULL;
	const char *value = first_set(ld, names, &from, true);
	bool alias;
	int n;

	if (value == NULL)
		return;
	alias = !(from[0] == 'T' && from[1] == 'C' && from[2] == 'P' &&
		  from[3] == 'K');
	if (tk_parse_int_range(value, lo, hi, &n) == 0) {
		*out = n;
		*set = true;
		*from_out = from;
		noted(ld, names[0], from, value);
	} else if (alias && tk_parse_int_range(value, 0, 0, &n) == 0) {
		*set = false;
		*from_out = from;
		noted(ld, names[0], from, value);
	} else {
		reject(ld, from, value, alias ? alias_accepted : accepted);
	}
}

static void load_dropin(struct loader *ld, struct tk_config *cfg)
{
	load_int_option(ld, syncnt_vars, 1, TK_SYNCNT_MAX, tk_accepts_syncnt,
			tk_accepts_syncnt_alias, &cfg->syncnt, &cfg->syncnt_set,
			&cfg->syncnt_from);
	load_int_option(ld, maxseg_vars, TK_MAXSEG_MIN, TK_MAXSEG_MAX,
			tk_accepts_maxseg, tk_accepts_maxseg, &cfg->maxseg,
			&cfg->maxseg_set, &cfg->maxseg_from);
	load_int_option(ld, window_clamp_vars, 1, TK_INT_OPTION_MAX,
			tk_accepts_window_clamp, tk_accepts_window_clamp,
			&cfg->window_clamp, &cfg->window_clamp_set,
			&cfg->window_clamp_from);
	load_int_option(ld, defer_accept_vars, 1, TK_INT_OPTION_MAX,
			tk_accepts_defer_accept, tk_accepts_defer_accept,
			&cfg->defer_accept, &cfg->defer_accept_set,
			&cfg->defer_accept_from);
}

static void load_log(struct loader *ld, struct tk_config *cfg)
{
	/* A secure lookup: a set-user-ID program must not be made to append
	 * to a file of the caller's choosing (nor to leave stderr). */
	const char *value = ld->lookup(ld->lookup_ctx, "TCPKEEP_LOG", true);

	if (value == NULL)
		return;
	if (tk_parse_log(value, &cfg->log, cfg->log_path,
			 sizeof cfg->log_path) < 0)
		reject(ld, "TCPKEEP_LOG", value, tk_accepts_log);
	else
		noted(ld, "TCPKEEP_LOG", "TCPKEEP_LOG", value);
}

static void load_rules(struct loader *ld, const char *var,
		       struct tk_rules *rules, bool *have)
{
	const char *value = ld->lookup(ld->lookup_ctx, var, true);
	char reason[160];

	if (value == NULL)
		return;
	if (*have) {
		/* A list from a lower layer (the file) stays when this one
		 * is refused: the parser empties what it fills on failure. */
		struct tk_rules scratch;

		if (tk_rules_parse(value, &scratch, reason, sizeof reason) < 0) {
			reject(ld, var, value, tk_accepts_rules);
			return;
		}
		memcpy(rules, &scratch, sizeof scratch);
	} else if (tk_rules_parse(value, rules, reason, sizeof reason) < 0) {
		/* Never fall back to "match everything": the variable is
		 * ignored as a whole. */
		rules->count = 0;
		reject(ld, var, value, tk_accepts_rules);
		return;
	}
	*have = true;
	noted(ld, var, var, value);
}

unsigned tk_config_apply(struct tk_config *cfg, tk_lookup_fn lookup,
			 void *lookup_ctx, tk_warn_fn warn, void *warn_ctx,
			 tk_note_fn note)
{
	struct loader ld = { lookup, lookup_ctx, warn, warn_ctx, note, 0 };
	const char *value;

	/* First, so that the warnings below reach the chosen destination. */
	load_log(&ld, cfg);

	load_enable(&ld, cfg);
	load_bool(&ld, debug_vars, &cfg->debug);
	load_behind(&ld, cfg);
	load_timer(&ld, idle_vars, false, &cfg->idle_s, &cfg->idle_set,
		   &cfg->idle_from);
	load_timer(&ld, intvl_vars, false, &cfg->intvl_s, &cfg->intvl_set,
		   &cfg->intvl_from);
	load_timer(&ld, cnt_vars, true, &cfg->cnt, &cfg->cnt_set,
		   &cfg->cnt_from);
	load_user_timeout(&ld, cfg);
	load_dropin(&ld, cfg);

	value = lookup(lookup_ctx, "TCPKEEP_DIRECTION", true);
	if (value != NULL) {
		if (tk_parse_direction(value, &cfg->direction) < 0)
			reject(&ld, "TCPKEEP_DIRECTION", value,
			       tk_accepts_direction);
		else
			noted(&ld, "TCPKEEP_DIRECTION", "TCPKEEP_DIRECTION",
			      value);
	}

	load_rules(&ld, "TCPKEEP_ONLY", &cfg->only, &cfg->have_only);
	load_rules(&ld, "TCPKEEP_SKIP", &cfg->skip, &cfg->have_skip);

	value = lookup(lookup_ctx, "TCPKEEP_FORCE", true);
	if (value != NULL) {
		if (tk_parse_bool(value, &cfg->force) < 0)
			reject(&ld, "TCPKEEP_FORCE", value, tk_accepts_bool);
		else
			noted(&ld, "TCPKEEP_FORCE", "TCPKEEP_FORCE", value);
	}

	return ld.warnings;
}

unsigned tk_config_load(struct tk_config *cfg, tk_lookup_fn lookup,
			void *lookup_ctx, tk_warn_fn warn, void *warn_ctx)
{
	unsigned warnings;

	tk_config_defaults(cfg);
	warnings = tk_config_apply(cfg, lookup, lookup_ctx, warn, warn_ctx,
				   NULL);
	tk_config_finish(cfg);
	return warnings;
}

bool tk_config_has_filters(const struct tk_config *cfg)
{
	return cfg->have_only || cfg->have_skip || cfg->direction != TK_DIR_BOTH;
}
