/* SPDX-License-Identifier: MIT */
/* The oldest glibc the library loads into: 2.17 (CentOS 7, Ubuntu 18.04).
 * A symbol version the process's C library lacks stops every program at
 * start, so the library must not need any version newer than that,
 * whichever glibc it was built with.  Two calls of ours got new default
 * versions after 2.17, and are bound here to the versions every glibc since
 * the first of each ABI has, and keeps:
 *
 *   dlsym   moved from libdl.so.2 into libc.so.6 in 2.34 (GLIBC_2.34); the
 *           old version stays in both, and the library lists libdl.so.2 so
 *           that an older glibc loads the file that has it;
 *   fstat   a function of its own only since 2.33; before, it was an
 *           inline call of __fxstat with the layout version of struct stat,
 *           which every later glibc still exports.
 *
 * configure defines TK_GLIBC_FLOOR when it built against glibc on an ABI
 * listed here and a shared object bound this way links (both ABIs of an
 * x86-64 host); the musl and other builds are untouched.  tests/glibc-floor.tap
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
#  define TK_GLIBC_BASE "GLIBC_2.2.5"
#  define TK_FXSTAT "__fxstat@GLIBC_2.2.5"
#  define TK_STAT_VER 1
# elif defined __i386__
#  define TK_GLIBC_BASE "GLIBC_2.0"
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

__asm__(".symver dlsym, dlsym@" TK_GLIBC_BASE);

/* Declared by no glibc header since 2.33; the ABI is unchanged. */
int tk_glibc_fxstat(int ver, int fd, struct stat *st);
__asm__(".symver tk_glibc_fxstat, " TK_FXSTAT);
# define fstat(fd, st) tk_glibc_fxstat(TK_STAT_VER, (fd), (st))

#endif /* TK_GLIBC_FLOOR */
#endif
