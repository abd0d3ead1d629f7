# SPDX-License-Identifier: MIT
# Shared by the tcpkeep --discover scenarios, tests/wire/discover-*.test.
# POSIX sh.  Builds on the wire scenarios' library (namespaces client --
# router -- server, cleanup traps, skips); adds IPv6 on the same links, a
# many-connection listener, the middleboxes and the checks of a result.
#
# The middleboxes forget an idle flow after DISC_TIMEOUT s (conntrack's
# established timeout, set in the router's namespace only, loose pickup
# off so a forgotten flow is never adopted again):
#   disc_firewall drop   drops what it does not know (policy drop)
#   disc_firewall nat    the same, and masquerades toward the server
#   disc_firewall reset  answers an unknown client segment with a reset
# Every scenario sets DISC_PORT, the service's port.

: "${TESTS_SRCDIR:=$(dirname "$0")/..}"
# shellcheck source=tests/lib/wire-lib.sh
. "$TESTS_SRCDIR/lib/wire-lib.sh"
DISC_LISTEN=$TESTS_SRCDIR/wire/discover-listen.py
DISC_CADDR6=fd00:213:1::1
DISC_SADDR6=fd00:213:2::1

# disc_ipv6: IPv6 addresses next to the IPv4 ones (no duplicate address
# detection, so they are usable at once).
disc_ipv6() {
	wire_sysctl "$WIRE_R" net/ipv6/conf/all/forwarding 1 ||
		wire_skip "no IPv6 forwarding in a network namespace here"
	wire_ip "$WIRE_C" addr add "$DISC_CADDR6/64" dev c0 nodad
	wire_ip "$WIRE_R" addr add fd00:213:1::fe/64 dev rc0 nodad
	wire_ip "$WIRE_R" addr add fd00:213:2::fe/64 dev rs0 nodad
	wire_ip "$WIRE_S" addr add "$DISC_SADDR6/64" dev s0 nodad
	wire_ip "$WIRE_C" -6 route add default via fd00:213:1::fe
	wire_ip "$WIRE_S" -6 route add default via fd00:213:2::fe
}

# disc_firewall drop|nat|reset|none: the router's middlebox, see the top;
# none: no middlebox, only the count.  The count: what the client sends
# anywhere but the service (must stay 0).
disc_firewall() {
	disc_extra=
	disc_policy=drop
	case $1 in
	reset) disc_extra='ct state invalid iifname "rc0" meta l4proto tcp reject with tcp reset' ;;
	none) disc_policy=accept ;;
	esac
	if [ "$1" = none ]; then
		disc_ct=
	else
		disc_ct='ct state established,related accept
		iifname "rc0" oifname "rs0" ct state new accept'
	fi
	ip netns exec "$WIRE_R" nft -f - <<EOF ||
table inet tkw_disc {
	counter elsewhere { }
	chain forward {
		type filter hook forward priority 0; policy $disc_policy;
		iifname "rc0" tcp dport != $DISC_PORT counter name elsewhere
		iifname "rc0" meta l4proto != tcp counter name elsewhere
		$disc_ct
		$disc_extra
	}
}
EOF
		wire_skip "no connection tracking for nftables here (nf_conntrack)"
	[ "$1" != none ] || return 0
	if [ "$1" = nat ]; then
		ip netns exec "$WIRE_R" nft -f - <<EOF ||
table ip tkw_nat {
	chain post {
		type nat hook postrouting priority 100;
		oifname "rs0" masquerade
	}
}
EOF
			wire_skip "no NAT for nftables here"
	fi
	disc_estab=net/netfilter/nf_conntrack_tcp_timeout_established
	disc_host_before=$(cat "/proc/sys/$disc_estab" 2>/dev/null)
	if ! wire_sysctl "$WIRE_R" $disc_estab "$DISC_TIMEOUT" ||
		! wire_sysctl "$WIRE_R" net/netfilter/nf_conntrack_tcp_loose 0; then
		wire_skip "cannot set the conntrack timeouts in a network namespace"
	fi
	if [ "$disc_host_before" != "$(cat "/proc/sys/$disc_estab" 2>/dev/null)" ]; then
		echo "$disc_host_before" >"/proc/sys/$disc_estab"
		wire_skip "conntrack timeouts are not per network namespace on this kernel"
	fi
}

# disc_elsewhere: packets the client sent to anything but the service.
disc_elsewhere() {
	ip netns exec "$WIRE_R" nft list counter inet tkw_disc elsewhere 2>/dev/null |
		awk '$1 == "packets" { print $2 }'
}

# disc_listen ADDRESS [GREET_AFTER]: the service in the server namespace.
disc_listen() {
	wire_plain_peer "$WIRE_S" listen "$WIRE_PYTHON" "$DISC_LISTEN" \
		"$1" "$DISC_PORT" ${2:+"$2"}
	wire_wait listen '^listening' 100 || wire_error "the listener did not start"
}

# disc_run NAME ARGS...: tcpkeep ARGS in the client namespace; its stdout
# in $wire_tmp/NAME.out, stderr in NAME.err, exit status in disc_rc and
# seconds taken in disc_secs.
disc_run() {
	disc_name=$1
	shift
	read -r disc_t0 _ </proc/uptime
	ip netns exec "$WIRE_C" tcpkeep "$@" \
		>"$wire_tmp/$disc_name.out" 2>"$wire_tmp/$disc_name.err"
	disc_rc=$?
	read -r disc_t1 _ </proc/uptime
	disc_secs=$(awk -v a="$disc_t0" -v b="$disc_t1" 'BEGIN { printf "%.1f", b - a }')
	echo "tcpkeep $*: exit $disc_rc after $disc_secs s"
	sed 's/^/  /' "$wire_tmp/$disc_name.out" "$wire_tmp/$disc_name.err"
}

# disc_json NAME KEY: a top-level value of NAME's JSON report (null: empty).
disc_json() {
	"$WIRE_PYTHON" -c '
import json, sys
v = json.load(open(sys.argv[1])).get(sys.argv[2])
print("" if v is None else v)
' "$wire_tmp/$1.out" "$2"
}

# disc_check_bracket NAME TIMEOUT MAX LABEL: exit 0, the bracket holds
# TIMEOUT, is no wider than max(4, 0.35 TIMEOUT), and the run took at most
# MAX + 60 s; then disc_check_safe.  One table row.
disc_check_bracket() {
	disc_s=$(disc_json "$1" survived_s)
	disc_d=$(disc_json "$1" dropped_s)
	echo "$4: bracket [$disc_s, $disc_d] s for a timeout of $2 s, $disc_secs s"
	[ "$disc_rc" -eq 0 ] || wire_fail "$4: exit $disc_rc, expected 0"
	if [ -z "$disc_s" ] || [ -z "$disc_d" ]; then
		wire_fail "$4: no bracket in the report"
	elif [ "$disc_s" -gt "$2" ] || [ "$disc_d" -lt "$2" ]; then
		wire_fail "$4: [$disc_s, $disc_d] does not hold the timeout $2"
	elif ! awk -v w=$((disc_d - disc_s)) -v t="$2" \
		'BEGIN { b = 0.35 * t; if (b < 4) b = 4; exit !(w <= b) }'; then
		wire_fail "$4: [$disc_s, $disc_d] is wider than max(4, 0.35 * $2)"
	fi
	wire_within "$disc_secs" 0 $(($3 + 60)) ||
		wire_fail "$4: took $disc_secs s, more than --max $3 plus 60"
	disc_check_safe "$4"
	wire_report "discover: $4 ${2}s" "[$disc_s, $disc_d]" "$disc_secs" "$2"
}

# disc_check_safe LABEL: at most 32 connections reached the service (its
# own count), none is left established in the client namespace, nothing
# went anywhere but the service.
disc_check_safe() {
	disc_n=$(grep -c '^accepted' "$wire_tmp/listen")
	disc_left=$(wire_ss "$WIRE_C" | wc -l)
	echo "$1: $disc_n connections accepted, $disc_left left established"
	[ "$disc_n" -le 32 ] || wire_fail "$1: $disc_n connections, more than 32"
	[ "$disc_n" -ge 1 ] || wire_fail "$1: the service saw no connection"
	[ "$disc_left" -eq 0 ] ||
		wire_fail "$1: $disc_left connections still established after exit"
	disc_x=$(disc_elsewhere)
	[ "${disc_x:-0}" -eq 0 ] ||
		wire_fail "$1: $disc_x packets went somewhere other than the service"
}
