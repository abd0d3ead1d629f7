/* SPDX-License-Identifier: MIT */
/* A program for tests/preload/setuid.test to run set-user-ID root, with the
 * library preloaded the way /etc/ld.so.preload does it (the loader ignores
 * LD_PRELOAD paths in a secure-execution process, not that file).  It
 * prints "secure=N" (AT_SECURE), then, by the first argument:
 *
 *   socket            a TCP socket: what the kernel says of it
 *                     ("socket keepalive=K idle=I intvl=N cnt=C");
 *   program-off       the same after the program's own SO_KEEPALIVE=0;
 *   stderr-file PATH  closes descriptor 2, opens PATH for appending
 *                     there (it gets number 2), then makes a TCP socket;
 *   stderr-socket     puts one end of a socket pair on descriptor 2 and
 *                     runs itself again (so that descriptor 2 is a socket
 *                     from the start), makes a TCP socket there and prints
 *                     "stderr-socket bytes=N": what arrived at the other
 *                     end;
 *   config            what tk_config_load() with the library's own lookup
 *                     (tk_env_lookup) decides: "config debug=D force=F
 *                     idle=I log=L".
 * With TCPKEEP_DEBUG honoured, the socket would give a debug line. */
#include "autoconfig.h"
#include "common/config.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#if HAVE_SYS_AUXV_H
# include <sys/auxv.h>
#endif

#include "../lib/sockopt.h"

static int print_socket(int fd)
{
	if (fd < 0) {
		printf("socket failed\n");
		return 1;
	}
	printf("socket keepalive=%d idle=%d intvl=%d cnt=%d\n",
	       sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE),
	       sockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE),
	       sockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL),
	       sockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
#if HAVE_GETAUXVAL && defined(AT_SECURE)
	printf("secure=%lu\n", getauxval(AT_SECURE));
#else
	printf("secure=%d\n", tk_secure_execution());
#endif
	if (strcmp(cmd, "socket") == 0)
		return print_socket(socket(AF_INET, SOCK_STREAM, 0));
	if (strcmp(cmd, "program-off") == 0) {
		int off = 0;

		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &off, sizeof off) < 0)
			printf("setsockopt failed\n");
		return print_socket(fd);
	}
	if (strcmp(cmd, "stderr-file") == 0 && argc > 2) {
		close(STDERR_FILENO);
		fd = open(argv[2], O_WRONLY | O_APPEND);
		if (fd != STDERR_FILENO) {
			printf("open %s gave %d\n", argv[2], fd);
			return 1;
		}
		return print_socket(socket(AF_INET, SOCK_STREAM, 0));
	}
	if (strcmp(cmd, "stderr-socket") == 0) {
		int sv[2];
		char num[16];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
		    dup2(sv[1], STDERR_FILENO) < 0)
			return 1;
		close(sv[1]);
		snprintf(num, sizeof num, "%d", sv[0]);
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "stderr-socket-run", num,
		      (char *)NULL);
		return 1;
	}
	if (strcmp(cmd, "stderr-socket-run") == 0 && argc > 2) {
		char buf[1024];
		ssize_t n;
		int status = print_socket(socket(AF_INET, SOCK_STREAM, 0));

		n = recv(atoi(argv[2]), buf, sizeof buf, MSG_DONTWAIT);
		printf("stderr-socket bytes=%zd\n", n < 0 ? (ssize_t)0 : n);
		return status;
	}
	if (strcmp(cmd, "config") == 0) {
		static struct tk_config cfg;

		tk_config_load(&cfg, tk_env_lookup, NULL, NULL, NULL);
		printf("config debug=%d force=%d idle=%d log=%s\n", cfg.debug,
		       cfg.force, cfg.idle_s,
		       cfg.log == TK_LOG_FILE ? cfg.log_path :
		       cfg.log == TK_LOG_STDERR ? "stderr" : "other");
		return 0;
	}
	return 2;
}
