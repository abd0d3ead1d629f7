/* SPDX-License-Identifier: MIT */
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

/* The timers left at the system default (TK_PROG_* bits), fixed at load
 * with the options. */
static unsigned unset_bits;

/* tk_options.set when some timer is left at the system default: that
 * option is not set.  TK_TCP_IDLE comes first in the unrolled case, and
 * its failure is how a stale table entry shows; when it is not set, the
 * kernel is asked instead whether FD is TCP. */
static int set_listed(int fd, int level, int name, const void *value,
		      socklen_t len)
{
	unsigned bit = tk_option_bit(level, name);

	if (bit & unset_bits)
		return bit == TK_PROG_IDLE && !tk_fd_is_tcp(fd) ? -1 : 0;
	return tk_real_setsockopt(fd, level, name, value, len);
}

static void add(struct tk_options *opts, int level, int name, int value,
		unsigned bit, const char *label)
{
	struct tk_option *o = &opts->opt[opts->count++];

	o->level = level;
	o->name = name;
	o->value = value;
	o->bit = bit;
	o->label = label;
}

void tk_options_build(struct tk_options *opts, const struct tk_config *cfg)
{
	opts->count = 0;
	/* The timers first: SO_KEEPALIVE then arms the first probe with the
	 * configured idle time rather than the kernel's. */
	if (cfg->idle_set)
		add(opts, IPPROTO_TCP, TK_TCP_IDLE, cfg->idle_s, TK_PROG_IDLE,
		    "idle");
	if (cfg->intvl_set)
		add(opts, IPPROTO_TCP, TCP_KEEPINTVL, cfg->intvl_s,
		    TK_PROG_INTVL, "intvl");
	if (cfg->cnt_set)
		add(opts, IPPROTO_TCP, TCP_KEEPCNT, cfg->cnt, TK_PROG_CNT,
		    "cnt");
#if HAVE_DECL_TCP_USER_TIMEOUT
	if (cfg->user_timeout_set)
		add(opts, IPPROTO_TCP, TCP_USER_TIMEOUT,
		    (int)cfg->user_timeout_ms, TK_PROG_USER_TO, "user_timeout");
#endif
	add(opts, SOL_SOCKET, SO_KEEPALIVE, 1, TK_PROG_KEEPALIVE, "keepalive");

	opts->idle = cfg->idle_s;
	opts->intvl = cfg->intvl_s;
	opts->cnt = cfg->cnt;
	opts->user_timeout = (int)cfg->user_timeout_ms;
	opts->has_user_timeout = cfg->user_timeout_set;
	opts->on = 1;
	unset_bits = (cfg->idle_set ? 0 : TK_PROG_IDLE) |
		     (cfg->intvl_set ? 0 : TK_PROG_INTVL) |
		     (cfg->cnt_set ? 0 : TK_PROG_CNT);
	opts->set = unset_bits != 0 ? set_listed : TK_REAL(setsockopt);
}

int tk_apply(int fd, const struct tk_options *opts,
	     const struct tk_config *cfg, unsigned prog_mask,
	     struct tk_line *line)
{
	int saved_errno = errno;
	bool tcp_ok = false;

	if (line != NULL)
		tk_line_str(line, "applied");
	for (unsigned i = 0; i < opts->count; i++) {
		const struct tk_option *o = &opts->opt[i];

		if (line != NULL) {
#if HAVE_DECL_TCP_USER_TIMEOUT
			/* Say so when the user timeout is left to the
			 * kernel, in its place before keepalive. */
			if (o->bit == TK_PROG_KEEPALIVE && !cfg->user_timeout_set)
				tk_line_str(line, " user_timeout=unset");
#endif
			tk_line_str(line, " ");
			tk_line_str(line, o->label);
			tk_line_str(line, "=");
		}
		/* The table entry that sent us here can be stale: the
		 * program closed the TCP socket and the number came back
		 * through dup(), socketpair(), SCM_RIGHTS or a raw system
		 * call as something else.  SO_KEEPALIVE would succeed on a
		 * UDP or Unix socket, so when no TCP-level option was taken,
		 * the socket's kind is checked first.  A TCP socket normally
		 * never gets here: it took TCP_KEEPIDLE. */
		if (o->level == SOL_SOCKET && !tcp_ok && !tk_fd_is_tcp(fd)) {
			errno = saved_errno;
			return -1;
		}
		if (prog_mask & o->bit) {
			if (line != NULL)
				tk_line_str(line, "program's");
			continue;
		}
		if (tk_real_setsockopt(fd, o->level, o->name, &o->value,
				       sizeof o->value) < 0) {
			if (line != NULL) {
				tk_line_str(line, "failed(errno ");
				tk_line_long(line, errno);
				tk_line_str(line, ")");
			}
			continue;
		}
		if (o->level == IPPROTO_TCP)
			tcp_ok = true;
		if (line != NULL)
			tk_line_long(line, o->value);
	}
	(void)cfg;
	errno = saved_errno;
	return 0;
}
