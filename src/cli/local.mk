# SPDX-License-Identifier: MIT
# src/cli, the tcpkeep command: included by Makefile.am (one
# non-recursive make).

# tcpkeep is a POSIX sh script; the installed paths are substituted here, at
# make time, so `make prefix=...` and re-configuration reach it.
bin_SCRIPTS = src/tcpkeep
CLEANFILES += src/tcpkeep
EXTRA_DIST += src/cli/tcpkeep.in
if LIB_TOKEN
tk_preload_library = $(exec_prefix)/$$LIB/libtcpkeep.so
else
tk_preload_library = $(libdir)/libtcpkeep.so
endif
tk_subst = sed \
	-e 's|[@]libdir[@]|$(libdir)|g' \
	-e 's|[@]preload_library[@]|$(tk_preload_library)|g' \
	-e 's|[@]TK_LIB_TOKEN[@]|$(TK_LIB_TOKEN)|g' \
	-e 's|[@]TK_LIB_TOKEN_I386[@]|$(TK_LIB_TOKEN_I386)|g' \
	-e 's|[@]pkglibexecdir[@]|$(pkglibexecdir)|g' \
	-e 's|[@]exec_prefix[@]|$(exec_prefix)|g' \
	-e 's|[@]sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|[@]PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g'
src/tcpkeep: $(srcdir)/src/cli/tcpkeep.in Makefile
	$(AM_V_GEN)$(MKDIR_P) src && rm -f $@ $@.tmp && \
	$(tk_subst) $(srcdir)/src/cli/tcpkeep.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# Validation with the library's parser, ELF inspection, --print-env, --check.
pkglibexec_PROGRAMS = src/tcpkeep-helper
src_tcpkeep_helper_SOURCES = \
	src/cli/helper.c src/cli/helper.h \
	src/cli/validate.c \
	src/cli/run.c \
	src/cli/elf.c \
	src/cli/abi.c \
	src/cli/printenv.c \
	src/cli/check.c \
	src/cli/needs.c \
	src/cli/explain.c
# Running processes (tcpkeep(1), RUNNING PROCESSES): tcpkeep --pid and --status.
src_tcpkeep_helper_SOURCES += \
	src/cli/pid.c \
	src/cli/status.c
# A cgroup's open connections when --cgroup attaches, --status --cgroup;
# --status --prometheus.
src_tcpkeep_helper_SOURCES += \
	src/cli/cgroupfix.c \
	src/cli/metrics.c src/cli/metrics.h
# The path's idle timeout (tcpkeep(1), "Finding the path's idle timeout").
src_tcpkeep_helper_SOURCES += \
	src/cli/discover.c src/cli/discover.h \
	src/cli/discover-plan.c \
	src/cli/discover-out.c
src_tcpkeep_helper_LDADD = src/libtkhost.la src/libtkcommon.la
# Its i386 build, for `tcpkeep --check` of the i386 library: the same
# check, run as a 32-bit process.
if BUILD_I386
pkglibexec_PROGRAMS += src/tcpkeep-helper-i386
endif
src_tcpkeep_helper_i386_SOURCES = $(src_tcpkeep_helper_SOURCES) \
	$(src_libtkhost_la_SOURCES) $(src_libtkcommon_la_SOURCES)
src_tcpkeep_helper_i386_CFLAGS = $(AM_CFLAGS) -m32
src_tcpkeep_helper_i386_LDFLAGS = -m32

EXTRA_DIST += src/cli/local.mk
