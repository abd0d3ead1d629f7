/* SPDX-License-Identifier: MIT */
/* Programs that are hard on a preload library: fork storms,
 * vfork()+exec, a child that closes every descriptor, connect() from a
 * signal handler, descriptors at the top of RLIMIT_NOFILE, descriptor
 * numbers reused behind the library's back.  tests/preload/fault.tap runs each
 * with tcpkeep preloaded and compares the one-line results.
 *
 * It knows nothing of tcpkeep: it reads the options back from the kernel
 * and reports what it found.  "ok" in a result means "the TCP socket had
 * keepalive=1 and the idle/intvl/cnt given in TCPKEEP_IDLE, TCPKEEP_INTVL,
 * TCPKEEP_CNT (plain numbers)", "off" means SO_KEEPALIVE=0. */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "judge.h"

static void die(const char *what)
{
	fprintf(stderr, "fault: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int tcp_listener(struct sockaddr_in *addr)
{
	int fd = loopback_listener(addr, 128);

	if (fd < 0)
		die("listener");
	return fd;
}

/* What a child reports through its exit status: bit 0 its TCP socket
 * was not configured, bit 1 its UDP socket was touched, bit 2 a call
 * failed. */
static int child_work(const struct sockaddr_in *to)
{
	int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int status = 0;

	if (t < 0 || u < 0)
		return 4;
	if (to != NULL && connect(t, (const struct sockaddr *)to, sizeof *to) < 0)
		status |= 4;
	if (state_of(t) != 1)
		status |= 1;
	if (connect(u, (const struct sockaddr *)to, sizeof *to) < 0)
		status |= 4;
	if (sockopt_int(u, SOL_SOCKET, SO_KEEPALIVE) != 0)
		status |= 2;
	close(t);
	close(u);
	return status;
}

static volatile int churn_stop;

/* Threads creating and closing sockets while the main thread forks: the
 * children must not inherit a library stuck in the middle of something. */
static void *churn(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&churn_stop, __ATOMIC_RELAXED)) {
		int t = socket(AF_INET, SOCK_STREAM, 0);
		int u = socket(AF_INET6, SOCK_DGRAM, 0);

		if (t >= 0)
			close(t);
		if (u >= 0)
			close(u);
	}
	return NULL;
}

static int cmd_fork_storm(int children)
{
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr);
	pthread_t threads[3];
	int configured = 0, untouched = 0, failed = 0, done = 0;

	/* Children that failed to connect must not leave accept() waiting:
	 * the others' connections are queued before they exit. */
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 3; i++)
		if (pthread_create(&threads[i], NULL, churn, NULL) != 0)
			die("pthread_create");
	/* Waves of 16 children, each one connecting to the listener. */
	while (done < children) {
		pid_t pids[16];
		int wave = children - done < 16 ? children - done : 16;

		for (int i = 0; i < wave; i++) {
			pids[i] = fork();
			if (pids[i] < 0)
				die("fork");
			if (pids[i] == 0)
				_exit(child_work(&addr));
		}
		for (int i = 0; i < wave; i++) {
			int status;

			if (waitpid(pids[i], &status, 0) < 0)
				die("waitpid");
			if (!WIFEXITED(status)) {
				failed++;
				continue;
			}
			configured += !(WEXITSTATUS(status) & 1);
			untouched += !(WEXITSTATUS(status) & 2);
			failed += (WEXITSTATUS(status) & 4) != 0;
		}
		/* Drain the accepted connections: each has the listener's
		 * options. */
		for (int i = 0; i < wave; i++) {
			int a = accept(lfd, NULL, NULL);

			if (a < 0 || state_of(a) != 1)
				failed++;
			if (a >= 0)
				close(a);
		}
		done += wave;
	}
	__atomic_store_n(&churn_stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		pthread_join(threads[i], NULL);
	printf("fork-storm children=%d configured=%d udp-untouched=%d failed=%d\n",
	       children, configured, untouched, failed);
	return 0;
}

/* vfork() then exec of this same program: the new image loads tcpkeep
 * again from the inherited LD_PRELOAD. */
static int cmd_vfork_exec(const char *self, int rounds)
{
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr);
	char port[16];
	int good = 0;

	snprintf(port, sizeof port, "%d", ntohs(addr.sin_port));
	/* A child that failed to connect must not leave accept() waiting. */
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < rounds; i++) {
		int status;
		pid_t pid = vfork();

		if (pid < 0)
			die("vfork");
		if (pid == 0) {
			execl(self, self, "child", port, (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
		{
			int a = accept(lfd, NULL, NULL);
			if (a >= 0)
				close(a);
		}
	}
	printf("vfork-exec rounds=%d clean=%d\n", rounds, good);
	return 0;
}

static int cmd_child(const char *port)
{
	struct sockaddr_in addr;

	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((uint16_t)atoi(port));
	return child_work(&addr);
}

/* A child that closes every descriptor (0, 1 and 2 included), then makes
 * a listener, a client and the accepted connection, which land on fds 0,
 * 1 and 2.  The results come back through a pipe made before the closing
 * and moved out of the way.  The accepted socket sits where stderr was:
 * nothing tcpkeep logs may arrive at the client (libtcpkeep(7), "When
 * options are applied": the program sees no difference). */
static int cmd_closeall(void)
{
	int pfd[2], status;
	char result[256];
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0)
		die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int out = fcntl(pfd[1], F_DUPFD, 1000);
		struct rlimit rl;
		struct sockaddr_in addr;
		int l, c, a, got;
		char buf[256];
		struct pollfd p;

		if (out < 0)
			_exit(3);
		getrlimit(RLIMIT_NOFILE, &rl);
		for (int fd = 0; fd < (int)rl.rlim_cur && fd < 65536; fd++)
			if (fd != out)
				close(fd);
		l = tcp_listener(&addr);
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr) < 0)
			_exit(4);
		a = accept(l, NULL, NULL);
		if (a < 0)
			_exit(5);
		/* More sockets, more for the library to log about (with
		 * TCPKEEP_DEBUG): none of it may go to fd 2, now A. */
		close(socket(AF_INET, SOCK_STREAM, 0));
		close(socket(AF_INET, SOCK_DGRAM, 0));
		/* Anything written to fd 2 is in flight to C now. */
		p.fd = c;
		p.events = POLLIN;
		got = poll(&p, 1, 200) > 0 ? (int)recv(c, buf, sizeof buf, MSG_DONTWAIT) : 0;
		n = snprintf(result, sizeof result,
			     "closeall fds=%d,%d,%d listener=%s client=%s accepted=%s stray-bytes=%d\n",
			     l, c, a, word(state_of(l)), word(state_of(c)),
			     word(state_of(a)), got < 0 ? 0 : got);
		(void)!write(out, result, (size_t)n);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], result, sizeof result - 1);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (n <= 0)
		printf("closeall child-status=%d\n", status);
	else
		fwrite(result, 1, (size_t)n, stdout);
	return 0;
}

/* connect() from a signal handler, interrupting the main thread while it
 * creates and closes sockets. */
static struct sockaddr_in sig_addr;
static volatile sig_atomic_t sig_runs, sig_bad;

static void on_alarm(int sig)
{
	int saved = errno;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	(void)sig;
	if (fd < 0) {
		sig_bad++;
	} else {
		if (connect(fd, (struct sockaddr *)&sig_addr, sizeof sig_addr) < 0 &&
		    errno != EINPROGRESS)
			sig_bad++;
		if (state_of(fd) != 1)
			sig_bad++;
		close(fd);
	}
	sig_runs++;
	errno = saved;
}

static int cmd_signal(int millis)
{
	struct sigaction sa;
	struct itimerval it;
	struct timespec t0, now;
	int lfd = tcp_listener(&sig_addr);
	long loops = 0, bad = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		die("sigaction");
	memset(&it, 0, sizeof it);
	it.it_interval.tv_usec = 200;
	it.it_value.tv_usec = 200;
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int t = socket(AF_INET, SOCK_STREAM, 0);
		int u = socket(AF_INET, SOCK_DGRAM, 0);

		if (t < 0 || state_of(t) != 1)
			bad++;
		if (u < 0 || sockopt_int(u, SOL_SOCKET, SO_KEEPALIVE) != 0)
			bad++;
		close(t);
		close(u);
		loops++;
		/* Keep the listener's queue short: the handler's
		 * connections are accepted and dropped here. */
		if (loops % 64 == 0) {
			int a;

			fcntl(lfd, F_SETFL, O_NONBLOCK);
			while ((a = accept(lfd, NULL, NULL)) >= 0)
				close(a);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - t0.tv_sec) * 1000 +
		 (now.tv_nsec - t0.tv_nsec) / 1000000 < millis);
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	printf("signal handler-runs>=%s main-bad=%ld handler-bad=%d\n",
	       sig_runs >= 100 ? "100" : "few", bad, (int)sig_bad);
	fprintf(stderr, "signal: %ld main loops, %d handler runs\n", loops,
		(int)sig_runs);
	return 0;
}

/* Descriptors near the top of a raised RLIMIT_NOFILE.  The sockets are
 * made by raw system calls (unseen, so the library decides at connect()
 * and accept()) and moved to TARGET (outgoing) and TARGET - 1 (listener). */
static int cmd_high_fd(long target)
{
	struct rlimit rl;
	struct sockaddr_in addr;
	int lfd, raw, c, hl, a;
	socklen_t len = sizeof addr;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (target < 0) {
		/* "top": the last fd the hard limit allows. */
		if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (1u << 30)) {
			printf("high-fd top unsupported (no finite hard limit)\n");
			return 0;
		}
		target = (long)rl.rlim_max - 1;
	}
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= (rlim_t)target) {
		/* Root may raise the hard limit up to fs.nr_open. */
		rl.rlim_max = (rlim_t)target + 1;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		printf("high-fd %ld unsupported (RLIMIT_NOFILE: %s)\n", target,
		       strerror(errno));
		return 0;
	}
	lfd = tcp_listener(&addr);
	/* An outgoing socket at TARGET. */
	raw = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (raw < 0)
		die("socket");
	c = dup2(raw, (int)target);
	if (c < 0) {
		printf("high-fd %ld unsupported (dup2: %s)\n", target, strerror(errno));
		return 0;
	}
	close(raw);
	if (connect(c, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	printf("high-fd %ld connect=%s", target, word(state_of(c)));
	close(c);
	a = accept(lfd, NULL, NULL);
	if (a >= 0)
		close(a);
	/* A listener just below TARGET (a number never used before: the
	 * library's table is not cleared on close()), and what accept()
	 * returns from it. */
	raw = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (raw < 0 || bind(raw, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(raw, 4) < 0 || getsockname(raw, (struct sockaddr *)&addr, &len) < 0)
		die("raw listener");
	hl = dup2(raw, (int)target - 1);
	close(raw);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (hl < 0 || c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect to high listener");
	a = accept(hl, NULL, NULL);
	printf(" accept=%s\n", a < 0 ? "failed" : word(state_of(a)));
	return 0;
}

/* A descriptor number the library saw as one kind of socket, closed and
 * then reused by a socket it did not see created (dup(), a raw system
 * call, or SCM_RIGHTS all do this). */
static int cmd_reuse(void)
{
	struct sockaddr_in addr, uaddr;
	int lfd = tcp_listener(&addr);
	int t, u, d, a, r;
	socklen_t len = sizeof uaddr;

	/* A TCP socket closed before connect(), then a UDP socket dup()ed
	 * onto its number and connected. */
	t = socket(AF_INET, SOCK_STREAM, 0);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&uaddr, 0, sizeof uaddr);
	uaddr.sin_family = AF_INET;
	uaddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (t < 0 || u < 0 || bind(u, (struct sockaddr *)&uaddr, sizeof uaddr) < 0 ||
	    getsockname(u, (struct sockaddr *)&uaddr, &len) < 0)
		die("reuse set-up");
	close(t);
	d = dup(u);
	if (d != t)
		die("dup did not reuse the number");
	if (connect(d, (struct sockaddr *)&uaddr, sizeof uaddr) < 0)
		die("udp connect");
	printf("reuse tcp-then-udp udp=%s\n", word(state_of(u)));
	close(d);
	close(u);

	/* A UDP socket closed, then a TCP socket made by a raw system call
	 * on its number and connected: libtcpkeep(7), "When options are
	 * applied", says it gets the options at connect(). */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	close(u);
	r = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (r != u)
		die("raw socket did not reuse the number");
	if (connect(r, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("connect");
	printf("reuse udp-then-raw-tcp tcp=%s\n", word(state_of(r)));
	a = accept(lfd, NULL, NULL);
	close(a);
	close(r);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	judge_read_env();
	if (strcmp(cmd, "fork-storm") == 0 && argc > 2)
		return cmd_fork_storm(atoi(argv[2]));
	if (strcmp(cmd, "vfork-exec") == 0 && argc > 2) {
		/* The file itself: valgrind refuses to run /proc/self/exe. */
		static char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

		if (n <= 0)
			die("readlink /proc/self/exe");
		self[n] = '\0';
		return cmd_vfork_exec(self, atoi(argv[2]));
	}
	if (strcmp(cmd, "child") == 0 && argc > 2)
		return cmd_child(argv[2]);
	if (strcmp(cmd, "closeall") == 0)
		return cmd_closeall();
	if (strcmp(cmd, "signal") == 0 && argc > 2)
		return cmd_signal(atoi(argv[2]));
	if (strcmp(cmd, "high-fd") == 0 && argc > 2)
		return cmd_high_fd(strcmp(argv[2], "top") == 0 ? -1 : atol(argv[2]));
	if (strcmp(cmd, "reuse") == 0)
		return cmd_reuse();
	fprintf(stderr, "fault: unknown command '%s'\n", cmd);
	return 2;
}
