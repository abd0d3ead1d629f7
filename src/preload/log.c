/* SPDX-License-Identifier: MIT */
/* Logging for the library.  Hooks may log, so nothing here allocates,
 * locks or uses stdio: lines are built in a stack buffer and written with
 * one write(2), and the destination is fixed at load time. */
#include "autoconfig.h"
#include "config.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdstate.h"
#include "real.h"

static enum tk_log_dest log_dest = TK_LOG_STDERR;
static char log_path[TK_LOG_PATH_MAX];

void tk_log_setup(const struct tk_config *cfg)
{
	log_dest = cfg->log;
	if (cfg->log == TK_LOG_FILE)
		memcpy(log_path, cfg->log_path, sizeof log_path);
}

static void append(struct tk_line *line, const char *s, size_t n)
{
	/* One byte is kept for the newline tk_log_emit adds. */
	size_t room = sizeof line->text - 1 - line->len;

	if (n > room)
		n = room;
	memcpy(line->text + line->len, s, n);
	line->len += n;
}

void tk_line_str(struct tk_line *line, const char *s)
{
	append(line, s, strlen(s));
}

void tk_line_long(struct tk_line *line, long value)
{
	char digits[24];
	size_t i = sizeof digits;
	unsigned long magnitude = value < 0 ? 0ul - (unsigned long)value
					    : (unsigned long)value;

	do {
		digits[--i] = (char)('0' + magnitude % 10);
		magnitude /= 10;
	} while (magnitude != 0);
	if (value < 0)
		digits[--i] = '-';
	append(line, digits + i, sizeof digits - i);
}

void tk_line_start(struct tk_line *line)
{
	line->len = 0;
	tk_line_str(line, "tcpkeep[");
	tk_line_long(line, (long)getpid());
	tk_line_str(line, "]: ");
}

static void line_hex16(struct tk_line *line, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	char out[4];
	size_t n = 0;
	int shift;

	for (shift = 12; shift > 0 && ((v >> shift) & 0xf) == 0; shift -= 4)
		;
	for (; shift >= 0; shift -= 4)
		out[n++] = hex[(v >> shift) & 0xf];
	append(line, out, n);
}

static void line_ipv4(struct tk_line *line, const unsigned char *b)
{
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			append(line, ".", 1);
		tk_line_long(line, b[i]);
	}
}

/* RFC 5952 text form: the longest run of two or more zero groups becomes
 * "::", v4-mapped addresses end in dotted quad. */
static void line_ipv6(struct tk_line *line, const unsigned char *b)
{
	unsigned group[8];
	int best = -1, best_len = 0;
	int i;

	for (i = 0; i < 8; i++)
		group[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	if (group[0] == 0 && group[1] == 0 && group[2] == 0 &&
	    group[3] == 0 && group[4] == 0 && group[5] == 0xffff) {
		tk_line_str(line, "::ffff:");
		line_ipv4(line, b + 12);
		return;
	}
	for (i = 0; i < 8;) {
		int run = 0;
		while (i + run < 8 && group[i + run] == 0)
			run++;
		if (run > best_len && run >= 2) {
			best = i;
			best_len = run;
		}
		i += run > 0 ? run : 1;
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			tk_line_str(line, "::");
			i += best_len - 1;
			continue;
		}
		if (i > 0 && i != best + best_len)
			append(line, ":", 1);
		line_hex16(line, group[i]);
	}
}

void tk_line_addr(struct tk_line *line, const struct sockaddr *addr,
		  socklen_t len)
{
	if (addr != NULL && addr->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)addr;
		line_ipv4(line, (const unsigned char *)&sin->sin_addr);
		append(line, ":", 1);
		tk_line_long(line, ntohs(sin->sin_port));
	} else if (addr != NULL && addr->sa_family == AF_INET6 &&
		   len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)addr;
		append(line, "[", 1);
		line_ipv6(line, sin6->sin6_addr.s6_addr);
		append(line, "]:", 2);
		tk_line_long(line, ntohs(sin6->sin6_port));
	} else {
		append(line, "?", 1);
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* syslog(3) takes a lock and may allocate: not usable from a hook.  One
 * datagram to /dev/log in the traditional format does the same job. */
static void send_syslog(const struct tk_line *line, enum tk_log_level level)
{
	/* LOG_USER | LOG_WARNING = 12, LOG_USER | LOG_DEBUG = 15 */
	const char *pri = level == TK_LOG_WARNING ? "<12>" : "<15>";
	struct sockaddr_un sun;
	char msg[sizeof line->text + 8];
	size_t n = strlen(pri);
	int fd;

	memcpy(msg, pri, n);
	memcpy(msg + n, line->text, line->len);
	n += line->len;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "/dev/log", sizeof "/dev/log");
	fd = tk_real_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, msg, n, MSG_NOSIGNAL, (struct sockaddr *)&sun,
		     sizeof sun);
	close(fd);
}

void tk_log_emit(struct tk_line *line, enum tk_log_level level)
{
	int saved_errno = errno;
	int fd;

	switch (log_dest) {
	case TK_LOG_NONE:
		break;
	case TK_LOG_SYSLOG:
		send_syslog(line, level);
		break;
	case TK_LOG_FILE:
		/* Opened per line: a descriptor kept open could be closed
		 * or reused by the program, and our lines would land in
		 * one of its files or sockets. */
		fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC
			  | O_NOCTTY, 0644);
		if (fd >= 0) {
			line->text[line->len] = '\n';
			write_all(fd, line->text, line->len + 1);
			close(fd);
		}
		break;
	case TK_LOG_STDERR:
	default:
		/* A program that closed stderr gets its next socket on fd 2:
		 * our line would go to its peer.  A socket made through our
		 * hooks is never the stderr the program started with. */
		if (tk_fd_get(STDERR_FILENO) != TK_FD_UNSEEN)
			break;
		line->text[line->len] = '\n';
		write_all(STDERR_FILENO, line->text, line->len + 1);
		break;
	}
	errno = saved_errno;
}

void tk_log_bad_value(void *ctx, const char *var, const char *value,
		      const char *accepted)
{
	struct tk_line line;
	char shown[200];

	/* CTX is the configuration being loaded: TCPKEEP_LOG is parsed
	 * before anything else, so its destination holds for this line. */
	if (ctx != NULL)
		tk_log_setup(ctx);
	tk_escape_value(shown, sizeof shown, value, 64);
	tk_line_start(&line);
	tk_line_str(&line, "ignoring ");
	tk_line_str(&line, var);
	tk_line_str(&line, "='");
	tk_line_str(&line, shown);
	tk_line_str(&line, "': expected ");
	tk_line_str(&line, accepted);
	tk_log_emit(&line, TK_LOG_WARNING);
}
