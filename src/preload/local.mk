# SPDX-License-Identifier: MIT
# src/preload, libtcpkeep.so: included by Makefile.am (one non-recursive
# make).

lib_LTLIBRARIES = src/libtcpkeep.la
src_libtcpkeep_la_SOURCES = \
	src/preload/export.h \
	src/preload/library.c src/preload/manage.h \
	src/preload/state.h src/preload/hooks.h \
	src/preload/real.c src/preload/real.h \
	src/preload/libc.c \
	src/preload/next.c src/preload/next.h \
	src/preload/fdstate.h \
	src/preload/apply.c src/preload/apply.h \
	src/preload/log.c src/preload/log.h \
	src/preload/hostconf.c src/preload/hostconf.h
src_libtcpkeep_la_LIBADD = src/libtkcommon.la
# The flags of the library's sources, for every build of them (the i386
# library, the tests' small-table copy).
tk_preload_cppflags = $(AM_CPPFLAGS)
src_libtcpkeep_la_CPPFLAGS = $(tk_preload_cppflags)
# The hooks, one purpose per file, compiled as one unit by library.c (it
# says why): distributed, not compiled apart.
EXTRA_DIST += \
	src/preload/state.c \
	src/preload/hooks.c \
	src/preload/manage.c \
	src/preload/descriptors.c \
	src/preload/fastopen.c \
	src/preload/force.c \
	src/preload/handover.c
src_libtcpkeep_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	$(MODULE_LDFLAGS)

# The i386 library of an x86-64 host (libtcpkeep(7), "Both ABIs"), when
# configure finds $(CC) -m32 links: the same sources compiled -m32 (the
# convenience library above is amd64), installed in $(lib32dir) (configure
# prints it).
if BUILD_I386
lib32_LTLIBRARIES = src/i386/libtcpkeep.la
endif
src_i386_libtcpkeep_la_SOURCES = $(src_libtcpkeep_la_SOURCES) \
	$(src_libtkcommon_la_SOURCES)
src_i386_libtcpkeep_la_CPPFLAGS = $(tk_preload_cppflags)
src_i386_libtcpkeep_la_CFLAGS = $(AM_CFLAGS) -m32
src_i386_libtcpkeep_la_LDFLAGS = -m32 $(src_libtcpkeep_la_LDFLAGS)

# One LD_PRELOAD value for both ABIs, PREFIX/$LIB/libtcpkeep.so: the
# loader expands $LIB to a directory of the program's own ABI
# ($(TK_LIB_TOKEN) for amd64 and $(TK_LIB_TOKEN_I386) for i386 here;
# libtcpkeep(7) says what holds where).  Where $(libdir) or $(lib32dir) is
# not that directory, a relative symbolic link there points to the library.
# The build tree gets the same shape in src/abi/ for the wrapper and tests
# (scripts/abi-links.sh).
tk_abi_links = \
	$(TK_LIB_TOKEN):$(libdir) \
	$(TK_LIB_TOKEN_I386):$(lib32dir)

install-exec-hook: install-abi-links
install-abi-links:
	@DESTDIR='$(DESTDIR)' MKDIR_P='$(MKDIR_P)' $(SHELL) \
	  $(top_srcdir)/scripts/abi-links.sh install '$(exec_prefix)' $(tk_abi_links)
uninstall-hook: uninstall-abi-links
uninstall-abi-links:
	@DESTDIR='$(DESTDIR)' $(SHELL) \
	  $(top_srcdir)/scripts/abi-links.sh uninstall '$(exec_prefix)' $(tk_abi_links)

all-local: src/abi/stamp
src/abi/stamp: $(lib_LTLIBRARIES) $(lib32_LTLIBRARIES) Makefile
	$(AM_V_GEN)MKDIR_P='$(MKDIR_P)' $(SHELL) \
	  $(top_srcdir)/scripts/abi-links.sh build-tree '$(abs_top_builddir)' \
	  '$(TK_LIB_TOKEN):src/.libs' '$(TK_LIB_TOKEN_I386):src/i386/.libs' && \
	touch $@
clean-local: clean-abi
clean-abi:
	rm -rf src/abi
.PHONY: install-abi-links uninstall-abi-links clean-abi

# A preload module is found by its path, never linked against: install
# libtcpkeep.so alone, without libtool's .la.  Without the .la, libtool's
# uninstall cannot find the .so, so uninstall-hook removes it, and the
# tcpkeep directory under libexec once it is empty.
# The same for the i386 library when it is built.
if BUILD_I386
tk_installed_modules = $(libdir) $(lib32dir)
else
tk_installed_modules = $(libdir)
endif
# $(lib32dir) is installed with the data, $(libdir) with the programs.
install-exec-hook:
	for d in $(tk_installed_modules); do rm -f "$(DESTDIR)$$d/libtcpkeep.la"; done
install-data-hook:
	for d in $(tk_installed_modules); do rm -f "$(DESTDIR)$$d/libtcpkeep.la"; done
uninstall-hook:
	for d in $(tk_installed_modules); do rm -f "$(DESTDIR)$$d/libtcpkeep.so"; done
	rmdir '$(DESTDIR)$(pkglibexecdir)' 2>/dev/null || :

EXTRA_DIST += src/preload/local.mk
