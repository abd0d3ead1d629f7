/* SPDX-License-Identifier: MIT */
/* Configuration: every variable of libtcpkeep(7), ENVIRONMENT, parsed once
 * into an immutable struct.  Shared by the preload library, the wrapper's
 * helper, tcpkeep-bpf, the unit tests and the fuzzers, so all of them
 * apply one set of rules (doc/design.md). */
#ifndef TCPKEEP_CONFIG_H
#define TCPKEEP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/rules.h"
/* The parser's users quote rejected values back (tk_escape_value). */
#include "common/text.h"

#define TK_IDLE_DEFAULT_S   60
#define TK_INTVL_DEFAULT_S  10
#define TK_CNT_DEFAULT      6
#define TK_SECONDS_MAX      32767	/* kernel's MAX_TCP_KEEPIDLE/INTVL */
#define TK_CNT_MAX          127		/* kernel's MAX_TCP_KEEPCNT */
#define TK_USER_TIMEOUT_MAX 2147483647u	/* INT_MAX milliseconds */
#define TK_LOG_PATH_MAX     4096
#define TK_SYNCNT_MAX       127		/* kernel's MAX_TCP_SYNCNT */
#define TK_MAXSEG_MIN       88		/* kernel's TCP_MIN_MSS */
#define TK_MAXSEG_MAX       32767	/* kernel's MAX_TCP_WINDOW */
#define TK_INT_OPTION_MAX   2147483647	/* TCP_WINDOW_CLAMP, TCP_DEFER_ACCEPT */
/* Linux's own defaults (net.ipv4.tcp_keepalive_time, _intvl, _probes):
 * what TCPKEEP_USER_TIMEOUT=auto counts for an option left unset. */
#define TK_KERNEL_IDLE_S    7200
#define TK_KERNEL_INTVL_S   75
#define TK_KERNEL_CNT       9

enum tk_direction { TK_DIR_BOTH = 0, TK_DIR_OUT, TK_DIR_IN };
enum tk_log_dest { TK_LOG_STDERR = 0, TK_LOG_SYSLOG, TK_LOG_NONE, TK_LOG_FILE };

struct tk_config {
	bool enabled;
	/* false: the option is not set at all and the socket keeps the
	 * system default (libkeepalive's TCP_KEEPIDLE=0 and the like); the
	 * value beside it is then meaningless. */
	bool idle_set, intvl_set, cnt_set;
	int idle_s;
	int intvl_s;
	int cnt;
	bool user_timeout_set;		/* false: left to the kernel */
	bool user_timeout_auto;		/* value derived from idle/intvl/cnt */
	unsigned user_timeout_ms;
	/* Left to the kernel unless set (TCPKEEP_SYNCNT or libkeepalive's
	 * variables, whose 0 also leaves them alone). */
	bool syncnt_set, maxseg_set, window_clamp_set, defer_accept_set;
	int syncnt;		/* SYN retransmissions before connect() fails */
	int maxseg;		/* bytes */
	int window_clamp;	/* bytes */
	int defer_accept;	/* seconds, a listener's option */
	enum tk_direction direction;
	bool have_only;
	bool have_skip;
	struct tk_rules only;
	struct tk_rules skip;
	bool force;
	bool debug;
	enum tk_log_dest log;
	char log_path[TK_LOG_PATH_MAX];	/* absolute path, TK_LOG_FILE only */
	/* Name of the variable each setting came from (for messages and
	 * --print-env); NULL when the default is in force. */
	const char *idle_from, *intvl_from, *cnt_from, *user_timeout_from;
	const char *syncnt_from, *maxseg_from, *window_clamp_from,
		*defer_accept_from;
	/* The idle timeout of the path (TCPKEEP_BEHIND, behind = in the
	 * file), 0 when not given: idle and interval follow from it
	 * (tk_behind_values) where no idle or interval is given beside or
	 * above it, and --status judges connections against it. */
	unsigned behind_s;
};

/* Where values come from: the library passes tk_env_snapshot_lookup, the
 * helper and the tests their own lookups.  The parser asks with SECURE
 * true for every value a secure-execution process must ignore (all but a
 * TCPKEEP_ENABLE that turns the library off, libtcpkeep(7), ENVIRONMENT): a
 * lookup answers NULL to those in such a process. */
typedef const char *(*tk_lookup_fn)(void *ctx, const char *name, bool secure);

/* Called once per rejected value: VAR and VALUE as given, ACCEPTED a
 * human description ("a duration from 1s to 32767s, e.g. 30, 90s, 2m"). */
typedef void (*tk_warn_fn)(void *ctx, const char *var, const char *value,
			   const char *accepted);

/* SETTING (the TCPKEEP_ name of one setting) took VALUE from VAR (that
 * name, an alias or, for the file, its TCPKEEP_ name): what tcpkeep
 * --explain reports.  CTX is the warn callback's. */
typedef void (*tk_note_fn)(void *ctx, const char *setting, const char *var,
			   const char *value);

/* True in a secure-execution process: the kernel's AT_SECURE (set-user-ID,
 * set-group-ID, file capabilities, or an LSM's say), through getauxval();
 * where the C library has none, issetugid(), else a comparison of real and
 * effective IDs (which misses file capabilities).  Keeps errno. */
bool tk_secure_execution(void);

/* The process environment (getenv); with SECURE, nothing in a
 * secure-execution process. */
const char *tk_env_lookup(void *ctx, const char *name, bool secure);

/* The variables of tk_config_names present in an environment, found in one
 * pass; tk_env_snapshot_lookup (a tk_lookup_fn, CTX = the struct tk_env)
 * then answers without scanning the environment again.  For every name the
 * value is the one getenv() returns, the first NAME= entry of the
 * environment (glibc and musl alike), however many entries there are. */
#define TK_CONFIG_NAME_COUNT 32
extern const char *const tk_config_names[TK_CONFIG_NAME_COUNT + 1];
/* The same names as characters, each tk_config_names[N] pointing at row
 * N: the code the preload library runs reads these, which need no
 * relocation when a process loads it (the pointers above need one each).
 * A row holds the longest name, DD_TCP_KEEPALIVE_PROBES, and its NUL. */
#define TK_CONFIG_NAME_SIZE 24
extern const char tk_config_name_text[TK_CONFIG_NAME_COUNT][TK_CONFIG_NAME_SIZE];
/* The indexes of tk_config_names, for the loaders that find values by
 * index (the file's layers, the snapshot) rather than by name. */
enum tk_config_name {
	TK_NAME_ENABLE, TK_NAME_IDLE, TK_NAME_INTVL, TK_NAME_CNT,
	TK_NAME_USER_TIMEOUT, TK_NAME_DIRECTION, TK_NAME_ONLY, TK_NAME_SKIP,
	TK_NAME_FORCE, TK_NAME_DEBUG, TK_NAME_LOG,
	TK_NAME_TCP_KEEPIDLE, TK_NAME_TCP_KEEPINTVL, TK_NAME_TCP_KEEPCNT,
	TK_NAME_TCP_USER_TIMEOUT, TK_NAME_LIBKEEPALIVE_DEBUG,
	TK_NAME_DD_TCP_KEEPALIVE_TIME, TK_NAME_DD_TCP_KEEPALIVE_INTVL,
	TK_NAME_DD_TCP_KEEPALIVE_PROBES, TK_NAME_DD_USE_KEEPALIVE,
	TK_NAME_DD_DEBUG, TK_NAME_KEEPIDLE, TK_NAME_KEEPINTVL, TK_NAME_KEEPCNT,
	TK_NAME_KEEPALIVE, TK_NAME_SYNCNT, TK_NAME_TCP_SYNCNT,
	TK_NAME_TCP_MAXSEG, TK_NAME_TCP_WINDOW_CLAMP, TK_NAME_TCP_DEFER_ACCEPT,
	TK_NAME_BEHIND, TK_NAME_CONFIG,
	TK_NAME_END	/* == TK_CONFIG_NAME_COUNT */
};
/* A set of those indexes: bit N for tk_config_names[N]. */
typedef uint64_t tk_name_set;
#define TK_NAME_BIT(n) ((tk_name_set)1 << (n))
struct tk_env {
	const char *value[TK_CONFIG_NAME_COUNT];	/* by tk_config_names index */
	unsigned count;		/* names found: their indexes in found[] */
	unsigned char found[TK_CONFIG_NAME_COUNT];
	bool secure;		/* tk_secure_execution() at the scan */
};
void tk_env_scan(struct tk_env *env, const char *const *envp);
/* The same with SECURE as the caller found it (the preload library, which
 * finds getauxval() without importing it). */
void tk_env_scan_as(struct tk_env *env, const char *const *envp, bool secure);
const char *tk_env_snapshot_lookup(void *ctx, const char *name, bool secure);

void tk_config_defaults(struct tk_config *cfg);

/* Fills CFG from the lookup, calling WARN for every value that does not
 * parse (that setting keeps its default).  Returns the number of warnings.
 * Where the lookup hides the secure values (secure execution), CFG gets
 * the defaults, or the master switch off, and nothing is warned about.
 * Never allocates; safe to call before main. */
unsigned tk_config_load(struct tk_config *cfg, tk_lookup_fn lookup,
			void *lookup_ctx, tk_warn_fn warn, void *warn_ctx);

/* Layers: tk_config_load() is tk_config_defaults(), one
 * tk_config_apply() and tk_config_finish().  With the configuration file,
 * its [defaults] and [program] sections are applied first and the
 * environment last (conffile.h): each apply changes only the settings its
 * lookup gives a good value for, so a refused value leaves what the layers
 * below gave.  NOTE (may be NULL) hears of every value taken. */
unsigned tk_config_apply(struct tk_config *cfg, tk_lookup_fn lookup,
			 void *lookup_ctx, tk_warn_fn warn, void *warn_ctx,
			 tk_note_fn note);
void tk_config_finish(struct tk_config *cfg);

/* tk_config_apply() from values already found by tk_config_names index:
 * VALUE[N] for every N in PRESENT, nothing for the others; with
 * HIDE_SECURE, as a lookup of a secure-execution process (only the master
 * switch is seen).  One test per setting for what is absent: the layers
 * of the file and a snapshot of the environment name a few of the
 * thirty-odd variables.  tk_config_apply() with tk_env_snapshot_lookup
 * comes here. */
unsigned tk_config_apply_found(struct tk_config *cfg,
			       const char *const *value, tk_name_set present,
			       bool hide_secure, tk_warn_fn warn,
			       void *warn_ctx, tk_note_fn note);

/* Individual parsers, exposed for the wrapper's helper, the unit tests and
 * the fuzzers.
 * Each returns 0 on success, -1 when TEXT is not acceptable (OUT is then
 * untouched). */
enum tk_unit { TK_UNIT_MS, TK_UNIT_S };
int tk_parse_bool(const char *text, bool *out);
/* What VAR (TCPKEEP_ENABLE or an alias) says of the master switch: a
 * boolean, and for KEEPALIVE (the HOWTO's library) also "skip" = off. */
int tk_parse_enable(const char *var, const char *text, bool *out);
/* Duration with optional unit ms/s/m/h; a bare number is in BARE_UNIT.
 * Result in milliseconds; rejects overflow past UINT64 ms. */
int tk_parse_duration_ms(const char *text, enum tk_unit bare_unit,
			 uint64_t *out_ms);
/* Whole seconds in [1, TK_SECONDS_MAX] (TCPKEEP_IDLE, TCPKEEP_INTVL). */
int tk_parse_seconds(const char *text, int *out_s);
/* Probe count in [1, TK_CNT_MAX]. */
int tk_parse_count(const char *text, int *out);
/* The decimal digits at *CURSOR (advanced past them), at least one, into
 * OUT; -1 when there are none or the number overflows. */
int tk_parse_digits(const char **cursor, uint64_t *out);
/* A whole number in [LO, HI], digits only (TCPKEEP_SYNCNT, TCP_MAXSEG,
 * TCP_WINDOW_CLAMP, TCP_DEFER_ACCEPT). */
int tk_parse_int_range(const char *text, int lo, int hi, int *out);
/* Milliseconds in [0, TK_USER_TIMEOUT_MAX], bare number = ms; "auto" sets
 * *is_auto and leaves *out_ms alone. */
int tk_parse_user_timeout(const char *text, unsigned *out_ms, bool *is_auto);
int tk_parse_direction(const char *text, enum tk_direction *out);
/* The path's idle timeout: aws-nlb (350 s), azure-lb (240 s), gcp-vpc
 * (600 s), or whole seconds from 2 to 86400. */
int tk_parse_behind(const char *text, unsigned *out_s);
/* stderr | syslog | none | absolute path shorter than TK_LOG_PATH_MAX. */
int tk_parse_log(const char *text, enum tk_log_dest *out,
		 char *path, size_t pathlen);

/* True when TCPKEEP_DIRECTION, TCPKEEP_ONLY or TCPKEEP_SKIP narrows which
 * connections get options, so the decision waits for the peer. */
bool tk_config_has_filters(const struct tk_config *cfg);

/* What each kind of value accepts, worded for messages. */
extern const char tk_accepts_bool[];
extern const char tk_accepts_keepalive[];
extern const char tk_accepts_seconds[];
extern const char tk_accepts_count[];
extern const char tk_accepts_syncnt[];
extern const char tk_accepts_syncnt_alias[];
extern const char tk_accepts_maxseg[];
extern const char tk_accepts_window_clamp[];
extern const char tk_accepts_defer_accept[];
extern const char tk_accepts_user_timeout[];
extern const char tk_accepts_direction[];
extern const char tk_accepts_log[];
extern const char tk_accepts_rules[];
extern const char tk_accepts_behind[];

#endif
