/* Setting the options on one socket. */
#include "autoconfig.h"
#include "config.h"
#include "apply.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "classify.h"
#include "fdstate.h"
#include "real.h"

/* macOS names the idle time TCP_KEEPALIVE; configure tells which. */
#if HAVE_DECL_TCP_KEEPIDLE
# define TK_TCP_IDLE TCP_KEEPIDLE
#else
# define TK_TCP_IDLE TCP_KEEPALIVE
#endif

unsigned tk_option_bit(int level, int name)
{
	if (level == SOL_SOCKET)
		return name == SO_KEEPALIVE ? TK_PROG_KEEPALIVE : 0;
	if (level != IPPROTO_TCP)
		return 0;
	switch (name) {
	case TK_TCP_IDLE:
		return TK_PROG_IDLE;
	case TCP_KEEPINTVL:
		return TK_PROG_INTVL;
	case TCP_KEEPCNT:
		return TK_PROG_CNT;
#if HAVE_DECL_TCP_USER_TIMEOUT
	case TCP_USER_TIMEOUT:
		return TK_PROG_USER_TO;
#endif
	default:
		return 0;
	}
}

/* 1: set, 0: left to the program, -1: the kernel refused it. */
static int set_one(int fd, int level, int name, int value, unsigned bit,
		   unsigned prog_mask, const char *label, struct tk_line *line)
{
	if (line != NULL) {
		tk_line_str(line, " ");
		tk_line_str(line, label);
		tk_line_str(line, "=");
	}
	if (prog_mask & bit) {
		if (line != NULL)
			tk_line_str(line, "program's");
		return 0;
	}
	if (tk_real_setsockopt(fd, level, name, &value, sizeof value) < 0) {
		if (line != NULL) {
			tk_line_str(line, "failed(errno ");
			tk_line_long(line, errno);
			tk_line_str(line, ")");
		}
		return -1;
	}
	if (line != NULL)
		tk_line_long(line, value);
	return 1;
}

int tk_apply(int fd, const struct tk_config *cfg, unsigned prog_mask,
	     struct tk_line *line)
{
	int saved_errno = errno;
	int tcp_ok = 0;

	if (line != NULL)
		tk_line_str(line, "applied");
	/* The timers first: SO_KEEPALIVE then arms the first probe with the
	 * configured idle time rather than the kernel's. */
	tcp_ok |= set_one(fd, IPPROTO_TCP, TK_TCP_IDLE, cfg->idle_s,
			  TK_PROG_IDLE, prog_mask, "idle", line) > 0;
	tcp_ok |= set_one(fd, IPPROTO_TCP, TCP_KEEPINTVL, cfg->intvl_s,
			  TK_PROG_INTVL, prog_mask, "intvl", line) > 0;
	tcp_ok |= set_one(fd, IPPROTO_TCP, TCP_KEEPCNT, cfg->cnt, TK_PROG_CNT,
			  prog_mask, "cnt", line) > 0;
#if HAVE_DECL_TCP_USER_TIMEOUT
	if (cfg->user_timeout_set)
		tcp_ok |= set_one(fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
				  (int)cfg->user_timeout_ms, TK_PROG_USER_TO,
				  prog_mask, "user_timeout", line) > 0;
	else if (line != NULL)
		tk_line_str(line, " user_timeout=unset");
#endif
	/* The table entry that sent us here can be stale: the program
	 * closed the TCP socket and the number came back through dup(),
	 * socketpair(), SCM_RIGHTS or a raw system call as something else.
	 * SO_KEEPALIVE would succeed on a UDP or Unix socket, so when no
	 * TCP-level option was taken, the socket's kind is checked first.
	 * A real TCP socket never gets here: it took TCP_KEEPIDLE. */
	if (!tcp_ok && !tk_fd_is_tcp(fd)) {
		errno = saved_errno;
		return -1;
	}
	set_one(fd, SOL_SOCKET, SO_KEEPALIVE, 1, TK_PROG_KEEPALIVE, prog_mask,
		"keepalive", line);
	errno = saved_errno;
	return 0;
}
