/* SPDX-License-Identifier: MIT */
/* Logging for the library.  Hooks may log, so nothing here allocates,
 * locks or uses stdio: lines are built in a stack buffer and written with
 * one write(2) (stderr, a file) or one send (syslog), with async-signal-safe
 * calls only, and the destination is fixed at load time.
 *
 * Where lines may go (libtcpkeep(7), ENVIRONMENT): stderr only while
 * descriptor 2 is still the file it was at load and not a socket; a
 * TCPKEEP_LOG file only when it is a regular file, never through a symbolic
 * link, never waiting (a FIFO); /dev/log as a datagram or, like syslog(3),
 * a stream socket. */
#include "autoconfig.h"
#include "common/config.h"
#include "preload/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "preload/real.h"
#include "common/glibc-floor.h"
#include "common/sys.h"

static enum tk_log_dest log_dest = TK_LOG_STDERR;
static char log_path[TK_LOG_PATH_MAX];
/* Descriptor 2 at load: whether it was open and not a socket, and which
 * file it was. */
static bool stderr_usable;
static dev_t stderr_dev;
static ino_t stderr_ino;
/* Set by the first line that could not go to the TCPKEEP_LOG file. */
static int file_refused;

void tk_log_setup(const struct tk_config *cfg)
{
	int saved_errno = errno;
	struct stat st;

	log_dest = cfg->log;
	if (cfg->log == TK_LOG_FILE)
		memcpy(log_path, cfg->log_path, sizeof log_path);
	stderr_usable = tk_sys_fstat(STDERR_FILENO, &st) == 0 &&
			!S_ISSOCK(st.st_mode);
	if (stderr_usable) {
		stderr_dev = st.st_dev;
		stderr_ino = st.st_ino;
	}
	errno = saved_errno;
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
	tk_line_long(line, tk_sys_getpid());
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
		tk_line_long(line, tk_port_number(sin->sin_port));
	} else if (addr != NULL && addr->sa_family == AF_INET6 &&
		   len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)addr;
		append(line, "[", 1);
		line_ipv6(line, sin6->sin6_addr.s6_addr);
		append(line, "]:", 2);
		tk_line_long(line, tk_port_number(sin6->sin6_port));
	} else {
		append(line, "?", 1);
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = tk_sys_write(fd, buf, len);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* syslog(3) takes a lock and may allocate: not usable from a hook.  One
 * message to /dev/log in the traditional format does the same job.  Like
 * syslog(3), a datagram first; when /dev/log is a stream socket (the
 * sendto() fails with EPROTOTYPE: syslog-ng's unix-stream) a connection,
 * and the message ends with a NUL byte as glibc's do there.  Nothing
 * waits: a daemon that cannot take the line at once loses it. */
static void send_syslog(const struct tk_line *line, enum tk_log_level level)
{
	/* LOG_USER | LOG_WARNING = 12, LOG_USER | LOG_DEBUG = 15 */
	const char *pri = level == TK_LOG_WARNING ? "<12>" : "<15>";
	struct sockaddr_un sun;
	char msg[sizeof line->text + 8];
	size_t n = strlen(pri);
	int fd, failed;

	memcpy(msg, pri, n);
	memcpy(msg + n, line->text, line->len);
	n += line->len;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "/dev/log", sizeof "/dev/log");
	fd = tk_real_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	failed = (int)tk_sys_sendto(fd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT,
				    (struct sockaddr *)&sun, sizeof sun);
	(void)TK_REAL(close)(fd);
	if (failed != -EPROTOTYPE)
		return;

	fd = tk_real_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    0);
	if (fd < 0)
		return;
	msg[n++] = '\0';
	if (tk_real_connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
		(void)tk_sys_sendto(fd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT,
				    NULL, 0);
	(void)TK_REAL(close)(fd);
}

/* Descriptor 2 is still the stderr the process started with: open, the
 * same file, not a socket.  A program that closed it may have a socket or
 * one of its own files there now. */
static bool stderr_unchanged(void)
{
	struct stat st;

	return stderr_usable && tk_sys_fstat(STDERR_FILENO, &st) == 0 &&
	       !S_ISSOCK(st.st_mode) && st.st_dev == stderr_dev &&
	       st.st_ino == stderr_ino;
}

static void write_stderr(struct tk_line *line)
{
	if (!stderr_unchanged())
		return;
	line->text[line->len] = '\n';
	write_all(STDERR_FILENO, line->text, line->len + 1);
}

/* Appends LINE to the TCPKEEP_LOG file: opened per line (a descriptor kept
 * open could be closed or reused by the program, and our lines would land
 * in one of its files or sockets), never through a symbolic link, without
 * waiting for a FIFO's reader, created 0600 (lines name peers), and
 * written only when it is a regular file.  Returns 0, or the negative
 * errno of the failure (EINVAL: not a regular file). */
static int write_file(struct tk_line *line)
{
	struct stat st;
	int fd = tk_sys_open_mode(log_path, O_WRONLY | O_APPEND | O_CREAT |
				  O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
				  O_CLOEXEC, 0600);

	if (fd < 0)
		return fd;
	if (tk_sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)TK_REAL(close)(fd);
		return -EINVAL;
	}
	line->text[line->len] = '\n';
	write_all(fd, line->text, line->len + 1);
	(void)TK_REAL(close)(fd);
	return 0;
}

/* A line the TCPKEEP_LOG file did not take goes to stderr instead, under
 * stderr's rules; the first time, after one line that says why. */
static void file_fallback(struct tk_line *line, int err)
{
	if (!__atomic_exchange_n(&file_refused, 1, __ATOMIC_RELAXED)) {
		struct tk_line why;

		tk_line_start(&why);
		tk_line_str(&why, "TCPKEEP_LOG file ");
		tk_line_str(&why, log_path);
		if (err == ELOOP)
			tk_line_str(&why, " is a symbolic link");
		else if (err == EINVAL || err == ENXIO)
			tk_line_str(&why, " is not a regular file");
		else {
			tk_line_str(&why, " cannot be opened (errno ");
			tk_line_long(&why, err);
			tk_line_str(&why, ")");
		}
		tk_line_str(&why, ": logging to stderr");
		write_stderr(&why);
	}
	write_stderr(line);
}

void tk_log_emit(struct tk_line *line, enum tk_log_level level)
{
	int saved_errno = errno;

	switch (log_dest) {
	case TK_LOG_NONE:
		break;
	case TK_LOG_SYSLOG:
		send_syslog(line, level);
		break;
	case TK_LOG_FILE: {
		int failed = write_file(line);

		if (failed < 0)
			file_fallback(line, -failed);
		break;
	}
	case TK_LOG_STDERR:
	default:
		write_stderr(line);
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
