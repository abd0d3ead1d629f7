#!/bin/sh
# SPDX-License-Identifier: MIT
# make check-sources: every C file of src/ compiled on its own with the
# project's flags (-fsyntax-only), and every header included alone after
# autoconfig.h, so no file leans on what another happened to include
# before it.  One line per file that fails, then its compiler output.
#
#   check-sources.sh SRCDIR
#
# From make: CC, FLAGS (the preprocessor and compiler flags of every
# source), BPF_FLAGS (added for src/bpf) and BUILD_BPF (yes when eBPF
# mode is built; otherwise src/bpf is left out: libbpf's headers may be
# missing).
set -u

srcdir=${1:?usage: check-sources.sh SRCDIR}
failed=0
checked=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

check() {
	# check FILE: compile it (a .c) or a unit including it (a .h).
	file=$1 extra=
	case $file in
	src/bpf/*) extra=${BPF_FLAGS-} ;;
	esac
	case $file in
	*.c)
		# shellcheck disable=SC2086 # flag lists are words
		${CC:-cc} ${FLAGS-} $extra -fsyntax-only "$srcdir/$file" \
			>"$out" 2>&1 ;;
	*.h)
		# shellcheck disable=SC2086
		printf '#include "autoconfig.h"\n#include "%s"\n' "${file#src/}" |
			${CC:-cc} ${FLAGS-} $extra -fsyntax-only -x c - \
			>"$out" 2>&1 ;;
	esac
	status=$?
	checked=$((checked + 1))
	# Any warning counts: the build treats them as errors in CI.
	if [ "$status" -ne 0 ] || [ -s "$out" ]; then
		echo "check-sources: $file does not compile on its own"
		cat "$out"
		failed=$((failed + 1))
	fi
}

# Not the kernel side (-target bpf) nor the skeleton made from it.
files=$(cd "$srcdir" && find src -name '*.[ch]' ! -name '*.bpf.c' ! -name '*.skel.h' | LC_ALL=C sort)
for f in $files; do
	case $f in
	src/bpf/*) [ "${BUILD_BPF-}" = yes ] || continue ;;
	esac
	check "$f"
done
echo "check-sources: $checked files, $failed failed"
[ "$failed" -eq 0 ]
