/* SPDX-License-Identifier: MIT */
/* Why the loader refused a library: the glibc symbol versions it needs
 * that the C library of this process lacks.  A missing version stops a
 * program before main(), so --check asks here, in a helper started
 * without the library, what the file needs (its version needs, the
 * .gnu.version_r the loader reads, found through the dynamic segment). */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/helper.h"

#define TK_PT_LOAD 1
#define TK_PT_DYNAMIC 2
#define TK_DT_STRTAB 5
#define TK_DT_STRSZ 10
#define TK_DT_VERNEED 0x6ffffffe
#define TK_DT_VERNEEDNUM 0x6fffffff
#define TK_MAX_FILE (64u << 20)

struct image {
	unsigned char *p;
	size_t n;
	bool le, is64;
	bool bad;	/* a read fell outside the file */
};

static uint64_t at(struct image *im, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	if (off > im->n || size > im->n - off) {
		im->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < size; i++) {
		unsigned shift = im->le ? 8 * i : 8 * (size - 1 - i);
		v |= (uint64_t)im->p[off + i] << shift;
	}
	return v;
}

/* The file offset of address VADDR, through the PT_LOAD that maps it. */
static bool file_offset(struct image *im, uint64_t phoff, uint64_t phentsize,
			uint64_t phnum, uint64_t vaddr, uint64_t *off)
{
	unsigned w = im->is64 ? 8 : 4;

	for (uint64_t i = 0; i < phnum && !im->bad; i++) {
		uint64_t ph = phoff + i * phentsize;
		uint64_t poff = at(im, ph + w, w);
		uint64_t pvaddr = at(im, ph + 2 * w, w);
		uint64_t filesz = at(im, ph + (im->is64 ? 32 : 16), w);

		if (at(im, ph, 4) == TK_PT_LOAD && vaddr >= pvaddr &&
		    vaddr - pvaddr < filesz) {
			*off = poff + (vaddr - pvaddr);
			return true;
		}
	}
	return false;
}

/* "2.34" against "2.31": positive when A is the newer version. */
static int compare_versions(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		unsigned long x = strtoul(a, (char **)&a, 10);
		unsigned long y = strtoul(b, (char **)&b, 10);

		if (x != y)
			return x > y ? 1 : -1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if ((*a != '\0' && (*a < '0' || *a > '9')) ||
		    (*b != '\0' && (*b < '0' || *b > '9')))
			break;
	}
	return 0;
}

/* The versions found newer than the C library's, each once. */
struct missing {
	char name[32][32];
	unsigned count;
};

static void note_version(struct missing *m, const char *name,
			 const char *have)
{
	if (strncmp(name, "GLIBC_", 6) != 0 || name[6] < '0' || name[6] > '9' ||
	    strlen(name) >= sizeof m->name[0] ||
	    compare_versions(name + 6, have) <= 0)
		return;
	for (unsigned i = 0; i < m->count; i++)
		if (strcmp(m->name[i], name) == 0)
			return;
	if (m->count < sizeof m->name / sizeof m->name[0])
		strcpy(m->name[m->count++], name);
}

static int newest_first(const void *a, const void *b)
{
	return compare_versions((const char *)b + 6, (const char *)a + 6);
}

static void walk_verneed(struct image *im, uint64_t vn, uint64_t num,
			 uint64_t str, uint64_t strsz, const char *have,
			 struct missing *m)
{
	for (uint64_t i = 0; i < num && i < 64 && !im->bad; i++) {
		uint64_t cnt = at(im, vn + 2, 2);
		uint64_t aux = vn + at(im, vn + 8, 4);

		for (uint64_t j = 0; j < cnt && j < 256 && !im->bad; j++) {
			uint64_t name = at(im, aux + 8, 4);
			char buf[64];

			if (name < strsz && str + name < im->n) {
				snprintf(buf, sizeof buf, "%.*s",
					 (int)strnlen((const char *)im->p + str + name,
						      im->n - str - name),
					 (const char *)im->p + str + name);
				note_version(m, buf, have);
			}
			if (at(im, aux + 12, 4) == 0)
				break;
			aux += at(im, aux + 12, 4);
		}
		if (at(im, vn + 12, 4) == 0)
			break;
		vn += at(im, vn + 12, 4);
	}
}

static void scan(struct image *im, const char *have, struct missing *m)
{
	uint64_t phoff, phentsize, phnum, dyn = 0, dynsz = 0;
	uint64_t strtab = 0, strsz = 0, verneed = 0, verneednum = 0;
	uint64_t str, vn;
	unsigned w;

	if (im->n < 52 || memcmp(im->p, "\177ELF", 4) != 0 ||
	    (im->p[4] != 1 && im->p[4] != 2) || (im->p[5] != 1 && im->p[5] != 2))
		return;
	im->is64 = im->p[4] == 2;
	im->le = im->p[5] == 1;
	w = im->is64 ? 8 : 4;
	phoff = at(im, im->is64 ? 32 : 28, w);
	phentsize = at(im, im->is64 ? 54 : 42, 2);
	phnum = at(im, im->is64 ? 56 : 44, 2);
	if (phentsize < (im->is64 ? 56u : 32u))
		return;
	for (uint64_t i = 0; i < phnum && !im->bad; i++) {
		uint64_t ph = phoff + i * phentsize;

		if (at(im, ph, 4) == TK_PT_DYNAMIC) {
			dyn = at(im, ph + w, w);
			dynsz = at(im, ph + (im->is64 ? 32 : 16), w);
		}
	}
	for (uint64_t d = dyn; dynsz != 0 && d + 2 * w <= dyn + dynsz && !im->bad;
	     d += 2 * w) {
		uint64_t tag = at(im, d, w), val = at(im, d + w, w);

		if (tag == 0)
			break;
		if (tag == TK_DT_STRTAB)
			strtab = val;
		else if (tag == TK_DT_STRSZ)
			strsz = val;
		else if (tag == TK_DT_VERNEED)
			verneed = val;
		else if (tag == TK_DT_VERNEEDNUM)
			verneednum = val;
	}
	if (im->bad || verneed == 0 || verneednum == 0 ||
	    !file_offset(im, phoff, phentsize, phnum, strtab, &str) ||
	    !file_offset(im, phoff, phentsize, phnum, verneed, &vn))
		return;
	walk_verneed(im, vn, verneednum, str, strsz, have, m);
}

unsigned glibc_versions_missing(const char *library, const char *have,
				char *out, size_t len)
{
	struct image im = { NULL, 0, true, true, false };
	struct missing m;
	struct stat st;
	size_t used = 0;
	int fd;

	if (len == 0)
		return 0;
	out[0] = '\0';
	m.count = 0;
	fd = open(library, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (uint64_t)st.st_size <= TK_MAX_FILE) {
		im.n = (size_t)st.st_size;
		im.p = malloc(im.n);
		if (im.p != NULL && pread(fd, im.p, im.n, 0) == (ssize_t)im.n)
			scan(&im, have, &m);
		free(im.p);
	}
	close(fd);
	qsort(m.name, m.count, sizeof m.name[0], newest_first);
	for (unsigned i = 0; i < m.count && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 i == 0 ? "" : ", ", m.name[i]);
	return m.count;
}
