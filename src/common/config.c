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
 * reported and the default kept; later aliases are not consulted.  The
 * lists hold tk_config_names indexes, ended by -1, and their set: a source
 * that holds none of them is passed over with one test. */
#define B(name) TK_NAME_BIT(TK_NAME_##name)
#define N(name) TK_NAME_##name
struct vars {
	tk_name_set any;	/* the bits of n[] */
	signed char n[5];
};
static const struct vars idle_vars = {
	B(IDLE) | B(TCP_KEEPIDLE) | B(DD_TCP_KEEPALIVE_TIME) | B(KEEPIDLE),
	{ N(IDLE), N(TCP_KEEPIDLE), N(DD_TCP_KEEPALIVE_TIME), N(KEEPIDLE), -1 }
};
static const struct vars intvl_vars = {
	B(INTVL) | B(TCP_KEEPINTVL) | B(DD_TCP_KEEPALIVE_INTVL) | B(KEEPINTVL),
	{ N(INTVL), N(TCP_KEEPINTVL), N(DD_TCP_KEEPALIVE_INTVL), N(KEEPINTVL),
	  -1 }
};
static const struct vars cnt_vars = {
	B(CNT) | B(TCP_KEEPCNT) | B(DD_TCP_KEEPALIVE_PROBES) | B(KEEPCNT),
	{ N(CNT), N(TCP_KEEPCNT), N(DD_TCP_KEEPALIVE_PROBES), N(KEEPCNT), -1 }
};
static const struct vars user_timeout_vars = {
	B(USER_TIMEOUT) | B(TCP_USER_TIMEOUT),
	{ N(USER_TIMEOUT), N(TCP_USER_TIMEOUT), -1 }
};
/* TCP_SYNCNT is libkeepalive's (Santos), like the three below, which
 * have no TCPKEEP_ name. */
static const struct vars syncnt_vars = {
	B(SYNCNT) | B(TCP_SYNCNT), { N(SYNCNT), N(TCP_SYNCNT), -1 }
};
static const struct vars maxseg_vars = { B(TCP_MAXSEG), { N(TCP_MAXSEG), -1 } };
static const struct vars window_clamp_vars = {
	B(TCP_WINDOW_CLAMP), { N(TCP_WINDOW_CLAMP), -1 }
};
static const struct vars defer_accept_vars = {
	B(TCP_DEFER_ACCEPT), { N(TCP_DEFER_ACCEPT), -1 }
};
static const struct vars enable_vars = {
	B(ENABLE) | B(DD_USE_KEEPALIVE) | B(KEEPALIVE),
	{ N(ENABLE), N(DD_USE_KEEPALIVE), N(KEEPALIVE), -1 }
};
static const struct vars debug_vars = {
	B(DEBUG) | B(LIBKEEPALIVE_DEBUG) | B(DD_DEBUG),
	{ N(DEBUG), N(LIBKEEPALIVE_DEBUG), N(DD_DEBUG), -1 }
};
#undef N

/* Every variable tk_config_load() may ask for, at its enum tk_config_name
 * index: once as characters, once as the pointers the command and the
 * tests walk (left out of the library by --gc-sections, which keeps only
 * what its code reads). */
#define NAMES(X) \
	X(ENABLE, "TCPKEEP_ENABLE") X(IDLE, "TCPKEEP_IDLE") \
	X(INTVL, "TCPKEEP_INTVL") X(CNT, "TCPKEEP_CNT") \
	X(USER_TIMEOUT, "TCPKEEP_USER_TIMEOUT") \
	X(DIRECTION, "TCPKEEP_DIRECTION") X(ONLY, "TCPKEEP_ONLY") \
	X(SKIP, "TCPKEEP_SKIP") X(FORCE, "TCPKEEP_FORCE") \
	X(DEBUG, "TCPKEEP_DEBUG") X(LOG, "TCPKEEP_LOG") \
	X(TCP_KEEPIDLE, "TCP_KEEPIDLE") X(TCP_KEEPINTVL, "TCP_KEEPINTVL") \
	X(TCP_KEEPCNT, "TCP_KEEPCNT") X(TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT") \
	X(LIBKEEPALIVE_DEBUG, "LIBKEEPALIVE_DEBUG") \
	X(DD_TCP_KEEPALIVE_TIME, "DD_TCP_KEEPALIVE_TIME") \
	X(DD_TCP_KEEPALIVE_INTVL, "DD_TCP_KEEPALIVE_INTVL") \
	X(DD_TCP_KEEPALIVE_PROBES, "DD_TCP_KEEPALIVE_PROBES") \
	X(DD_USE_KEEPALIVE, "DD_USE_KEEPALIVE") X(DD_DEBUG, "DD_DEBUG") \
	X(KEEPIDLE, "KEEPIDLE") X(KEEPINTVL, "KEEPINTVL") \
	X(KEEPCNT, "KEEPCNT") X(KEEPALIVE, "KEEPALIVE") \
	X(SYNCNT, "TCPKEEP_SYNCNT") X(TCP_SYNCNT, "TCP_SYNCNT") \
	X(TCP_MAXSEG, "TCP_MAXSEG") X(TCP_WINDOW_CLAMP, "TCP_WINDOW_CLAMP") \
	X(TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT") X(BEHIND, "TCPKEEP_BEHIND") \
	X(CONFIG, "TCPKEEP_CONFIG")
#define TEXT(id, text) [TK_NAME_##id] = text,
#define POINTER(id, text) [TK_NAME_##id] = tk_config_name_text[TK_NAME_##id],
const char tk_config_name_text[TK_CONFIG_NAME_COUNT][TK_CONFIG_NAME_SIZE] = {
	NAMES(TEXT)
};
const char *const tk_config_names[TK_CONFIG_NAME_COUNT + 1] = {
	NAMES(POINTER)
	[TK_NAME_END] = NULL
};
#undef POINTER
#undef TEXT
#undef NAMES

/* The sets fit the type, and every index has its name. */
typedef char names_fit[TK_NAME_END == TK_CONFIG_NAME_COUNT &&
		       TK_CONFIG_NAME_COUNT <= 64 ? 1 : -1];

/* Where the values come from: by index (VALUE non-NULL; the names outside
 * PRESENT are unset) or through LOOKUP by name (PRESENT all). */
struct loader {
	const char *const *value;
	tk_name_set present;
	bool hide_secure;
	tk_lookup_fn lookup;
	void *lookup_ctx;
	tk_warn_fn warn;
	void *warn_ctx;
	tk_note_fn note;
	unsigned warnings;
};

/* Variable N of the source; SECURE as for tk_lookup_fn. */
static const char *get(const struct loader *ld, int n, bool secure)
{
	if ((ld->present & TK_NAME_BIT(n)) == 0)
		return NULL;
	if (ld->value != NULL)
		return secure && ld->hide_secure ? NULL : ld->value[n];
	return ld->lookup(ld->lookup_ctx, tk_config_name_text[n], secure);
}

/* SETTING (its TCPKEEP_ name) took VALUE from VAR: for tcpkeep --explain,
 * which names where each value came from. */
static void noted(struct loader *ld, int setting, int var, const char *value)
{
	if (ld->note != NULL)
		ld->note(ld->warn_ctx, tk_config_name_text[setting],
			 tk_config_name_text[var], value);
}

/* Every lookup but the master switch's is a secure one: in a
 * secure-execution process it finds nothing, and the defaults hold. */
static const char *first_set(struct loader *ld, const struct vars *v,
			     int *from, bool secure)
{
	if ((ld->present & v->any) == 0)
		return NULL;
	for (const signed char *n = v->n; *n >= 0; n++) {
		const char *value = get(ld, *n, secure);
		if (value != NULL) {
			*from = *n;
			return value;
		}
	}
	return NULL;
}

static void reject(struct loader *ld, int var, const char *value,
		   const char *accepted)
{
	ld->warnings++;
	if (ld->warn != NULL)
		ld->warn(ld->warn_ctx, tk_config_name_text[var], value, accepted);
}

static void load_bool(struct loader *ld, const struct vars *v, bool *out)
{
	int from = -1;
	const char *value = first_set(ld, v, &from, true);

	if (value == NULL)
		return;
	if (tk_parse_bool(value, out) < 0)
		reject(ld, from, value, tk_accepts_bool);
	else
		noted(ld, v->n[0], from, value);
}

/* The master switch, the one setting a secure-execution process takes from
 * its environment, and only to turn the library off.  There the other
 * values are ignored without a word, as every other variable is. */
static void load_enable(struct loader *ld, struct tk_config *cfg)
{
	int from = -1;
	const char *value = first_set(ld, &enable_vars, &from, false);
	bool secure, on;

	if (value == NULL)
		return;
	secure = get(ld, from, true) == NULL;
	if (tk_parse_enable(tk_config_name_text[from], value, &on) < 0) {
		if (!secure)
			reject(ld, from, value, from == TK_NAME_KEEPALIVE ?
			       tk_accepts_keepalive : tk_accepts_bool);
		return;
	}
	if (!on || !secure) {
		cfg->enabled = on;
		noted(ld, enable_vars.n[0], from, value);
	}
}

/* libkeepalive (Santos) documents 0 in TCP_KEEPIDLE, TCP_KEEPINTVL and
 * TCP_KEEPCNT as "the system default": digits only, all zero. */
static bool santos_zero(int from, const char *value)
{
	const char *p = value;
	uint64_t n;

	if (from != TK_NAME_TCP_KEEPIDLE && from != TK_NAME_TCP_KEEPINTVL &&
	    from != TK_NAME_TCP_KEEPCNT)
		return false;
	return tk_parse_digits(&p, &n) == 0 && *p == '\0' && n == 0;
}

/* TCPKEEP_IDLE, TCPKEEP_INTVL (seconds) or TCPKEEP_CNT (a count). */
static void load_timer(struct loader *ld, const struct vars *v, bool count, int *out, bool *set, const char **from_out)
{
	int from = -1;
	const char *value = first_set(ld, v, &from, true);

	if (value == NULL)
		return;
	if ((count ? tk_parse_count(value, out)
		   : tk_parse_seconds(value, out)) == 0) {
		*set = true;
		*from_out = tk_config_name_text[from];
		noted(ld, v->n[0], from, value);
	} else if (santos_zero(from, value)) {
		*set = false;
		*from_out = tk_config_name_text[from];
		noted(ld, v->n[0], from, value);
	} else {
		reject(ld, from, value,
		       count ? tk_accepts_count : tk_accepts_seconds);
	}
}

static void load_user_timeout(struct loader *ld, struct tk_config *cfg)
{
	int from = -1;
	const char *value = first_set(ld, &user_timeout_vars, &from, true);
	unsigned ms = cfg->user_timeout_ms;
	bool is_auto = cfg->user_timeout_auto;

	if (value == NULL)
		return;
	if (from == TK_NAME_TCP_USER_TIMEOUT && tk_text_same(value, "-1")) {
		/* libkeepalive (Santos): derive it from the others. */
		is_auto = true;
	} else if (tk_parse_user_timeout(value, &ms, &is_auto) < 0) {
		reject(ld, from, value, tk_accepts_user_timeout);
		return;
	}
	cfg->user_timeout_ms = ms;
	cfg->user_timeout_auto = is_auto;
	cfg->user_timeout_set = true;
	cfg->user_timeout_from = tk_config_name_text[from];
	noted(ld, user_timeout_vars.n[0], from, value);
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
	const char *value = get(ld, TK_NAME_BEHIND, true);

	if (value == NULL)
		return;
	if (tk_parse_behind(value, &cfg->behind_s) < 0) {
		reject(ld, TK_NAME_BEHIND, value, tk_accepts_behind);
		return;
	}
	noted(ld, TK_NAME_BEHIND, TK_NAME_BEHIND, value);
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
static void load_int_option(struct loader *ld, const struct vars *v, int lo, int hi, const char *accepted,
			    const char *alias_accepted, int *out, bool *set,
			    const char **from_out)
{
	int from = -1;
	const char *value = first_set(ld, v, &from, true);
	bool alias;
	int n;

	if (value == NULL)
		return;
	alias = from != TK_NAME_SYNCNT;
	if (tk_parse_int_range(value, lo, hi, &n) == 0) {
		*out = n;
		*set = true;
		*from_out = tk_config_name_text[from];
		noted(ld, v->n[0], from, value);
	} else if (alias && tk_parse_int_range(value, 0, 0, &n) == 0) {
		*set = false;
		*from_out = tk_config_name_text[from];
		noted(ld, v->n[0], from, value);
	} else {
		reject(ld, from, value, alias ? alias_accepted : accepted);
	}
}

/* Whether the source may hold one of the variables of V: the loaders
 * below are called only then (a section names a few of them). */
static bool any(const struct loader *ld, const struct vars *v)
{
	return (ld->present & v->any) != 0;
}

static void load_dropin(struct loader *ld, struct tk_config *cfg)
{
	if (any(ld, &syncnt_vars))
		load_int_option(ld, &syncnt_vars, 1, TK_SYNCNT_MAX,
				tk_accepts_syncnt, tk_accepts_syncnt_alias,
				&cfg->syncnt, &cfg->syncnt_set,
				&cfg->syncnt_from);
	if (any(ld, &maxseg_vars))
		load_int_option(ld, &maxseg_vars, TK_MAXSEG_MIN, TK_MAXSEG_MAX,
				tk_accepts_maxseg, tk_accepts_maxseg,
				&cfg->maxseg, &cfg->maxseg_set,
				&cfg->maxseg_from);
	if (any(ld, &window_clamp_vars))
		load_int_option(ld, &window_clamp_vars, 1, TK_INT_OPTION_MAX,
				tk_accepts_window_clamp,
				tk_accepts_window_clamp, &cfg->window_clamp,
				&cfg->window_clamp_set,
				&cfg->window_clamp_from);
	if (any(ld, &defer_accept_vars))
		load_int_option(ld, &defer_accept_vars, 1, TK_INT_OPTION_MAX,
				tk_accepts_defer_accept,
				tk_accepts_defer_accept, &cfg->defer_accept,
				&cfg->defer_accept_set,
				&cfg->defer_accept_from);
}

static void load_log(struct loader *ld, struct tk_config *cfg)
{
	/* A secure lookup: a set-user-ID program must not be made to append
	 * to a file of the caller's choosing (nor to leave stderr). */
	const char *value = get(ld, TK_NAME_LOG, true);

	if (value == NULL)
		return;
	if (tk_parse_log(value, &cfg->log, cfg->log_path,
			 sizeof cfg->log_path) < 0)
		reject(ld, TK_NAME_LOG, value, tk_accepts_log);
	else
		noted(ld, TK_NAME_LOG, TK_NAME_LOG, value);
}

static void load_rules(struct loader *ld, int var, struct tk_rules *rules,
		       bool *have)
{
	const char *value = get(ld, var, true);
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

/* A plain value of one variable: DIRECTION or FORCE. */
static void load_direction(struct loader *ld, struct tk_config *cfg)
{
	const char *value = get(ld, TK_NAME_DIRECTION, true);

	if (value == NULL)
		return;
	if (tk_parse_direction(value, &cfg->direction) < 0)
		reject(ld, TK_NAME_DIRECTION, value, tk_accepts_direction);
	else
		noted(ld, TK_NAME_DIRECTION, TK_NAME_DIRECTION, value);
}

static void load_force(struct loader *ld, struct tk_config *cfg)
{
	const char *value = get(ld, TK_NAME_FORCE, true);

	if (value == NULL)
		return;
	if (tk_parse_bool(value, &cfg->force) < 0)
		reject(ld, TK_NAME_FORCE, value, tk_accepts_bool);
	else
		noted(ld, TK_NAME_FORCE, TK_NAME_FORCE, value);
}

static unsigned apply(struct loader *ld, struct tk_config *cfg)
{
	/* TCPKEEP_CONFIG names the file, no setting: an environment that
	 * holds only it, or none, is passed over without a look. */
	ld->present &= ~B(CONFIG);
	if (ld->present == 0)
		return 0;
	/* First, so that the warnings below reach the chosen destination. */
	if (ld->present & B(LOG))
		load_log(ld, cfg);

	if (any(ld, &enable_vars))
		load_enable(ld, cfg);
	if (any(ld, &debug_vars))
		load_bool(ld, &debug_vars, &cfg->debug);
	if (ld->present & B(BEHIND))
		load_behind(ld, cfg);
	if (any(ld, &idle_vars))
		load_timer(ld, &idle_vars, false, &cfg->idle_s, &cfg->idle_set,
			   &cfg->idle_from);
	if (any(ld, &intvl_vars))
		load_timer(ld, &intvl_vars, false, &cfg->intvl_s,
			   &cfg->intvl_set, &cfg->intvl_from);
	if (any(ld, &cnt_vars))
		load_timer(ld, &cnt_vars, true, &cfg->cnt, &cfg->cnt_set,
			   &cfg->cnt_from);
	if (any(ld, &user_timeout_vars))
		load_user_timeout(ld, cfg);
	load_dropin(ld, cfg);
	if (ld->present & B(DIRECTION))
		load_direction(ld, cfg);
	if (ld->present & B(ONLY))
		load_rules(ld, TK_NAME_ONLY, &cfg->only, &cfg->have_only);
	if (ld->present & B(SKIP))
		load_rules(ld, TK_NAME_SKIP, &cfg->skip, &cfg->have_skip);
	if (ld->present & B(FORCE))
		load_force(ld, cfg);
	return ld->warnings;
}

unsigned tk_config_apply_found(struct tk_config *cfg,
			       const char *const *value, tk_name_set present,
			       bool hide_secure, tk_warn_fn warn,
			       void *warn_ctx, tk_note_fn note)
{
	struct loader ld = {
		value, present, hide_secure, NULL, NULL,
		warn, warn_ctx, note, 0
	};

	return apply(&ld, cfg);
}

unsigned tk_config_apply(struct tk_config *cfg, tk_lookup_fn lookup,
			 void *lookup_ctx, tk_warn_fn warn, void *warn_ctx,
			 tk_note_fn note)
{
	struct loader ld = {
		NULL, ~(tk_name_set)0, false, lookup, lookup_ctx,
		warn, warn_ctx, note, 0
	};

	/* The snapshot found its names already: what it answers is
	 * value[n] for those, NULL to a secure ask in a secure-execution
	 * process, NULL for the rest. */
	if (lookup == tk_env_snapshot_lookup) {
		const struct tk_env *env = lookup_ctx;

		ld.value = env->value;
		ld.present = 0;
		for (unsigned i = 0; i < env->count; i++)
			ld.present |= TK_NAME_BIT(env->found[i]);
		ld.hide_secure = env->secure;
	}
	return apply(&ld, cfg);
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
