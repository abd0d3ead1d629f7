/* SPDX-License-Identifier: MIT */
/* run: the command the wrapper is about to exec, found the way execvp(3)
 * finds it, with env(1)'s exit statuses, and its path handed back. */
#include "autoconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/helper.h"

/* Finds NAME the way execvp(3) does: a name with a slash is taken as it
 * is, otherwise each PATH entry is tried (an empty entry is the current
 * directory).  Returns 0 with the file in PATH_OUT, or the wrapper's exit
 * status after printing why. */
int resolve_command(const char *name, char *path_out, size_t len)
{
	char def[256];
	const char *search, *p;
	bool denied = false, is_dir = false;
	struct stat st;

	if (name[0] == '\0') {
		fprintf(stderr, "%s: cannot run '': command not found\n", tk_me);
		return TK_EXIT_NOT_FOUND;
	}
	if (strchr(name, '/') != NULL) {
		if (stat(name, &st) < 0) {
			fprintf(stderr, "%s: cannot run '%s': %s\n", tk_me, name,
				strerror(errno));
			return errno == ENOENT || errno == ENOTDIR ?
				TK_EXIT_NOT_FOUND : TK_EXIT_CANNOT_EXEC;
		}
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: cannot run '%s': is a directory\n",
				tk_me, name);
			return TK_EXIT_CANNOT_EXEC;
		}
		if (!S_ISREG(st.st_mode) || access(name, X_OK) < 0) {
			fprintf(stderr, "%s: cannot run '%s': not an executable file\n",
				tk_me, name);
			return TK_EXIT_CANNOT_EXEC;
		}
		snprintf(path_out, len, "%s", name);
		return 0;
	}

	search = getenv("PATH");
	if (search == NULL) {
		size_t n = confstr(_CS_PATH, def, sizeof def);
		search = n > 0 && n <= sizeof def ? def : "/bin:/usr/bin";
	}
	for (p = search;; p++) {
		const char *end = strchr(p, ':');
		size_t dirlen = end ? (size_t)(end - p) : strlen(p);
		int n;

		if (dirlen == 0)
			n = snprintf(path_out, len, "%s", name);
		else
			n = snprintf(path_out, len, "%.*s/%s", (int)dirlen, p,
				     name);
		if (n > 0 && (size_t)n < len && stat(path_out, &st) == 0) {
			if (S_ISREG(st.st_mode) && access(path_out, X_OK) == 0)
				return 0;
			/* execvp goes on after EACCES and reports it only
			 * when nothing later in PATH can be run. */
			denied = true;
			is_dir = is_dir || S_ISDIR(st.st_mode);
		}
		if (end == NULL)
			break;
		p = end;
	}
	if (denied) {
		fprintf(stderr, "%s: cannot run '%s': %s\n", tk_me, name,
			is_dir ? "is a directory" : "not an executable file");
		return TK_EXIT_CANNOT_EXEC;
	}
	fprintf(stderr, "%s: cannot run '%s': command not found\n", tk_me, name);
	return TK_EXIT_NOT_FOUND;
}

/* The path for the wrapper's `exec "$path"`, followed by '.' (command
 * substitution drops trailing newlines, the '.' keeps them).  It must stay
 * a path to the shell: never a bare name (exec would search PATH again)
 * and never a word starting with '-' (bash and busybox exec take options),
 * so both get "./" in front, which names the same file. */
int print_exec_path(const char *path)
{
	const char *dot = strchr(path, '/') == NULL || path[0] == '-' ? "./" : "";

	printf("%s%s.", dot, path);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to the wrapper: %s\n", tk_me,
			strerror(errno));
		return 1;
	}
	return 0;
}
