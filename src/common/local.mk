# SPDX-License-Identifier: MIT
# src/common: included by Makefile.am (one non-recursive make).

# The parser, the rules, the classifier and the option table, linked into
# the preload library, the wrapper's helper, tcpkeep-bpf and the unit
# tests: one set of rules for all of them.
noinst_LTLIBRARIES = src/libtkcommon.la
src_libtkcommon_la_SOURCES = \
	src/common/config.c src/common/config.h \
	src/common/values.c src/common/env.c \
	src/common/text.c src/common/text.h \
	src/common/rules.c src/common/rules-match.c src/common/rules.h \
	src/common/classify.c src/common/classify.h \
	src/common/options.c src/common/options.h \
	src/common/behind.c src/common/behind.h \
	src/common/conffile.c src/common/conffile.h \
	src/common/decide.h \
	src/common/sys.h src/common/glibc-floor.h

EXTRA_DIST += src/common/local.mk
