/* SPDX-License-Identifier: MIT */
/* Text helpers of the parsers (config.c, rules.c) and of everything that
 * quotes a value back to the user.  Safe inside the preload library: no
 * allocation, no locale, no libc function bound at load (make bench,
 * start-up). */
#ifndef TCPKEEP_TEXT_H
#define TCPKEEP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* TEXT equals WORD, ASCII letters in either case: strcasecmp(3) without
 * the locale. */
bool tk_word_is(const char *text, const char *word);
/* Exact equality, byte by byte (no locale, no libc call). */
bool tk_text_same(const char *a, const char *b);

/* Copies at most MAX bytes of SRC into DST for a message, control
 * characters, quotes and backslashes as \xNN, "..." appended when cut.
 * Always NUL-terminates (DSTLEN > 0).  Returns the length written. */
size_t tk_escape_value(char *dst, size_t dstlen, const char *src, size_t max);

#endif
