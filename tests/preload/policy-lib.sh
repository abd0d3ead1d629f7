# SPDX-License-Identifier: MIT
# Helpers for the policy tests (TCPKEEP_DIRECTION, _ONLY, _SKIP, _FORCE
# and the aliases): tests/lib/peer.py, an unmodified Python program, makes
# loopback connections and prints what the kernel says about both ends.
# Source after tap.sh and common.sh.
# shellcheck shell=sh
# $lib, $tmpdir and $PYTHON come from common.sh.
# shellcheck disable=SC2154

peerpy="$TESTS_SRCDIR/lib/peer.py"

# What the kernel gives a TCP socket on this machine, read without tcpkeep:
# a socket tcpkeep decides to leave alone must read back exactly this.
bare=$("$PYTHON" "$peerpy" policy 4,-,127.0.0.1,0 | sed -n 's/^c-out //p')
case $bare in
"keepalive=0 "*) ;;
*) skip_all "cannot read a plain loopback connection back ($bare)" ;;
esac

# run [VAR=VALUE]... -- [peer.py ARG]...
# Runs peer.py under tcpkeep with TCPKEEP_IDLE=31 (so that our values can
# not be mistaken for anyone else's) and the given variables.  Standard
# output in $out, standard error in $err, exit status in $rc.
run() {
	_n=0
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		set -- "$@" "$1"
		shift
		_n=$((_n + 1))
	done
	[ $# -gt 0 ] || { echo "run: no --" >&2; exit 99; }
	shift
	# Now: peer.py args, then the variables; put the command between.
	set -- "$@" "$PYTHON" "$peerpy" policy
	_m=$(($# - _n - 3))
	while [ "$_m" -gt 0 ]; do
		set -- "$@" "$1"
		shift
		_m=$((_m - 1))
	done
	rc=0
	if [ -n "${netns_setup:-}" ]; then
		# In a network namespace of its own, set up by the shell
		# commands in $netns_setup (not preloaded), gone at exit.
		out=$(unshare -n sh -c "$netns_setup"' && exec "$@"' sh \
			env LD_PRELOAD="${preload_first:-}$lib" TCPKEEP_IDLE=31 "$@" \
			2>"$tmpdir/stderr") || rc=$?
	else
		out=$(env LD_PRELOAD="${preload_first:-}$lib" TCPKEEP_IDLE=31 "$@" \
			2>"$tmpdir/stderr") || rc=$?
	fi
	err=$(cat "$tmpdir/stderr")
	if [ "$rc" -ne 0 ]; then
		diag "peer.py exited $rc: $err"
	fi
}

# The values tcpkeep sets with TCPKEEP_IDLE=31 and nothing else.
on="keepalive=1 idle=31 intvl=10 cnt=6 user_timeout=0"

# got LABEL: the rest of the line of $out that starts with "LABEL ".
got() {
	printf '%s\n' "$out" | sed -n "s/^$1 //p"
}

# conn LABEL OUT IN DESCRIPTION: the outgoing and the accepted socket of
# connection LABEL read back as OUT and IN ("on" = tcpkeep's values,
# "off" = the kernel's).
conn() {
	_want_out=$bare
	[ "$2" = on ] && _want_out=$on
	_want_in=$bare
	[ "$3" = on ] && _want_in=$on
	is "$(got "$1-out")" "$_want_out" "$4: outgoing $2"
	is "$(got "$1-in")" "$_want_in" "$4: accepted $3"
}

# A block of COUNT free ports, for port rules; the first is printed.
free_ports() {
	"$PYTHON" "$peerpy" ports "$1" || exit 99
}
