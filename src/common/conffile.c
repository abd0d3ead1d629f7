/* SPDX-License-Identifier: MIT */
/* The configuration file (conffile.h): reading it safely, one pass over
 * its lines, and its sections as layers of tk_config_apply(). */
#include "autoconfig.h"
#include "common/conffile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Linked into the preload library: its fstat() binds to the oldest
 * glibc's version too. */
#include "preload/glibc-floor.h"
#include "preload/sys.h"

#include "tk-paths.h"	/* TK_CONF_PATH: $(sysconfdir)/tcpkeep.conf */

const char tk_accepts_config[] = "an absolute path or none";

/* The keys beside the ones tk_config_names gives (interval and count are
 * what the wrapper's long options say; syn_retries names TCPKEEP_SYNCNT
 * as --syn-retries does).  A variable missing from tk_config_names makes
 * its key unknown rather than wrong. */
static const char *const key_aliases[][2] = {
	{ "interval", "TCPKEEP_INTVL" },
	{ "count", "TCPKEEP_CNT" },
	{ "syn_retries", "TCPKEEP_SYNCNT" },
};
#define PREFIX "TCPKEEP_"
#define PREFIX_LEN 8

static bool same(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] != '\0' && a[i] == b[i])
		i++;
	return a[i] == b[i];
}

/* KEY (lower case) is NAME without TCPKEEP_: "user_timeout" for
 * TCPKEEP_USER_TIMEOUT. */
static bool key_names(const char *key, const char *name)
{
	size_t i = 0;

	for (; i < PREFIX_LEN; i++)
		if (name[i] != PREFIX[i])
			return false;
	for (; key[i - PREFIX_LEN] != '\0'; i++) {
		char k = key[i - PREFIX_LEN];

		if (k >= 'a' && k <= 'z')
			k = (char)(k - 'a' + 'A');
		else if (!(k == '_' || (k >= 'A' && k <= 'Z') ||
			   (k >= '0' && k <= '9')))
			return false;
		if (name[i] != k)
			return false;
	}
	return name[i] == '\0';
}

static int name_index(const char *name)
{
	for (int n = 0; tk_config_names[n] != NULL; n++)
		if (same(tk_config_names[n], name))
			return n;
	return -1;
}

/* The tk_config_names index KEY stands for, -1 for none.  TCPKEEP_CONFIG
 * is no key: the file cannot name another file. */
static int key_index(const char *key)
{
	char first = key[0] >= 'a' && key[0] <= 'z' ?
		(char)(key[0] - 'a' + 'A') : key[0];

	for (int n = 0; tk_config_names[n] != NULL; n++)
		/* The first letter after the prefix rules most names out at
		 * start-up's cost of one comparison. */
		if (tk_config_names[n][0] == 'T' &&
		    tk_config_names[n][PREFIX_LEN - 1] == '_' &&
		    tk_config_names[n][PREFIX_LEN] == first &&
		    key_names(key, tk_config_names[n]))
			return same(tk_config_names[n], "TCPKEEP_CONFIG") ? -1 : n;
	for (size_t a = 0; a < sizeof key_aliases / sizeof key_aliases[0]; a++)
		if (same(key, key_aliases[a][0]))
			return name_index(key_aliases[a][1]);
	return -1;
}

static void problem(struct tk_conf *c, unsigned line, const char *reason,
		    const char *key, const char *value, const char *accepted)
{
	if (c->problems < TK_CONF_PROBLEMS) {
		struct tk_conf_problem *p = &c->problem[c->problems];

		p->line = line;
		p->reason = reason;
		p->key = key;
		p->value = value;
		p->accepted = accepted;
	}
	c->problems++;
}

static void layer_reset(struct tk_conf_layer *l)
{
	l->count = 0;
	l->header = 0;
}

enum tk_conf_state tk_conf_read(struct tk_conf *c, const char *path)
{
	int saved_errno = errno;
	struct stat st;
	int fd;

	c->path = path;
	c->state = TK_CONF_ABSENT;
	c->refused = NULL;
	c->problems = 0;
	c->len = 0;
	c->text[0] = '\0';
	layer_reset(&c->defaults);
	layer_reset(&c->by_name);
	layer_reset(&c->by_path);
	if (path == NULL)
		return c->state;
	/* O_NOFOLLOW: a link is refused, whoever owns its target;
	 * O_NONBLOCK: a FIFO put there does not hold the program up. */
	fd = tk_sys_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		errno = -fd;
		/* None, or none this process may read (a directory it
		 * cannot search, a file only root reads): nothing to apply,
		 * and nothing to say in every program of the host. */
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			;
		else if (errno == ELOOP)
			c->refused = "a symbolic link";
		else
			c->refused = "cannot be opened";
		c->state = c->refused != NULL ? TK_CONF_REFUSED : TK_CONF_ABSENT;
		errno = saved_errno;
		return c->state;
	}
	/* Judged on the descriptor: what was opened is what is read. */
	if (tk_sys_fstat(fd, &st) != 0)
		c->refused = "cannot be examined";
	else if (!S_ISREG(st.st_mode))
		c->refused = "not a regular file";
	else if (st.st_uid != 0)
		c->refused = "not owned by root";
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		c->refused = "writable by group or others";
	else if (st.st_size > TK_CONF_SIZE_MAX)
		c->refused = "larger than 64 KiB";
	/* The size fstat() gave, usually in one read(); what a writer
	 * appends meanwhile is not taken. */
	while (c->refused == NULL && c->len < (size_t)st.st_size) {
		ssize_t got = tk_sys_read(fd, c->text + c->len,
					  (size_t)st.st_size - c->len);

		if (got == -EINTR)
			continue;
		if (got < 0)
			c->refused = "cannot be read";
		if (got <= 0)
			break;
		c->len += (size_t)got;
	}
	(void)tk_sys_close(fd);
	c->text[c->len] = '\0';
	c->state = c->refused != NULL ? TK_CONF_REFUSED : TK_CONF_LOADED;
	if (c->refused != NULL)
		c->len = 0;
	errno = saved_errno;
	return c->state;
}

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* BEGIN..END without blanks at either end, NUL-terminated in place. */
static char *trim(char *begin, char *end)
{
	while (begin < end && blank(*begin))
		begin++;
	while (end > begin && blank(end[-1]))
		end--;
	*end = '\0';
	return begin;
}

static const char *base_name(const char *path)
{
	const char *base = path;

	for (; *path != '\0'; path++)
		if (*path == '/' && path[1] != '\0')
			base = path + 1;
	return base;
}

static void layer_put(struct tk_conf_layer *l, int n, const char *key,
		      const char *value, unsigned line)
{
	unsigned i = 0;

	while (i < l->count && l->found[i] != n)
		i++;
	if (i == l->count)
		l->found[l->count++] = (unsigned char)n;
	/* A key given twice in a section: the later line wins, as the
	 * later of two exports does. */
	l->key[n] = key;
	l->value[n] = value;
	l->line[n] = line;
}

/* Which layer a [...] header opens: NULL for a section that does not
 * apply to this program (its keys are still checked); *BAD set for a
 * header that does not parse. */
static struct tk_conf_layer *section(struct tk_conf *c, char *inside,
				     const char **bad)
{
	char *name;

	*bad = NULL;
	if (same(inside, "defaults"))
		return &c->defaults;
	if (same(inside, "program")) {
		*bad = "[program] needs a program: an absolute path or a base name";
		return NULL;
	}
	if (!(inside[0] == 'p' && inside[1] == 'r' && inside[2] == 'o' &&
	      inside[3] == 'g' && inside[4] == 'r' && inside[5] == 'a' &&
	      inside[6] == 'm' && blank(inside[7]))) {
		*bad = "unknown section (expected [defaults] or [program NAME])";
		return NULL;
	}
	name = trim(inside + 8, inside + 8 + strlen(inside + 8));
	if (name[0] == '\0') {
		*bad = "[program] needs a program: an absolute path or a base name";
		return NULL;
	}
	if (strchr(name, '/') != NULL && name[0] != '/') {
		*bad = "a program with a slash must be an absolute path";
		return NULL;
	}
	if (c->program == NULL)
		c->program = tk_conf_exe(0, c->program_buf,
					 sizeof c->program_buf);
	if (c->program[0] == '\0')
		return NULL;
	if (name[0] == '/')
		return same(name, c->program) ? &c->by_path : NULL;
	return same(name, base_name(c->program)) ? &c->by_name : NULL;
}

/* One entry of a section that does not apply, checked on a scratch
 * configuration (the helper's checks only). */
struct one {
	struct tk_conf *c;
	const char *name;
	const char *value;
	const char *key;
	unsigned line;
};

static const char *one_lookup(void *ctx, const char *name, bool secure)
{
	struct one *o = ctx;

	(void)secure;
	return same(name, o->name) ? o->value : NULL;
}

static void one_warn(void *ctx, const char *var, const char *value,
		     const char *accepted)
{
	struct one *o = ctx;

	(void)var;
	problem(o->c, o->line, NULL, o->key, value, accepted);
}

static void check_one(struct tk_conf *c, int n, const char *key,
		      const char *value, unsigned line)
{
	static struct tk_config scratch;
	struct one o = { c, tk_config_names[n], value, key, line };

	tk_config_defaults(&scratch);
	(void)tk_config_apply(&scratch, one_lookup, &o, one_warn, &o, NULL);
}

void tk_conf_parse(struct tk_conf *c)
{
	struct tk_conf_layer *layer = &c->defaults;
	bool skipping = false;	/* under a header that does not parse */
	char *p = c->text, *end = c->text + c->len;
	unsigned line = 0;

	while (p < end) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		char *hash, *text, *eq, *key, *value;
		const char *bad;
		int n;

		if (eol == NULL)
			eol = end;
		line++;
		*eol = '\0';
		/* A NUL inside the line would hide the rest of it. */
		if (strlen(p) != (size_t)(eol - p)) {
			problem(c, line, "the line holds a NUL byte", NULL,
				NULL, NULL);
			p = eol + 1;
			continue;
		}
		hash = strchr(p, '#');
		text = trim(p, hash != NULL ? hash : eol);
		p = eol + 1;
		if (text[0] == '\0')
			continue;
		if (text[0] == '[') {
			size_t len = strlen(text);

			if (text[len - 1] != ']') {
				problem(c, line, "a section header ends with ]",
					NULL, NULL, NULL);
				layer = NULL;
				skipping = true;
				continue;
			}
			text[len - 1] = '\0';
			layer = section(c, trim(text + 1, text + len - 1),
					&bad);
			/* The lines under a bad header are its own, not
			 * the section's before: skipped, unwarned. */
			skipping = bad != NULL;
			if (bad != NULL)
				problem(c, line, bad, NULL, NULL, NULL);
			else if (layer != NULL && layer->header == 0)
				layer->header = line;
			continue;
		}
		if (skipping)
			continue;
		eq = strchr(text, '=');
		if (eq == NULL) {
			problem(c, line, "not KEY = VALUE", NULL, NULL, NULL);
			continue;
		}
		key = trim(text, eq);
		value = trim(eq + 1, eq + 1 + strlen(eq + 1));
		n = key_index(key);
		if (n < 0) {
			problem(c, line, "unknown key", key, NULL, NULL);
			continue;
		}
		if (value[0] == '\0') {
			problem(c, line, "no value", key, NULL, NULL);
			continue;
		}
		if (layer != NULL)
			layer_put(layer, n, key, value, line);
		else if (c->check_all)
			check_one(c, n, key, value, line);
	}
}

struct layer_ctx {
	struct tk_conf *c;
	const struct tk_conf_layer *layer;
	tk_note_fn note;
};

static int layer_find(const struct tk_conf_layer *l, const char *name)
{
	for (unsigned i = 0; i < l->count; i++)
		if (same(tk_config_names[l->found[i]], name))
			return l->found[i];
	return -1;
}

static void layer_warn(void *ctx, const char *var, const char *value,
		       const char *accepted)
{
	struct layer_ctx *lc = ctx;
	int n = layer_find(lc->layer, var);

	if (n >= 0)
		problem(lc->c, lc->layer->line[n], NULL, lc->layer->key[n],
			value, accepted);
}

static void put(char *buf, size_t len, size_t *at, const char *s);
static void put_uint(char *buf, size_t len, size_t *at, unsigned v);

/* The note of a file layer names "FILE:LINE" as the variable. */
static void layer_note(void *ctx, const char *setting, const char *var,
		       const char *value)
{
	struct layer_ctx *lc = ctx;
	int n = layer_find(lc->layer, var);
	char where[4200];
	size_t at = 0;

	if (lc->note == NULL || n < 0)
		return;
	put(where, sizeof where, &at, lc->c->path);
	put(where, sizeof where, &at, ":");
	put_uint(where, sizeof where, &at, lc->layer->line[n]);
	lc->note(lc->c, setting, where, value);
}

void tk_conf_apply(struct tk_conf *c, struct tk_config *cfg, tk_note_fn note)
{
	const struct tk_conf_layer *layers[] = {
		&c->defaults, &c->by_name, &c->by_path,
	};

	if (c->state != TK_CONF_LOADED)
		return;
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
		struct layer_ctx lc = { c, layers[i], note };
		tk_name_set present = 0;

		for (unsigned k = 0; k < layers[i]->count; k++)
			present |= TK_NAME_BIT(layers[i]->found[k]);
		/* No lines from a secure-execution process
		 * (libtcpkeep(7)); the rest is the administrator's, not
		 * the user's: no value hidden. */
		if (c->secure)
			present &= ~(TK_NAME_BIT(TK_NAME_DEBUG) |
				     TK_NAME_BIT(TK_NAME_LOG));
		(void)tk_config_apply_found(cfg, layers[i]->value, present,
					    false, layer_warn, &lc,
					    note != NULL ? layer_note : NULL);
	}
}

/* Appends S to BUF (of LEN) at *AT, cut to fit, NUL-terminated. */
static void put(char *buf, size_t len, size_t *at, const char *s)
{
	while (*s != '\0' && *at + 1 < len)
		buf[(*at)++] = *s++;
	if (len > 0)
		buf[*at < len ? *at : len - 1] = '\0';
}

static void put_uint(char *buf, size_t len, size_t *at, unsigned v)
{
	char digits[12];
	size_t n = sizeof digits - 1;

	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(buf, len, at, digits + n);
}

size_t tk_conf_source(const struct tk_conf *c, const char *var,
		      char *buf, size_t len)
{
	const struct tk_conf_layer *layers[] = {
		&c->by_path, &c->by_name, &c->defaults,
	};
	size_t at = 0;

	if (len > 0)
		buf[0] = '\0';
	if (c->state != TK_CONF_LOADED)
		return 0;
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
		int n = layer_find(layers[i], var);

		if (n < 0)
			continue;
		put(buf, len, &at, c->path);
		put(buf, len, &at, ":");
		put_uint(buf, len, &at, layers[i]->line[n]);
		return at;
	}
	return 0;
}

size_t tk_conf_message(const struct tk_conf *c, unsigned i, char *buf,
		       size_t len)
{
	const struct tk_conf_problem *p;
	char shown[200];
	size_t at = 0;

	if (len > 0)
		buf[0] = '\0';
	if (i >= c->problems || i >= TK_CONF_PROBLEMS) {
		if (c->state != TK_CONF_REFUSED)
			return 0;
		put(buf, len, &at, "ignoring ");
		put(buf, len, &at, c->path);
		put(buf, len, &at, ": ");
		put(buf, len, &at, c->refused);
		return at;
	}
	p = &c->problem[i];
	put(buf, len, &at, c->path);
	put(buf, len, &at, ":");
	put_uint(buf, len, &at, p->line);
	put(buf, len, &at, ": ignoring ");
	if (p->reason == NULL) {
		tk_escape_value(shown, sizeof shown, p->value, 64);
		put(buf, len, &at, p->key);
		put(buf, len, &at, " = '");
		put(buf, len, &at, shown);
		put(buf, len, &at, "': expected ");
		put(buf, len, &at, p->accepted);
		return at;
	}
	if (p->key != NULL) {
		tk_escape_value(shown, sizeof shown, p->key, 64);
		put(buf, len, &at, "'");
		put(buf, len, &at, shown);
		put(buf, len, &at, "': ");
	} else {
		put(buf, len, &at, "the line: ");
	}
	put(buf, len, &at, p->reason);
	return at;
}

const char *tk_conf_path(tk_lookup_fn lookup, void *lookup_ctx,
			 tk_warn_fn warn, void *warn_ctx)
{
	const char *value = lookup(lookup_ctx, "TCPKEEP_CONFIG", true);

	if (value == NULL)
		return TK_CONF_PATH;
	if (tk_word_is(value, "none"))
		return NULL;
	if (value[0] == '/')
		return value;
	if (warn != NULL)
		warn(warn_ctx, "TCPKEEP_CONFIG", value, tk_accepts_config);
	return TK_CONF_PATH;
}

const char *tk_conf_exe(pid_t pid, char *buf, size_t len)
{
	static const char deleted[] = " (deleted)";
	char proc[40];
	size_t at = 0;
	ssize_t got;
	int saved_errno = errno;

	put(proc, sizeof proc, &at, "/proc/");
	if (pid == 0)
		put(proc, sizeof proc, &at, "self");
	else
		put_uint(proc, sizeof proc, &at, (unsigned)pid);
	put(proc, sizeof proc, &at, "/exe");
	got = tk_sys_readlink(proc, buf, len - 1);
	errno = saved_errno;
	if (got <= 0 || buf[0] != '/') {
		buf[0] = '\0';
		return buf;
	}
	buf[got] = '\0';
	if ((size_t)got > sizeof deleted - 1 &&
	    same(buf + got - (sizeof deleted - 1), deleted))
		buf[got - (sizeof deleted - 1)] = '\0';
	return buf;
}

unsigned tk_conf_load(struct tk_conf *c, const char *path,
		      const char *program, struct tk_config *cfg,
		      tk_lookup_fn lookup, void *lookup_ctx,
		      tk_warn_fn warn, void *warn_ctx)
{
	unsigned warnings;

	c->program = program;
	tk_config_defaults(cfg);
	if (tk_conf_read(c, path) == TK_CONF_LOADED) {
		tk_conf_parse(c);
		tk_conf_apply(c, cfg, NULL);
	}
	warnings = tk_config_apply(cfg, lookup, lookup_ctx, warn, warn_ctx,
				   NULL);
	tk_config_finish(cfg);
	return warnings + c->problems + (c->state == TK_CONF_REFUSED);
}
