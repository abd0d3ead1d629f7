#!/bin/sh
# SPDX-License-Identifier: MIT
# Debian 12 roots for the release tests (make check-release), made with
# debootstrap from Debian's archive and cached, and commands run in them.
#
#   root.sh base              make sure the cached minbase root exists
#                             (debootstrap once; the path on stdout)
#   root.sh layer NAME SCRIPT make sure the cached layer NAME exists: SCRIPT
#                             (sh, in the chroot) run once over the base,
#                             what it changed kept as an overlay layer
#                             (a changed SCRIPT makes a new one; the path
#                             on stdout)
#   root.sh run LOWER UPPER SHARE SCRIPT
#                             run SCRIPT (sh -c, in the chroot, cwd /) over
#                             LOWER (overlayfs lowerdir: colon-separated,
#                             top first) with UPPER taking the changes;
#                             SHARE is bound at /mnt/share
#
# Every run is its own mount and PID namespace (unshare): the overlay,
# /proc, /dev, /run and /tmp are mounted there only (/sys and eBPF mode's
# /run/tcpkeep are the host's), nothing is left mounted on the host, and
# every process the script leaves is killed with the namespace.  The network is the host's (apt reaches the archive).
# Cache: $TCPKEEP_RELEASE_CACHE (default /var/cache/tcpkeep-release);
# mirror: $TCPKEEP_DEBIAN_MIRROR (default http://deb.debian.org/debian).
# Needs root, debootstrap, unshare, chroot and overlayfs.
set -u

cache=${TCPKEEP_RELEASE_CACHE:-/var/cache/tcpkeep-release}
mirror=${TCPKEEP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
base=$cache/$suite-minbase
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() {
	echo "root.sh: $*" >&2
	exit 99
}

inner() {
	# In the new namespaces: mount, then chroot.
	lower=$1 upper=$2 share=$3 script=$4 merged=$2.merged work=$2.work
	mkdir -p "$upper" "$work" "$merged" || exit 99
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" \
		"$merged" || die "cannot mount the overlay"
	# /sys with the host's cgroup and BPF file systems: eBPF mode runs here.
	if ! { mount -t proc proc "$merged/proc" &&
		mount --rbind /sys "$merged/sys" &&
		mount --rbind /dev "$merged/dev" &&
		mount -t tmpfs -o mode=755 tmpfs "$merged/run" &&
		mount -t tmpfs -o mode=1777 tmpfs "$merged/tmp"; }; then
		die "cannot mount /proc, /dev, /run or /tmp"
	fi
	# eBPF mode's records and lock describe the cgroups and bpffs pins
	# shared above: a tcpkeep-bpf started on the host takes a run of this
	# root for a leftover unless both see the same ones.
	if ! { { [ -d /run/tcpkeep ] || mkdir -m 755 /run/tcpkeep; } &&
		mkdir "$merged/run/tcpkeep" &&
		mount --bind /run/tcpkeep "$merged/run/tcpkeep"; }; then
		die "cannot bind /run/tcpkeep"
	fi
	if [ -n "$share" ] && ! { mkdir -p "$merged/mnt/share" &&
		mount --bind "$share" "$merged/mnt/share"; }; then
		die "cannot bind $share"
	fi
	# Name resolution for apt, as debootstrap left it.
	cat /etc/resolv.conf >"$merged/etc/resolv.conf" 2>/dev/null
	chroot "$merged" /usr/bin/env -i PATH="$path" HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive /bin/sh -c "cd / && $script"
}

run() {
	# run LOWER UPPER SHARE SCRIPT
	unshare --mount --propagation private --pid --fork --kill-child \
		"$0" --inner "$@"
}

make_base() {
	[ -f "$base.done" ] && return 0
	command -v debootstrap >/dev/null 2>&1 || die "debootstrap not installed"
	mkdir -p "$cache" || die "cannot create $cache"
	rm -rf "$base.tmp"
	echo "root.sh: debootstrap --variant=minbase $suite from $mirror (once)" >&2
	debootstrap --variant=minbase "$suite" "$base.tmp" "$mirror" \
		>"$cache/debootstrap.log" 2>&1 || {
		tail -n 20 "$cache/debootstrap.log" >&2
		rm -rf "$base.tmp"
		die "debootstrap failed (log: $cache/debootstrap.log)"
	}
	# A fresh machine has no package lists yet; keep the cache small.
	rm -rf "$base.tmp"/var/cache/apt/archives/*.deb "$base.tmp"/var/lib/apt/lists/*_Packages
	rm -rf "$base" && mv "$base.tmp" "$base" && : >"$base.done"
}

make_layer() {
	# make_layer NAME SCRIPT: cached under NAME and a checksum of SCRIPT,
	# so that a changed script makes a new layer.
	layer=$cache/layer-$1-$(printf '%s' "$2" | cksum | cut -d ' ' -f 1)
	[ -f "$layer.done" ] && return 0
	make_base
	rm -rf "$layer.tmp" "$layer.tmp.work" "$layer.tmp.merged"
	echo "root.sh: preparing the cached layer $1 (once)" >&2
	run "$base" "$layer.tmp" "" "$2" >"$cache/layer-$1.log" 2>&1 || {
		tail -n 20 "$cache/layer-$1.log" >&2
		rm -rf "$layer.tmp" "$layer.tmp.work" "$layer.tmp.merged"
		die "the layer $1 failed (log: $cache/layer-$1.log)"
	}
	rm -rf "$layer" "$layer.tmp.work" "$layer.tmp.merged" &&
		mv "$layer.tmp" "$layer" && : >"$layer.done"
}

lock() {
	# One debootstrap or layer at a time, also across test runs.
	mkdir -p "$cache" || die "cannot create $cache"
	exec 9>"$cache/lock"
	flock 9 || die "cannot lock $cache"
}

[ "$(id -u)" -eq 0 ] || die "needs root"
case ${1:-} in
--inner) shift; inner "$@" ;;
base)
	lock
	make_base && echo "$base"
	;;
layer)
	[ $# -eq 3 ] || die "usage: root.sh layer NAME SCRIPT"
	lock
	make_layer "$2" "$3" && echo "$layer"
	;;
run)
	[ $# -eq 5 ] || die "usage: root.sh run LOWER UPPER SHARE SCRIPT"
	shift
	run "$@"
	;;
*) die "usage: root.sh base | layer NAME SCRIPT | run LOWER UPPER SHARE SCRIPT" ;;
esac
