/* SPDX-License-Identifier: MIT */
/* The values of the settings (libtcpkeep(7), ENVIRONMENT): each parser
 * and what it accepts, shared by the environment, the configuration file
 * and the tools' validation.
 *
 * Nothing here allocates, locks or touches stdio: the library runs it from
 * its constructor. */
#include "autoconfig.h"
#include "common/config.h"
#include "common/text.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char tk_accepts_bool[] = "1, 0, on, off, yes, no, true or false";
const char tk_accepts_keepalive[] =
	"1, 0, on, off, skip, yes, no, true or false";
const char tk_accepts_seconds[] =
	"whole seconds from 1 to 32767, bare or with a unit (30, 90s, 2m, 1h, 5000ms)";
const char tk_accepts_count[] = "a whole number from 1 to 127";
const char tk_accepts_syncnt[] = "a whole number from 1 to 127";
const char tk_accepts_syncnt_alias[] =
	"a whole number from 1 to 127, or 0 for the system default";
const char tk_accepts_maxseg[] =
	"a whole number of bytes from 88 to 32767, or 0 for the system default";
const char tk_accepts_window_clamp[] =
	"a whole number of bytes from 1 to 2147483647, or 0 for the system default";
const char tk_accepts_defer_accept[] =
	"whole seconds from 1 to 2147483647, or 0 for the system default";
const char tk_accepts_user_timeout[] =
	"milliseconds from 0 to 2147483647, bare or with a unit (1500, 1500ms, 30s, 2m, 1h), or auto";
const char tk_accepts_direction[] = "both, out or in";
const char tk_accepts_log[] = "stderr, syslog, none or an absolute file path";
const char tk_accepts_behind[] =
	"aws-nlb, azure-lb, gcp-vpc or whole seconds from 2 to 86400, bare or with a unit (350, 4m, 1h)";
const char tk_accepts_rules[] =
	"rules separated by commas or spaces: loopback, ADDR[/LEN], :PORT[-PORT], ADDR[/LEN]:PORT[-PORT] or [IPV6[/LEN]]:PORT[-PORT]";


int tk_parse_bool(const char *text, bool *out)
{
	/* Characters, not pointers: no relocation at load. */
	static const char yes[][5] = { "1", "on", "yes", "true" };
	static const char no[][6] = { "0", "off", "no", "false" };

	if (text == NULL)
		return -1;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (tk_word_is(text, yes[i])) {
			*out = true;
			return 0;
		}
		if (tk_word_is(text, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int tk_parse_enable(const char *var, const char *text, bool *out)
{
	/* The HOWTO's libkeepalive: KEEPALIVE=skip leaves sockets alone. */
	if (text != NULL && var != NULL && tk_text_same(var, "KEEPALIVE") &&
	    tk_word_is(text, "skip")) {
		*out = false;
		return 0;
	}
	return tk_parse_bool(text, out);
}

/* Digits only: strtoul would accept leading blanks, a sign (and wrap a
 * negative number around), and "0x". */
int tk_parse_digits(const char **cursor, uint64_t *out)
{
	const char *p = *cursor;
	uint64_t value = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');

		/* value * 10 + digit past UINT64_MAX, without a division. */
		if (value > UINT64_MAX / 10 ||
		    (value == UINT64_MAX / 10 && digit > UINT64_MAX % 10))
			return -1;
		value = value * 10 + digit;
	}
	*cursor = p;
	*out = value;
	return 0;
}

int tk_parse_duration_ms(const char *text, enum tk_unit bare_unit,
			 uint64_t *out_ms)
{
	const char *p = text;
	uint64_t value, scale = 0;

	if (text == NULL || tk_parse_digits(&p, &value) < 0)
		return -1;
	/* The units, exactly: ms, s, m, h. */
	if (p[0] == '\0')
		scale = bare_unit == TK_UNIT_MS ? 1 : 1000;
	else if (p[0] == 'm' && p[1] == 's' && p[2] == '\0')
		scale = 1;
	else if (p[1] == '\0')
		scale = p[0] == 's' ? 1000 : p[0] == 'm' ? 60000 :
			p[0] == 'h' ? 3600000 : 0;
	if (scale == 0 || value > UINT64_MAX / scale)
		return -1;
	*out_ms = value * scale;
	return 0;
}

int tk_parse_seconds(const char *text, int *out_s)
{
	uint64_t ms;

	if (tk_parse_duration_ms(text, TK_UNIT_S, &ms) < 0 || ms % 1000 != 0)
		return -1;
	if (ms < 1000 || ms / 1000 > TK_SECONDS_MAX)
		return -1;
	*out_s = (int)(ms / 1000);
	return 0;
}

int tk_parse_count(const char *text, int *out)
{
	const char *p = text;
	uint64_t value;

	if (text == NULL || tk_parse_digits(&p, &value) < 0 || *p != '\0')
		return -1;
	if (value < 1 || value > TK_CNT_MAX)
		return -1;
	*out = (int)value;
	return 0;
}

int tk_parse_int_range(const char *text, int lo, int hi, int *out)
{
	const char *p = text;
	uint64_t value;

	if (text == NULL || tk_parse_digits(&p, &value) < 0 || *p != '\0')
		return -1;
	if (value < (uint64_t)lo || value > (uint64_t)hi)
		return -1;
	*out = (int)value;
	return 0;
}

int tk_parse_user_timeout(const char *text, unsigned *out_ms, bool *is_auto)
{
	uint64_t ms;

	if (text != NULL && tk_word_is(text, "auto")) {
		*is_auto = true;
		return 0;
	}
	if (tk_parse_duration_ms(text, TK_UNIT_MS, &ms) < 0 ||
	    ms > TK_USER_TIMEOUT_MAX)
		return -1;
	*out_ms = (unsigned)ms;
	*is_auto = false;
	return 0;
}

int tk_parse_direction(const char *text, enum tk_direction *out)
{
	if (text == NULL)
		return -1;
	if (tk_word_is(text, "both"))
		*out = TK_DIR_BOTH;
	else if (tk_word_is(text, "out"))
		*out = TK_DIR_OUT;
	else if (tk_word_is(text, "in"))
		*out = TK_DIR_IN;
	else
		return -1;
	return 0;
}

int tk_parse_log(const char *text, enum tk_log_dest *out,
		 char *path, size_t pathlen)
{
	size_t len;

	if (text == NULL)
		return -1;
	if (tk_word_is(text, "stderr")) {
		*out = TK_LOG_STDERR;
		return 0;
	}
	if (tk_word_is(text, "syslog")) {
		*out = TK_LOG_SYSLOG;
		return 0;
	}
	if (tk_word_is(text, "none")) {
		*out = TK_LOG_NONE;
		return 0;
	}
	len = strlen(text);
	if (text[0] != '/' || len >= pathlen || path == NULL)
		return -1;
	memcpy(path, text, len + 1);
	*out = TK_LOG_FILE;
	return 0;
}

int tk_parse_behind(const char *text, unsigned *out_s)
{
	/* The idle timeouts their providers document (tcpkeep(1), --behind
	 * cites each). */
	static const struct {
		char name[9];
		unsigned seconds;
	} named[] = {
		{ "aws-nlb", 350 }, { "azure-lb", 240 }, { "gcp-vpc", 600 },
	};
	uint64_t ms;

	if (text == NULL)
		return -1;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (tk_word_is(text, named[i].name)) {
			*out_s = named[i].seconds;
			return 0;
		}
	if (tk_parse_duration_ms(text, TK_UNIT_S, &ms) < 0 || ms % 1000 != 0 ||
	    ms < 2000 || ms > 86400000)
		return -1;
	*out_s = (unsigned)(ms / 1000);
	return 0;
}
