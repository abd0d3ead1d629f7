#!/bin/sh
# SPDX-License-Identifier: MIT
# Entrypoint for images that carry libtcpkeep.so but not the tcpkeep wrapper
# (no helper, maybe no shell beyond /bin/sh):
#
#   COPY entrypoint.sh /usr/local/bin/tcpkeep-entrypoint
#   ENV TCPKEEP_LIBRARY=/usr/local/lib/libtcpkeep.so TCPKEEP_IDLE=60
#   ENTRYPOINT ["/usr/local/bin/tcpkeep-entrypoint"]
#   CMD ["legacy-client", "--server", "lb.example.net"]
#
# It puts the library in front of LD_PRELOAD (once), keeps what LD_PRELOAD
# held before, and replaces itself with the command (exec): the command
# keeps the PID (PID 1 in a container), receives the signals and its exit
# status is the container's.  The TCPKEEP_* variables of the image or pod
# reach the library unchanged; the library checks them and warns once on
# stderr about a bad value.
#
# A missing library is an error (exit 125), not a silent run without
# keepalive.  Exit status otherwise as env(1): 126 when the command cannot
# be run, 127 when it is not found.

library=${TCPKEEP_LIBRARY:-/usr/local/lib/libtcpkeep.so}

if [ $# -eq 0 ]; then
	echo "tcpkeep-entrypoint: no command given (set CMD or pass one)" >&2
	exit 125
fi
case $library in
/*) ;;
*)
	echo "tcpkeep-entrypoint: TCPKEEP_LIBRARY must be an absolute path (got '$library')" >&2
	exit 125
	;;
esac
if [ ! -r "$library" ]; then
	echo "tcpkeep-entrypoint: library not found: $library (set TCPKEEP_LIBRARY)" >&2
	exit 125
fi

# Once: ld.so would load a second copy of the same path only once anyway,
# but a long LD_PRELOAD is passed on to every child.
case " ${LD_PRELOAD:-} " in
*" $library "*) ;;
*) LD_PRELOAD="$library${LD_PRELOAD:+ $LD_PRELOAD}" ;;
esac
export LD_PRELOAD

exec "$@"
