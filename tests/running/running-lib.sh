# SPDX-License-Identifier: MIT
# Shared helpers for the running-process scenarios, tests/running/running-*.test
# (tcpkeep --pid and --status, tcpkeep(1), RUNNING PROCESSES).  POSIX sh.
#
# Two network namespaces joined by a veth pair, made by rp_net (names carry
# the test's PID):
#
#   client ns  c0 10.214.0.1/24 fd00:214::1/64 ---- s0 10.214.0.2/24 fd00:214::2/64  server ns
#
# Programs run inside them with rp_start, unmodified (python3
# tests/lib/peer.py running, socat), started without tcpkeep; the test then
# reaches them from the host's namespace.  The values are read back with
# tests/lib/running-read.py (pidfd_getfd and getsockopt, independent of
# tcpkeep's code).  Exit status: 0 pass, 1 fail, 77 skip, 99 hard error.
# Every wait is bounded; processes, namespaces and files are removed on
# exit, failure or signal.

# Built on tests/lib/wire-lib.sh: its traps, cleanup, scratch directory
# ($wire_tmp), namespaces and waits.
: "${TESTS_SRCDIR:=$(dirname "$0")/..}"
# shellcheck source=tests/lib/wire-lib.sh
. "$TESTS_SRCDIR/lib/wire-lib.sh"
RP_PYTHON=$WIRE_PYTHON
RP_PEER=$TESTS_SRCDIR/lib/peer.py
RP_READ=$TESTS_SRCDIR/lib/running-read.py
RP_C4=10.214.0.1
RP_S4=10.214.0.2
RP_C6=fd00:214::1
RP_S6=fd00:214::2
rp_tmp=

# rp_check STATUS DESCRIPTION: one line; the test fails at the end
# (wire_finish) when STATUS is not 0.
rp_check() {
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"
	else
		wire_fail "$2"
	fi
}

# rp_is GOT WANT DESCRIPTION
rp_is() {
	if [ "$1" = "$2" ]; then
		rp_check 0 "$3"
	else
		rp_check 1 "$3"
		echo "  got:  '$1'"
		echo "  want: '$2'"
	fi
}

# rp_init TAG: tools, traps, scratch directory (wire_init); skip without
# root, socat or pidfd_getfd.
rp_init() {
	wire_init "$1"
	command -v socat >/dev/null 2>&1 || wire_skip "socat not found"
	rp_tmp=$wire_tmp
	RP_C=tkr-$1-$$-c
	RP_S=tkr-$1-$$-s
	rp_tools
}

# rp_tools: tcpkeep (the wrapper, from PATH, as users run it) and the
# oracle work here; skip without pidfd_getfd.  Also for scenarios that
# set up with wire_topology instead of rp_net.
rp_tools() {
	rp_tmp=$wire_tmp
	command -v tcpkeep >/dev/null 2>&1 ||
		wire_error "tcpkeep not in PATH (run through make check)"
	"$RP_PYTHON" "$RP_READ" $$ >/dev/null 2>&1 ||
		wire_skip "pidfd_getfd does not work here (Linux 5.6 or later, and ptrace access, are needed)"
}

# rp_net: the two namespaces and their veth pair (top of this file).
rp_net() {
	wire_ns_add "$RP_C"
	wire_ns_add "$RP_S"
	wire_ip "$RP_C" link add c0 type veth peer name s0 netns "$RP_S"
	wire_ip "$RP_C" addr add "$RP_C4/24" dev c0
	wire_ip "$RP_S" addr add "$RP_S4/24" dev s0
	wire_ip "$RP_C" -6 addr add "$RP_C6/64" dev c0 nodad
	wire_ip "$RP_S" -6 addr add "$RP_S6/64" dev s0 nodad
	wire_ip "$RP_C" link set c0 up
	wire_ip "$RP_S" link set s0 up
}

# rp_start NS NAME ENV CMD...: CMD in NS with the env(1) assignments ENV
# (may be empty); stdout to $rp_tmp/NAME, stderr to $rp_tmp/NAME.err.
# `ip netns exec` and env exec, so the PID is the program's.  Sets
# rp_last.
rp_start() {
	rp_sns=$1 rp_sname=$2 rp_senv=$3
	shift 3
	# shellcheck disable=SC2086 # ENV is a list of assignments, split on purpose
	ip netns exec "$rp_sns" env $rp_senv "$@" \
		>"$rp_tmp/$rp_sname" 2>"$rp_tmp/$rp_sname.err" &
	rp_last=$!
	wire_pids="$wire_pids $rp_last"
}

# rp_peer NS NAME ENV ARGS...: tests/lib/peer.py running ARGS in NS.
rp_peer() {
	rp_pns=$1 rp_pname=$2 rp_penv=$3
	shift 3
	rp_start "$rp_pns" "$rp_pname" "$rp_penv" "$RP_PYTHON" "$RP_PEER" running "$@"
}

# rp_wait NAME REGEX TENTHS: as wire_wait.
rp_wait() {
	wire_wait "$@"
}

# rp_wait_ss NS FILTER TENTHS: until ss in NS lists an established
# socket matching FILTER.
rp_wait_ss() {
	rp_n=0
	while [ "$rp_n" -lt "$3" ]; do
		[ -n "$(wire_ss "$1" "$2")" ] && return 0
		sleep 0.1
		rp_n=$((rp_n + 1))
	done
	return 1
}

# rp_read PID: the oracle's lines for PID's TCP sockets.
rp_read() {
	"$RP_PYTHON" "$RP_READ" "$1"
}

# rp_value PID MATCH KEY: KEY= of the first oracle line of PID containing
# MATCH (e.g. "peer=10.214.0.2:7101").
rp_value() {
	rp_read "$1" | awk -v m="$2" -v k="$3" 'index($0, m) {
		for (i = 1; i <= NF; i++)
			if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit }
	}'
}

# shellcheck disable=SC2034 # tk_rc is for the scenarios
: "${tk_rc:=}"

# tk_status ARGS...: tcpkeep --status ARGS.  Output in $rp_tmp/status,
# errors in $rp_tmp/status.err, status in tk_rc.
tk_status() {
	tcpkeep --status "$@" >"$rp_tmp/status" 2>"$rp_tmp/status.err"
	tk_rc=$?
}

# tk_pid PID...: tcpkeep --pid PID --pid PID... with the TCPKEEP_*
# variables of the environment.  Output in $rp_tmp/pid, errors in
# $rp_tmp/pid.err, status in tk_rc.
tk_pid() {
	tk_args=
	for tk_p in "$@"; do
		tk_args="$tk_args --pid $tk_p"
	done
	# shellcheck disable=SC2086 # --pid PID pairs
	tcpkeep $tk_args >"$rp_tmp/pid" 2>"$rp_tmp/pid.err"
	tk_rc=$?
}

rp_finish() {
	wire_finish
}
