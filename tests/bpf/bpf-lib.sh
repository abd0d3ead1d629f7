# SPDX-License-Identifier: MIT
# Shared set-up for the eBPF-mode tests (tests/bpf/bpf-*.tap); source after
# tap.sh.  Uses wire-lib.sh's event helpers (wire_wait, wire_event,
# wire_kill) for processes started with bpf_start / bpf_plain.
# shellcheck shell=sh

: "${TESTS_SRCDIR:=$(dirname "$0")/..}"
: "${TESTS_BUILDDIR:=$TESTS_SRCDIR}"
# shellcheck source=tests/lib/wire-lib.sh
. "$TESTS_SRCDIR/lib/wire-lib.sh"

PYTHON=$(${PYTHON:-python3} -c 'import sys; print(sys.executable)' 2>/dev/null) ||
	skip_all "python3 not found"
WIRE_PYTHON=$PYTHON
bpf_peer=$TESTS_SRCDIR/lib/peer.py
# shellcheck disable=SC2034 # used by the tests that source this file
bpf_client=$TESTS_BUILDDIR/lib/bpf-client
# shellcheck disable=SC2034
bpf_uring=$TESTS_BUILDDIR/bpf/bpf-uring
bpf_cgroups=
bpf_attached=

bpf_cleanup() {
	wire_cleanup
	for bpf_cg in $bpf_attached; do
		tcpkeep --cgroup "$bpf_cg" --detach >/dev/null 2>&1
	done
	for bpf_cg in $bpf_cgroups; do
		# Only the test's own processes can be in its cgroups.
		if [ -f "$bpf_cg/cgroup.procs" ]; then
			while read -r bpf_p; do
				kill -9 "$bpf_p" 2>/dev/null
			done <"$bpf_cg/cgroup.procs"
			sleep 0.1
			rmdir "$bpf_cg" 2>/dev/null
		fi
	done
}

# bpf_init: skip (77 semantics: a TAP skip_all) unless eBPF mode can run
# here; install the cleanup; find the cgroup v2 directory of this shell.
bpf_init() {
	[ "$(id -u)" -eq 0 ] || skip_all "eBPF mode needs root (CAP_BPF and CAP_NET_ADMIN)"
	command -v tcpkeep-bpf >/dev/null 2>&1 ||
		skip_all "tcpkeep-bpf is not built (configure found no clang -target bpf, libbpf or bpftool)"
	bpf_probe=$(tcpkeep --bpf --check 2>&1)
	[ $? -eq 125 ] && skip_all "$(echo "$bpf_probe" | tail -n 1)"
	wire_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tkbpf.XXXXXX") || exit 99
	trap 'bpf_cleanup' EXIT
	trap 'bpf_cleanup; exit 130' INT TERM HUP
	bpf_v2=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") {
		if ($(i + 1) == "cgroup2") { print $5; exit }
		break } }' /proc/self/mountinfo 2>/dev/null)
	[ -n "$bpf_v2" ] || skip_all "no cgroup v2 hierarchy"
	bpf_own=$bpf_v2$(sed -n 's/^0:://p' /proc/self/cgroup)
	bpf_own=${bpf_own%/}
	bpf_via="tcpkeep --bpf --"
}

# bpf_start NAME ENV COMMAND...: COMMAND in eBPF mode with the env(1)
# assignments ENV, in the background; events to $wire_tmp/NAME.  The PID
# is the command's (exec all the way).
bpf_start() {
	bpf_name=$1 bpf_env=$2
	shift 2
	# Emptied here: the background shell's redirection may come later
	# than the first look at the file, which must not see an earlier
	# process's events.
	: >"$wire_tmp/$bpf_name"
	# shellcheck disable=SC2086 # ENV and the runner are word lists
	env $bpf_env $bpf_via "$@" >"$wire_tmp/$bpf_name" 2>"$wire_tmp/$bpf_name.err" &
	wire_last_pid=$!
	wire_pids="$wire_pids $wire_last_pid"
	eval "wire_pid_$bpf_name=\$wire_last_pid"
}

# bpf_plain NAME COMMAND...: the same without eBPF mode.
bpf_plain() {
	bpf_name=$1
	shift
	: >"$wire_tmp/$bpf_name"
	"$@" >"$wire_tmp/$bpf_name" 2>"$wire_tmp/$bpf_name.err" &
	wire_last_pid=$!
	wire_pids="$wire_pids $wire_last_pid"
	eval "wire_pid_$bpf_name=\$wire_last_pid"
}

# bpf_peek NAME EVENT: the options of NAME's descriptor fd= of its last
# EVENT line, read from the kernel through pidfd_getfd(2).
bpf_peek() {
	eval "bpf_p=\$wire_pid_$1"
	bpf_fd=$(wire_event "$1" "$2" fd)
	[ -n "$bpf_fd" ] || { echo "no $2 event from $1"; return; }
	"$PYTHON" "$bpf_peer" bpf peek "$bpf_p" "$bpf_fd" 2>&1
}

# bpf_values KEEPALIVE IDLE INTVL CNT USER_TIMEOUT: as bpf_peek prints.
bpf_values() {
	echo "keepalive=$1 idle=$2 intvl=$3 cnt=$4 user_timeout=$5"
}

# bpf_cgroup_of PID: the cgroup v2 directory of PID.
bpf_cgroup_of() {
	echo "$bpf_v2$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)"
}

# bpf_ka_within SS-LINE SECONDS: the line has a keepalive timer due within
# SECONDS (ss prints 16sec, 1min20sec, or ms below a second).
bpf_ka_within() {
	echo "$1" | awk -v max="$2" '{
		i = index($0, "timer:(keepalive,")
		if (!i) exit 1
		v = substr($0, i + 17); sub(/,.*/, "", v)
		if (v ~ /min/) exit 1
		if (v ~ /ms$/) exit 0
		sub(/sec$/, "", v)
		exit !(v + 0 <= max + 0)
	}'
}

# The links of the cgroup with inode ID, as the kernel lists them.
links_of() {
	bpftool link show 2>/dev/null | grep -c "cgroup_id $1 "
}

# in_cgroup NAME CGROUP PORT: bpf-client, started inside CGROUP,
# connecting to 127.0.0.1:PORT; waits (10 s at most) for it to connect.
in_cgroup() {
	# shellcheck disable=SC2016
	bpf_plain "$1" sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$2" \
		"$bpf_client" 127.0.0.1 "$3"
	wire_wait "$1" '^connected' 100
}
