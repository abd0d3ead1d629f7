# SPDX-License-Identifier: MIT
# Shared helpers for the wire scenarios, tests/wire/wire-*.test.  POSIX sh.
#
# A scenario sources this file, calls wire_init (which installs the cleanup
# traps) and wire_topology, then starts tests/lib/peer.py wire endpoints inside
# the namespaces with wire_peer.  Exit status: 0 pass, 1 fail, 77 skip (no
# namespaces: not root, no ip/nft/python3), 99 hard error.
#
# The network, built by wire_topology, exists only inside the namespaces the
# test creates (names carry the test's PID, so parallel runs do not meet):
#
#   client ns            router ns                 server ns
#   c0 10.213.1.1 ---- rc0 10.213.1.254
#                      rs0 10.213.2.254 ---- s0 10.213.2.1
#
# Every wait is bounded (wire_wait counts tenths of a second); every process
# and namespace is removed on exit, failure or signal.

: "${TESTS_SRCDIR:=$(dirname "$0")/..}"
WIRE_PYTHON=${PYTHON:-python3}
WIRE_PEER=$TESTS_SRCDIR/lib/peer.py
WIRE_PEER_MODE=wire
WIRE_CADDR=10.213.1.1
WIRE_SADDR=10.213.2.1

wire_nss=
wire_pids=
wire_tmp=

wire_skip() {
	echo "SKIP: $*"
	exit 77
}

wire_fail() {
	echo "FAIL: $*"
	wire_failed=1
}

wire_error() {
	echo "ERROR: $*"
	exit 99
}

wire_cleanup() {
	for wire_p in $wire_pids; do
		kill -9 "$wire_p" 2>/dev/null
	done
	for wire_ns in $wire_nss; do
		# Only processes inside our own namespaces: ours by construction.
		for wire_p in $(ip netns pids "$wire_ns" 2>/dev/null); do
			kill -9 "$wire_p" 2>/dev/null
		done
		ip netns del "$wire_ns" 2>/dev/null
	done
	wire_pids=
	wire_nss=
	if [ -n "$wire_tmp" ]; then
		rm -rf "$wire_tmp"
		wire_tmp=
	fi
}

# wire_init TAG: check the tools, install the traps, make a scratch dir.
wire_init() {
	wire_tag=$1
	wire_failed=0
	trap 'wire_cleanup' EXIT
	trap 'wire_cleanup; exit 129' HUP
	trap 'wire_cleanup; exit 130' INT
	trap 'wire_cleanup; exit 143' TERM
	[ "$(id -u)" -eq 0 ] || wire_skip "network namespaces need root"
	for wire_tool in ip nft ss "$WIRE_PYTHON"; do
		command -v "$wire_tool" >/dev/null 2>&1 ||
			wire_skip "$wire_tool not found"
	done
	[ -n "$TCPKEEP_LIBRARY" ] ||
		wire_error "TCPKEEP_LIBRARY is not set (run through make check)"
	[ -f "$TCPKEEP_LIBRARY" ] ||
		wire_error "TCPKEEP_LIBRARY=$TCPKEEP_LIBRARY does not exist"
	# The preload, as an env(1) assignment for wire_peer.
	# shellcheck disable=SC2034 # used by the scenarios
	WIRE_TK="LD_PRELOAD=$TCPKEEP_LIBRARY"
	wire_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tkwire.XXXXXX") ||
		wire_error "mktemp failed"
	WIRE_C=tkw-$wire_tag-$$-c
	WIRE_R=tkw-$wire_tag-$$-r
	WIRE_S=tkw-$wire_tag-$$-s
}

# wire_ns_add NAME: a namespace with loopback up; skip if not possible.
wire_ns_add() {
	ip netns add "$1" 2>/dev/null ||
		wire_skip "cannot create network namespace $1 (ip netns add failed)"
	case " $wire_nss " in
	*" $1 "*) ;;
	*) wire_nss="$wire_nss $1" ;;
	esac
	ip -n "$1" link set lo up || wire_error "lo up in $1"
}

# wire_sysctl NS KEY VALUE: write /proc/sys/KEY inside NS (per-namespace
# keys only) and read it back; status 0 if it now reads VALUE.  Plain
# /proc writes: busybox and procps sysctl differ in their options.
wire_sysctl() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	ip netns exec "$1" sh -c 'echo "$2" >"/proc/sys/$1" && cat "/proc/sys/$1"' \
		sh "$2" "$3" 2>/dev/null | grep -qx -- "$3"
}

# wire_ip NS ARGS...: `ip -n NS ARGS`, a hard error if it fails.
wire_ip() {
	wire_ins=$1
	shift
	ip -n "$wire_ins" "$@" || wire_error "ip -n $wire_ins $*"
}

# wire_link NS IF ROUTER-IF ADDR GATEWAY: a veth pair from NS to the
# router, ADDR/24 on NS's end, GATEWAY/24 on the router's end and NS's
# default route through it.
wire_link() {
	wire_ip "$1" link add "$2" type veth peer name "$3" netns "$WIRE_R"
	wire_ip "$1" addr add "$4/24" dev "$2"
	wire_ip "$1" link set "$2" up
	wire_ip "$1" route add default via "$5"
	wire_ip "$WIRE_R" addr add "$5/24" dev "$3"
	wire_ip "$WIRE_R" link set "$3" up
}

# wire_server_ns: (re)create the server namespace and its link to the router.
wire_server_ns() {
	wire_ns_add "$WIRE_S"
	wire_link "$WIRE_S" s0 rs0 "$WIRE_SADDR" 10.213.2.254
}

# wire_topology: client -- router -- server, see the top of this file.
wire_topology() {
	wire_ns_add "$WIRE_C"
	wire_ns_add "$WIRE_R"
	wire_sysctl "$WIRE_R" net/ipv4/ip_forward 1 ||
		wire_error "ip_forward in $WIRE_R"
	wire_link "$WIRE_C" c0 rc0 "$WIRE_CADDR" 10.213.1.254
	wire_server_ns
	# nftables usable here (a container may lack nf_tables): skip if not.
	if ! ip netns exec "$WIRE_R" nft add table inet tkw_probe 2>/dev/null ||
		! ip netns exec "$WIRE_R" nft delete table inet tkw_probe; then
		wire_skip "nftables does not work in a network namespace here"
	fi
}

# wire_blackout on|off: the router silently drops every packet, in both
# directions, before routing or connection tracking see it: a pulled cable
# or a powered-off host, as far as either end can tell (no RST, no ICMP).
wire_blackout() {
	case $1 in
	on)
		ip netns exec "$WIRE_R" nft -f - <<-EOF ||
		table inet tkw_blackout {
			chain pre {
				type filter hook prerouting priority -300; policy drop;
			}
		}
		EOF
			wire_error "nft blackout"
		;;
	off)
		ip netns exec "$WIRE_R" nft delete table inet tkw_blackout ||
			wire_error "nft blackout off"
		;;
	esac
}

# wire_peer NS NAME ENV ARGS...: start tests/lib/peer.py wire in NS with the
# env(1) assignments ENV (may be empty; $WIRE_TK adds the preload); its
# events go to $wire_tmp/NAME, stderr to $wire_tmp/NAME.err.  Sets
# wire_last_pid.  `ip netns exec` and env exec, so the PID is python's.
wire_peer() {
	wire_pns=$1 wire_pname=$2 wire_penv=$3
	shift 3
	# shellcheck disable=SC2086 # ENV is a list of assignments, split on purpose
	ip netns exec "$wire_pns" env $wire_penv \
		"$WIRE_PYTHON" "$WIRE_PEER" "$WIRE_PEER_MODE" "$@" \
		>"$wire_tmp/$wire_pname" 2>"$wire_tmp/$wire_pname.err" &
	wire_last_pid=$!
	wire_pids="$wire_pids $wire_last_pid"
	eval "wire_pid_$wire_pname=\$wire_last_pid"
}

# wire_wait NAME REGEX TENTHS: until a line of NAME's events matches REGEX,
# at most TENTHS tenths of a second.  Status 0 if it matched.
wire_wait() {
	wire_n=0
	while [ "$wire_n" -lt "$3" ]; do
		grep -Eq -- "$2" "$wire_tmp/$1" 2>/dev/null && return 0
		sleep 0.1
		wire_n=$((wire_n + 1))
	done
	grep -Eq -- "$2" "$wire_tmp/$1" 2>/dev/null
}

# wire_event NAME EVENT KEY: the value of KEY= on NAME's last EVENT line.
wire_event() {
	awk -v e="$2" -v k="$3" '$1 == e {
		v = ""
		for (i = 2; i <= NF; i++)
			if (index($i, k "=") == 1)
				v = substr($i, length(k) + 2)
		last = v
	} END { print last }' "$wire_tmp/$1"
}

# wire_show NAME: NAME's events and errors, for the log.
wire_show() {
	sed "s/^/  $1: /" "$wire_tmp/$1" "$wire_tmp/$1.err" 2>/dev/null
}

# wire_alive NAME: NAME's process still runs.
wire_alive() {
	eval "wire_p=\$wire_pid_$1"
	kill -0 "$wire_p" 2>/dev/null
}

# wire_sleep SECONDS: sleep in tenths, so a signal's cleanup is not held
# up by one long sleep(1).
wire_sleep() {
	wire_n=$(awk -v s="$1" 'BEGIN { printf "%d", s * 10 + 0.5 }')
	while [ "$wire_n" -gt 0 ]; do
		sleep 0.1
		wire_n=$((wire_n - 1))
	done
}

# wire_ended NAME: NAME reported the end of its connection.
wire_ended() {
	grep -Eq '^(error|eof)' "$wire_tmp/$1"
}

# wire_kill NAME: kill NAME's process and reap it.
wire_kill() {
	eval "wire_p=\$wire_pid_$1"
	kill -9 "$wire_p" 2>/dev/null
	wait "$wire_p" 2>/dev/null
}

# wire_ss NS FILTER...: established TCP sockets in NS, with timers and
# queues, as the kernel reports them (ss -tnoH).
wire_ss() {
	wire_sns=$1
	shift
	ip netns exec "$wire_sns" ss -tnoH state established "$@" 2>/dev/null
}

# wire_since NAME: seconds since NAME's connected event (CLOCK_BOOTTIME,
# read from /proc/uptime: no fork, 10 ms resolution).
wire_since() {
	wire_b=$(wire_event "$1" connected boot)
	read -r wire_up _ </proc/uptime
	awk -v b="$wire_b" -v u="$wire_up" 'BEGIN { printf "%.2f", u - b }'
}

# wire_within VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals, a sign allowed:
# one process's "sent" can be read after the other's "arrived").
wire_within() {
	awk -v v="$1" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(v ~ /^-?[0-9]+(\.[0-9]+)?$/ && v + 0 >= lo + 0 && v + 0 <= hi + 0) }'
}

# wire_report SCENARIO OUTCOME MEASURED THEORETICAL: one table row, as a
# line `WIRE|scenario|outcome|measured|theoretical|ratio` in the test's
# log; `make check-wire` collects them.  Times in seconds, or `-`.
wire_report() {
	wire_ratio=$(awk -v m="$3" -v t="$4" 'BEGIN {
		if (m ~ /^[0-9.]+$/ && t ~ /^[0-9.]+$/ && t + 0 > 0)
			printf "%.2f", m / t
		else
			print "-"
	}')
	echo "WIRE|$1|$2|$3|$4|$wire_ratio"
}

# wire_check_etimedout NAME ROW-LABEL THEORY FIELD LATE: NAME's connection
# must have ended with ETIMEDOUT between THEORY - 1 and THEORY + LATE
# seconds, as the FIELD= of its error event counts them (t: since it
# connected, tsend: since its send); one table row either way.
wire_check_etimedout() {
	wire_ce_errno=$(wire_event "$1" error errno)
	wire_ce_t=$(wire_event "$1" error "$4")
	if [ "$wire_ce_errno" != ETIMEDOUT ]; then
		wire_fail "$2: expected ETIMEDOUT, got '${wire_ce_errno:-still blocked}'"
		wire_report "$2" "FAIL ${wire_ce_errno:-blocked}" "${wire_ce_t:--}" "$3"
	elif ! wire_within "$wire_ce_t" "$(($3 - 1))" "$(($3 + $5))"; then
		wire_fail "$2: ETIMEDOUT after $wire_ce_t s, expected about $3 s"
		wire_report "$2" "FAIL late ETIMEDOUT" "$wire_ce_t" "$3"
	else
		wire_report "$2" "ETIMEDOUT" "$wire_ce_t" "$3"
	fi
}

# wire_finish: the test's exit status.
wire_finish() {
	if [ "$wire_failed" -ne 0 ]; then
		echo "events:"
		for wire_f in "$wire_tmp"/*; do
			case $wire_f in *.err) continue ;; esac
			wire_show "${wire_f##*/}"
		done
		exit 1
	fi
	exit 0
}

# ------------------------------------------------------------ eBPF mode
# The scenarios' eBPF-mode rows (tests/wire/wire-bpf-*.test) and tests/bpf/bpf-*.tap.

# wire_bpf_init: skip (77) unless eBPF mode works here; sets WIRE_BPF,
# the words that start a command in eBPF mode.
wire_bpf_init() {
	command -v tcpkeep-bpf >/dev/null 2>&1 ||
		wire_skip "tcpkeep-bpf is not built (configure found no clang -target bpf, libbpf or bpftool)"
	wire_bpf_out=$(tcpkeep --bpf --check 2>&1)
	[ $? -eq 125 ] && wire_skip "$(echo "$wire_bpf_out" | tail -n 1)"
	WIRE_BPF="tcpkeep --bpf --"
}

# wire_bpf_peer NS NAME ENV PROGRAM ARGS...: PROGRAM in eBPF mode inside
# NS.  The cgroup is joined before `ip netns exec` (which remounts /sys);
# every step execs, so the PID is PROGRAM's.
wire_bpf_peer() {
	wire_pns=$1 wire_pname=$2 wire_penv=$3
	shift 3
	: >"$wire_tmp/$wire_pname"
	# shellcheck disable=SC2086 # ENV and the runner are word lists
	env $wire_penv $WIRE_BPF ip netns exec "$wire_pns" "$@" \
		>"$wire_tmp/$wire_pname" 2>"$wire_tmp/$wire_pname.err" &
	wire_last_pid=$!
	wire_pids="$wire_pids $wire_last_pid"
	eval "wire_pid_$wire_pname=\$wire_last_pid"
}

# wire_plain_peer NS NAME PROGRAM ARGS...: PROGRAM inside NS, no tcpkeep.
wire_plain_peer() {
	wire_pns=$1 wire_pname=$2
	shift 2
	: >"$wire_tmp/$wire_pname"
	ip netns exec "$wire_pns" "$@" \
		>"$wire_tmp/$wire_pname" 2>"$wire_tmp/$wire_pname.err" &
	wire_last_pid=$!
	wire_pids="$wire_pids $wire_last_pid"
	eval "wire_pid_$wire_pname=\$wire_last_pid"
}

# wire_go_client DIR: builds tests/lib/bpf-client.go with CGO_ENABLED=0 in DIR
# (its own cache, no network) and prints the executable's path; status 1
# when there is no Go toolchain or the build fails (DIR/go.log says why).
wire_go_client() {
	mkdir -p "$1" || return 1
	command -v go >/dev/null 2>&1 || { echo "no go" >"$1/go.log"; return 1; }
	cp "$TESTS_SRCDIR/lib/bpf-client.go" "$1/main.go" &&
		(cd "$1" && env GOCACHE="$1/cache" GOPATH="$1/path" \
			GOTOOLCHAIN=local GO111MODULE=off GOFLAGS= GOPROXY=off \
			CGO_ENABLED=0 go build -o client main.go) >"$1/go.log" 2>&1 &&
		echo "$1/client"
}

# wire_nobody_wrapper: copies of the wrapper and the programs it runs
# (tcpkeep-helper, tcpkeep-bpf) in a directory user nobody can reach, since
# the build tree may not be (a clone under /root, mode 700).  Prints the
# copy of the wrapper; returns 1 when nobody cannot run it (TMPDIR private?).
wire_nobody_wrapper() {
	wire_nw=$(command -v tcpkeep) || return 1
	mkdir -p "$wire_tmp/nobody-bin" || return 1
	for wire_f in "$wire_nw" "${wire_nw%/*}/tcpkeep-helper" "${wire_nw%/*}/tcpkeep-bpf"; do
		[ -f "$wire_f" ] || continue
		cp "$wire_f" "$wire_tmp/nobody-bin/" || return 1
	done
	chmod 755 "$wire_tmp" "$wire_tmp/nobody-bin" || return 1
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		test -x "$wire_tmp/nobody-bin/tcpkeep" || return 1
	echo "$wire_tmp/nobody-bin/tcpkeep"
}
