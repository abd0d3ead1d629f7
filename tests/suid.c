/* A program for tests/setuid.test to run set-user-ID.  The loader ignores
 * LD_PRELOAD paths in a secure-execution process, so this program loads
 * the library named by its first argument itself, with dlopen (allowed
 * there), and calls that library's socket() directly.  It prints whether
 * the process is in secure-execution mode and what the kernel says about
 * the socket. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <unistd.h>

static int get(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof v;

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	int (*lib_socket)(int, int, int);
	void *handle, *sym;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("secure=%lu\n", getauxval(AT_SECURE));
	if (argc < 2)
		return 2;
	handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		printf("dlopen: %s\n", dlerror());
		return 2;
	}
	sym = dlsym(handle, "socket");
	if (sym == NULL)
		return 2;
	*(void **)&lib_socket = sym;
	fd = lib_socket(AF_INET, SOCK_STREAM, 0);
	printf("socket keepalive=%d idle=%d\n", get(fd, SOL_SOCKET, SO_KEEPALIVE),
	       get(fd, IPPROTO_TCP, TCP_KEEPIDLE));
	return 0;
}
