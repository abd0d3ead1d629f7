# SPDX-License-Identifier: MIT
# Shared set-up for the shell tests; source after tap.sh.
# shellcheck shell=sh
lib=${TCPKEEP_LIBRARY:?TCPKEEP_LIBRARY must name the built libtcpkeep.so}
probe="$TESTS_BUILDDIR/preload/probe"
counter="$TESTS_BUILDDIR/preload/.libs/libcounter.so"
early="$TESTS_BUILDDIR/preload/.libs/libearly.so"
# The interpreter itself, not a version manager's shell shim around it.
PYTHON=$(${PYTHON:-python3} -c 'import sys; print(sys.executable)') ||
	skip_all "python3 not found"

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/tcpkeep-test.XXXXXX") || exit 99
trap 'rm -rf "$tmpdir"' EXIT
trap 'exit 130' INT TERM HUP

# A sanitizer runtime that must come first in LD_PRELOAD (set by
# .ci/hardening.sh for the ASan build); empty otherwise.  Every
# LD_PRELOAD a test builds starts with it.
preload_first=${TCPKEEP_TEST_PRELOAD_FIRST:+$TCPKEEP_TEST_PRELOAD_FIRST }

# Runs a command with tcpkeep preloaded.
pre() {
	env LD_PRELOAD="$preload_first$lib" "$@"
}

# The line "LABEL keepalive=... user_timeout=..." for given values.
opts() {
	echo "$1 keepalive=$2 idle=$3 intvl=$4 cnt=$5 user_timeout=$6"
}
