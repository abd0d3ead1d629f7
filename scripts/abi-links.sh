#!/bin/sh
# SPDX-License-Identifier: MIT
# One LD_PRELOAD value for both ABIs, PREFIX/$LIB/libtcpkeep.so: the
# dynamic loader expands $LIB to a directory of the program's own ABI
# (libtcpkeep(7), "Both ABIs").  Where the library is not installed in
# that directory, a relative symbolic link there points to it; the build
# tree gets the same shape in src/abi/ for the wrapper and the tests.
#
#   abi-links.sh install EXEC_PREFIX TOKEN:DIR...     (DESTDIR honoured)
#   abi-links.sh uninstall EXEC_PREFIX TOKEN:DIR...
#   abi-links.sh build-tree BUILDDIR TOKEN:LIBSDIR...
#
# TOKEN is what the loader expands $LIB to for one ABI, DIR where that
# ABI's library is installed; an empty TOKEN or DIR (no such ABI here) is
# skipped.  MKDIR_P is make's (mkdir -p when unset).
set -e

mkdir_p=${MKDIR_P:-mkdir -p}
cmd=${1:?usage: abi-links.sh install|uninstall|build-tree DIR TOKEN:DIR...}
base=${2:?missing the prefix or build directory}
shift 2

case $cmd in
install | uninstall)
	for pair in "$@"; do
		token=${pair%%:*} dir=${pair#*:}
		if [ -z "$token" ] || [ -z "$dir" ]; then continue; fi
		link="$base/$token"
		[ "$link" != "$dir" ] || continue
		if [ "$cmd" = uninstall ]; then
			echo " rm -f '${DESTDIR-}$link/libtcpkeep.so'"
			rm -f "${DESTDIR-}$link/libtcpkeep.so"
			continue
		fi
		case $dir in
		"$base"/*)
			up=$(printf '%s\n' "$token" | sed 's|[^/][^/]*|..|g')
			target="$up/${dir#"$base"/}/libtcpkeep.so" ;;
		*) target="$dir/libtcpkeep.so" ;;
		esac
		echo " $mkdir_p '${DESTDIR-}$link'"
		$mkdir_p "${DESTDIR-}$link"
		echo " ln -sf '$target' '${DESTDIR-}$link/libtcpkeep.so'"
		ln -sf "$target" "${DESTDIR-}$link/libtcpkeep.so"
	done
	;;
build-tree)
	rm -rf src/abi
	for pair in "$@"; do
		token=${pair%%:*} dir=${pair#*:}
		if [ -z "$token" ] || [ ! -f "$dir/libtcpkeep.so" ]; then continue; fi
		$mkdir_p "src/abi/$token"
		ln -s "$base/$dir/libtcpkeep.so" "src/abi/$token/libtcpkeep.so"
	done
	$mkdir_p src/abi
	;;
*)
	echo "abi-links.sh: unknown command '$cmd'" >&2
	exit 2
	;;
esac
