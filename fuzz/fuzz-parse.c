/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: every value parser of src/config.c on one string,
 * with the properties libtcpkeep(7), ENVIRONMENT, promises checked on what they
 * accept. */
#include "autoconfig.h"
#include "common/config.h"

#include "fuzz.h"

static void check_escape(const char *s, size_t dstlen, size_t max)
{
	char out[256];
	size_t len;

	memset(out, 'Z', sizeof out);
	len = tk_escape_value(out, dstlen, s, max);
	if (dstlen == 0) {
		CHECK(len == 0 && out[0] == 'Z');
		return;
	}
	CHECK(len < dstlen);
	CHECK(out[len] == '\0' && strlen(out) == len);
	CHECK(out[dstlen - 1 < sizeof out - 1 ? dstlen : sizeof out - 1] == 'Z' ||
	      dstlen >= sizeof out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];
		CHECK(c >= 0x20 && c != 0x7f && c != '\'');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	bool b, is_auto = false;
	uint64_t ms_s, ms_ms;
	int secs = -1, cnt = -1;
	unsigned ut = 12345;
	enum tk_direction dir;
	enum tk_log_dest dest;
	char path[TK_LOG_PATH_MAX], small[8];

	(void)tk_parse_bool(s, &b);

	if (tk_parse_duration_ms(s, TK_UNIT_S, &ms_s) == 0) {
		/* The unit only matters for a bare number. */
		CHECK(tk_parse_duration_ms(s, TK_UNIT_MS, &ms_ms) == 0);
		CHECK(ms_s == ms_ms || ms_s == ms_ms * 1000);
	}
	if (tk_parse_seconds(s, &secs) == 0) {
		CHECK(secs >= 1 && secs <= TK_SECONDS_MAX);
		CHECK(tk_parse_duration_ms(s, TK_UNIT_S, &ms_s) == 0 &&
		      ms_s == (uint64_t)secs * 1000);
	}
	if (tk_parse_count(s, &cnt) == 0)
		CHECK(cnt >= 1 && cnt <= TK_CNT_MAX);
	if (tk_parse_user_timeout(s, &ut, &is_auto) == 0) {
		if (is_auto)
			CHECK(ut == 12345);
		else
			CHECK(ut <= TK_USER_TIMEOUT_MAX);
	}
	if (tk_parse_direction(s, &dir) == 0)
		CHECK(dir == TK_DIR_BOTH || dir == TK_DIR_OUT || dir == TK_DIR_IN);
	if (tk_parse_log(s, &dest, path, sizeof path) == 0 && dest == TK_LOG_FILE) {
		CHECK(path[0] == '/' && strlen(path) < sizeof path);
		CHECK(strcmp(path, s) == 0);
	}
	if (tk_parse_log(s, &dest, small, sizeof small) == 0 && dest == TK_LOG_FILE)
		CHECK(strlen(small) < sizeof small);

	check_escape(s, 0, 64);
	check_escape(s, 1, 64);
	check_escape(s, 5, 64);
	check_escape(s, 200, 64);
	check_escape(s, 256, size + 1);
	free(s);
	return 0;
}
