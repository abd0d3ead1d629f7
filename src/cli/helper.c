/* SPDX-License-Identifier: MIT */
/* tcpkeep-helper: what the tcpkeep shell wrapper cannot do well itself.
 *
 *   tcpkeep-helper validate  [VAR:OPTION]...
 *   tcpkeep-helper run       LIBRARY PRELOAD [VAR:OPTION]... -- COMMAND
 *   tcpkeep-helper print-env LIBRARY PRELOAD [VAR:OPTION]...
 *   tcpkeep-helper check     LIBRARY PRELOAD [VAR:OPTION]...
 *   tcpkeep-helper need-value VAR OPTION
 *   tcpkeep-helper pid       [VAR:OPTION]... -- PID...
 *   tcpkeep-helper explain   PROGRAM [VAR:OPTION]...
 *   tcpkeep-helper cgroup    [VAR:OPTION]... -- PATH
 *   tcpkeep-helper status    [--json|--prometheus] [--at-risk] [--max-idle DUR]
 *                            [--pid PID]... [--cgroup PATH]
 *   tcpkeep-helper discover  HOST:PORT [--max DUR] [--json]
 *
 * Every mode first validates the variables named by VAR:OPTION (already
 * exported by the wrapper, values exactly as the user wrote them) with the
 * library's own loader, so the wrapper and the library cannot disagree
 * about what a value means.  OPTION is the spelling the user typed, for
 * messages.  One file per job:
 *
 * validate.c  validate: only that (before eBPF mode, which has no helper
 *             of its own for it).
 * run.c       run: resolves COMMAND through PATH the way execvp(3) does
 *             (exit 127 when not found, 126 when not executable) and
 *             prints the path the wrapper then exec()s itself.
 * elf.c       ... and warns about what LD_PRELOAD cannot reach: static and
 *             Go executables, set-user-ID and set-group-ID programs, file
 *             capabilities, a program of an ABI without a library (then
 *             exit 3: the wrapper leaves the library out of LD_PRELOAD).
 * abi.c       which file of LIBRARY (PREFIX/$LIB/libtcpkeep.so) a program
 *             of a given ABI loads.
 * printenv.c  print-env: `export NAME='value'` for LD_PRELOAD (= PRELOAD)
 *             and the library's TCPKEEP_ variables (only those names, every
 *             value validated, the environment's too), safe for eval.
 * check.c     check: run with the library preloaded: a loopback connection,
 *             the options read back from the kernel on both ends, compared
 *             with the configuration.  Exit 0 when everything matches, 1
 *             when not.
 * pid.c       pid, status.c status: processes that are already running
 *             (tcpkeep(1), RUNNING PROCESSES; running.h, with
 *             sockdiag.c, procfd.c, sockvals.c, records.c); cgroupfix.c
 *             cgroup: pid for the processes of a cgroup tree (after
 *             tcpkeep --cgroup attached); metrics.c: --prometheus.
 * discover.c  discover: the idle timeout of the path to HOST:PORT
 *             (discover.h).
 * explain.c   explain: what a program gets from the configuration file
 *             and the environment, and where each value comes from.
 *
 * Exit status 125 for a bad value, like the wrapper. */
#include "autoconfig.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/helper.h"
#include "cli/discover.h"


static int usage_error(void)
{
	fprintf(stderr, "%s: tcpkeep-helper is run by the tcpkeep wrapper, not directly\n",
		tk_me);
	return TK_EXIT_NOT_STARTED;
}

int main(int argc, char **argv)
{
	const char *mode, *library, *preload;
	char path[PATH_MAX];
	int i, rc;
	bool leave_out;

	if (argc < 2)
		return usage_error();
	mode = argv[1];
	if (strcmp(mode, "validate") == 0)
		return validate_checks(argc - 2, argv + 2, false) < 0 ?
			TK_EXIT_NOT_STARTED : 0;
	if (strcmp(mode, "need-value") == 0) {
		if (argc != 4)
			return usage_error();
		fprintf(stderr, "%s: option %s needs a value: %s\n", tk_me, argv[3],
			accepted_for(argv[2]));
		return TK_EXIT_NOT_STARTED;
	}
	if (strcmp(mode, "pid") == 0 || strcmp(mode, "cgroup") == 0) {
		for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
			;
		if (validate_checks(i - 2, argv + 2, false) < 0)
			return TK_EXIT_NOT_STARTED;
		return mode[0] == 'p' ? tk_pid_main(argc - i, argv + i) :
			tk_cgroup_main(argc - i, argv + i);
	}
	if (strcmp(mode, "status") == 0)
		return tk_status_main(argc - 2, argv + 2);
	if (strcmp(mode, "explain") == 0)
		return explain_main(argc - 2, argv + 2);
	if (strcmp(mode, "discover") == 0)
		return tk_discover_main(argc - 2, argv + 2);
	if (strcmp(mode, "check-needs") == 0) {
		if (argc != 3)
			return usage_error();
		return check_needs(argv[2]);
	}
	if (argc < 4 || (strcmp(mode, "run") != 0 &&
			 strcmp(mode, "print-env") != 0 &&
			 strcmp(mode, "check") != 0))
		return usage_error();
	library = argv[2];
	preload = argv[3];
	for (i = 4; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	/* What print-env prints is judged whole: the values from the
	 * environment too, which the other modes leave to the library. */
	if (validate_checks(i - 4, argv + 4, strcmp(mode, "print-env") == 0) < 0)
		return TK_EXIT_NOT_STARTED;

	if (strcmp(mode, "run") == 0) {
		if (i + 1 >= argc)
			return usage_error();
		rc = resolve_command(argv[i + 1], path, sizeof path);
		if (rc != 0)
			return rc;
		leave_out = warn_unreachable(argv[i + 1], path, library);
		rc = print_exec_path(path);
		return rc == 0 && leave_out ? EXIT_RUN_WITHOUT_LIBRARY : rc;
	}
	if (i < argc)
		return usage_error();
	if (strcmp(mode, "print-env") == 0)
		return print_env(preload);
	return check(library);
}
