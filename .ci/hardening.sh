#!/bin/sh
# SPDX-License-Identifier: MIT
# Hardening checks, run by .ci/run after the main test suite:
#
#   asan      make check against an ASan+UBSan build (libasan first in
#             LD_PRELOAD through TCPKEEP_TEST_PRELOAD_FIRST)
#   tsan      the threads stress program and library under ThreadSanitizer
#   valgrind  the probes under memcheck with the library preloaded
#   fuzz      the libFuzzer harnesses, FUZZ_SECONDS each (default 20)
#   musl      a musl-gcc build; the integration tests against it
#   lint      cppcheck on src/, shellcheck -s sh on every shell script
#
# Prints one PASS/FAIL line per step and a summary; exits 1 on any finding.
# Installs nothing unless called with --install (apt-get, as root), which
# installs HARDENING_PACKAGES; .ci/run reads that line and installs it with
# its own packages.
#
# Environment: HARDENING_STEPS (default all, in the order above),
# FUZZ_SECONDS, HARDENING_KEEP=1 (keep the work directory),
# HARDENING_WORKDIR (where to build; a fresh temporary one by default).
HARDENING_PACKAGES="clang libclang-rt-14-dev valgrind musl-tools cppcheck shellcheck"

set -u

install_packages() {
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $HARDENING_PACKAGES
}

if [ "${1:-}" = "--install" ]; then
	install_packages || exit 1
fi

top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
steps=${HARDENING_STEPS:-asan tsan valgrind fuzz musl lint}
fuzz_seconds=${FUZZ_SECONDS:-20}
jobs=2

work=${HARDENING_WORKDIR:-}
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/tcpkeep-hardening.XXXXXX") || exit 1
	if [ "${HARDENING_KEEP:-0}" != 1 ]; then
		trap 'rm -rf "$work"' EXIT
	fi
fi
trap 'exit 130' INT TERM HUP
mkdir -p "$work" || exit 1
results="$work/results"
: >"$results"

now() { date +%s; }

# step NAME STATUS DETAIL: records one line of the summary.
record() {
	printf '%-9s %-4s %s\n' "$1" "$2" "$3" | tee -a "$results"
}

# The source tree as it is (tracked and new files, not ignored ones),
# copied so that out-of-tree builds work even when the checkout itself was
# configured in place.
prepare_source() {
	[ -d "$work/src" ] && return 0
	mkdir -p "$work/src" &&
		(cd "$top" && git ls-files -z -c -o --exclude-standard |
			xargs -0 tar cf -) | (cd "$work/src" && tar xf -) &&
		(cd "$work/src" && autoreconf -fi >/dev/null 2>&1)
}

# configure_build DIR CONFIGURE-ARGS...: a build directory of the copy.
configure_build() {
	dir=$1
	shift
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	if ! (cd "$dir" && "$work/src/configure" -q "$@" >"$dir.configure.log" 2>&1); then
		tail -n 30 "$dir.configure.log"
		return 1
	fi
}

# plain_build: the unsanitized gcc build the valgrind, fuzz and lint steps
# share, configured by whichever of them runs first.
plain_build() {
	[ -f "$work/plain/Makefile" ] ||
		configure_build "$work/plain" CC=gcc CFLAGS="-g -O1"
}

# Sanitizer reports in the given files: prints them, returns the count.
sanitizer_reports() {
	n=$(grep -l -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer|ERROR: ThreadSanitizer' "$@" 2>/dev/null | wc -l | tr -d ' ')
	if [ "$n" -gt 0 ]; then
		grep -h -A 20 -E 'ERROR: AddressSanitizer|runtime error:|ThreadSanitizer' "$@" 2>/dev/null | head -n 80
	fi
	return "$n"
}

# ------------------------------------------------------------------- asan
step_asan() {
	b="$work/asan"
	asan_rt=$(gcc -print-file-name=libasan.so)
	[ -f "$asan_rt" ] || { echo "libasan.so not found"; return 1; }
	configure_build "$b" CC=gcc \
		CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1" || return 1
	(cd "$b" && make -j"$jobs" >"$b.make.log" 2>&1) || { tail -n 30 "$b.make.log"; return 1; }
	# The whole suite except what cannot carry a sanitizer runtime: the
	# wrapper builds LD_PRELOAD itself (the runtime would not come
	# first), and the set-user-ID and namespace scenarios.
	# Tests that build an LD_PRELOAD without $preload_first (common.sh)
	# are left out too, and named: they cannot run under ASan until they
	# use it.
	asan_tests="" asan_left_out=""
	for t in $(list_tests "$b"); do
		case $t in
		# force.tap runs the wrapper for its last cases, parity.tap and
		# conffile-tools.tap for every applier; wire-* are namespace
		# scenarios that build LD_PRELOAD in wire-lib.sh.
		tests/wrapper/wrapper-*|tests/preload/setuid.test|tests/preload/setuid-conffile.test|\
		tests/preload/syslog.test|tests/wire/*|tests/preload/force.tap|tests/parity/parity.tap|\
		tests/wrapper/conffile-tools.tap)
			asan_left_out="$asan_left_out $t"
			continue ;;
		esac
		f="$work/src/$t"
		if [ -f "$f" ] && grep -q 'LD_PRELOAD=' "$f" && ! grep -q 'preload_first' "$f"; then
			asan_left_out="$asan_left_out $t"
			continue
		fi
		asan_tests="$asan_tests $t"
	done
	[ -z "$asan_left_out" ] ||
		echo "left out (LD_PRELOAD without \$preload_first):$asan_left_out"
	# Every LD_PRELOAD the tests build starts with the ASan runtime; the
	# sanitizers stop the process at the first report.  Leak detection
	# is off: the probes and python3 exit with memory in use by design.
	(cd "$b" && TCPKEEP_TEST_PRELOAD_FIRST=$asan_rt \
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:verify_asan_link_order=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		TCPKEEP_STRESS_OPS=${ASAN_STRESS_OPS:-100000} \
		make -j"$jobs" check TESTS="$asan_tests" >"$b.check.log" 2>&1)
	rc=$?
	summary=$(grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$b.check.log" | tr -d '#' | tr '\n' ' ')
	grep -E '^(FAIL|ERROR|XPASS)' "$b.check.log"
	sanitizer_reports "$b"/tests/*/*.log
	reports=$?
	detail="make check ($(echo "$asan_tests" | wc -w | tr -d ' ') tests, $(echo "$asan_left_out" | wc -w | tr -d ' ') left out):$summary; sanitizer reports: $reports"
	[ "$rc" -eq 0 ] && [ "$reports" -eq 0 ]
}

# ------------------------------------------------------------------- tsan
step_tsan() {
	b="$work/tsan"
	tsan_rt=$(gcc -print-file-name=libtsan.so)
	[ -f "$tsan_rt" ] || { echo "libtsan.so not found"; return 1; }
	# Not shipped: bound to this glibc's versions (see configure's
	# --disable-glibc-floor).
	configure_build "$b" CC=gcc CFLAGS="-fsanitize=thread -g -O1" \
		--disable-glibc-floor || return 1
	(cd "$b" && make -j"$jobs" src/libtcpkeep.la tests/preload/libcounter.la \
		tests/preload/stress tests/preload/fault >"$b.make.log" 2>&1) || { tail -n 30 "$b.make.log"; return 1; }
	ops=${TSAN_STRESS_OPS:-100000}
	# The threads stress: 8 threads x OPS operations.
	(cd "$b" && env LD_PRELOAD="$tsan_rt $b/src/.libs/libtcpkeep.so $b/tests/preload/.libs/libcounter.so" \
		TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1 \
		TCPKEEP_STRESS_OPS="$ops" TCPKEEP_IDLE=31 TCPKEEP_INTVL=7 TCPKEEP_CNT=4 \
		tests/preload/stress >"$b.stress.log" 2>&1)
	rc=$?
	# Threads creating sockets while the main thread forks.
	(cd "$b" && env LD_PRELOAD="$tsan_rt $b/src/.libs/libtcpkeep.so" \
		TSAN_OPTIONS=halt_on_error=1:exitcode=66:die_after_fork=0 \
		TCPKEEP_IDLE=31 TCPKEEP_INTVL=7 TCPKEEP_CNT=4 \
		tests/preload/fault fork-storm 200 >"$b.fork.log" 2>&1)
	rc2=$?
	grep -q '^fork-storm children=200 configured=200 udp-untouched=200 failed=0$' "$b.fork.log" || rc2=1
	grep '^not ok' "$b.stress.log"
	grep -E '^# [0-9.]+ s' "$b.stress.log"
	sanitizer_reports "$b.stress.log" "$b.fork.log"
	reports=$?
	secs=$(sed -n 's/^# \([0-9.]*\) s,.*/\1/p' "$b.stress.log")
	detail="stress 8 threads x $ops ops (${secs:-?} s), fork storm 200 children; TSan reports: $reports"
	[ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] && [ "$reports" -eq 0 ]
}

# --------------------------------------------------------------- valgrind
step_valgrind() {
	b="$work/plain"
	plain_build || return 1
	(cd "$b" && make -j"$jobs" && make -j"$jobs" check TESTS=) >"$b.make.log" 2>&1 ||
		{ tail -n 30 "$b.make.log"; return 1; }
	lib="$b/src/.libs/libtcpkeep.so"
	runs=0 bad=0
	: >"$b.valgrind.log"
	# probe commands, each with the defaults and with filters + debug
	# (the decision and logging paths).
	for cmd in tcp4 tcp6 tcp-flags accept accept6 accept4 raw-syscall \
		mapped nontcp count-tcp program-off program-idle errno fork mptcp; do
		for setting in "TCPKEEP_IDLE=30" \
			"TCPKEEP_DEBUG=1 TCPKEEP_USER_TIMEOUT=auto TCPKEEP_ONLY=loopback,10.0.0.0/8:80 TCPKEEP_SKIP=:1-2 TCPKEEP_FORCE=1" \
			"TCPKEEP_DIRECTION=in TCPKEEP_IDLE=abc TCPKEEP_LOG=none"; do
			runs=$((runs + 1))
			# shellcheck disable=SC2086
			if ! env $setting LD_PRELOAD="$lib" valgrind -q --tool=memcheck \
				--error-exitcode=97 --leak-check=full \
				--errors-for-leak-kinds=definite --show-leak-kinds=definite \
				--trace-children=no "$b/tests/preload/probe" "$cmd" \
				>>"$b.valgrind.log" 2>&1; then
				st=$?
				# The probe's own non-zero exits are not memcheck's.
				if [ "$st" -eq 97 ]; then
					echo "valgrind: errors in probe $cmd ($setting)"
					bad=$((bad + 1))
				fi
			fi
		done
	done
	for cmd in "closeall" "reuse" "vfork-exec 5" "signal 300" "fork-storm 16"; do
		runs=$((runs + 1))
		# shellcheck disable=SC2086
		env TCPKEEP_IDLE=31 TCPKEEP_INTVL=7 TCPKEEP_CNT=4 TCPKEEP_DEBUG=1 \
			TCPKEEP_LOG="$work/valgrind-debug.log" LD_PRELOAD="$lib" \
			valgrind -q --tool=memcheck --error-exitcode=97 --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			"$b/tests/preload/fault" $cmd >>"$b.valgrind.log" 2>&1
		if [ $? -eq 97 ]; then
			echo "valgrind: errors in fault $cmd"
			bad=$((bad + 1))
		fi
	done
	grep -E '^==[0-9]+== ' "$b.valgrind.log" | head -n 60
	detail="$runs runs of the probes under memcheck; runs with errors or definite leaks: $bad"
	[ "$bad" -eq 0 ]
}

# ------------------------------------------------------------------- fuzz
step_fuzz() {
	b="$work/plain"
	plain_build || return 1
	(cd "$b" && make fuzz FUZZ_SECONDS="$fuzz_seconds" >"$b.fuzz.log" 2>&1)
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b.fuzz.log" | tr '\n' '/' | sed 's|/$||')
	[ "$rc" -eq 0 ] || tail -n 40 "$b.fuzz.log"
	detail="parse/config/rules, $fuzz_seconds s each, executions ${runs:-none}"
	[ "$rc" -eq 0 ]
}

# ------------------------------------------------------------------- musl
step_musl() {
	command -v musl-gcc >/dev/null 2>&1 || { echo "musl-gcc not found"; return 1; }
	b="$work/musl"
	configure_build "$b" CC=musl-gcc || return 1
	(cd "$b" && make -j"$jobs" CFLAGS="-g -O2 -Werror" >"$b.make.log" 2>&1) ||
		{ tail -n 30 "$b.make.log"; return 1; }
	# The tests put "env" between themselves and the program; the
	# system's env is linked with glibc and cannot load a musl library,
	# so a static musl env goes first in PATH.
	mkdir -p "$work/musl-bin"
	cat >"$work/musl-bin/env.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && strchr(argv[i], '=') != NULL; i++)
		putenv(argv[i]);
	if (i == argc)
		return 0;
	execvp(argv[i], argv + i);
	return 127;
}
EOF
	musl-gcc -static -O2 -o "$work/musl-bin/env" "$work/musl-bin/env.c" || return 1
	# musl's C library is libc.so; glibc's is libc.so.6.
	readelf -d "$b/src/.libs/libtcpkeep.so" | grep -q 'Shared library: \[libc\.so\]' ||
		{ echo "not a musl build"; return 1; }
	# python3 is linked with glibc: only the C-probe tests apply.
	(cd "$b" && PATH="$work/musl-bin:$PATH" TCPKEEP_STRESS_OPS=${MUSL_STRESS_OPS:-100000} \
		make -j"$jobs" check TESTS="$musl_tests" >"$b.check.log" 2>&1)
	rc=$?
	grep -E '^(FAIL|ERROR|XPASS)' "$b.check.log"
	summary=$(grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$b.check.log" | tr -d '#' | tr '\n' ' ')
	detail="musl-gcc -Werror build; $musl_tests_count tests:$summary"
	[ "$rc" -eq 0 ]
}

# ------------------------------------------------------------------- lint
step_lint() {
	b="$work/plain"
	plain_build || return 1
	status=0
	# cppcheck: warnings, style, performance, portability.  Suppressed,
	# each for a reason:
	#   missingIncludeSystem  system headers are not given to cppcheck;
	#   redundantAssignment in src/preload/real.c  "ignored = write(...)" three
	#       times on purpose: the results are unusable right before
	#       abort(), and glibc marks write() warn_unused_result;
	#   knownConditionTrueFalse in src/cli/check.c, unreadVariable in
	#       src/preload/hooks.c  cppcheck does not see SYS_socket or SO_DOMAIN
	#       from the system headers and judges the #else branch;
	#   variableScope  the house style declares variables at the top of a
	#       block; cppcheck would move them inward;
	#   unknownMacro in src/preload/next.c  ElfW() comes from <link.h>,
	#       a system header cppcheck is not given (the file then goes
	#       unchecked by cppcheck; gcc and clang -Wall -Werror build it,
	#       and tests/preload/next.tap checks it name by name).
	# Left out: src/bpf/*.bpf.c, the eBPF kernel side (SEC() and the
	# helpers come from libbpf's headers for -target bpf; clang -Wall
	# builds it and the kernel's verifier checks it at every load).
	cppcheck --enable=warning,style,performance,portability --std=c11 \
		--quiet --error-exitcode=1 --inline-suppr \
		-I "$top/src" -I "$b" \
		-i "$top/src/bpf/tcpkeep.bpf.c" \
		--suppress=missingIncludeSystem \
		--suppress=redundantAssignment:"$top/src/preload/real.c" \
		--suppress=knownConditionTrueFalse:"$top/src/cli/check.c" \
		--suppress=unreadVariable:"$top/src/preload/hooks.c" \
		--suppress=variableScope \
		--suppress=unknownMacro:"$top/src/preload/next.c" \
		"$top/src" || status=1
	cpp_status=$status

	# Every shell script with -s sh; .ci/run is bash and is
	# checked as bash.  Excluded, each for a reason:
	#   SC2016  the tests hand '$VAR' in single quotes to an inner sh on
	#           purpose (it must expand there, not here);
	#   SC2002  "cat /proc/... 2>/dev/null | tr" silences a file that may
	#           vanish; a redirection could not;
	#   SC2119/SC2120  helper functions whose arguments are optional.
	# The sourced helper files (tests/*/*.sh) set variables for the scripts
	# that source them: SC2034 is excluded there only.
	scripts=$(cd "$top" && ls tests/*/*.tap tests/*/*.test tests/release/*.sh \
		deploy/container/*.sh src/cli/*.in bench/*.sh .ci/*.sh 2>/dev/null)
	libs=$(cd "$top" && ls tests/lib/*.sh tests/preload/*.sh tests/wrapper/*.sh \
		tests/bpf/*.sh tests/running/*.sh tests/wire/*.sh 2>/dev/null)
	# shellcheck disable=SC2086
	(cd "$top" && shellcheck -x -P SCRIPTDIR:tests -s sh -e SC2016,SC2002,SC2119,SC2120 $scripts) || status=1
	# shellcheck disable=SC2086
	(cd "$top" && shellcheck -x -P SCRIPTDIR:tests -s sh -e SC2034 $libs) || status=1
	(cd "$top" && shellcheck -s bash .ci/run) || status=1
	n=$(echo "$scripts $libs" | wc -w | tr -d ' ')
	detail="cppcheck src/: $([ "$cpp_status" -eq 0 ] && echo clean || echo findings); shellcheck: $((n + 1)) scripts"
	[ "$status" -eq 0 ]
}

# The tests a build directory's Makefile runs (TESTS, expanded by make).
list_tests() {
	# shellcheck disable=SC2016
	printf 'print-tests:\n\t@echo $(TESTS)\n' >"$work/print-tests.mk"  # make expands it
	make -s -C "$1" -f Makefile -f "$work/print-tests.mk" print-tests
}

failed=0
start_all=$(now)
prepare_source || { record prepare FAIL "could not copy and autoreconf the source"; exit 1; }

for step in $steps; do
	echo "=== hardening: $step"
	detail=""
	t0=$(now)
	case $step in
	asan) step_asan ;;
	tsan) step_tsan ;;
	valgrind) step_valgrind ;;
	fuzz) step_fuzz ;;
	musl)
		musl_tests="tests/unit/unit-config tests/unit/unit-rules tests/unit/unit-hostile \
tests/preload/exports.tap tests/preload/sockets.tap tests/preload/errno.tap \
tests/preload/fault.tap tests/preload/hostile.tap tests/preload/stress.tap \
tests/preload/setuid.test tests/preload/next.tap"
		musl_tests_count=$(echo "$musl_tests" | wc -w | tr -d ' ')
		step_musl ;;
	lint) step_lint ;;
	*) echo "unknown step $step"; false ;;
	esac
	rc=$?
	t1=$(now)
	if [ "$rc" -eq 0 ]; then
		record "$step" PASS "($((t1 - t0)) s) $detail"
	else
		record "$step" FAIL "($((t1 - t0)) s) $detail"
		failed=$((failed + 1))
	fi
done

echo "=== hardening summary ($(($(now) - start_all)) s)"
cat "$results"
if [ "$failed" -ne 0 ]; then
	echo "hardening: $failed step(s) failed"
	exit 1
fi
echo "hardening: all steps passed"
exit 0
