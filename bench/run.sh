#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/run.sh: what tcpkeep costs, next to a program that sets the same
# options itself. Run by `make bench`; not part of `make check`.
#
# Environment (all optional):
#   CONNLOOP         the loop program (default: bench/connloop of the build tree)
#   TCPKEEP_LIBRARY  the library (default: src/.libs/libtcpkeep.so of the build tree)
#   BENCH_BUILDDIR   the build tree (default: the current directory)
#   BENCH_ROUNDS     alternating runs per variant for wall time (default 11)
#   BENCH_CONNS      connections per wall-time run (default 20000)
#   BENCH_EMPTY_LIBRARY  an empty shared object, preloaded to show the
#                    dynamic loader's own start-up cost (default:
#                    bench/.libs/libempty.so of the build tree; skipped if absent)
#   BENCH_KEEP       a directory to keep the raw data in (per-run times,
#                    callgrind and strace outputs)
#   TCPKEEP_BPF      tcpkeep-bpf, for the eBPF-mode rows (default:
#                    src/tcpkeep-bpf of the build tree; left out when it
#                    is missing or cannot load here: not root, no cgroup v2)
#   TCPKEEP_HELPER   the helper timed for --status (default:
#                    src/tcpkeep-helper of the build tree)
#   HOLDCONNS        the program holding 100 x 100 connections for it
#                    (default: bench/holdconns of the build tree)
#
# Variants: "bare" sets no option; "native" sets SO_KEEPALIVE,
# TCP_KEEPIDLE 60, TCP_KEEPINTVL 10 and TCP_KEEPCNT 6 itself right after
# socket(); "tcpkeep" is bare under LD_PRELOAD with TCPKEEP_DEBUG=0 and the
# defaults (the same four values); "32 rules" adds TCPKEEP_ONLY with 31
# CIDR blocks that do not match loopback followed by 127.0.0.0/8, so every
# connection walks the whole list before it matches.  "eBPF" is bare in
# eBPF mode (tcpkeep-bpf run, the same defaults): wall time only, and the
# programs' own run time from the kernel's statistics.
#
# Figures over a target are marked OVER; they never make this script fail.
# It fails (status 1) when it cannot measure: valgrind or strace missing
# or not working (the error names the Debian package), or a figure that
# could not be computed.
set -u

builddir=${BENCH_BUILDDIR:-.}
connloop=${CONNLOOP:-$builddir/bench/connloop}
lib=${TCPKEEP_LIBRARY:-$builddir/src/.libs/libtcpkeep.so}
empty_lib=${BENCH_EMPTY_LIBRARY:-$builddir/bench/.libs/libempty.so}
bpf=${TCPKEEP_BPF:-$builddir/src/tcpkeep-bpf}
rounds=${BENCH_ROUNDS:-11}
conns=${BENCH_CONNS:-20000}
# Two loop lengths for counted figures: start-up and exit cancel out in the
# difference, what is left is per connection.
cg_n1=100
cg_n2=1100
sc_n1=100
sc_n2=600

# Measure tcpkeep's defaults, not whatever the caller has set.
unset LD_PRELOAD TCPKEEP_ENABLE TCPKEEP_IDLE TCPKEEP_INTVL TCPKEEP_CNT \
	TCPKEEP_USER_TIMEOUT TCPKEEP_DIRECTION TCPKEEP_ONLY TCPKEEP_SKIP \
	TCPKEEP_FORCE TCPKEEP_DEBUG TCPKEEP_LOG TCP_KEEPIDLE TCP_KEEPINTVL \
	TCP_KEEPCNT TCP_USER_TIMEOUT LIBKEEPALIVE_DEBUG DD_TCP_KEEPALIVE_TIME \
	DD_TCP_KEEPALIVE_INTVL DD_TCP_KEEPALIVE_PROBES DD_USE_KEEPALIVE \
	DD_DEBUG KEEPIDLE KEEPINTVL KEEPCNT KEEPALIVE

die() {
	echo "bench: $*" >&2
	exit 1
}

case $connloop in /*) ;; *) connloop=$(pwd)/$connloop ;; esac
case $lib in /*) ;; *) lib=$(pwd)/$lib ;; esac
case $empty_lib in /*) ;; *) empty_lib=$(pwd)/$empty_lib ;; esac
case $bpf in /*) ;; *) bpf=$(pwd)/$bpf ;; esac
[ -x "$connloop" ] || die "$connloop not built (run make bench)"
[ -f "$lib" ] || die "library $lib not found (build it, or set TCPKEEP_LIBRARY)"
case $rounds in '' | *[!0-9]*) die "BENCH_ROUNDS must be a number" ;; esac
case $conns in '' | *[!0-9]*) die "BENCH_CONNS must be a number" ;; esac
if [ "$rounds" -lt 1 ] || [ "$conns" -lt 1 ]; then
	die "BENCH_ROUNDS and BENCH_CONNS must be positive"
fi

# Every figure needs its tool: a missing one stops the run before the
# minutes of wall-time loops, never a table of blanks.
# need COMMAND PACKAGE PURPOSE
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not installed; it counts $3 (Debian: apt-get install $2)"
}
need valgrind valgrind "instructions"
need strace strace "system calls"

rules=
i=0
while [ "$i" -lt 31 ]; do
	rules="${rules}10.$i.0.0/16,"
	i=$((i + 1))
done
rules="${rules}127.0.0.0/8"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpkeep-bench.XXXXXX") || die "mktemp failed"
: >"$tmp/verdicts"
server_pid=
stats_was=
stats_cg=
# remove_cg DIR: detaches eBPF mode from the cgroup DIR and removes it,
# once the processes it still holds (the holder's children, which die with
# it but may not have yet) are gone: killed by PID, waited for at most 100
# short sleeps.
remove_cg() {
	"$bpf" detach "$1" >/dev/null 2>&1
	rc_n=0
	while [ -s "$1/cgroup.procs" ] && [ "$rc_n" -lt 100 ]; do
		# shellcheck disable=SC2046 # one PID per word
		kill -9 $(cat "$1/cgroup.procs") 2>/dev/null
		rc_n=$((rc_n + 1))
		sleep 0.1 2>/dev/null || sleep 1
	done
	rmdir "$1" 2>/dev/null || echo "bench: could not remove the cgroup $1" >&2
}
cleanup() {
	if [ -n "$stats_was" ]; then
		echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	fi
	if [ -n "$stats_cg" ]; then
		remove_cg "$stats_cg"
	fi
	if [ -n "${hold_pid:-}" ]; then
		kill "$hold_pid" 2>/dev/null
		wait "$hold_pid" 2>/dev/null
	fi
	if [ -n "${fix_cg:-}" ]; then
		remove_cg "$fix_cg"
	fi
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	if [ -n "${BENCH_KEEP:-}" ]; then
		mkdir -p "$BENCH_KEEP" && cp -R "$tmp/." "$BENCH_KEEP/"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

valgrind --tool=callgrind --callgrind-out-file=/dev/null true >"$tmp/tool.err" 2>&1 ||
	die "valgrind --tool=callgrind does not run here: $(tail -n 1 "$tmp/tool.err")"
strace -f -c -o /dev/null true >"$tmp/tool.err" 2>&1 ||
	die "strace does not run here (ptrace not permitted?): $(tail -n 1 "$tmp/tool.err")"

# The loop on CPU 0, its listener on CPU 1, when there are two CPUs.
pinned=
if [ "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" -ge 2 ] &&
	taskset -c 0 true 2>/dev/null; then
	pinned=yes
fi


# with_variant VARIANT CMD...: run CMD in the environment of VARIANT. The
# whole command (taskset, valgrind or strace, then connloop) is preloaded;
# only connloop's figures are read.
with_variant() {
	wv=$1
	shift
	case $wv in
	bare | native) "$@" ;;
	empty) env LD_PRELOAD="$empty_lib" "$@" ;;
	plain) env LD_PRELOAD="$lib" "$@" ;;
	tcpkeep) env LD_PRELOAD="$lib" TCPKEEP_DEBUG=0 "$@" ;;
	rules) env LD_PRELOAD="$lib" TCPKEEP_DEBUG=0 TCPKEEP_ONLY="$rules" "$@" ;;
	file20) env LD_PRELOAD="$lib" TCPKEEP_CONFIG="$conf20" "$@" ;;
	ebpf) env TCPKEEP_DEBUG=0 "$bpf" run -- "$@" ;;
	*) die "unknown variant $wv" ;;
	esac
}

# The program's own choice: only "native" sets the options itself.
opt_of() {
	if [ "$1" = native ]; then echo native; else echo bare; fi
}

median() {
	sort -n | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) print "nan"
			else if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# verdict VALUE LIMIT: PASS when VALUE <= LIMIT.
verdict() {
	awk -v v="$1" -v l="$2" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else if (v + 0 <= l + 0) print "PASS"; else print "OVER" }' |
		tee -a "$tmp/verdicts"
}

short_sleep() {
	sleep 0.1 2>/dev/null || sleep 1
}

# wait_file FILE: bounded wait for a listener's port file.
wait_file() {
	wf=0
	while [ ! -s "$1" ]; do
		wf=$((wf + 1))
		[ "$wf" -le 100 ] || return 1
		short_sleep
	done
}

stop_server() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
		server_pid=
	fi
}

# start_listener: a bare, unpreloaded TCP listener on CPU 1; sets port.
start_listener() {
	rm -f "$tmp/port"
	if [ -n "$pinned" ]; then
		taskset -c 1 "$connloop" -n 0 serve-tcp "$tmp/port" &
	else
		"$connloop" -n 0 serve-tcp "$tmp/port" &
	fi
	server_pid=$!
	wait_file "$tmp/port" || die "listener did not start"
	port=$(cat "$tmp/port")
}

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
libc=$(ldd --version 2>&1 | awk 'NR == 1')
echo "tcpkeep benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(uname -srm), ${cpu:-unknown CPU} x $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?'), ${libc:-unknown libc}"
echo "library: $lib"
echo "variants: bare = no options; native = the program sets keepalive 60/10/6 itself after socket();"
echo "  tcpkeep = bare under LD_PRELOAD, TCPKEEP_DEBUG=0, defaults 60/10/6;"
echo "  32 rules = tcpkeep with TCPKEEP_ONLY = 31 non-matching IPv4 CIDR blocks, then 127.0.0.0/8"
# eBPF mode when tcpkeep-bpf can load here (root, cgroup v2, kernel).
have_bpf=
if [ -x "$bpf" ] && "$bpf" check >"$tmp/bpf-check" 2>&1; then
	have_bpf=yes
	echo "  eBPF = bare in eBPF mode ($bpf run), the same defaults"
else
	echo "  eBPF mode left out: $(tail -n 1 "$tmp/bpf-check" 2>/dev/null || echo "$bpf not built")"
fi
if [ -n "$pinned" ]; then
	echo "loops pinned to CPU 0, the separate listener to CPU 1"
fi

## ------------------------------------------------------------ wall time
variants="bare native tcpkeep rules"
wall_variants=$variants
[ -n "$have_bpf" ] && wall_variants="$variants ebpf"

# wall_case NAME CONNLOOP-ARGS...: ROUNDS rounds, each variant once per
# round, the order rotated every round.
wall_case() {
	wc_name=$1
	shift
	: >"$tmp/wall.$wc_name"
	wc_r=1
	while [ "$wc_r" -le "$rounds" ]; do
		wc_order=$wall_variants
		wc_k=1
		while [ "$wc_k" -lt "$wc_r" ]; do
			wc_order="${wc_order#* } ${wc_order%% *}"
			wc_k=$((wc_k + 1))
		done
		for wc_v in $wc_order; do
			if [ -n "$pinned" ]; then
				wc_ns=$(with_variant "$wc_v" taskset -c 0 \
					"$connloop" -o "$(opt_of "$wc_v")" -n "$conns" -w 200 "$@")
			else
				wc_ns=$(with_variant "$wc_v" \
					"$connloop" -o "$(opt_of "$wc_v")" -n "$conns" -w 200 "$@")
			fi || die "$wc_name $wc_v run failed"
			echo "$wc_r $wc_v $wc_ns" >>"$tmp/wall.$wc_name"
		done
		wc_r=$((wc_r + 1))
	done
}

col_median() {
	awk -v v="$2" '$2 == v { print $3 }' "$1" | median
}

# ratio_median FILE A B: median over rounds of A/B within each round.
ratio_median() {
	awk -v a="$2" -v b="$3" '
		$2 == a { x[$1] = $3 }
		$2 == b { y[$1] = $3 }
		END { for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r] }' "$1" | median
}

# ratio_spread FILE A B: half the interquartile range of the per-round
# A/B ratios: how much the machine let the runs wander ("-" under 4 rounds).
ratio_spread() {
	awk -v a="$2" -v b="$3" '
		$2 == a { x[$1] = $3 }
		$2 == b { y[$1] = $3 }
		END { for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r] }' "$1" | sort -n |
		awk '{ v[NR] = $1 }
			END {
				if (NR < 4) { print "-"; exit }  # too few rounds for quartiles
				q1 = v[int((NR + 3) / 4)]; q3 = v[NR + 1 - int((NR + 3) / 4)]
				printf "%.4f\n", (q3 - q1) / 2
			}'
}

config_name() {
	case $1 in
	tcpkeep) echo default ;;
	rules) echo "32 rules" ;;
	ebpf) echo "eBPF" ;;
	esac
}

wall_report() {
	wr_file=$tmp/wall.$1
	wr_bare=$(col_median "$wr_file" bare)
	wr_native=$(col_median "$wr_file" native)
	wr_vs="tcpkeep rules"
	[ -n "$have_bpf" ] && wr_vs="$wr_vs ebpf"
	for wr_v in $wr_vs; do
		wr_tk=$(col_median "$wr_file" "$wr_v")
		wr_rn=$(ratio_median "$wr_file" "$wr_v" native)
		wr_rb=$(ratio_median "$wr_file" "$wr_v" bare)
		wr_sp=$(ratio_spread "$wr_file" "$wr_v" native)
		if [ "$wr_v" = tcpkeep ]; then
			wr_mark="<= 1.02 $(verdict "$wr_rn" 1.02)"
		elif [ "$wr_v" = ebpf ]; then
			wr_mark="(the program's run time: below)"
		else
			wr_mark="(1.02 for the default)"
		fi
		printf '%-13s %-9s %7.0f %7.0f %7.0f %7.4f +-%6s %7.4f  %s\n' \
			"$2" "$(config_name "$wr_v")" "$wr_bare" "$wr_native" "$wr_tk" "$wr_rn" "$wr_sp" "$wr_rb" "$wr_mark"
	done
}

echo
echo "== Wall time per connection, ns: median of $rounds alternating runs of $conns connections;"
echo "   ratios: median of the per-round ratios; load average before: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)"
start_listener
wall_case client tcp "$port"
stop_server
wall_case local local
printf '%-13s %-9s %7s %7s %7s %7s %7s %7s  %s\n' case config bare native tcpkeep tk/nativ "+-" tk/bare target
wall_report client client-only
wall_report local same-process
echo "   client-only: socket, connect, close (listener in another process);"
echo "   same-process: socket, connect, accept, close, close; +- is half the interquartile"
echo "   range of the per-round tk/native ratios; load average now: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)"
[ -n "$have_bpf" ] &&
	echo "   eBPF: the tcpkeep column is eBPF mode's (both ends in its cgroup for same-process)"

## ------------------------------------------------------------ eBPF programs
# prog_stat ID FIELD: run_time_ns or run_cnt of program ID.
prog_stat() {
	bpftool prog show id "$1" 2>/dev/null |
		awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) { print $(i + 1); exit } }'
}

# bpf_stats_case LABEL CONNLOOP-ARGS...: connloop in a cgroup that
# tcpkeep-bpf attach pinned the programs to; kernel time and runs of each
# program per connection.
bpf_stats_case() {
	bs_label=$1
	shift
	bs_dir=$("$bpf" attach "$stats_cg" >/dev/null 2>&1 &&
		awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "bpf") { print $5; exit } break } }' /proc/self/mountinfo)
	[ -n "$bs_dir" ] || { echo "   $bs_label: attach failed"; return; }
	bs_dir=$bs_dir/tcpkeep/$(stat -c %i "$stats_cg")
	# shellcheck disable=SC2016 # expanded by the inner sh
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$stats_cg" \
		"$connloop" -o bare -n "$conns" -w 0 "$@" >/dev/null ||
		die "connloop in the eBPF cgroup failed"
	for bs_p in sockops sockopt; do
		bs_id=$(bpftool link show pinned "$bs_dir/$bs_p" 2>/dev/null |
			awk '{ for (i = 1; i < NF; i++) if ($i == "prog") { print $(i + 1); exit } }')
		# bpftool leaves out the counters of a program that never ran.
		bs_ns=nan bs_cnt=nan
		if [ -n "$bs_id" ]; then
			bs_ns=$(prog_stat "$bs_id" run_time_ns)
			bs_cnt=$(prog_stat "$bs_id" run_cnt)
		fi
		awk -v l="$bs_label" -v p="tcpkeep_$bs_p" -v ns="${bs_ns:-0}" -v c="${bs_cnt:-0}" -v n="$conns" 'BEGIN {
			if (ns == "nan" || c == "nan") { printf "%-13s %-16s %9s\n", l, p, "n/a"; exit }
			printf "%-13s %-16s %9.2f %9.0f %9.0f\n", l, p, c / n, (c > 0 ? ns / c : 0), ns / n }'
	done
	"$bpf" detach "$stats_cg" >/dev/null 2>&1
}

if [ -n "$have_bpf" ]; then
	echo
	echo "== eBPF mode: kernel time in the programs per connection (kernel.bpf_stats_enabled=1"
	echo "   for this part only; $conns connections, tcpkeep-bpf attach on a temporary cgroup)"
	stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)
	stats_own=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)$(sed -n 's/^0:://p' /proc/self/cgroup)
	stats_cg=${stats_own%/}/tcpkeep-bench-$$
	if ! command -v bpftool >/dev/null 2>&1; then
		echo "   skipped: bpftool not found"
	elif [ -z "$stats_was" ] || ! echo 1 >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null; then
		echo "   skipped: cannot set kernel.bpf_stats_enabled"
	elif ! mkdir "$stats_cg" 2>/dev/null; then
		echo "   skipped: cannot create $stats_cg"
	else
		printf '%-13s %-16s %9s %9s %9s\n' case program runs/conn ns/run ns/conn
		start_listener
		bpf_stats_case client-only tcp "$port"
		stop_server
		bpf_stats_case same-process local
		remove_cg "$stats_cg"
		stats_cg=
		echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
		echo "   kernel.bpf_stats_enabled restored to $stats_was"
		stats_was=
		echo "   runs/conn: sock_ops callbacks per connection (the options are set in one);"
		echo "   tcpkeep_sockopt runs only on the program's own setsockopt() calls (none here)"
	fi
fi

## ------------------------------------------------------------ instructions

# cg_run VARIANT OUT N CONNLOOP-ARGS...
cg_run() {
	cr_v=$1 cr_out=$2 cr_n=$3
	shift 3
	with_variant "$cr_v" valgrind --tool=callgrind --callgrind-out-file="$cr_out" \
		"$connloop" -o "$(opt_of "$cr_v")" -n "$cr_n" -w 10 "$@" >/dev/null 2>"$cr_out.log" ||
		die "callgrind run failed, see below$(printf '\n'; cat "$cr_out.log")"
}

cg_total() {
	awk '/^totals:/ { print $2; found = 1; exit } END { if (!found) print "nan" }' "$1"
}

# cg_funcs FILE: "Ir<TAB>function<TAB>object" per function, exclusive
# counts, read from callgrind's own output format: "ob=" and "fn=" name the
# current object and function ("(id) name" the first time, "(id)" after),
# "cob="/"cfn=" name a callee, and the cost line after "calls=" is the
# callee's inclusive cost, not the caller's own.
cg_funcs() {
	awk '
		function named(kind, spec,   id) {
			if (match(spec, /^\([0-9]+\)/)) {
				id = substr(spec, 2, RLENGTH - 2)
				spec = substr(spec, RLENGTH + 1)
				sub(/^ /, "", spec)
				if (spec != "") tbl[kind, id] = spec
				return tbl[kind, id]
			}
			return spec
		}
		/^ob=/ { ob = named("ob", substr($0, 4)); next }
		/^cob=/ { named("ob", substr($0, 5)); next }
		/^fn=/ { fn = named("fn", substr($0, 4)); next }
		/^cfn=/ { named("fn", substr($0, 5)); next }
		/^calls=/ { skip = 1; next }
		/^[0-9+*-]/ {
			if (skip) { skip = 0; next }
			self[fn "\t" ob] += $2
		}
		END {
			for (k in self) {
				split(k, p, "\t")
				o = p[2]; sub(/.*\//, "", o)
				printf "%d\t%s\t%s\n", self[k], p[1], o
			}
		}' "$1"
}

# cg_case NAME CONNLOOP-ARGS...: both loop lengths for every variant.
cg_case() {
	cc_name=$1
	shift
	for cc_v in $variants; do
		cg_run "$cc_v" "$tmp/cg.$cc_name.$cc_v.1" "$cg_n1" "$@"
		cg_run "$cc_v" "$tmp/cg.$cc_name.$cc_v.2" "$cg_n2" "$@"
	done
}

cg_per_conn() {
	awk -v a="$(cg_total "$tmp/cg.$1.$2.1")" -v b="$(cg_total "$tmp/cg.$1.$2.2")" \
		-v span=$((cg_n2 - cg_n1)) 'BEGIN { printf "%.2f\n", (b - a) / span }'
}

# fn_diff SPAN F1 F2 F3 F4: per function, ((F2 - F1) - (F4 - F3)) / SPAN
# from callgrind outputs, the largest twelve.
fn_diff() {
	fd_span=$1
	shift
	for fd_f in "$@"; do
		[ -f "$fd_f.f" ] || cg_funcs "$fd_f" >"$fd_f.f"
	done
	awk -F '\t' -v span="$fd_span" '
		FNR == 1 { f++ }
		{ n = $2 " (" $3 ")"; v[f, n] += $1; names[n] = 1 }
		END {
			for (n in names) {
				d = ((v[2, n] - v[1, n]) - (v[4, n] - v[3, n])) / span
				if (d >= 0.5 || d <= -0.5) printf "%.2f\t%s\n", d, n
			}
		}' "$1.f" "$2.f" "$3.f" "$4.f" |
		sort -t "$(printf '\t')" -k1,1nr | head -n 12 |
		awk -F '\t' '{ printf "      %+9.2f  %s\n", $1, $2 }'
}

# cg_where NAME VARIANT: per function, instructions per connection that
# VARIANT spends and native does not (negative: spends less).
cg_where() {
	fn_diff $((cg_n2 - cg_n1)) "$tmp/cg.$1.$2.1" "$tmp/cg.$1.$2.2" \
		"$tmp/cg.$1.native.1" "$tmp/cg.$1.native.2"
}

cg_report() {
	cp_bare=$(cg_per_conn "$1" bare)
	cp_native=$(cg_per_conn "$1" native)
	for cp_v in tcpkeep rules; do
		cp_tk=$(cg_per_conn "$1" "$cp_v")
		cp_added=$(awk -v t="$cp_tk" -v n="$cp_native" 'BEGIN { printf "%.2f\n", t - n }')
		# client+opts: client-only's limit and at most 5 for each of
		# its two setsockopt() calls of options tcpkeep does not manage.
		if [ "$cp_v" = tcpkeep ] && [ "$1" = opts ]; then cp_lim=40
		elif [ "$cp_v" = tcpkeep ]; then cp_lim=30
		else cp_lim=150; fi
		printf '%-13s %-9s %9.2f %9.2f %9.2f %+9.2f  <= %s %s\n' "$2" "$(config_name "$cp_v")" \
			"$cp_bare" "$cp_native" "$cp_tk" "$cp_added" "$cp_lim" "$(verdict "$cp_added" "$cp_lim")"
	done
}

echo
echo "== User-space instructions per connection (callgrind Ir; (Ir($cg_n2) - Ir($cg_n1)) / $((cg_n2 - cg_n1)) connections)"
start_listener
cg_case client tcp "$port"
cg_case opts tcp-opts "$port"
stop_server
cg_case local local
printf '%-13s %-9s %9s %9s %9s %9s  %s\n' case config bare native tcpkeep "added" target
cg_report client client-only
cg_report opts client+opts
cg_report local same-process
echo "   client+opts: client-only with TCP_NODELAY and SO_LINGER set before connect()"
for cw_case in client opts local; do
	for cw_v in tcpkeep rules; do
		echo "   where $(config_name "$cw_v") differs from native, $cw_case, per connection (function, object):"
		cg_where "$cw_case" "$cw_v"
	done
done

## ------------------------------------------------------------ system calls
# sc_counts FILE: "syscall<TAB>calls" from a strace -c summary.
sc_counts() {
	awk '$NF != "total" && NF >= 5 && $4 ~ /^[0-9]+$/ { printf "%s\t%s\n", $NF, $4 }' "$1"
}

# sc_client VARIANT OUT N CONNLOOP-ARGS...: the loop traced.
sc_client() {
	sl_v=$1 sl_out=$2 sl_n=$3
	shift 3
	with_variant "$sl_v" strace -f -c -o "$sl_out" \
		"$connloop" -o "$(opt_of "$sl_v")" -n "$sl_n" -w 10 "$@" >/dev/null 2>>"$tmp/strace.err" ||
		die "strace run failed: $(cat "$tmp/strace.err")"
}

# sc_server VARIANT OUT N: the listener traced while it accepts N
# connections from an untraced, unpreloaded client.
sc_server() {
	ss_v=$1 ss_out=$2 ss_n=$3
	rm -f "$tmp/aport"
	with_variant "$ss_v" strace -f -c -o "$ss_out" \
		"$connloop" -o "$(opt_of "$ss_v")" -n "$ss_n" serve-tcp "$tmp/aport" >/dev/null 2>>"$tmp/strace.err" &
	server_pid=$!
	wait_file "$tmp/aport" || die "traced listener did not start: $(cat "$tmp/strace.err")"
	"$connloop" -o bare -n "$ss_n" -w 0 tcp "$(cat "$tmp/aport")" >/dev/null ||
		die "client of the traced listener failed"
	wait "$server_pid" || die "traced listener failed: $(cat "$tmp/strace.err")"
	server_pid=
}

# sc_case NAME KIND VARIANTS CONNLOOP-ARGS...
sc_case() {
	sk_name=$1 sk_kind=$2 sk_variants=$3
	shift 3
	for sk_v in $sk_variants; do
		for sk_i in 1 2; do
			if [ "$sk_i" = 1 ]; then sk_n=$sc_n1; else sk_n=$sc_n2; fi
			if [ "$sk_kind" = server ]; then
				sc_server "$sk_v" "$tmp/sc.$sk_name.$sk_v.$sk_i" "$sk_n"
			else
				sc_client "$sk_v" "$tmp/sc.$sk_name.$sk_v.$sk_i" "$sk_n" "$@"
			fi
			sc_counts "$tmp/sc.$sk_name.$sk_v.$sk_i" >"$tmp/sc.$sk_name.$sk_v.$sk_i.c"
		done
	done
}

# sc_per_conn NAME VARIANT: system calls per connection, all kinds.
sc_per_conn() {
	awk -F '\t' -v span=$((sc_n2 - sc_n1)) '
		FNR == 1 { f++ }
		{ t[f] += $2 }
		END { printf "%.2f\n", (t[2] - t[1]) / span }' \
		"$tmp/sc.$1.$2.1.c" "$tmp/sc.$1.$2.2.c"
}

# sc_diff NAME A B: per system call, A minus B per connection ("name +n").
sc_diff() {
	awk -F '\t' -v span=$((sc_n2 - sc_n1)) '
		FNR == 1 { f++ }
		{ v[f, $1] = $2; names[$1] = 1 }
		END {
			out = ""
			for (n in names) {
				d = ((v[2, n] - v[1, n]) - (v[4, n] - v[3, n])) / span
				if (d >= 0.005 || d <= -0.005) out = out sprintf(" %s %+.2f", n, d)
			}
			print (out == "" ? " none" : out)
		}' "$tmp/sc.$1.$2.1.c" "$tmp/sc.$1.$2.2.c" "$tmp/sc.$1.$3.1.c" "$tmp/sc.$1.$3.2.c"
}

# sc_report NAME LABEL LIMIT-TEXT LIMIT VARIANTS: LIMIT is on tcpkeep - bare.
sc_report() {
	sr_bare=$(sc_per_conn "$1" bare)
	sr_native=-
	case " $5 " in *" native "*) sr_native=$(sc_per_conn "$1" native) ;; esac
	for sr_v in tcpkeep rules; do
		sr_tk=$(sc_per_conn "$1" "$sr_v")
		sr_extra=$(awk -v t="$sr_tk" -v b="$sr_bare" 'BEGIN { printf "%+.2f\n", t - b }')
		if [ "$sr_v" = tcpkeep ] || [ "$1" != accepted ]; then
			sr_mark="$3 $(verdict "$sr_extra" "$4")"
		else
			sr_mark="(filters: decided at accept)"
		fi
		printf '%-13s %-9s %7s %7s %8s %7s  %s\n' "$2" "$(config_name "$sr_v")" \
			"$sr_bare" "$sr_native" "$sr_tk" "$sr_extra" "$sr_mark"
		echo "      vs bare:$(sc_diff "$1" "$sr_v" bare)"
	done
}

echo
echo "== System calls per connection (strace -f -c; difference of $sc_n1 and $sc_n2 connections)"
start_listener
sc_case out client "$variants" tcp "$port"
stop_server
sc_case accepted server "$variants"
sc_case udp client "bare tcpkeep rules" udp
rm -f "$tmp/unix.sock"
"$connloop" -n 0 serve-unix "$tmp/unix.sock" &
server_pid=$!
# a socket has no size: wait until it exists
sw=0
while [ ! -S "$tmp/unix.sock" ] && [ "$sw" -lt 100 ]; do
	sw=$((sw + 1))
	short_sleep
done
sc_case unix client "bare tcpkeep rules" unix "$tmp/unix.sock"
stop_server
printf '%-13s %-9s %7s %7s %8s %7s  %s\n' kind config bare native tcpkeep extra "target (extra = tcpkeep - bare)"
sc_report out "outgoing TCP" "<= 4 options + 1:" 5 "$variants"
sc_report accepted "accepted TCP" "= 0:" 0 "$variants"
sc_report udp "UDP" "= 0:" 0 "bare tcpkeep rules"
sc_report unix "Unix stream" "= 0:" 0 "bare tcpkeep rules"
echo "   outgoing: socket, connect, close; accepted: accept, read (EOF), close on a listener"
echo "   the library saw created; UDP: socket, connect, close; Unix: socket, connect, close"

## ------------------------------------------------------------ start-up
echo
echo "== Start-up: /bin/true (callgrind Ir, whole process, median of 3) and resident memory"
echo "   (connloop after one socket(): VmHWM and private dirty memory, kB, median of 5,"
echo "   address randomisation off); \"over .so\": over an empty preloaded object linked"
echo "   the way the library is, i.e. what is tcpkeep's own and not the dynamic loader's"
su_ir() {
	for su_i in 1 2 3; do
		with_variant "$1" valgrind --tool=callgrind --callgrind-out-file="$tmp/true.$1.$su_i" /bin/true \
			>/dev/null 2>&1 || die "callgrind /bin/true failed"
		cg_total "$tmp/true.$1.$su_i"
	done | median
}
# Address randomisation moves page boundaries and with them what the
# kernel maps around each fault: without it the figure is repeatable.
norandom=
if setarch "$(uname -m)" -R true 2>/dev/null; then
	norandom=yes
fi
# su_rss VARIANT hwm|dirty
su_rss() {
	for _ in 1 2 3 4 5; do
		if [ -n "$norandom" ]; then
			with_variant "$1" setarch "$(uname -m)" -R "$connloop" rss
		else
			with_variant "$1" "$connloop" rss
		fi | awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "nan" }'
	done | median
}
kb_added() {
	awk -v t="$1" -v b="$2" 'BEGIN { if (t == "nan" || b == "nan") print "-"; else printf "%+d\n", t - b }'
}
printf '%-22s %10s %9s %9s  %-16s %7s %6s %7s %6s\n' config Ir added "over .so" target "HWM kB" added "dirty" added
su_base_ir=$(su_ir bare)
su_base_rss=$(su_rss bare hwm)
su_base_dirty=$(su_rss bare dirty)
printf '%-22s %10s %9s %9s  %-16s %7s %6s %7s %6s\n' "without tcpkeep" "$su_base_ir" - - - "$su_base_rss" - "$su_base_dirty" -
# What loading any shared object costs, measured with an empty one linked
# the way the library is: tcpkeep's own share is what it adds over that.
su_floor_ir=nan
# A host-wide file of 20 lines (libtcpkeep(7), CONFIGURATION FILE), with
# a section for the program measured (so /proc/self/exe is read too); the
# plain run has none where the build looks ($(sysconfdir)), one failed
# open().  Trusted only when root's: run make bench as root for it.
conf20=$tmp/tcpkeep.conf
cat >"$conf20" <<'CONF'
# a host's settings
[defaults]
idle = 4m
interval = 15s
count = 4
user_timeout = auto
skip = loopback

[program /usr/sbin/sshd]
enable = no

[program redis-server]
idle = 30s
only = :6379

[program true]
idle = 90
# the network path
behind = aws-nlb
direction = both
CONF
chmod 644 "$conf20"
su_variants="plain file20 tcpkeep rules"
[ -f "$empty_lib" ] && su_variants="empty $su_variants"
for su_v in $su_variants; do
	case $su_v in
	empty) su_label="empty .so (floor)" ;;
	plain) su_label="tcpkeep, no variables" ;;
	file20) su_label="tcpkeep, 20-line file" ;;
	tcpkeep) su_label="tcpkeep, DEBUG=0" ;;
	rules) su_label="tcpkeep, 32 rules" ;;
	esac
	su_tk=$(su_ir "$su_v")
	su_added=$(awk -v t="$su_tk" -v b="$su_base_ir" 'BEGIN { if (t == "nan" || b == "nan") print "nan"; else printf "%+d\n", t - b }')
	[ "$su_v" = empty ] && su_floor_ir=$su_tk
	su_over=$(awk -v t="$su_tk" -v b="$su_floor_ir" -v v="$su_v" 'BEGIN { if (v == "empty" || t == "nan" || b == "nan") print "-"; else printf "%+d\n", t - b }')
	su_r=$(su_rss "$su_v" hwm)
	su_d=$(su_rss "$su_v" dirty)
	printf '%-22s %10s %9s %9s  %-16s %7s %6s %7s %6s\n' "$su_label" "$su_tk" "$su_added" "$su_over" \
		"$(if [ "$su_v" = empty ]; then echo -; else echo "<= 13800 $(verdict "$su_added" 13800)"; fi)" \
		"$su_r" "$(kb_added "$su_r" "$su_base_rss")" \
		"$su_d" "$(kb_added "$su_d" "$su_base_dirty")"
done
echo "   where the start-up instructions go, tcpkeep with no variables minus without (function, object):"
fn_diff 1 "$tmp/true.bare.1" "$tmp/true.plain.1" "$tmp/true.bare.1" "$tmp/true.bare.1"
echo "   and what the 20-line file adds to no variables (no file):"
fn_diff 1 "$tmp/true.plain.1" "$tmp/true.file20.1" "$tmp/true.bare.1" "$tmp/true.bare.1"
echo "   and what 32 rules add to DEBUG=0 alone:"
fn_diff 1 "$tmp/true.tcpkeep.1" "$tmp/true.rules.1" "$tmp/true.bare.1" "$tmp/true.bare.1"

## ------------------------------------------------------------ --status
# tcpkeep --status on a busy host: 100 processes (bench/holdconns), each
# holding 50 loopback connections to a listener of its own, both ends:
# 10,000 connections.  Next to it, in the same run, what ss needs for the
# same table: `ss -tn` (a bare sock_diag dump) and `ss -tnpi` (with the
# processes and TCP_INFO).  Bounded: the holder and its children are
# killed on exit (they die with it).
echo
echo "== tcpkeep --status: 10,000 connections across 100 processes, wall time in ms,"
echo "   median of 5 runs (ss on the same sockets for comparison)"
helper=${TCPKEEP_HELPER:-$builddir/src/tcpkeep-helper}
holdconns=${HOLDCONNS:-$builddir/bench/holdconns}
hold_pid=
# hold_ready: until holdconns ($hold_pid) says "ready" in hold.out
# (600 short sleeps at most), or it is gone.
hold_ready() {
	hw=0
	while ! grep -q '^ready' "$tmp/hold.out" 2>/dev/null; do
		hw=$((hw + 1))
		if [ "$hw" -gt 600 ] || ! kill -0 "$hold_pid" 2>/dev/null; then
			stop_hold
			die "holdconns did not get ready: $(cat "$tmp/hold.out")"
		fi
		short_sleep
	done
}
stop_hold() {
	if [ -n "$hold_pid" ]; then
		exec 7>&-
		kill "$hold_pid" 2>/dev/null
		wait "$hold_pid" 2>/dev/null
		hold_pid=
	fi
}
# ms_of CMD...: CMD's wall time in milliseconds (output discarded).
ms_of() {
	mo_t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	mo_t1=$(date +%s%N)
	echo $(((mo_t1 - mo_t0) / 1000000))
}
if [ ! -x "$helper" ] || [ ! -x "$holdconns" ]; then
	echo "   skipped: $helper or $holdconns not built"
elif ! date +%s%N | grep -q '^[0-9]*$'; then
	echo "   skipped: date +%N not supported"
else
	rm -f "$tmp/hold.in"
	mkfifo "$tmp/hold.in" || die "mkfifo failed"
	"$holdconns" 100 100 <"$tmp/hold.in" >"$tmp/hold.out" 2>&1 &
	hold_pid=$!
	exec 7>"$tmp/hold.in"
	hold_ready
	hold_args=$(awk '/^[0-9]+$/ { printf " --pid %s", $1 }' "$tmp/hold.out")
	: >"$tmp/status.ms"
	for _ in 1 2 3 4 5; do
		echo "ss-tn $(ms_of ss -tn)"
		echo "ss-tnpi $(ms_of ss -tnpi)"
		echo "all $(ms_of "$helper" status)"
		# shellcheck disable=SC2086 # --pid PID pairs
		echo "pids $(ms_of "$helper" status $hold_args)"
		echo "json $(ms_of "$helper" status --json)"
	done >>"$tmp/status.ms"
	# shellcheck disable=SC2086
	st_summary=$("$helper" status $hold_args | tail -n 1)
	stop_hold
	st_med() {
		awk -v k="$1" '$1 == k { print $2 }' "$tmp/status.ms" | median
	}
	printf '   %-44s %7s  %s\n' command ms target
	printf '   %-44s %7s\n' "ss -tn (bare sock_diag dump)" "$(st_med ss-tn)"
	printf '   %-44s %7s\n' "ss -tnpi (with processes, TCP_INFO)" "$(st_med ss-tnpi)"
	printf '   %-44s %7s  <= 1000 %s\n' "tcpkeep --status (every visible process)" \
		"$(st_med all)" "$(verdict "$(st_med all)" 1000)"
	printf '   %-44s %7s  <= 1000 %s\n' "tcpkeep --status --pid x100" \
		"$(st_med pids)" "$(verdict "$(st_med pids)" 1000)"
	printf '   %-44s %7s\n' "tcpkeep --status --json" "$(st_med json)"
	echo "   --pid x100 listed: $st_summary"
fi

# tcpkeep --cgroup on a cgroup whose 100 processes (bench/holdconns) hold
# 10,000 connected sockets: attaching and configuring them all, the pass
# over the cgroup's processes alone (the helper's cgroup mode), and --pid
# over the same 100 processes, which is the same work without the walk of
# cgroup.procs.  Every run sets the options again (a socket already at the
# configured values is not taken for the program's).  Bounded as above.
echo
echo "== tcpkeep --cgroup: a cgroup holding 10,000 connected sockets across 100"
echo "   processes, wall time in ms, median of 5 runs (--pid over the same processes)"
wrapper=${TCPKEEP_WRAPPER:-$builddir/src/tcpkeep}
fix_cg=
if [ -z "$have_bpf" ]; then
	echo "   skipped: eBPF mode cannot run here"
elif [ ! -x "$helper" ] || [ ! -x "$holdconns" ] || [ ! -x "$wrapper" ]; then
	echo "   skipped: $wrapper, $helper or $holdconns not built"
else
	fix_cg=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)/tcpkeep-bench-fix-$$
	if ! mkdir "$fix_cg" 2>/dev/null; then
		echo "   skipped: cannot create $fix_cg"
		fix_cg=
	fi
fi
if [ -n "$fix_cg" ]; then
	rm -f "$tmp/hold.in"
	mkfifo "$tmp/hold.in" || die "mkfifo failed"
	# The holder joins the cgroup before it forks: its children are born
	# there, and so are their sockets.
	# shellcheck disable=SC2016 # for the inner shell
	sh -c 'echo "$$" >"$1/cgroup.procs" && exec "$2" 100 100' sh \
		"$fix_cg" "$holdconns" <"$tmp/hold.in" >"$tmp/hold.out" 2>&1 &
	hold_pid=$!
	exec 7>"$tmp/hold.in"
	hold_ready
	fix_pids=$(awk '/^[0-9]+$/ { printf " %s", $1 }' "$tmp/hold.out")
	: >"$tmp/fix.ms"
	for _ in 1 2 3 4 5; do
		echo "attach $(ms_of "$wrapper" --cgroup "$fix_cg")"
		echo "pass $(ms_of "$helper" cgroup -- "$fix_cg")"
		# shellcheck disable=SC2086 # the PIDs
		echo "pid $(ms_of "$helper" pid -- $fix_pids)"
	done >>"$tmp/fix.ms"
	fix_summary=$("$helper" cgroup -- "$fix_cg" | tail -n 1)
	# shellcheck disable=SC2086
	pid_summary=$("$helper" pid -- $fix_pids | tail -n 1)
	stop_hold
	remove_cg "$fix_cg"
	fix_cg=
	fix_med() {
		awk -v k="$1" '$1 == k { print $2 }' "$tmp/fix.ms" | median
	}
	printf '   %-52s %7s\n' command ms
	printf '   %-52s %7s\n' "tcpkeep --cgroup PATH (attach, then the open ones)" "$(fix_med attach)"
	printf '   %-52s %7s\n' "  the open ones alone (helper cgroup -- PATH)" "$(fix_med pass)"
	printf '   %-52s %7s\n' "tcpkeep --pid x100, the same processes" "$(fix_med pid)"
	echo "   --cgroup: $fix_summary"
	echo "   --pid:    $pid_summary"
fi

echo
echo "targets: $(grep -c PASS "$tmp/verdicts") PASS, $(grep -c OVER "$tmp/verdicts") OVER (the benchmark never fails on them)"
# A figure that could not be computed is a failed measurement, not a pass.
unmeasured=$(grep -c 'n/a' "$tmp/verdicts")
[ "$unmeasured" -eq 0 ] || die "$unmeasured figures could not be measured (n/a above)"
