#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/rules.sh: user-space instructions per tk_rules_match() call, from
# callgrind runs of bench/rulesloop at two loop lengths, counting only
# inside tk_rules_match() (and what it calls); the difference of the two
# runs divided by the difference of the lengths is the cost of one call.
# Run by `make bench-rules`; not part of `make check`.
#
# Environment: RULESLOOP, the program (default: bench/rulesloop of the
# build tree in the current directory).
set -u

loop=${RULESLOOP:-./bench/rulesloop}
n1=1000
n2=2000

die() {
	echo "bench-rules: $*" >&2
	exit 1
}

[ -x "$loop" ] || die "$loop not built (run make bench-rules)"
command -v valgrind >/dev/null 2>&1 || die "valgrind not installed (Debian: apt-get install valgrind)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpkeep-rules.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Instructions of one callgrind run (the "Collected" line of its summary).
count() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
		--toggle-collect=tk_rules_match "$loop" "$1" "$2" \
		>"$tmp/log" 2>&1 ||
		die "rulesloop $1 $2 failed: $(cat "$tmp/log")"
	sed -n 's/.*Collected : *\([0-9][0-9]*\).*/\1/p' "$tmp/log"
}

echo "instructions per tk_rules_match() call: (Ir($n2) - Ir($n1)) / $((n2 - n1))"
for c in v4-miss v4-hit v6-miss v6-hit mix-miss mix-hit mix-port \
	bench-miss bench-hit; do
	a=$(count "$c" "$n1")
	b=$(count "$c" "$n2")
	if [ -z "$a" ] || [ -z "$b" ]; then
		die "no instruction count for $c"
	fi
	awk -v c="$c" -v a="$a" -v b="$b" -v s="$((n2 - n1))" \
		'BEGIN { printf "  %-11s %7.2f\n", c, (b - a) / s }'
done
