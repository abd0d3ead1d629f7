/* SPDX-License-Identifier: MIT */
/* The configuration file (conffile.h): reading it safely, one pass over
 * its lines, and its sections as layers of tk_config_apply(). */
#include "autoconfig.h"
#include "common/conffile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Linked into the preload library: its fstat() binds to the oldest
 * glibc's version too. */
#include "common/glibc-floor.h"
#include "common/sys.h"

#include "tk-paths.h"	/* TK_CONF_PATH: $(sysconfdir)/tcpkeep.conf */

const char tk_accepts_config[] = "an absolute path or none";

/* The keys: every TCPKEEP_ variable by the rest of its name, in any case
 * (user_timeout for TCPKEEP_USER_TIMEOUT), but TCPKEEP_CONFIG (the file
 * cannot name another file); and three more, as written: interval and
 * count as the wrapper's long options say, syn_retries as --syn-retries
 * does.  By the first letter, and within a letter no two of one length:
 * a key is told by a jump, a length and one comparison.  The words are
 * characters, not pointers (no relocation at load).  A new TCPKEEP_
 * variable needs its row here (tests/unit/unit-conffile.c checks every
 * one of tk_config_names). */
struct key {
	char word[16];		/* lower case, NUL-padded */
	unsigned char len;
	unsigned char n;	/* enum tk_config_name */
	bool exact;		/* as written, not in any case */
};

#define KEY(word, n, exact) { word, sizeof word - 1, n, exact }
static const struct key keys_b[] = { KEY("behind", TK_NAME_BEHIND, false) };
static const struct key keys_c[] = {
	KEY("cnt", TK_NAME_CNT, false), KEY("count", TK_NAME_CNT, true),
};
static const struct key keys_d[] = {
	KEY("debug", TK_NAME_DEBUG, false),
	KEY("direction", TK_NAME_DIRECTION, false),
};
static const struct key keys_e[] = { KEY("enable", TK_NAME_ENABLE, false) };
static const struct key keys_f[] = { KEY("force", TK_NAME_FORCE, false) };
static const struct key keys_i[] = {
	KEY("idle", TK_NAME_IDLE, false), KEY("intvl", TK_NAME_INTVL, false),
	KEY("interval", TK_NAME_INTVL, true),
};
static const struct key keys_l[] = { KEY("log", TK_NAME_LOG, false) };
static const struct key keys_o[] = { KEY("only", TK_NAME_ONLY, false) };
static const struct key keys_s[] = {
	KEY("skip", TK_NAME_SKIP, false), KEY("syncnt", TK_NAME_SYNCNT, false),
	KEY("syn_retries", TK_NAME_SYNCNT, true),
};
static const struct key keys_u[] = {
	KEY("user_timeout", TK_NAME_USER_TIMEOUT, false),
};
#undef KEY

static bool same(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] != '\0' && a[i] == b[i])
		i++;
	return a[i] == b[i];
}

static uint64_t load8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* The first N (0 to 8) bytes of a word, in memory order whatever the
 * byte order. */
static uint64_t first_bytes(size_t n)
{
	static const char ones[16] = {
		-1, -1, -1, -1, -1, -1, -1, -1,
	};

	return load8(ones + 8 - n);
}

/* The tk_config_names index KEY (LEN bytes, in struct tk_conf's text)
 * stands for, -1 for none. */
static int key_index(const char *key, size_t len)
{
	/* The rows' letters are their bytes with 0x20 set ('_' and the
	 * padding have it clear); a byte of KEY | 0x20 equals a letter
	 * only when it is that letter in either case. */
	const uint64_t case_bit = UINT64_C(0x2020202020202020);
	const struct key *k, *last;
	uint64_t w, fold;

#define ROWS(a) (k = (a), last = (a) + sizeof (a) / sizeof (a)[0])
	/* Letters in either case: 'A'..'Z' | 0x20 is 'a'..'z', and no
	 * other byte lands there. */
	switch (key[0] | 0x20) {
	case 'b': ROWS(keys_b); break;
	case 'c': ROWS(keys_c); break;
	case 'd': ROWS(keys_d); break;
	case 'e': ROWS(keys_e); break;
	case 'f': ROWS(keys_f); break;
	case 'i': ROWS(keys_i); break;
	case 'l': ROWS(keys_l); break;
	case 'o': ROWS(keys_o); break;
	case 's': ROWS(keys_s); break;
	case 'u': ROWS(keys_u); break;
	default: return -1;
	}
#undef ROWS
	while (k->len != len)
		if (++k == last)
			return -1;
	/* Eight bytes at a time: the text has room past any key. */
	w = load8(k->word);
	fold = k->exact ? 0 : w & case_bit;
	if (((load8(key) | fold) ^ w) & first_bytes(len < 8 ? len : 8))
		return -1;
	if (len > 8) {
		w = load8(k->word + 8);
		fold = k->exact ? 0 : w & case_bit;
		if (((load8(key + 8) | fold) ^ w) & first_bytes(len - 8))
			return -1;
	}
	return k->n;
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
	l->present = 0;
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

/* What the scans of a line stop at: its end ('\n', or a NUL: the text's
 * end, or one inside the line), its comment, the '=' after its key; and
 * the blanks trimmed around a line, a key, a value, a section's name. */
#define AT_END 1u
#define AT_HASH 2u
#define AT_EQ 4u
#define BLANK 8u
static const unsigned char classes[256] = {
	['\0'] = AT_END, ['\n'] = AT_END, ['#'] = AT_HASH, ['='] = AT_EQ,
	[' '] = BLANK, ['\t'] = BLANK, ['\r'] = BLANK,
};

static bool blank(char ch)
{
	return (classes[(unsigned char)ch] & BLANK) != 0;
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
	if ((l->present & TK_NAME_BIT(n)) == 0) {
		l->present |= TK_NAME_BIT(n);
		l->found[l->count++] = (unsigned char)n;
	}
	/* A key given twice in a section: the later line wins, as the
	 * later of two exports does. */
	l->key[n] = key;
	l->value[n] = value;
	l->line[n] = line;
}

/* The program the [program] sections are matched with, asked for at the
 * first of them, and its base name. */
struct who {
	const char *base;
};

/* Which layer a [...] header opens (INSIDE..END, trimmed and
 * NUL-terminated): NULL for a section that does not apply to this program
 * (its keys are still checked); *BAD set for a header that does not
 * parse. */
static struct tk_conf_layer *section(struct tk_conf *c, struct who *who,
				     char *inside, const char *end,
				     const char **bad)
{
	size_t len = (size_t)(end - inside);
	char *name;

	*bad = NULL;
	if (len == 8 && same(inside, "defaults"))
		return &c->defaults;
	if (!(len >= 7 && inside[0] == 'p' && inside[1] == 'r' &&
	      inside[2] == 'o' && inside[3] == 'g' && inside[4] == 'r' &&
	      inside[5] == 'a' && inside[6] == 'm')) {
		*bad = "unknown section (expected [defaults] or [program NAME])";
		return NULL;
	}
	if (len == 7) {
		*bad = "[program] needs a program: an absolute path or a base name";
		return NULL;
	}
	if (!blank(inside[7])) {
		*bad = "unknown section (expected [defaults] or [program NAME])";
		return NULL;
	}
	/* INSIDE has no blank at its end: the name is not empty. */
	name = inside + 8;
	while (blank(*name))
		name++;
	if (name[0] != '/') {
		for (const char *s = name; s < end; s++)
			if (*s == '/') {
				*bad = "a program with a slash must be an absolute path";
				return NULL;
			}
	}
	if (c->program == NULL)
		c->program = tk_conf_exe(0, c->program_buf,
					 sizeof c->program_buf);
	if (c->program[0] == '\0')
		return NULL;
	if (name[0] == '/')
		return same(name, c->program) ? &c->by_path : NULL;
	if (who->base == NULL)
		who->base = base_name(c->program);
	return same(name, who->base) ? &c->by_name : NULL;
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
	struct one o = { c, tk_config_name_text[n], value, key, line };

	tk_config_defaults(&scratch);
	(void)tk_config_apply(&scratch, one_lookup, &o, one_warn, &o, NULL);
}

static char *scan(char *p, unsigned stop)
{
	while ((classes[(unsigned char)*p] & stop) == 0)
		p++;
	return p;
}

void tk_conf_parse(struct tk_conf *c)
{
	struct tk_conf_layer *layer = &c->defaults;
	bool skipping = false;	/* under a header that does not parse */
	char *p = c->text, *end = c->text + c->len;
	struct who who = { NULL };
	unsigned line = 0;

	/* The scans below stop at it rather than count. */
	*end = '\0';
	while (p < end) {
		char *text = p, *q, *eq = NULL, *tail, *key_end, *value;
		const char *bad;
		int n;

		line++;
		/* Blanks are none of the stops: skipped first, they are the
		 * line's leading blanks. */
		while (blank(*text))
			text++;
		/* One pass over the line: the first '=' before the comment,
		 * the comment, the end. */
		q = scan(text, AT_END | AT_HASH | AT_EQ);
		if (*q == '=') {
			eq = q;
			q = scan(q + 1, AT_END | AT_HASH);
		}
		tail = q;
		if (*q == '#')
			q = scan(q + 1, AT_END);
		p = q + 1;
		/* At a '\n' or a NUL: the text's end, or one inside. */
		if (*q != '\n' && q != end) {
			/* A NUL inside the line would hide the rest of
			 * it. */
			while (q < end && *q != '\n')
				q++;
			p = q + 1;
			problem(c, line, "the line holds a NUL byte", NULL,
				NULL, NULL);
			continue;
		}
		while (tail > text && blank(tail[-1]))
			tail--;
		if (text == tail)
			continue;
		*tail = '\0';
		if (text[0] == '[') {
			char *inside = text + 1, *inside_end = tail - 1;

			if (*inside_end != ']') {
				problem(c, line, "a section header ends with ]",
					NULL, NULL, NULL);
				layer = NULL;
				skipping = true;
				continue;
			}
			while (inside < inside_end && blank(*inside))
				inside++;
			while (inside_end > inside && blank(inside_end[-1]))
				inside_end--;
			*inside_end = '\0';
			layer = section(c, &who, inside, inside_end, &bad);
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
		if (eq == NULL) {
			problem(c, line, "not KEY = VALUE", NULL, NULL, NULL);
			continue;
		}
		/* TEXT starts with no blank, and ends with none past EQ. */
		key_end = eq;
		while (key_end > text && blank(key_end[-1]))
			key_end--;
		*key_end = '\0';
		value = eq + 1;
		while (value < tail && blank(*value))
			value++;
		n = key_index(text, (size_t)(key_end - text));
		if (n < 0) {
			problem(c, line, "unknown key", text, NULL, NULL);
			continue;
		}
		if (value[0] == '\0') {
			problem(c, line, "no value", text, NULL, NULL);
			continue;
		}
		if (layer != NULL)
			layer_put(layer, n, text, value, line);
		else if (c->check_all)
			check_one(c, n, text, value, line);
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
		if (same(tk_config_name_text[l->found[i]], name))
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
		tk_name_set present = layers[i]->present;

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

	/* The library's own (at load, at most once) as it is. */
	if (pid == 0) {
		got = tk_sys_readlink("/proc/self/exe", buf, len - 1);
	} else {
		put(proc, sizeof proc, &at, "/proc/");
		put_uint(proc, sizeof proc, &at, (unsigned)pid);
		put(proc, sizeof proc, &at, "/exe");
		got = tk_sys_readlink(proc, buf, len - 1);
	}
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
