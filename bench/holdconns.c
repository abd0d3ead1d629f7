/* SPDX-License-Identifier: MIT */
/* holdconns PROCS CONNS: PROCS processes, each holding CONNS established
 * loopback TCP sockets (CONNS/2 connections to a listener of its own, both
 * ends kept), for the --status figure of `make bench`.  Prints the
 * children's PIDs, one a line, then "ready", and holds everything until
 * its standard input ends or it is killed; the children die with it
 * (PR_SET_PDEATHSIG). */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(int pairs, int ready)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	char c = 'r';

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(l, pairs + 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return 1;
	for (int i = 0; i < pairs; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0 ||
		    accept(l, NULL, NULL) < 0)
			return 1;
	}
	close(l);
	if (write(ready, &c, 1) != 1)
		return 1;
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int procs, conns, fds[2];
	pid_t *pids;
	char buf[64];

	if (argc != 3 || (procs = atoi(argv[1])) < 1 || procs > 1000 ||
	    (conns = atoi(argv[2])) < 2 || conns > 10000) {
		fprintf(stderr, "usage: holdconns PROCS(1-1000) CONNS(2-10000)\n");
		return 2;
	}
	pids = calloc((size_t)procs, sizeof *pids);
	if (pids == NULL || pipe(fds) < 0)
		return 1;
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("holdconns: fork");
			return 1;
		}
		if (pids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(1);
			close(fds[0]);
			_exit(child(conns / 2, fds[1]));
		}
	}
	close(fds[1]);
	for (int i = 0; i < procs; i++) {
		char c;

		if (read(fds[0], &c, 1) != 1) {
			fprintf(stderr, "holdconns: a child failed\n");
			for (int k = 0; k < procs; k++)
				kill(pids[k], SIGKILL);
			return 1;
		}
	}
	for (int i = 0; i < procs; i++)
		printf("%d\n", (int)pids[i]);
	printf("ready\n");
	fflush(stdout);
	while (read(0, buf, sizeof buf) > 0)
		;
	for (int i = 0; i < procs; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < procs; i++)
		waitpid(pids[i], NULL, 0);
	return 0;
}
