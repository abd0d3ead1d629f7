/* SPDX-License-Identifier: MIT */
/* The oldest glibc the library loads into: 2.17 (CentOS 7, Ubuntu 18.04).
 * A symbol version the process's C library lacks stops every program at
 * start, so the library must not need any version newer than that,
 * whichever glibc it was built with.  One call of ours got a new default
 * version after 2.17, and is bound here to the version every glibc since
 * the first of each ABI has, and keeps:
 *
 *   fstat   a function of its own only since 2.33; before, it was an
 *           inline call of __fxstat with the layout version of struct stat,
 *           which every later glibc still exports.
 *
 * memcpy() has a newer default version on x86-64 (GLIBC_2.14) too: the
 * library's calls, the common code's included, go to its own copy loop
 * instead, at link time (configure.ac's --wrap, src/preload/libc.c).
 *
 * dlsym(), which moved from libdl.so.2 into libc.so.6 in 2.34, is not
 * linked at all: the binder finds the real functions itself (next.c), and
 * dlsym() too when it needs it, so no libdl.so.2 is listed either.
 *
 * configure defines TK_GLIBC_FLOOR when it built against glibc on an ABI
 * listed here and a shared object bound this way links (both ABIs of an
 * x86-64 host); the musl and other builds are untouched.  tests/preload/glibc-floor.tap
 * reads the versions the built libraries need.
 *
 * Include after the system headers: fstat() becomes a macro here. */
#ifndef TCPKEEP_GLIBC_FLOOR_H
#define TCPKEEP_GLIBC_FLOOR_H

#ifdef TK_GLIBC_FLOOR

#include <sys/stat.h>

/* The version each ABI's glibc started with, and the layout version
 * (_STAT_VER) its headers passed to __fxstat before 2.33. */
# if defined __x86_64__ && !defined __ILP32__
#  define TK_FXSTAT "__fxstat@GLIBC_2.2.5"
#  define TK_STAT_VER 1
# elif defined __i386__
#  if defined _FILE_OFFSET_BITS && _FILE_OFFSET_BITS == 64
/* struct stat is struct stat64's layout here: the large-file call. */
#   define TK_FXSTAT "__fxstat64@GLIBC_2.2"
#  else
#   define TK_FXSTAT "__fxstat@GLIBC_2.0"
#  endif
#  define TK_STAT_VER 3
# else
#  error "TK_GLIBC_FLOOR: no symbol versions known for this ABI"
# endif

/* Declared by no glibc header since 2.33; the ABI is unchanged. */
int tk_glibc_fxstat(int ver, int fd, struct stat *st);
__asm__(".symver tk_glibc_fxstat, " TK_FXSTAT);
# define fstat(fd, st) tk_glibc_fxstat(TK_STAT_VER, (fd), (st))

#endif /* TK_GLIBC_FLOOR */
#endif
