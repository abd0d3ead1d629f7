/* SPDX-License-Identifier: MIT */
/* A program for tests/setuid.test to run set-user-ID.  It prints whether
 * the process is in secure-execution mode, then:
 *
 *   suid config      what tk_config_load() with the library's own lookup
 *                    (tk_env_lookup) decides for TCPKEEP_LOG;
 *   suid dlopen LIB  the loader ignores LD_PRELOAD paths in a
 *                    secure-execution process, so the library is loaded
 *                    with dlopen (allowed there) and its socket() called
 *                    directly; what the kernel says about the socket. */
#include "autoconfig.h"
#include "config.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockopt.h"


int main(int argc, char **argv)
{
	int (*lib_socket)(int, int, int);
	void *handle, *sym;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("secure=%lu\n", getauxval(AT_SECURE));
	if (argc > 1 && strcmp(argv[1], "config") == 0) {
		static struct tk_config cfg;

		tk_config_load(&cfg, tk_env_lookup, NULL, NULL, NULL);
		printf("config log=%s%s\n",
		       cfg.log == TK_LOG_FILE ? "file:" :
		       cfg.log == TK_LOG_STDERR ? "stderr" : "other",
		       cfg.log == TK_LOG_FILE ? cfg.log_path : "");
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "dlopen") != 0)
		return 2;
	handle = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		printf("dlopen: %s\n", dlerror());
		return 2;
	}
	sym = dlsym(handle, "socket");
	if (sym == NULL)
		return 2;
	memcpy(&lib_socket, &sym, sizeof lib_socket);
	fd = lib_socket(AF_INET, SOCK_STREAM, 0);
	printf("socket keepalive=%d idle=%d\n", sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE),
	       sockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE));
	return 0;
}
