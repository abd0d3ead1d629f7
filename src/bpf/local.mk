# SPDX-License-Identifier: MIT
# src/bpf, tcpkeep-bpf: included by Makefile.am (one non-recursive make).

# tcpkeep-bpf (tcpkeep(1), EBPF MODE): the kernel side src/bpf/tcpkeep.bpf.c,
# compiled by clang for -target bpf and embedded in the loader as a
# bpftool skeleton; the loader shares the common parser.  Built only when
# configure found clang, libbpf and bpftool.
EXTRA_DIST += src/bpf/tcpkeep.bpf.c
CLEANFILES += src/bpf/tcpkeep.bpf.o src/bpf/tcpkeep.skel.h
if BUILD_BPF
pkglibexec_PROGRAMS += src/tcpkeep-bpf
src_tcpkeep_bpf_SOURCES = \
	src/bpf/main.c src/bpf/commands.h src/bpf/run.c src/bpf/attach.c \
	src/bpf/config.c src/bpf/config.h \
	src/bpf/check.c src/bpf/transient.c \
	src/bpf/loader.c src/bpf/loader.h src/bpf/tcpkeep.h \
	src/bpf/cgroup.c src/bpf/cgroup.h
nodist_src_tcpkeep_bpf_SOURCES = src/bpf/tcpkeep.skel.h
# The skeleton is made in the build tree: "bpf/tcpkeep.skel.h".
src_tcpkeep_bpf_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/src $(LIBBPF_CFLAGS)
src_tcpkeep_bpf_LDADD = src/libtkhost.la src/libtkcommon.la $(LIBBPF_LIBS)
BUILT_SOURCES += src/bpf/tcpkeep.skel.h

src/bpf/tcpkeep.bpf.o: $(srcdir)/src/bpf/tcpkeep.bpf.c $(srcdir)/src/bpf/tcpkeep.h
	$(AM_V_CC)$(MKDIR_P) src/bpf && \
	$(BPF_CLANG) -g -O2 -Wall -target bpf $(BPF_CPPFLAGS) \
	  -I$(srcdir)/src -c $(srcdir)/src/bpf/tcpkeep.bpf.c -o $@
src/bpf/tcpkeep.skel.h: src/bpf/tcpkeep.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton src/bpf/tcpkeep.bpf.o \
	  name tcpkeep_bpf > $@.tmp && mv $@.tmp $@
endif

EXTRA_DIST += src/bpf/local.mk
