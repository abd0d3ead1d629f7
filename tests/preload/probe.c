/* SPDX-License-Identifier: MIT */
/* A small unmodified program for the integration tests: it does one thing
 * with sockets, chosen by its argument, and prints what the kernel says
 * about them.  It knows nothing of tcpkeep; the tests run it with and
 * without the library preloaded and compare.
 *
 * Option lines read "LABEL keepalive=K idle=I intvl=N cnt=C user_timeout=U".
 * When the counting library (tests/preload/counter.c) is preloaded after tcpkeep,
 * "calls=N" reports how many socket-option calls happened in between. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/sockopt.h"


static void show(const char *label, int fd)
{
	char line[128];

	sockopt_line(fd, line, sizeof line);
	printf("%s %s\n", label, line);
}

/* The counting library's total, or -1 when it is not loaded. */
static long calls(void)
{
	unsigned long *total = dlsym(RTLD_DEFAULT, "tk_test_calls");

	return total ? (long)__atomic_load_n(total, __ATOMIC_SEQ_CST) : -1;
}

static void die(const char *what)
{
	fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* A listener on loopback, port chosen by the kernel. */
static int listener(int family, struct sockaddr_storage *addr, socklen_t *len)
{
	int fd = socket(family, SOCK_STREAM, 0);

	memset(addr, 0, sizeof *addr);
	addr->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)addr;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
		sin6->sin6_addr = in6addr_loopback;
		*len = sizeof *sin6;
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, *len) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)addr, len) < 0)
		die("listener");
	return fd;
}

static int cmd_create(int family, int type, int protocol, const char *label)
{
	int fd = socket(family, type, protocol);

	if (fd < 0) {
		printf("%s unsupported errno=%d\n", label, errno);
		return 0;
	}
	show(label, fd);
	close(fd);
	return 0;
}

static int cmd_accept(int use_accept4, int family)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(family, &addr, &len);
	int cfd = socket(family, SOCK_STREAM, 0);
	int afd;

	if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, len) < 0)
		die("connect");
#if HAVE_ACCEPT4
	if (use_accept4)
		afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	else
#endif
		afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		die("accept");
	show("listener", lfd);
	show("client", cfd);
	show("accepted", afd);
	if (use_accept4)
		printf("accepted cloexec=%d nonblock=%d\n",
		       (fcntl(afd, F_GETFD) & FD_CLOEXEC) != 0,
		       (fcntl(afd, F_GETFL) & O_NONBLOCK) != 0);
	return 0;
}

/* accept() into a buffer too small for the peer: a struct sockaddr (16
 * bytes) for an IPv6 connection, the way much older code calls it.  The
 * kernel fills the 16 bytes and reports the full length; the bytes after
 * the buffer, here 0xff, are not the peer's. */
static int cmd_accept_short(void)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(AF_INET6, &addr, &len);
	int cfd = socket(AF_INET6, SOCK_STREAM, 0);
	struct {
		struct sockaddr sa;
		unsigned char after[sizeof(struct sockaddr_in6)];
	} buf;
	socklen_t buflen = sizeof buf.sa;
	int afd;

	memset(&buf, 0xff, sizeof buf);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, len) < 0)
		die("connect");
	afd = accept(lfd, &buf.sa, &buflen);
	if (afd < 0)
		die("accept");
	printf("accepted addrlen=%u buffer=%zu\n", (unsigned)buflen,
	       sizeof buf.sa);
	show("accepted", afd);
	return 0;
}

/* connect() with the 24-byte sockaddr_in6 of RFC 2133 (no sin6_scope_id),
 * which Linux still accepts. */
static int cmd_connect6_rfc2133(void)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(AF_INET6, &addr, &len);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr,
			      offsetof(struct sockaddr_in6, sin6_scope_id)) < 0)
		die("connect with a 24-byte address");
	show("rfc2133", fd);
	close(lfd);
	return 0;
}

/* A socket made by a raw system call, which no hook sees: options arrive
 * at connect(). */
static int cmd_raw_syscall(void)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(AF_INET, &addr, &len);
	int fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("syscall socket");
	show("before-connect", fd);
	if (connect(fd, (struct sockaddr *)&addr, len) < 0)
		die("connect");
	show("after-connect", fd);
	close(lfd);
	return 0;
}

/* The way Java and dual-stack programs reach IPv4 peers. */
static int cmd_mapped(void)
{
	struct sockaddr_storage addr;
	struct sockaddr_in6 mapped;
	socklen_t len;
	int lfd = listener(AF_INET, &addr, &len);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	memset(&mapped, 0, sizeof mapped);
	mapped.sin6_family = AF_INET6;
	mapped.sin6_port = ((struct sockaddr_in *)&addr)->sin_port;
	mapped.sin6_addr.s6_addr[10] = 0xff;
	mapped.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&mapped.sin6_addr.s6_addr[12],
	       &((struct sockaddr_in *)&addr)->sin_addr, 4);
	if (fd < 0 || connect(fd, (struct sockaddr *)&mapped, sizeof mapped) < 0)
		die("connect ::ffff:127.0.0.1");
	show("mapped", fd);
	close(lfd);
	return 0;
}

/* Sockets that are not TCP: untouched, and not one extra call at
 * socket() or connect(). */
static void nontcp_one(const char *label, int family, int type, int protocol,
		       const struct sockaddr *to, socklen_t tolen)
{
	long before = calls(), after;
	int fd = socket(family, type, protocol);

	if (fd < 0) {
		printf("%s unsupported\n", label);
		return;
	}
	if (to != NULL)
		(void)connect(fd, to, tolen);
	after = calls();
	printf("%s calls=%ld keepalive=%d\n", label,
	       before < 0 ? -1 : after - before, sockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE));
	close(fd);
}

static int cmd_nontcp(void)
{
	struct sockaddr_in udp4;
	struct sockaddr_in6 udp6;
	struct sockaddr_un un;
	char dir[] = "/tmp/tcpkeep-probe-XXXXXX";
	int ufd;

	memset(&udp4, 0, sizeof udp4);
	udp4.sin_family = AF_INET;
	udp4.sin_port = htons(53);
	udp4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&udp6, 0, sizeof udp6);
	udp6.sin6_family = AF_INET6;
	udp6.sin6_port = htons(53);
	udp6.sin6_addr = in6addr_loopback;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	memset(&un, 0, sizeof un);
	un.sun_family = AF_UNIX;
	snprintf(un.sun_path, sizeof un.sun_path, "%s/s", dir);
	ufd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ufd < 0 || bind(ufd, (struct sockaddr *)&un, sizeof un) < 0 ||
	    listen(ufd, 4) < 0)
		die("unix listener");

	nontcp_one("udp4", AF_INET, SOCK_DGRAM, 0, (struct sockaddr *)&udp4, sizeof udp4);
	nontcp_one("udp6", AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0,
		   (struct sockaddr *)&udp6, sizeof udp6);
	nontcp_one("unix-stream", AF_UNIX, SOCK_STREAM, 0, (struct sockaddr *)&un, sizeof un);
	nontcp_one("unix-dgram", AF_UNIX, SOCK_DGRAM, 0, NULL, 0);
	nontcp_one("unix-seqpacket", AF_UNIX, SOCK_SEQPACKET, 0, NULL, 0);
	nontcp_one("sctp-stream", AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, 0);
	nontcp_one("sctp-seqpacket", AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, NULL, 0);
	nontcp_one("raw", AF_INET, SOCK_RAW, IPPROTO_TCP, NULL, 0);
	close(ufd);
	unlink(un.sun_path);
	rmdir(dir);
	return 0;
}

/* Calls counted for an outgoing TCP connection and for one accepted from
 * a listener tcpkeep configured. */
static int cmd_count_tcp(void)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(AF_INET, &addr, &len);
	long c0 = calls(), c1, c2;
	int fd = socket(AF_INET, SOCK_STREAM, 0), afd;

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, len) < 0)
		die("connect");
	c1 = calls();
	afd = accept(lfd, NULL, NULL);
	c2 = calls();
	if (afd < 0)
		die("accept");
	printf("outgoing calls=%ld\naccepted calls=%ld\n", c1 - c0, c2 - c1);
	return 0;
}

/* The program's own choice, made before connect(), stays. */
static int cmd_program_sets(const char *what)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int lfd = listener(AF_INET, &addr, &len);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int zero = 0, idle = 300;
	long r;

	if (strcmp(what, "off") == 0)
		r = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof zero);
	else
		r = setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	printf("setsockopt=%ld\n", r);
	if (connect(fd, (struct sockaddr *)&addr, len) < 0)
		die("connect");
	show("program", fd);
	close(lfd);
	return 0;
}

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EINPROGRESS: return "EINPROGRESS";
	case EBADF: return "EBADF";
	case ENOTSOCK: return "ENOTSOCK";
	case EINVAL: return "EINVAL";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EFAULT: return "EFAULT";
	case EISCONN: return "EISCONN";
	case EALREADY: return "EALREADY";
	case EAGAIN: return "EAGAIN";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	default: return "other";
	}
}

#define REPORT(label, expr) do { \
		long r_; \
		errno = 4242; /* a value no call sets: must survive success */ \
		r_ = (expr); \
		printf("%s ret=%s errno=%s\n", label, r_ < 0 ? "-1" : "ok", \
		       errno == 4242 ? "kept" : errno_name(errno)); \
	} while (0)

/* Return values and errno of failing (and succeeding) calls. */
static int cmd_errno(void)
{
	struct sockaddr_storage addr;
	struct sockaddr_in closed;
	socklen_t len, clen = sizeof closed;
	int lfd = listener(AF_INET, &addr, &len);
	int tmp = socket(AF_INET, SOCK_STREAM, 0);
	int devnull = open("/dev/null", O_RDWR);
	int fd, one = 1;

	/* A port nobody listens on: bind, learn it, close. */
	memset(&closed, 0, sizeof closed);
	closed.sin_family = AF_INET;
	closed.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(tmp, (struct sockaddr *)&closed, sizeof closed) < 0 ||
	    getsockname(tmp, (struct sockaddr *)&closed, &clen) < 0)
		die("bind");
	close(tmp);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	REPORT("connect-refused", connect(fd, (struct sockaddr *)&closed, sizeof closed));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	REPORT("connect-nonblock", connect(fd, (struct sockaddr *)&addr, len));
	REPORT("connect-again", connect(fd, (struct sockaddr *)&addr, len));
	close(fd);
	fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	REPORT("connect-unseen-nonblock", connect(fd, (struct sockaddr *)&addr, len));
	close(fd);
	REPORT("connect-ebadf", connect(-1, (struct sockaddr *)&addr, len));
	REPORT("connect-closed-fd", connect(1000, (struct sockaddr *)&addr, len));
	REPORT("connect-enotsock", connect(devnull, (struct sockaddr *)&addr, len));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	REPORT("connect-null", connect(fd, NULL, 0));
	REPORT("connect-short", connect(fd, (struct sockaddr *)&addr, 2));
	close(fd);
	REPORT("socket-ok", fd = socket(AF_INET, SOCK_STREAM, 0));
	close(fd);
	REPORT("socket-einval", socket(AF_INET, 4711, 0));
	REPORT("socket-proto", socket(AF_INET, SOCK_STREAM, 4711));
	REPORT("accept-ebadf", accept(-1, NULL, NULL));
	REPORT("accept-enotsock", accept(devnull, NULL, NULL));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	REPORT("accept-einval", accept(fd, NULL, NULL));
	close(fd);
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	REPORT("accept-eagain", accept(lfd, NULL, NULL));
#if HAVE_ACCEPT4
	REPORT("accept4-eagain", accept4(lfd, NULL, NULL, SOCK_CLOEXEC));
	REPORT("accept4-einval", accept4(lfd, NULL, NULL, 0x7fff0000));
#endif
	REPORT("setsockopt-enotsock", setsockopt(devnull, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
	REPORT("setsockopt-short", setsockopt(lfd, IPPROTO_TCP, TCP_KEEPIDLE, &one, 1));
	REPORT("setsockopt-range", setsockopt(lfd, IPPROTO_TCP, TCP_KEEPIDLE, &(int){0}, sizeof(int)));
	REPORT("setsockopt-ok", setsockopt(lfd, IPPROTO_TCP, TCP_KEEPIDLE, &(int){99}, sizeof(int)));
	return 0;
}

static int cmd_fork(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		show("child", fd);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		die("wait");
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "tcp4") == 0)
		return cmd_create(AF_INET, SOCK_STREAM, 0, "tcp4");
	if (strcmp(cmd, "tcp6") == 0)
		return cmd_create(AF_INET6, SOCK_STREAM, IPPROTO_TCP, "tcp6");
	if (strcmp(cmd, "tcp-flags") == 0)
		return cmd_create(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
				  0, "tcp-flags");
	if (strcmp(cmd, "mptcp") == 0)
		return cmd_create(AF_INET, SOCK_STREAM, IPPROTO_MPTCP, "mptcp");
	if (strcmp(cmd, "accept") == 0)
		return cmd_accept(0, AF_INET);
	if (strcmp(cmd, "accept6") == 0)
		return cmd_accept(0, AF_INET6);
	if (strcmp(cmd, "accept4") == 0)
		return cmd_accept(1, AF_INET);
	if (strcmp(cmd, "accept-short") == 0)
		return cmd_accept_short();
	if (strcmp(cmd, "connect6-rfc2133") == 0)
		return cmd_connect6_rfc2133();
	if (strcmp(cmd, "raw-syscall") == 0)
		return cmd_raw_syscall();
	if (strcmp(cmd, "mapped") == 0)
		return cmd_mapped();
	if (strcmp(cmd, "nontcp") == 0)
		return cmd_nontcp();
	if (strcmp(cmd, "count-tcp") == 0)
		return cmd_count_tcp();
	if (strcmp(cmd, "program-off") == 0)
		return cmd_program_sets("off");
	if (strcmp(cmd, "program-idle") == 0)
		return cmd_program_sets("idle");
	if (strcmp(cmd, "errno") == 0)
		return cmd_errno();
	if (strcmp(cmd, "fork") == 0)
		return cmd_fork();
	fprintf(stderr, "probe: unknown command '%s'\n", cmd);
	return 2;
}
