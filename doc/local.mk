# SPDX-License-Identifier: MIT
# doc: included by Makefile.am (one non-recursive make).

dist_man_MANS = doc/libtcpkeep.7
EXTRA_DIST += doc/measurements.md doc/design.md doc/local.mk

# The man pages are linted in make check (skipped without mandoc).
TESTS += tests/wrapper/manpages.tap
EXTRA_DIST += tests/wrapper/manpages.tap

# tcpkeep(1) names the installed paths: built from doc/tcpkeep.1.in by the
# wrapper's substitution, so the page and the wrapper always agree.
man_MANS = doc/tcpkeep.1
CLEANFILES += doc/tcpkeep.1
EXTRA_DIST += doc/tcpkeep.1.in
doc/tcpkeep.1: $(srcdir)/doc/tcpkeep.1.in Makefile
	$(AM_V_GEN)$(MKDIR_P) doc && rm -f $@ $@.tmp && \
	$(tk_subst) $(srcdir)/doc/tcpkeep.1.in > $@.tmp && mv $@.tmp $@
