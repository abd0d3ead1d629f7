/* SPDX-License-Identifier: MIT */
/* Which library file a program of a given ABI loads.  The wrapper writes
 * one LD_PRELOAD value for every ABI, PREFIX/$LIB/libtcpkeep.so: each
 * program's loader expands $LIB to a directory of its own ABI (configure
 * measured the expansions, TK_LIB_TOKEN and TK_LIB_TOKEN_I386).  A program
 * whose ABI has no library there would get the loader's error line; the
 * wrapper warns and leaves the library out for it instead (libtcpkeep(7),
 * "Both ABIs"). */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/helper.h"

#define TK_EM_386 3
#define TK_EM_X86_64 62

/* The $LIB expansion of the loader of an ELF CLASS (1: 32-bit, 2: 64-bit)
 * and MACHINE program, or NULL when this build knows none. */
static const char *lib_token(unsigned elf_class, unsigned machine)
{
	const char *token = NULL;

#if defined __x86_64__ || defined __i386__
	if (elf_class == 2 && machine == TK_EM_X86_64)
		token = TK_LIB_TOKEN;
	else if (elf_class == 1 && machine == TK_EM_386)
		token = TK_LIB_TOKEN_I386;
#else
	(void)elf_class;
	(void)machine;
	token = TK_LIB_TOKEN;
#endif
	/* The tokens are configure's literals, empty where it measured none;
	 * cppcheck judges the one of this build only. */
	// cppcheck-suppress knownConditionTrueFalse
	return token != NULL && token[0] != '\0' ? token : NULL;
}

const char *abi_name(unsigned elf_class, unsigned machine)
{
	if (elf_class == 2 && machine == TK_EM_X86_64)
		return "64-bit (amd64)";
	if (elf_class == 1 && machine == TK_EM_386)
		return "32-bit (i386)";
	return elf_class == 1 ? "32-bit" : "64-bit";
}

/* LIBRARY with each $LIB and ${LIB} replaced by TOKEN, into OUT. */
static bool expand(const char *library, const char *token, char *out,
		   size_t len)
{
	size_t n = 0;

	for (const char *p = library; *p != '\0';) {
		const char *add = p;
		size_t addlen = 1, skip = 1;

		if (strncmp(p, "$LIB", 4) == 0) {
			add = token, addlen = strlen(token), skip = 4;
		} else if (strncmp(p, "${LIB}", 6) == 0) {
			add = token, addlen = strlen(token), skip = 6;
		}
		if (n + addlen >= len)
			return false;
		memcpy(out + n, add, addlen);
		n += addlen;
		p += skip;
	}
	out[n] = '\0';
	return true;
}

/* Is PATH a readable ELF shared object of this CLASS and MACHINE? */
static bool object_of(const char *path, unsigned elf_class, unsigned machine)
{
	unsigned char eh[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, eh, sizeof eh) == (ssize_t)sizeof eh &&
	     memcmp(eh, "\177ELF", 4) == 0 && eh[4] == elf_class &&
	     (eh[5] == 2 ? (unsigned)(eh[18] << 8 | eh[19]) :
			   (unsigned)(eh[18] | eh[19] << 8)) == machine;
	close(fd);
	return ok;
}

bool abi_library(const char *library, unsigned elf_class, unsigned machine,
		 char *out, size_t len)
{
	const char *token = lib_token(elf_class, machine);

	if (strstr(library, "$LIB") != NULL || strstr(library, "${LIB}") != NULL) {
		if (token == NULL) {
			snprintf(out, len, "%s", library);
			return false;
		}
		if (!expand(library, token, out, len))
			return false;
	} else {
		snprintf(out, len, "%s", library);
	}
	return object_of(out, elf_class, machine);
}
