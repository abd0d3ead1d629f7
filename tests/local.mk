# SPDX-License-Identifier: MIT
# tests: included by Makefile.am (one non-recursive make).  The test
# programs and scripts of every part, and the environment they run in.

TEST_EXTENSIONS = .tap .test
TAP_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
# Extensionless tests are the C programs in check_PROGRAMS: they speak TAP.
LOG_DRIVER = $(TAP_LOG_DRIVER)

# Build-tree paths live here and nowhere else.
AM_TESTS_ENVIRONMENT = \
	TCPKEEP_LIBRARY='$(abs_top_builddir)/src/.libs/libtcpkeep.so'; \
	export TCPKEEP_LIBRARY; \
	PATH='$(abs_top_builddir)/src:$(abs_top_builddir)/tests/wrapper:'"$$PATH"; \
	export PATH; \
	TESTS_SRCDIR='$(abs_top_srcdir)/tests'; export TESTS_SRCDIR; \
	TESTS_BUILDDIR='$(abs_top_builddir)/tests'; export TESTS_BUILDDIR; \
	TK_TEST_ABI_LIBRARY='$(abs_top_builddir)/src/abi/$$LIB/libtcpkeep.so'; \
	TK_TEST_CONF_PATH='$(sysconfdir)/tcpkeep.conf'; export TK_TEST_CONF_PATH; \
	TK_TEST_LIB_TOKEN='$(TK_LIB_TOKEN)'; \
	TK_TEST_LIB_TOKEN_I386='$(TK_LIB_TOKEN_I386)'; \
	TK_TEST_I386_WHY='$(TK_I386_WHY)'; \
	TK_TEST_GLIBC_FLOOR_WHY='$(TK_GLIBC_FLOOR_WHY)'; \
	export TK_TEST_ABI_LIBRARY TK_TEST_LIB_TOKEN \
	  TK_TEST_LIB_TOKEN_I386 TK_TEST_I386_WHY TK_TEST_GLIBC_FLOOR_WHY; \
	unset TCPKEEP_ENABLE TCPKEEP_IDLE TCPKEEP_INTVL TCPKEEP_CNT \
	  TCPKEEP_USER_TIMEOUT TCPKEEP_DIRECTION TCPKEEP_ONLY TCPKEEP_SKIP \
	  TCPKEEP_FORCE TCPKEEP_DEBUG TCPKEEP_LOG TCP_KEEPIDLE TCP_KEEPINTVL \
	  TCP_KEEPCNT TCP_USER_TIMEOUT LIBKEEPALIVE_DEBUG DD_TCP_KEEPALIVE_TIME \
	  DD_TCP_KEEPALIVE_INTVL DD_TCP_KEEPALIVE_PROBES DD_USE_KEEPALIVE \
	  DD_DEBUG KEEPIDLE KEEPINTVL KEEPCNT KEEPALIVE TCPKEEP_BEHIND \
	  TCPKEEP_CONFIG;

# The unmodified python3 program of the policy, eBPF-mode, wire and
# running-process tests, one mode each (tests/lib/peer.py MODE ...).
EXTRA_DIST += tests/lib/tap.sh tests/lib/sockopt.h tests/preload/judge.h \
	tests/lib/peer.py

# Parser tables, no preload.
check_PROGRAMS += tests/unit/unit-config
tests_unit_unit_config_SOURCES = tests/unit/unit-config.c tests/lib/tap.h
tests_unit_unit_config_LDADD = src/libtkcommon.la
TESTS += tests/unit/unit-config
check_PROGRAMS += tests/unit/unit-conffile
tests_unit_unit_conffile_SOURCES = tests/unit/unit-conffile.c tests/lib/tap.h
tests_unit_unit_conffile_LDADD = src/libtkcommon.la
TESTS += tests/unit/unit-conffile

# The unmodified program of the integration tests, and two preload
# libraries that stand beside tcpkeep in LD_PRELOAD.
check_PROGRAMS += tests/preload/probe
check_LTLIBRARIES = tests/preload/libcounter.la tests/preload/libearly.la
tests_preload_libcounter_la_SOURCES = tests/preload/counter.c
tests_preload_libcounter_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_preload_libearly_la_SOURCES = tests/preload/early.c
tests_preload_libearly_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

# The record of descriptors where another process or thread shares it: a
# vfork() child, CLOSE_RANGE_UNSHARE, a number close_range() or closefrom()
# just freed (libpause.so holds the call open at the worst moment).
check_PROGRAMS += tests/preload/records
tests_preload_records_SOURCES = tests/preload/records.c tests/lib/sockopt.h
tests_preload_records_LDFLAGS = -Wl,--export-dynamic
tests_preload_records_LDADD = -lpthread
check_LTLIBRARIES += tests/preload/libpause.la
tests_preload_libpause_la_SOURCES = tests/preload/pause.c
tests_preload_libpause_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
TESTS += tests/preload/records.tap
EXTRA_DIST += tests/preload/records.tap

# The first call of each hook, where its real function is bound: from a
# signal handler and from several threads at once.
check_PROGRAMS += tests/preload/firstcall
tests_preload_firstcall_SOURCES = tests/preload/firstcall.c tests/lib/sockopt.h
tests_preload_firstcall_LDADD = -lpthread
TESTS += tests/preload/firstcall.tap
EXTRA_DIST += tests/preload/firstcall.tap

LIBRARY_TESTS = \
	tests/preload/exports.tap \
	tests/preload/sockets.tap \
	tests/preload/errno.tap \
	tests/preload/python.tap \
	tests/preload/environment.tap \
	tests/preload/conffile.tap \
	tests/wrapper/conffile-tools.tap \
	tests/preload/syslog.test \
	tests/preload/programs.tap
TESTS += $(LIBRARY_TESTS)
EXTRA_DIST += $(LIBRARY_TESTS) tests/preload/common.sh tests/preload/pysock.py

# Per-connection policy (libtcpkeep(7), "When options are applied" and
# ENVIRONMENT): TCPKEEP_DIRECTION, _ONLY, _SKIP, _FORCE and the aliases of
# earlier libraries, read back from the kernel on both ends of connections
# made by tests/lib/peer.py (Python).
POLICY_TESTS = \
	tests/preload/policy.tap \
	tests/preload/policy-netns.tap \
	tests/preload/force.tap \
	tests/preload/aliases.tap \
	tests/preload/dropin.tap
TESTS += $(POLICY_TESTS)
EXTRA_DIST += $(POLICY_TESTS) tests/preload/policy-lib.sh \
	tests/preload/dropin-probe.py

# Rule lists of TCPKEEP_ONLY / TCPKEEP_SKIP: parser and matcher tables.
# The classifier against a reference and against the kernel.
check_PROGRAMS += tests/unit/unit-classify
tests_unit_unit_classify_SOURCES = tests/unit/unit-classify.c tests/lib/tap.h
tests_unit_unit_classify_LDADD = src/libtkcommon.la
TESTS += tests/unit/unit-classify

check_PROGRAMS += tests/unit/unit-rules
tests_unit_unit_rules_SOURCES = tests/unit/unit-rules.c tests/lib/tap.h
tests_unit_unit_rules_LDADD = src/libtkcommon.la
TESTS += tests/unit/unit-rules

# The compiled matcher against a linear reference, on random lists.
check_PROGRAMS += tests/unit/unit-rules-diff
tests_unit_unit_rules_diff_SOURCES = tests/unit/unit-rules-diff.c tests/lib/tap.h
tests_unit_unit_rules_diff_LDADD = src/libtkcommon.la
TESTS += tests/unit/unit-rules-diff

# Both ABIs (libtcpkeep(7), "Both ABIs"): one end of a loopback connection
# built for amd64 and, with the i386 library, for i386; the test skips (with
# the reason) where there is no i386 build.
check_PROGRAMS += tests/preload/abi-peer
tests_preload_abi_peer_SOURCES = tests/preload/abi-peer.c tests/lib/sockopt.h
if BUILD_I386
check_PROGRAMS += tests/preload/abi-peer32 tests/preload/abi-peer32t
endif
tests_preload_abi_peer32_SOURCES = tests/preload/abi-peer.c tests/lib/sockopt.h
tests_preload_abi_peer32_CFLAGS = $(AM_CFLAGS) -m32
tests_preload_abi_peer32_LDFLAGS = -m32
# The same with 64-bit time, the way a 32-bit program calls the time64
# entry points of glibc 2.34 and later.
tests_preload_abi_peer32t_SOURCES = tests/preload/abi-peer.c tests/lib/sockopt.h
tests_preload_abi_peer32t_CFLAGS = $(AM_CFLAGS) -m32 -D_TIME_BITS=64 \
	-D_FILE_OFFSET_BITS=64
tests_preload_abi_peer32t_LDFLAGS = -m32
TESTS += tests/preload/abi.tap
EXTRA_DIST += tests/preload/abi.tap

# The binder's walk of the loaded objects against dlsym(RTLD_NEXT), name
# by name, in a preloaded object as the library is (tests/preload/next-probe.c),
# alone and with a second preload library behind it; the i386 one where
# that library is built.
check_LTLIBRARIES += tests/preload/libnext-probe.la
tests_preload_libnext_probe_la_SOURCES = tests/preload/next-probe.c src/preload/next.c
tests_preload_libnext_probe_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_preload_libnext_probe_la_LIBADD = -ldl
if BUILD_I386
check_LTLIBRARIES += tests/preload/i386/libnext-probe.la
endif
tests_preload_i386_libnext_probe_la_SOURCES = $(tests_preload_libnext_probe_la_SOURCES)
tests_preload_i386_libnext_probe_la_CFLAGS = $(AM_CFLAGS) -m32
tests_preload_i386_libnext_probe_la_LDFLAGS = -m32 $(tests_preload_libnext_probe_la_LDFLAGS)
tests_preload_i386_libnext_probe_la_LIBADD = -ldl
TESTS += tests/preload/next.tap
EXTRA_DIST += tests/preload/next.tap

# The glibc floor: the symbol versions each built library needs.
TESTS += tests/preload/glibc-floor.tap
EXTRA_DIST += tests/preload/glibc-floor.tap

## ---------------------------------------------------------------- eBPF mode
# The programs of the eBPF-mode tests: a C client (static when libc.a
# exists), an io_uring client (liburing, static when possible), a Go client
# built by the tests themselves (tests/lib/bpf-client.go), a python3 peer.
check_PROGRAMS += tests/lib/bpf-client
tests_lib_bpf_client_SOURCES = tests/lib/bpf-client.c
if CAN_LINK_STATIC
tests_lib_bpf_client_LDFLAGS = -all-static
endif
if HAVE_LIBURING
check_PROGRAMS += tests/bpf/bpf-uring
tests_bpf_bpf_uring_SOURCES = tests/bpf/bpf-uring.c
tests_bpf_bpf_uring_LDADD = -luring
if CAN_LINK_STATIC
tests_bpf_bpf_uring_LDFLAGS = -all-static
endif
endif
# Stops tcpkeep-bpf run between making its cgroup and joining it.
check_LTLIBRARIES += tests/bpf/libbpf-pause.la
tests_bpf_libbpf_pause_la_SOURCES = tests/bpf/bpf-pause.c
tests_bpf_libbpf_pause_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_bpf_libbpf_pause_la_LIBADD = -ldl
BPF_TESTS = \
	tests/bpf/bpf-run.tap \
	tests/bpf/bpf-life.tap \
	tests/bpf/bpf-detach.tap \
	tests/bpf/bpf-mptcp.tap \
	tests/bpf/bpf-race.tap
TESTS += $(BPF_TESTS)
EXTRA_DIST += $(BPF_TESTS) tests/bpf/bpf-lib.sh \
	tests/lib/bpf-client.go tests/bpf/bpf-uring.c

## ---------------------------------------------------------------- wrapper
# A program to run through the wrapper: dynamic, and (when libc.a exists)
# statically linked for the warning.
check_PROGRAMS += tests/wrapper/wrapper-probe
tests_wrapper_wrapper_probe_SOURCES = tests/wrapper/wrapper-probe.c
if CAN_LINK_STATIC
check_PROGRAMS += tests/wrapper/wrapper-probe-static
tests_wrapper_wrapper_probe_static_SOURCES = tests/wrapper/wrapper-probe.c
tests_wrapper_wrapper_probe_static_LDFLAGS = -all-static
endif
# A preload library that loads but does nothing: --check must fail with it.
check_LTLIBRARIES += tests/wrapper/libtk-inert.la
tests_wrapper_libtk_inert_la_SOURCES = tests/wrapper/libtk-inert.c
tests_wrapper_libtk_inert_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

wrapper_tests = \
	tests/wrapper/wrapper-options.tap \
	tests/wrapper/wrapper-exec.tap \
	tests/wrapper/wrapper-preload.tap \
	tests/wrapper/wrapper-kernel.tap \
	tests/wrapper/wrapper-check.tap \
	tests/wrapper/wrapper-warn.tap \
	tests/wrapper/wrapper-pid1.tap \
	tests/wrapper/wrapper-shells.tap \
	tests/wrapper/wrapper-man.tap
TESTS += $(wrapper_tests)
EXTRA_DIST += $(wrapper_tests) tests/wrapper/wrapper-lib.sh

## ---------------------------------------------------------------- parity
# One configuration, the same kernel values under every applier (the
# library, --bpf, --pid, --check, --bpf --check): a table of
# configurations x appliers x sides, read back by tests/parity/parity-probe.
check_PROGRAMS += tests/parity/parity-probe
tests_parity_parity_probe_SOURCES = tests/parity/parity-probe.c tests/lib/sockopt.h
TESTS += tests/parity/parity.tap
EXTRA_DIST += tests/parity/parity.tap

# make install / make uninstall with DESTDIR: the installed file list.
TESTS += tests/wrapper/install.tap
EXTRA_DIST += tests/wrapper/install.tap

## ---------------------------------------------------------------- wire
# Proof on the wire (doc/design.md): real packets between network
# namespaces, unmodified endpoints (python3 tests/lib/peer.py wire) with and without the
# preload.  Need root, iproute2, nftables, python3; exit 77 (skip) without.
# `make check-wire` runs only these and prints the measured times.
WIRE_TESTS = \
	tests/wire/wire-dead-peer.test \
	tests/wire/wire-peer-reboot.test \
	tests/wire/wire-middlebox.test \
	tests/wire/wire-stuck-data.test \
	tests/wire/wire-bpf-dead-peer.test \
	tests/wire/wire-bpf-stuck-data.test
# tcpkeep --discover behind a firewall, a NAT, a resetting box, on a path
# without a timeout, and toward what cannot be reached.
WIRE_TESTS += \
	tests/wire/discover-firewall.test \
	tests/wire/discover-nat.test \
	tests/wire/discover-reset.test \
	tests/wire/discover-none.test \
	tests/wire/discover-unreachable.test
EXTRA_DIST += tests/wire/discover-lib.sh tests/wire/discover-listen.py
TESTS += $(WIRE_TESTS)
EXTRA_DIST += $(WIRE_TESTS) tests/lib/wire-lib.sh

# Each scenario writes `WIRE|scenario|outcome|measured|theoretical|ratio`
# lines to its log; the table is those lines, in test order.
check-wire:
	@rc=0; $(MAKE) $(AM_MAKEFLAGS) check TESTS='$(WIRE_TESTS)' || rc=$$?; \
	echo; \
	printf '%-44s %-18s %9s %11s %6s\n' scenario outcome measured theoretical ratio; \
	for log in $(WIRE_TESTS:.test=.log); do \
	  test -f "$$log" && grep '^WIRE|' "$$log"; \
	done | $(AWK) -F'|' '{ printf "%-44s %-18s %9s %11s %6s\n", $$2, $$3, $$4, $$5, $$6 }'; \
	exit $$rc
.PHONY: check-wire

## ---------------------------------------------------------------- running
# Processes that are already running (tcpkeep(1), RUNNING PROCESSES):
# tcpkeep --status and --pid on unmodified python3 and socat programs in
# network namespaces the tests make, read back through pidfd_getfd
# (tests/lib/running-read.py).  Need
# root, iproute2, socat, python3; exit 77 (skip) without.
check_PROGRAMS += tests/unit/unit-running
tests_unit_unit_running_SOURCES = tests/unit/unit-running.c tests/lib/tap.h
tests_unit_unit_running_LDADD = src/libtkhost.la src/libtkcommon.la
TESTS += tests/unit/unit-running
RUNNING_TESTS = \
	tests/running/running-status.test \
	tests/running/running-policy.test \
	tests/running/running-dead-peer.test \
	tests/running/running-source.test \
	tests/running/running-race.test \
	tests/running/running-listener.test
TESTS += $(RUNNING_TESTS)
EXTRA_DIST += $(RUNNING_TESTS) tests/running/running-lib.sh tests/running/status-lib.sh \
	tests/lib/running-read.py
# Holds the helper between its reading of /proc/PID/fd and pidfd_getfd.
check_LTLIBRARIES += tests/running/librace-shim.la
tests_running_librace_shim_la_SOURCES = tests/running/race-shim.c
tests_running_librace_shim_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# --status against a user who may send on netlink in a namespace of its
# own (tests/running/diag-forge.py, held in step by the preloaded
# tests/running/diag-pause.c), and what it may not see or read.
check_LTLIBRARIES += tests/running/libdiag-pause.la
tests_running_libdiag_pause_la_SOURCES = tests/running/diag-pause.c
tests_running_libdiag_pause_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_running_libdiag_pause_la_LIBADD = -ldl
STATUS_TESTS = tests/running/status-forge.tap tests/running/status-visible.tap
TESTS += $(STATUS_TESTS)
EXTRA_DIST += $(STATUS_TESTS) tests/running/diag-forge.py tests/running/diag-holder.py \
	tests/running/diag-class.py
# A cgroup's open connections when --cgroup attaches, --status --cgroup,
# --status --prometheus against --json (needs root and eBPF mode); the
# metrics service and timer of deploy/systemd and the DaemonSet's.
FLEET_TESTS = tests/bpf/cgroup-existing.tap tests/running/metrics-timer.tap
TESTS += $(FLEET_TESTS)
EXTRA_DIST += $(FLEET_TESTS) tests/lib/fleet-peer.py

## ---------------------------------------------------------------- hardening
# Stress and fault tests: programs that are hard on a preload library.  The C programs run preloaded through
# their .tap scripts, which print the programs' TAP.
check_PROGRAMS += tests/preload/stress
tests_preload_stress_SOURCES = tests/preload/stress.c tests/lib/tap.h
check_PROGRAMS += tests/preload/fault
check_PROGRAMS += tests/preload/suid
tests_preload_suid_LDADD = src/libtkcommon.la
check_PROGRAMS += tests/unit/unit-hostile
tests_unit_unit_hostile_SOURCES = tests/unit/unit-hostile.c tests/lib/tap.h
tests_unit_unit_hostile_LDADD = src/libtkcommon.la
TESTS += tests/unit/unit-hostile
# Descriptors reused behind a socket's back, force mode's checks, TCP
# Fast Open, connections handed over at start.
check_PROGRAMS += tests/preload/reach
tests_preload_reach_SOURCES = tests/preload/reach.c tests/preload/judge.h tests/lib/sockopt.h
# The library with a 64-entry descriptor table: numbers beyond the table
# without raising fs.nr_open (tests/preload/reach.tap).
check_LTLIBRARIES += tests/preload/libtcpkeep-small.la
tests_preload_libtcpkeep_small_la_SOURCES = $(src_libtcpkeep_la_SOURCES)
tests_preload_libtcpkeep_small_la_CPPFLAGS = $(tk_preload_cppflags) -DTK_FDSTATE_SIZE=64u
tests_preload_libtcpkeep_small_la_LIBADD = $(src_libtcpkeep_la_LIBADD)
tests_preload_libtcpkeep_small_la_LDFLAGS = $(src_libtcpkeep_la_LDFLAGS) -rpath /nowhere
HARDENING_TESTS = \
	tests/preload/stress.tap \
	tests/preload/fault.tap \
	tests/preload/reach.tap \
	tests/preload/handover.tap \
	tests/preload/handover-listener.tap \
	tests/preload/hostile.tap \
	tests/preload/setuid.test \
	tests/preload/setuid-conffile.test
TESTS += $(HARDENING_TESTS)
EXTRA_DIST += $(HARDENING_TESTS) tests/preload/handover.py tests/preload/handexec.py \
	tests/preload/activate.py

EXTRA_DIST += tests/local.mk
