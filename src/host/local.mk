# SPDX-License-Identifier: MIT
# src/host: included by Makefile.am (one non-recursive make).

# What only the programs run on the host need, linked into the helper,
# tcpkeep-bpf and the unit tests, never into libtcpkeep.so (it runs inside
# any program): exit statuses and messages, the cgroup v2 lookup, the
# attachment records, the readers of running processes' sockets.
noinst_LTLIBRARIES += src/libtkhost.la
src_libtkhost_la_SOURCES = \
	src/host/exit.h \
	src/host/say.c src/host/say.h \
	src/host/json.c src/host/json.h \
	src/host/cgroup.c src/host/cgroup.h \
	src/host/running.h \
	src/host/sockdiag.c src/host/diag-abi.h \
	src/host/procfd.c \
	src/host/sockvals.c \
	src/host/sockdup.c \
	src/host/records.c src/host/records.h \
	src/host/conftool.c src/host/conftool.h

EXTRA_DIST += src/host/local.mk
