/* SPDX-License-Identifier: MIT */
/* Shared by the libFuzzer harnesses: a failed invariant is a crash, which
 * libFuzzer records with the input that caused it. */
#ifndef TCPKEEP_FUZZ_H
#define TCPKEEP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* DATA as a NUL-terminated string in a buffer of exactly SIZE + 1 bytes,
 * so that AddressSanitizer sees any read past the terminator. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
