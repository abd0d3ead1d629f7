/* SPDX-License-Identifier: MIT */
/* See text.h. */
#include "autoconfig.h"
#include "common/text.h"

#include <string.h>

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

bool tk_word_is(const char *text, const char *word)
{
	/* Equal bytes need no folding (the words are mostly written as
	 * they are asked for); only NUL folds to NUL, so both end
	 * together. */
	for (size_t i = 0;; i++) {
		unsigned char t = (unsigned char)text[i];
		unsigned char w = (unsigned char)word[i];

		if (t != w && ascii_lower(t) != ascii_lower(w))
			return false;
		if (w == '\0')
			return true;
	}
}

size_t tk_escape_value(char *dst, size_t dstlen, const char *src, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0, taken = 0;

	if (dstlen == 0)
		return 0;
	for (; taken < max && src[taken] != '\0'; taken++) {
		unsigned char c = (unsigned char)src[taken];
		char esc[4];
		size_t n = 0;

		if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'') {
			esc[n++] = '\\';
			esc[n++] = 'x';
			esc[n++] = hex[c >> 4];
			esc[n++] = hex[c & 15];
		} else {
			esc[n++] = (char)c;
		}
		if (used + n + 4 > dstlen)
			break;
		memcpy(dst + used, esc, n);
		used += n;
	}
	if (src[taken] != '\0' && used + 4 <= dstlen) {
		memcpy(dst + used, "...", 3);
		used += 3;
	}
	dst[used] = '\0';
	return used;
}

/* Exact equality, for the same reason as tk_word_is. */
bool tk_text_same(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] != '\0' && a[i] == b[i])
		i++;
	return a[i] == b[i];
}
