# SPDX-License-Identifier: MIT
# Shared by the tests/wrapper/wrapper-*.tap scripts: TAP helpers, a temporary
# directory removed on exit, and run() to capture a command's results.
# shellcheck shell=sh
. "$TESTS_SRCDIR/lib/tap.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpkeep-test.XXXXXX") || exit 99
cleanup_extra=:
trap 'eval "$cleanup_extra"; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

library=$TCPKEEP_LIBRARY

# run COMMAND...: sets rc, out (stdout) and err (stderr) of COMMAND.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# err_lines: how many lines the last run() wrote to stderr.
err_lines() {
	wc -l <"$tmp/err" | tr -d ' '
}

# contains TEXT PATTERN: grep -F PATTERN in TEXT.
contains() {
	printf '%s\n' "$1" | grep -F -e "$2" >/dev/null
}

# ok_skip DESCRIPTION REASON: one skipped test point.
ok_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# An executable that leaves proof of having run: tests check that nothing
# was started after an error.
marker=$tmp/started
mkdir "$tmp/bin"
cat >"$tmp/bin/leave-marker" <<MARK
#!/bin/sh
: >"$marker"
MARK
chmod +x "$tmp/bin/leave-marker"

# is_refused DESCRIPTION: the last run() exited 125 with one line on stderr,
# nothing on stdout, and left no marker.
is_refused() {
	st=0
	[ "$rc" -eq 125 ] || st=1
	[ "$(err_lines)" -eq 1 ] || st=1
	[ -z "$out" ] || st=1
	[ ! -e "$marker" ] || st=1
	ok "$st" "$1"
	if [ "$st" -ne 0 ]; then
		diag "  rc=$rc, stderr:"
		sed 's/^/#    /' "$tmp/err"
	fi
	rm -f "$marker"
}

# build_tree_library DIR: what the build tree's wrapper in DIR writes into
# LD_PRELOAD: DIR/abi/$LIB/libtcpkeep.so when make made that layout (the
# loader expands $LIB), else DIR/.libs/libtcpkeep.so.
build_tree_library() {
	if [ -n "${TK_TEST_LIB_TOKEN:-}" ] &&
		[ -f "$1/abi/$TK_TEST_LIB_TOKEN/libtcpkeep.so" ]; then
		# shellcheck disable=SC2016
		printf '%s/abi/$LIB/libtcpkeep.so\n' "$(cd "$1" && pwd -P)"
	else
		printf '%s/libtcpkeep.so\n' "$(cd "$1/.libs" && pwd -P)"
	fi
}
