# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# What tests/running/status-*.tap share: running a command as user
# nobody, and waiting for a file a helper writes.

# nobody COMMAND...: COMMAND as user nobody, no supplementary groups.
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# wait_file FILE: at most 20 s.
wait_file() {
	n=0
	while [ ! -s "$1" ] && [ "$n" -lt 200 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -s "$1" ]
}
