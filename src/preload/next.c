/* SPDX-License-Identifier: MIT */
/* The next definition of a name, the way dlsym(RTLD_NEXT) finds it, but
 * without the loader: for all the names at once, one dl_iterate_phdr()
 * walk of the loaded objects, in the loader's order, looking each name up
 * in every object after ours through that object's own hash table.
 *
 * Why not dlsym(): each call is a full lookup under the loader's lock
 * (about 900 instructions on glibc), and the old glibc it must also run on
 * keeps dlsym() in libdl.so.2, which then has to be loaded and relocated
 * into every process (about 13,000 instructions).  Here a name absent from
 * an object costs one Bloom-filter test.
 *
 * The rules are the loader's for a lookup without a version: in a
 * versioned object an unversioned definition, else its one default
 * (non-hidden) version; the first object that has one wins.  An IFUNC (or
 * a TLS symbol) is left to dlsym(), which knows how to resolve it; none of
 * the names we bind is one in the C libraries we know.
 *
 * Objects appear in dl_iterate_phdr() in the order they were loaded: at
 * start that is the order of the global search list, which dlsym(RTLD_NEXT)
 * follows from a preloaded library.  One difference remains: an object
 * another library's constructor opened with dlopen(RTLD_LOCAL) before ours
 * ran is in the walk and not in that list; it can only matter for a name
 * no object loaded at start defines.
 *
 * The same lookup serves one name at a time (tk_next_find): the load
 * walks the objects once and records, for each after ours, where its
 * symbol, string, version and hash tables are (tk_next_record), and a
 * name is looked up in those records when it is first needed.  That
 * lookup only reads the tables the loader mapped read-only and the
 * records written before the binder published them (real.c): it takes
 * no lock and makes no call, and is async-signal-safe.  The records must
 * not outlive their objects: real.c says why they do not.  Recording
 * stops at the C library (the first object defining close()), since no
 * lookup of a name it defines reads further; it costs about 1,000
 * instructions in /bin/true where the walk of every name cost 7,100; a
 * name costs its lookup (a few hundred) when first called, and nothing
 * if never. */
#include "autoconfig.h"
#include "preload/next.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>

#ifndef STB_GNU_UNIQUE
# define STB_GNU_UNIQUE 10
#endif
#ifndef STT_GNU_IFUNC
# define STT_GNU_IFUNC 10
#endif

/* The most names one walk looks up. */
#define NAMES_MAX 48

/* The parts of one object's dynamic section a lookup reads. */
struct object {
	ElfW(Addr) base;
	const ElfW(Sym) *sym;
	const char *str;
	const ElfW(Versym) *versym;
	const uint32_t *gnu_hash;
	const uint32_t *sysv_hash;
};

struct walk {
	const char *const *names;
	size_t n;
	void **addr;
	enum tk_next *how;
	uint32_t gnu[NAMES_MAX];
	uint32_t sysv[NAMES_MAX];
	bool have_sysv[NAMES_MAX];
	size_t left;
	/* Every object (tk_next_default), or only those after ours. */
	bool searching;
};

/* The candidates for one name in one object. */
struct match {
	const ElfW(Sym) *sym;
	const ElfW(Sym) *versioned;
	unsigned nversioned;
};

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s != '\0'; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static uint32_t sysv_hash(const char *s)
{
	uint32_t h = 0, g;

	for (; *s != '\0'; s++) {
		h = (h << 4) + (unsigned char)*s;
		g = h & 0xf0000000u;
		if (g != 0)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* A dynamic-section address: glibc relocates most objects' entries in
 * place, musl and a read-only section (the vDSO's) keep them relative to
 * the base.  An object's own addresses are never below its base, nor its
 * offsets as high as a base the kernel would map it at. */
static const void *dyn_ptr(ElfW(Addr) base, ElfW(Addr) value)
{
	return (const void *)(value < base ? base + value : value);
}

/* The object at BASE whose dynamic section is DYN. */
static bool read_dynamic(ElfW(Addr) base, const ElfW(Dyn) *dyn,
			 struct object *o)
{
	if (dyn == NULL)
		return false;
	*o = (struct object){ .base = base };
	for (; dyn->d_tag != DT_NULL; dyn++) {
		ElfW(Addr) v = dyn->d_un.d_ptr;

		switch (dyn->d_tag) {
#if !defined __s390x__ && !defined __alpha__
		/* (Their DT_HASH entries are 64 bits wide.) */
		case DT_HASH:
			o->sysv_hash = dyn_ptr(o->base, v);
			break;
#endif
		case DT_STRTAB:
			o->str = dyn_ptr(o->base, v);
			break;
		case DT_SYMTAB:
			o->sym = dyn_ptr(o->base, v);
			break;
		case DT_GNU_HASH:
			o->gnu_hash = dyn_ptr(o->base, v);
			break;
		case DT_VERSYM:
			o->versym = dyn_ptr(o->base, v);
			break;
		default:
			break;
		}
	}
	return o->sym != NULL && o->str != NULL &&
	       (o->gnu_hash != NULL || o->sysv_hash != NULL);
}

static bool read_object(const struct dl_phdr_info *info, struct object *o)
{
	const ElfW(Dyn) *dyn = NULL;

	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr +
						  info->dlpi_phdr[i].p_vaddr);
	return read_dynamic(info->dlpi_addr, dyn, o);
}

/* strcmp() would be one more call for the loader to bind at start. */
static bool same(const char *a, const char *b)
{
	while (*a == *b && *a != '\0') {
		a++;
		b++;
	}
	return *a == *b;
}

static void consider(const struct object *o, uint32_t i, const char *name,
		     struct match *m)
{
	const ElfW(Sym) *s = &o->sym[i];
	unsigned type = ELF32_ST_TYPE(s->st_info);
	unsigned bind = ELF32_ST_BIND(s->st_info);

	if (m->sym != NULL || s->st_shndx == SHN_UNDEF ||
	    (s->st_value == 0 && type != STT_TLS))
		return;
	if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE &&
	    type != STT_COMMON && type != STT_TLS && type != STT_GNU_IFUNC)
		return;
	if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)
		return;
	if (!same(o->str + s->st_name, name))
		return;
	if (o->versym != NULL && (o->versym[i] & 0x7fff) >= 2) {
		/* Versioned: the default one counts, a hidden one never. */
		if ((o->versym[i] & 0x8000) == 0 && m->nversioned++ == 0)
			m->versioned = s;
		return;
	}
	m->sym = s;
}

static void find_gnu(const struct object *o, const char *name, uint32_t h,
		     struct match *m)
{
	enum { BITS = sizeof(ElfW(Addr)) * 8 };
	const uint32_t *t = o->gnu_hash;
	uint32_t nbuckets = t[0], symoffset = t[1], nwords = t[2], shift = t[3];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)(const void *)(t + 4);
	const uint32_t *buckets, *chain;
	ElfW(Addr) word, bits;
	uint32_t i;

	if (nbuckets == 0 || nwords == 0)
		return;
	word = bloom[(h / BITS) & (nwords - 1)];
	bits = ((ElfW(Addr))1 << (h % BITS)) |
	       ((ElfW(Addr))1 << ((h >> shift) % BITS));
	if ((word & bits) != bits)
		return;
	buckets = (const uint32_t *)(const void *)(bloom + nwords);
	chain = buckets + nbuckets;
	i = buckets[h % nbuckets];
	if (i == 0 || i < symoffset)
		return;
	for (;; i++) {
		uint32_t entry = chain[i - symoffset];

		if (((entry ^ h) >> 1) == 0)
			consider(o, i, name, m);
		if (entry & 1)
			break;
	}
}

static void find_sysv(const struct object *o, const char *name, uint32_t h,
		      struct match *m)
{
	const uint32_t *t = o->sysv_hash;
	uint32_t nbucket = t[0], nchain = t[1];
	const uint32_t *bucket = t + 2, *chain = bucket + nbucket;

	if (nbucket == 0)
		return;
	/* At most nchain steps: a damaged chain cannot loop us. */
	for (uint32_t i = bucket[h % nbucket], steps = 0;
	     i != STN_UNDEF && i < nchain && steps < nchain;
	     i = chain[i], steps++)
		consider(o, i, name, m);
}

/* NAME (its GNU hash H, its SysV hash *SYSV computed on first need) in
 * one object: TK_NEXT_NONE, or the answer and *ADDR. */
static enum tk_next find_in(const struct object *o, const char *name,
			    uint32_t h, uint32_t *sysv, bool *have_sysv,
			    void **addr)
{
	struct match m = { NULL, NULL, 0 };
	unsigned type;

	if (o->gnu_hash != NULL) {
		find_gnu(o, name, h, &m);
	} else {
		if (!*have_sysv) {
			*sysv = sysv_hash(name);
			*have_sysv = true;
		}
		find_sysv(o, name, *sysv, &m);
	}
	if (m.sym == NULL && m.nversioned == 1)
		m.sym = m.versioned;
	if (m.sym == NULL)
		return TK_NEXT_NONE;
	type = ELF32_ST_TYPE(m.sym->st_info);
	if (type == STT_GNU_IFUNC || type == STT_TLS)
		return TK_NEXT_ASK;
	*addr = (void *)((m.sym->st_shndx == SHN_ABS ? 0 : o->base) +
			 m.sym->st_value);
	return TK_NEXT_FOUND;
}

static void look_up(struct walk *w, const struct object *o)
{
	for (size_t k = 0; k < w->n; k++) {
		if (w->how[k] != TK_NEXT_NONE)
			continue;
		w->how[k] = find_in(o, w->names[k], w->gnu[k], &w->sysv[k],
				    &w->have_sysv[k], &w->addr[k]);
		if (w->how[k] != TK_NEXT_NONE)
			w->left--;
	}
}

/* Whether ADDR lies in one of the object's loaded segments. */
static bool holds(const struct dl_phdr_info *info, uintptr_t addr)
{
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && addr - start < ph->p_memsz)
			return true;
	}
	return false;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
	struct walk *w = data;
	struct object o;

	(void)size;
	if (!w->searching) {
		/* Ours: the walk starts at the next one. */
		w->searching = holds(info, (uintptr_t)&tk_next_lookup);
		return 0;
	}
	if (read_object(info, &o))
		look_up(w, &o);
	return w->left == 0;
}

static void walk(struct walk *w, const char *const *names, size_t n,
		 void **addr, enum tk_next *how)
{
	w->names = names;
	w->n = n;
	w->addr = addr;
	w->how = how;
	w->left = n;
	for (size_t k = 0; k < n; k++) {
		w->gnu[k] = gnu_hash(names[k]);
		w->have_sysv[k] = false;
		how[k] = TK_NEXT_NONE;
		addr[k] = NULL;
	}
	(void)dl_iterate_phdr(visit, w);
}

bool tk_next_lookup(const char *const *names, size_t n, void **addr,
		    enum tk_next *how)
{
	struct walk w;

	if (n > NAMES_MAX)
		return false;
	w.searching = false;
	walk(&w, names, n, addr, how);
	return w.searching;
}

void *tk_next_default(const char *name)
{
	struct walk w;
	void *addr;
	enum tk_next how;

	w.searching = true;
	walk(&w, &name, 1, &addr, &how);
	return how == TK_NEXT_FOUND ? addr : NULL;
}

/* The objects after ours, as the load found them, for the lookups made
 * one name at a time afterwards (tk_next_find).  Written once, before the
 * caller publishes them; read-only afterwards. */
static struct object recorded[TK_NEXT_OBJECTS_MAX];
static unsigned nrecorded;

struct record {
	const char *last, *also;
	bool searching;
	bool trusted;
};

/* Whether object O defines NAME (IFUNCs included). */
static bool defines(const struct object *o, const char *name)
{
	uint32_t sysv = 0;
	bool have_sysv = false;
	void *addr;

	return find_in(o, name, gnu_hash(name), &sysv, &have_sysv, &addr) !=
	       TK_NEXT_NONE;
}

/* The object just read into recorded[nrecorded] (READ: whether it could
 * be): whether the recording stops there. */
static bool record_one(struct record *r, bool read)
{
	const struct object *o = &recorded[nrecorded];

	if (!read)
		return false;
	nrecorded++;
	if (!defines(o, r->last))
		return false;
	r->trusted = defines(o, r->also);
	return true;
}

static int record_visit(struct dl_phdr_info *info, size_t size, void *data)
{
	struct record *r = data;

	(void)size;
	if (!r->searching) {
		r->searching = holds(info, (uintptr_t)&tk_next_lookup);
		return 0;
	}
	if (nrecorded == TK_NEXT_OBJECTS_MAX)
		return 1;
	return record_one(r, read_object(info, &recorded[nrecorded]));
}

#if defined __GLIBC__ && defined __x86_64__ && !defined __ILP32__
/* The objects after ours without dl_iterate_phdr(): that call, the one
 * import of the library the load makes, costs every process a lookup
 * by the loader (about 600 instructions) and the walk from the first
 * object.  The loader's record of this object (struct link_map, whose
 * first members <link.h> declares) starts the list of the objects after
 * it: glibc leaves its address in the second reserved entry of the
 * object's GOT when it prepares lazy binding, as the PLT stubs hand it
 * back to the loader.  Trusted only when it names our own dynamic section
 * (NULL where binding is not lazy: LD_BIND_NOW, -z now).  The list is
 * the one dl_iterate_phdr() walks, without its lock: the objects up to
 * the C library were loaded at start and stay, and only an object
 * opened later can be added or removed, at the end, past where the
 * recording stops (the C library, which the library needs, comes
 * before any of them); where this library was itself opened later, its
 * constructor runs under the loader's lock, which every addition and
 * removal takes. */
extern ElfW(Addr) _GLOBAL_OFFSET_TABLE_[] TCPKEEP_HIDDEN;
extern ElfW(Dyn) _DYNAMIC[] TCPKEEP_HIDDEN;

static const struct link_map *own_map(void)
{
	const struct link_map *self =
		(const struct link_map *)_GLOBAL_OFFSET_TABLE_[1];

	return self != NULL && self->l_ld == _DYNAMIC ? self : NULL;
}

static bool record_chain(struct record *r)
{
	const struct link_map *l = own_map();

	if (l == NULL)
		return false;
	r->searching = true;
	for (l = l->l_next; l != NULL; l = l->l_next) {
		if (nrecorded == TK_NEXT_OBJECTS_MAX ||
		    record_one(r, read_dynamic(l->l_addr, l->l_ld,
					       &recorded[nrecorded])))
			break;
	}
	return true;
}
#else
static bool record_chain(struct record *r)
{
	(void)r;
	return false;
}
#endif

bool tk_next_record(const char *last, const char *also)
{
	struct record r = { last, also, false, false };

	nrecorded = 0;
	if (!record_chain(&r))
		(void)dl_iterate_phdr(record_visit, &r);
	return r.searching && r.trusted;
}

enum tk_next tk_next_find(const char *name, unsigned from, unsigned *at,
			  void **addr)
{
	uint32_t h = gnu_hash(name), sysv = 0;
	bool have_sysv = false;

	for (unsigned i = from; i < nrecorded; i++) {
		enum tk_next how = find_in(&recorded[i], name, h, &sysv,
					   &have_sysv, addr);

		if (how != TK_NEXT_NONE) {
			*at = i;
			return how;
		}
	}
	return TK_NEXT_NONE;
}
