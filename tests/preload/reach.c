/* SPDX-License-Identifier: MIT */
/* What tests/preload/reach.tap and tests/preload/handover.tap run with tcpkeep preloaded:
 * descriptor numbers reused behind a socket's back, force mode on a
 * number that no longer holds the socket, TCP Fast Open, and a connection
 * handed over at start.  It knows nothing of tcpkeep: it reads the options
 * back from the kernel.  "ok" means keepalive on with the TCPKEEP_IDLE,
 * TCPKEEP_INTVL and TCPKEEP_CNT of the environment (plain numbers), "off"
 * keepalive off, "wrong" anything else.
 *
 *   reuse KIND VIA   a KIND (tcp, udp, unix) socket made by socket() on
 *                    number N, with keepalive turned off by the program,
 *                    is replaced on N by an unconfigured TCP socket VIA
 *                    raw (close(), then a raw socket system call), scm
 *                    (close(), then SCM_RIGHTS), scm-rawclose (the close
 *                    a raw system call), dup2 (dup2() over the open N),
 *                    close-range, closefrom; N is connected and judged
 *   history CALL     filters: a TCP socket whose keepalive the program
 *                    turned off before connect() is copied by CALL (dup,
 *                    dup2, dup3, fcntl) and closed; the copy is connected
 *   force-efault     force mode: SO_KEEPALIVE from address 16
 *   force-stale      force mode: a configured socket's number freed by a
 *                    raw close and taken by /dev/null, then by a raw TCP
 *                    socket, each given TCP_KEEPIDLE=5
 *   fastopen         sendto(MSG_FASTOPEN) to a loopback listener, the
 *                    socket judged; then sendmsg()
 *   udp-sendto       a UDP socket's sendto() with and without MSG_FASTOPEN:
 *                    socket-option calls seen by tests/preload/counter.c
 *   beyond FD        (with a library built with a smaller table) a TCP
 *                    socket moved to FD, keepalive turned off by the
 *                    program, and a raw one moved to FD + 1, connected
 *   show FD          the options of FD, one line */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "judge.h"

__attribute__((noreturn))
static void die(const char *what)
{
	fprintf(stderr, "reach: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int tcp_listener(struct sockaddr_in *addr)
{
	int fd = loopback_listener(addr, 16);

	if (fd < 0)
		die("listener");
	return fd;
}

static int raw_tcp(void)
{
	int fd = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("raw socket");
	return fd;
}

static void keepalive_off(int fd)
{
	static const int off = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &off, sizeof off) < 0)
		die("SO_KEEPALIVE=0");
}

/* Room for one descriptor in a control message. */
union one_fd {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* A one-byte message with room for one descriptor. */
static void fd_message(struct msghdr *msg, struct iovec *iov, char *byte,
		       union one_fd *u)
{
	memset(msg, 0, sizeof *msg);
	memset(u, 0, sizeof *u);
	iov->iov_base = byte;
	iov->iov_len = 1;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = u->buf;
	msg->msg_controllen = sizeof u->buf;
}

static void send_fd(int via, int fd)
{
	char byte = 'x';
	struct iovec iov;
	union one_fd u;
	struct msghdr msg;
	struct cmsghdr *c;

	fd_message(&msg, &iov, &byte, &u);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	if (sendmsg(via, &msg, 0) != 1)
		die("sendmsg SCM_RIGHTS");
}

static int receive_fd(int via)
{
	char byte;
	struct iovec iov;
	union one_fd u;
	struct msghdr msg;
	struct cmsghdr *c;
	int fd;

	fd_message(&msg, &iov, &byte, &u);
	if (recvmsg(via, &msg, 0) != 1)
		die("recvmsg");
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_type != SCM_RIGHTS)
		die("no SCM_RIGHTS");
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static int predecessor(const char *kind)
{
	int fd;

	if (strcmp(kind, "tcp") == 0)
		fd = socket(AF_INET, SOCK_STREAM, 0);
	else if (strcmp(kind, "udp") == 0)
		fd = socket(AF_INET, SOCK_DGRAM, 0);
	else if (strcmp(kind, "unix") == 0)
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
	else
		return -1;
	if (fd < 0)
		die("predecessor");
	keepalive_off(fd);
	return fd;
}

static int cmd_reuse(const char *kind, const char *via)
{
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr);
	int pair[2], n, t, s = -1, a;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) < 0)
		die("socketpair");
	n = predecessor(kind);
	if (n < 0)
		return 2;
	if (strcmp(via, "raw") == 0) {
		close(n);
		s = raw_tcp();
	} else if (strcmp(via, "scm") == 0 || strcmp(via, "scm-rawclose") == 0) {
		t = raw_tcp();
		if (strcmp(via, "scm") == 0)
			close(n);
		else
			syscall(SYS_close, n);
		send_fd(pair[0], t);
		s = receive_fd(pair[1]);
		close(t);
	} else if (strcmp(via, "dup2") == 0) {
		t = raw_tcp();
		s = dup2(t, n);
		close(t);
	} else if (strcmp(via, "close-range") == 0) {
#ifdef HAVE_CLOSE_RANGE
		if (close_range((unsigned)n, (unsigned)n + 10, 0) < 0) {
			printf("reuse %s %s unsupported (%s)\n", kind, via,
			       strerror(errno));
			return 0;
		}
		s = raw_tcp();
#else
		printf("reuse %s %s unsupported (no close_range)\n", kind, via);
		return 0;
#endif
	} else if (strcmp(via, "closefrom") == 0) {
#ifdef HAVE_CLOSEFROM
		closefrom(n);
		s = raw_tcp();
#else
		printf("reuse %s %s unsupported (no closefrom)\n", kind, via);
		return 0;
#endif
	} else {
		return 2;
	}
	if (s != n)
		die("the successor did not take the number");
	if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	printf("reuse %s %s tcp=%s\n", kind, via, word(state_of(s)));
	a = accept(lfd, NULL, NULL);
	if (a >= 0)
		close(a);
	close(s);
	return 0;
}

static int cmd_history(const char *call)
{
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr);
	int t = socket(AF_INET, SOCK_STREAM, 0), c = -1, a;

	if (t < 0)
		die("socket");
	keepalive_off(t);
	if (strcmp(call, "dup") == 0)
		c = dup(t);
	else if (strcmp(call, "dup2") == 0)
		c = dup2(t, 40);
#ifdef HAVE_DUP3
	else if (strcmp(call, "dup3") == 0)
		c = dup3(t, 41, O_CLOEXEC);
#endif
	else if (strcmp(call, "fcntl") == 0)
		c = fcntl(t, F_DUPFD_CLOEXEC, 42);
	if (c < 0) {
		printf("history %s unsupported\n", call);
		return 0;
	}
	close(t);
	if (connect(c, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	printf("history %s keepalive=%d idle=%s\n", call,
	       sockopt_int(c, SOL_SOCKET, SO_KEEPALIVE),
	       sockopt_int(c, IPPROTO_TCP, TCP_KEEPIDLE) == want_idle ? "ours" : "other");
	a = accept(lfd, NULL, NULL);
	if (a >= 0)
		close(a);
	close(c);
	return 0;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EFAULT:
		return "EFAULT";
	case ENOTSOCK:
		return "ENOTSOCK";
	case EBADF:
		return "EBADF";
	default:
		return "other";
	}
}

static void report(const char *label, int rc)
{
	if (rc == 0)
		printf("%s ret=0\n", label);
	else
		printf("%s ret=-1 errno=%s\n", label, errno_name(errno));
}

static int cmd_force_efault(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);

	if (t < 0)
		die("socket");
	errno = 0;
	report("efault keepalive", setsockopt(t, SOL_SOCKET, SO_KEEPALIVE,
					      (const void *)16, sizeof(int)));
	report("efault idle", setsockopt(t, IPPROTO_TCP, TCP_KEEPIDLE,
					 (const void *)16, sizeof(int)));
	printf("efault socket=%s\n", word(state_of(t)));
	close(t);
	return 0;
}

static int cmd_force_stale(void)
{
	static const int five = 5, off = 0;
	int t = socket(AF_INET, SOCK_STREAM, 0), d, r;

	if (t < 0)
		die("socket");
	syscall(SYS_close, t);
	d = open("/dev/null", O_RDWR);
	if (d != t)
		die("/dev/null did not take the number");
	report("devnull idle", setsockopt(d, IPPROTO_TCP, TCP_KEEPIDLE, &five,
					  sizeof five));
	report("devnull keepalive", setsockopt(d, SOL_SOCKET, SO_KEEPALIVE, &off,
					       sizeof off));
	syscall(SYS_close, d);
	r = raw_tcp();
	if (r != t)
		die("raw socket did not take the number");
	report("raw idle", setsockopt(r, IPPROTO_TCP, TCP_KEEPIDLE, &five,
				      sizeof five));
	printf("raw idle=%d\n", sockopt_int(r, IPPROTO_TCP, TCP_KEEPIDLE));
	close(r);
	return 0;
}

#ifdef MSG_FASTOPEN
static int cmd_fastopen(void)
{
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr);
	struct iovec iov = { (void *)"x", 1 };
	struct msghdr msg;
	int s, a;

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	if (sendto(s, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&addr,
		   sizeof addr) < 0) {
		printf("fastopen unsupported (%s)\n", strerror(errno));
		return 0;
	}
	printf("fastopen sendto tcp=%s\n", word(state_of(s)));
	a = accept(lfd, NULL, NULL);
	close(s);
	if (a >= 0)
		close(a);

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&msg, 0, sizeof msg);
	msg.msg_name = &addr;
	msg.msg_namelen = sizeof addr;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (s < 0 || sendmsg(s, &msg, MSG_FASTOPEN) < 0)
		die("sendmsg MSG_FASTOPEN");
	printf("fastopen sendmsg tcp=%s\n", word(state_of(s)));
	a = accept(lfd, NULL, NULL);
	close(s);
	if (a >= 0)
		close(a);
	return 0;
}
#endif

/* The counting library's total, or -1 when it is not loaded. */
static long calls(void)
{
	unsigned long *total = dlsym(RTLD_DEFAULT, "tk_test_calls");

	return total ? (long)__atomic_load_n(total, __ATOMIC_SEQ_CST) : -1;
}

static int cmd_udp_sendto(void)
{
	struct sockaddr_in to;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	long c0, c1, c2;

	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_port = htons(9);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (u < 0)
		die("udp socket");
	c0 = calls();
	(void)sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
	c1 = calls();
#ifdef MSG_FASTOPEN
	(void)sendto(u, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&to, sizeof to);
#endif
	c2 = calls();
	printf("udp-sendto calls=%ld fastopen-calls=%ld\n", c1 - c0, c2 - c1);
	close(u);
	return 0;
}

static int cmd_beyond(int target)
{
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr);
	int t = socket(AF_INET, SOCK_STREAM, 0), c, a;

	if (t < 0 || (c = dup2(t, target)) < 0)
		die("socket moved beyond the table");
	close(t);
	keepalive_off(c);
	if (connect(c, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	printf("beyond program-off keepalive=%d\n",
	       sockopt_int(c, SOL_SOCKET, SO_KEEPALIVE));
	a = accept(lfd, NULL, NULL);
	close(a);
	close(c);
	t = raw_tcp();
	if ((c = dup2(t, target + 1)) < 0)
		die("raw socket moved beyond the table");
	close(t);
	if (connect(c, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	printf("beyond raw tcp=%s\n", word(state_of(c)));
	a = accept(lfd, NULL, NULL);
	close(a);
	close(c);
	return 0;
}

static int cmd_show(int fd)
{
	char line[128];

	sockopt_line(fd, line, sizeof line);
	printf("%s\n", line);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	judge_read_env();
	if (strcmp(cmd, "reuse") == 0 && argc == 4)
		return cmd_reuse(argv[2], argv[3]);
	if (strcmp(cmd, "history") == 0 && argc == 3)
		return cmd_history(argv[2]);
	if (strcmp(cmd, "force-efault") == 0)
		return cmd_force_efault();
	if (strcmp(cmd, "force-stale") == 0)
		return cmd_force_stale();
#ifdef MSG_FASTOPEN
	if (strcmp(cmd, "fastopen") == 0)
		return cmd_fastopen();
#endif
	if (strcmp(cmd, "udp-sendto") == 0)
		return cmd_udp_sendto();
	if (strcmp(cmd, "beyond") == 0 && argc == 3)
		return cmd_beyond(atoi(argv[2]));
	if (strcmp(cmd, "show") == 0 && argc == 3)
		return cmd_show(atoi(argv[2]));
	fprintf(stderr, "usage: reach reuse KIND VIA | history CALL | "
		"force-efault | force-stale | fastopen | udp-sendto | beyond FD | "
		"show FD\n");
	return 2;
}
