# SPDX-License-Identifier: MIT
# fuzz: included by Makefile.am (one non-recursive make).

# `make fuzz`: libFuzzer (clang) over every parser, FUZZ_SECONDS each:
# values with units and booleans (fuzz-parse), the whole environment with
# a fake lookup (fuzz-config), rule lists and matching (fuzz-rules).  The
# seed corpus is in fuzz/corpus/TARGET; what the fuzzer finds goes to
# fuzz/work-TARGET in the build tree, crashes included.  CI runs it for a
# short time (.ci/hardening.sh).
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_TARGETS = parse config rules conffile
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
fuzz_lib_sources = $(top_srcdir)/src/common/config.c \
	$(top_srcdir)/src/common/values.c $(top_srcdir)/src/common/env.c \
	$(top_srcdir)/src/common/text.c $(top_srcdir)/src/common/rules.c \
	$(top_srcdir)/src/common/rules-match.c \
	$(top_srcdir)/src/common/conffile.c $(top_srcdir)/src/common/behind.c
fuzz_programs = $(FUZZ_TARGETS:%=fuzz/fuzz-%)
EXTRA_DIST += fuzz/fuzz.h $(FUZZ_TARGETS:%=fuzz/fuzz-%.c) fuzz/corpus
CLEANFILES += $(fuzz_programs)

fuzz/fuzz-%: $(top_srcdir)/fuzz/fuzz-%.c $(top_srcdir)/fuzz/fuzz.h \
		$(fuzz_lib_sources) $(top_srcdir)/src/common/config.h $(top_srcdir)/src/common/rules.h \
		$(top_srcdir)/src/common/conffile.h tk-paths.h
	$(AM_V_CC)$(MKDIR_P) fuzz && $(FUZZ_CC) $(FUZZ_FLAGS) \
	  -I$(top_srcdir)/src -I$(top_builddir) -o $@ $< $(fuzz_lib_sources)

fuzz-build: $(fuzz_programs)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz-$$t: $(FUZZ_SECONDS) s"; \
	  $(MKDIR_P) fuzz/work-$$t || exit 1; \
	  ./fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=fuzz/work-$$t/ \
	    fuzz/work-$$t $(top_srcdir)/fuzz/corpus/$$t \
	    >fuzz/fuzz-$$t.log 2>&1 || { tail -n 40 fuzz/fuzz-$$t.log; exit 1; }; \
	  grep -E '^(Done|stat::number_of_executed_units)' fuzz/fuzz-$$t.log; \
	done

clean-local: clean-fuzz
clean-fuzz:
	rm -rf fuzz/work-* fuzz/fuzz-*.log

.PHONY: fuzz fuzz-build clean-fuzz

EXTRA_DIST += fuzz/local.mk
