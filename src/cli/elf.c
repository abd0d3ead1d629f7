/* SPDX-License-Identifier: MIT */
/* What LD_PRELOAD cannot reach: statically linked and Go executables (read
 * from the ELF headers), set-user-ID, set-group-ID and file capabilities. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli/helper.h"

/* What the ELF headers say.  Only what the warnings need. */
struct elf_facts {
	bool elf;
	bool interp;	/* has PT_INTERP: the dynamic loader runs first */
	bool go;	/* Go build ID note or build info section */
	unsigned elf_class;	/* 1: 32-bit, 2: 64-bit */
	unsigned machine;	/* e_machine */
};

struct elf_reader {
	int fd;
	bool le;
	bool is64;
};

static uint64_t get(const struct elf_reader *r, const unsigned char *p,
		    unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned shift = r->le ? 8 * i : 8 * (size - 1 - i);
		v |= (uint64_t)p[i] << shift;
	}
	return v;
}

static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	if (off > (uint64_t)INT64_MAX)
		return false;
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* Go writes its build ID into a note owned by "Go" (type 4); section
 * headers can be stripped away, program headers cannot. */
static bool note_segment_is_go(const struct elf_reader *r, uint64_t off,
			       uint64_t size)
{
	unsigned char buf[4096];
	size_t pos = 0;

	if (size > sizeof buf)
		size = sizeof buf;
	if (size < 12 || !read_at(r->fd, buf, (size_t)size, off))
		return false;
	while (pos + 12 <= size) {
		uint64_t namesz = get(r, buf + pos, 4);
		uint64_t descsz = get(r, buf + pos + 4, 4);
		uint64_t type = get(r, buf + pos + 8, 4);
		const unsigned char *name = buf + pos + 12;

		if (namesz == 3 && pos + 15 <= size &&
		    memcmp(name, "Go", 3) == 0 && type == 4)
			return true;
		pos += 12 + ((namesz + 3) & ~(uint64_t)3) +
			((descsz + 3) & ~(uint64_t)3);
	}
	return false;
}

static bool sections_are_go(const struct elf_reader *r, uint64_t shoff,
			    uint64_t shentsize, uint64_t shnum,
			    uint64_t shstrndx)
{
	unsigned char sh[64];
	char names[65536];
	uint64_t str_off, str_size;
	unsigned name_at = 0, off_at = r->is64 ? 24 : 16;
	unsigned size_at = r->is64 ? 32 : 20, word = r->is64 ? 8 : 4;

	if (shoff == 0 || shentsize < (r->is64 ? 64u : 40u) || shentsize > 256)
		return false;
	/* Extended numbering: the real counts sit in section 0. */
	if (shnum == 0 || shstrndx == 0xffff) {
		if (!read_at(r->fd, sh, r->is64 ? 64 : 40, shoff))
			return false;
		if (shnum == 0)
			shnum = get(r, sh + size_at, word);
		if (shstrndx == 0xffff)
			shstrndx = get(r, sh + (r->is64 ? 40 : 24), 4);
	}
	if (shnum > 65536 || shstrndx >= shnum)
		return false;
	if (!read_at(r->fd, sh, r->is64 ? 64 : 40, shoff + shstrndx * shentsize))
		return false;
	str_off = get(r, sh + off_at, word);
	str_size = get(r, sh + size_at, word);
	if (str_size == 0)
		return false;
	if (str_size > sizeof names - 1)
		str_size = sizeof names - 1;
	if (!read_at(r->fd, names, (size_t)str_size, str_off))
		return false;
	names[str_size] = '\0';
	for (uint64_t i = 0; i < shnum; i++) {
		uint64_t name;

		if (!read_at(r->fd, sh, r->is64 ? 64 : 40, shoff + i * shentsize))
			return false;
		name = get(r, sh + name_at, 4);
		if (name >= str_size)
			continue;
		if (strcmp(names + name, ".note.go.buildid") == 0 ||
		    strcmp(names + name, ".go.buildinfo") == 0)
			return true;
	}
	return false;
}

static void inspect_elf(int fd, struct elf_facts *f)
{
	unsigned char eh[64], ph[56];
	struct elf_reader r = { fd, true, true };
	uint64_t type, phoff, phentsize, phnum, shoff, shentsize, shnum, shstrndx;

	memset(f, 0, sizeof *f);
	if (!read_at(fd, eh, 16, 0) || memcmp(eh, "\177ELF", 4) != 0)
		return;
	if ((eh[4] != 1 && eh[4] != 2) || (eh[5] != 1 && eh[5] != 2))
		return;
	r.is64 = eh[4] == 2;
	r.le = eh[5] == 1;
	if (!read_at(fd, eh, r.is64 ? 64 : 52, 0))
		return;
	type = get(&r, eh + 16, 2);
	if (type != 2 && type != 3)	/* ET_EXEC, ET_DYN */
		return;
	f->elf = true;
	f->elf_class = eh[4];
	f->machine = (unsigned)get(&r, eh + 18, 2);
	if (r.is64) {
		phoff = get(&r, eh + 32, 8);
		shoff = get(&r, eh + 40, 8);
		phentsize = get(&r, eh + 54, 2);
		phnum = get(&r, eh + 56, 2);
		shentsize = get(&r, eh + 58, 2);
		shnum = get(&r, eh + 60, 2);
		shstrndx = get(&r, eh + 62, 2);
	} else {
		phoff = get(&r, eh + 28, 4);
		shoff = get(&r, eh + 32, 4);
		phentsize = get(&r, eh + 42, 2);
		phnum = get(&r, eh + 44, 2);
		shentsize = get(&r, eh + 46, 2);
		shnum = get(&r, eh + 48, 2);
		shstrndx = get(&r, eh + 50, 2);
	}
	if (phentsize >= (r.is64 ? 56u : 32u)) {
		for (uint64_t i = 0; i < phnum; i++) {
			uint64_t ptype, off, size;

			if (!read_at(fd, ph, r.is64 ? 56 : 32, phoff + i * phentsize))
				break;
			ptype = get(&r, ph, 4);
			off = get(&r, ph + (r.is64 ? 8 : 4), r.is64 ? 8 : 4);
			size = get(&r, ph + (r.is64 ? 32 : 16), r.is64 ? 8 : 4);
			if (ptype == 3)		/* PT_INTERP */
				f->interp = true;
			else if (ptype == 4 && !f->go)	/* PT_NOTE */
				f->go = note_segment_is_go(&r, off, size);
		}
	}
	if (!f->go)
		f->go = sections_are_go(&r, shoff, shentsize, shnum, shstrndx);
}

/* Would exec() of this file run in the loader's secure mode, where it
 * ignores LD_PRELOAD paths?  Only when the IDs actually change (root
 * running a set-user-ID-root file does not), never on a nosuid mount. */
static void privilege_reasons(const char *path, const struct stat *st,
			      const char **suid, const char **sgid,
			      const char **caps)
{
	struct statvfs vfs;
	bool nosuid = statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID);

	*suid = *sgid = *caps = NULL;
	if (nosuid)
		return;
	if ((st->st_mode & S_ISUID) && st->st_uid != getuid())
		*suid = "is set-user-ID";
	if ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) &&
	    st->st_gid != getgid())
		*sgid = "is set-group-ID";
	/* Capabilities granted by the file change nothing for root. */
	if (getuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0)
		*caps = "has file capabilities";
}

bool warn_unreachable(const char *name, const char *path,
		      const char *library)
{
	const char *reason[6];
	const char *suid, *sgid, *caps;
	char file[4096], no_abi[4096 + 128];
	unsigned n = 0;
	bool leave_out = false;
	struct elf_facts f;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;	/* execute-only file: nothing to read */
	if (fstat(fd, &st) < 0) {
		close(fd);
		return false;
	}
	inspect_elf(fd, &f);
	close(fd);
	privilege_reasons(path, &st, &suid, &sgid, &caps);

	if (f.elf && !f.interp)
		reason[n++] = "is statically linked";
	if (f.go)
		reason[n++] = "is a Go program (Go makes its own system calls)";
	/* A dynamic program of an ABI without a library: its loader would
	 * print an error line for our LD_PRELOAD entry (abi.c). */
	if (f.elf && f.interp && !f.go &&
	    !abi_library(library, f.elf_class, f.machine, file, sizeof file)) {
		snprintf(no_abi, sizeof no_abi,
			 "is a %s program and there is no libtcpkeep.so for it (%s)",
			 abi_name(f.elf_class, f.machine), file);
		reason[n++] = no_abi;
		leave_out = true;
	}
	if (suid)
		reason[n++] = suid;
	if (sgid)
		reason[n++] = sgid;
	if (caps)
		reason[n++] = caps;
	if (n == 0)
		return false;
	fprintf(stderr, "%s: warning: '%s'", tk_me, name);
	for (unsigned i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i == 0 ? "" : (i + 1 == n ? " and" : ","),
			reason[i]);
	fprintf(stderr, ", so LD_PRELOAD cannot reach it: running it without keepalive settings\n");
	return leave_out;
}
