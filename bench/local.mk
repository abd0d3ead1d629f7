# SPDX-License-Identifier: MIT
# bench: included by Makefile.am (one non-recursive make).

# `make bench` prints what tcpkeep costs next to a program that sets the
# same options itself (bench/run.sh). Not part of `make check`: the loop
# program is an EXTRA_PROGRAMS, built only for this target.
EXTRA_PROGRAMS = bench/connloop
bench_connloop_SOURCES = bench/connloop.c
# An empty preloaded object: the dynamic loader's floor for start-up.
EXTRA_LTLIBRARIES = bench/libempty.la
bench_libempty_la_SOURCES = bench/empty.c
bench_libempty_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere \
	$(MODULE_LDFLAGS)
CLEANFILES += bench/connloop$(EXEEXT) bench/libempty.la
# 100 processes holding 100 loopback sockets each: the --status figure.
EXTRA_PROGRAMS += bench/holdconns
bench_holdconns_SOURCES = bench/holdconns.c
CLEANFILES += bench/holdconns$(EXEEXT)
EXTRA_DIST += bench/run.sh

bench: $(lib_LTLIBRARIES) bench/connloop$(EXEEXT) bench/libempty.la \
		bench/holdconns$(EXEEXT) src/tcpkeep-helper$(EXEEXT)
	TCPKEEP_LIBRARY="$${TCPKEEP_LIBRARY:-$(abs_top_builddir)/src/.libs/libtcpkeep.so}" \
	CONNLOOP='$(abs_top_builddir)/bench/connloop$(EXEEXT)' \
	BENCH_EMPTY_LIBRARY='$(abs_top_builddir)/bench/.libs/libempty.so' \
	BENCH_BUILDDIR='$(abs_top_builddir)' \
	TCPKEEP_BPF="$${TCPKEEP_BPF:-$(abs_top_builddir)/src/tcpkeep-bpf}" \
	$(SHELL) $(srcdir)/bench/run.sh
.PHONY: bench

# `make bench-rules`: instructions per tk_rules_match() call (bench/rules.sh).
EXTRA_PROGRAMS += bench/rulesloop
bench_rulesloop_SOURCES = bench/rulesloop.c
bench_rulesloop_LDADD = src/libtkcommon.la
CLEANFILES += bench/rulesloop$(EXEEXT)
EXTRA_DIST += bench/rules.sh
bench-rules: bench/rulesloop$(EXEEXT)
	RULESLOOP='$(abs_top_builddir)/bench/rulesloop$(EXEEXT)' \
	$(SHELL) $(srcdir)/bench/rules.sh
.PHONY: bench-rules

EXTRA_DIST += bench/local.mk
