/*
 * session.c: meduse-shell's session in the workspace, for stock OpenSSH.
 * sshd already runs a session for the user (with a pty or plain pipes);
 * this carries it to a session in the workspace over the upstream SSH
 * connection: the same request (shell, exec or the sftp subsystem), a pty
 * of the same size when ours is one, stdin/stdout/stderr both ways, window
 * changes, and the workspace's exit status as ours.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "shell.h"
#include "session.h"

static volatile sig_atomic_t	session_winch;

static void
session_on_winch(int sig)
{
	(void)sig;
	session_winch = 1;
}

static int
session_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What the workspace sent on stdout (0) or stderr (1), written out. */
static int
session_drain(ssh_channel ch, int is_stderr)
{
	char buf[32768];
	int n;

	while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf),
	    is_stderr)) > 0)
		if (session_write_all(is_stderr ? STDERR_FILENO : STDOUT_FILENO,
		    buf, (size_t)n) == -1)
			return -1;
	return n == SSH_ERROR ? -1 : 0;
}

static int
session_request(ssh_channel ch, const struct session_req *req,
    struct winsize *ws)
{
	const char *term = getenv("TERM");

	char **e, name[64];
	size_t n;

	if (req->tty && ssh_channel_request_pty_size(ch, term && *term ? term :
	    "xterm", ws->ws_col, ws->ws_row) != SSH_OK)
		return -1;
	/* The locale, as ssh's SendEnv of Debian's default passes it; the
	 * workspace's sshd decides (AcceptEnv), a refusal is no error. */
	for (e = environ; *e != NULL; e++) {
		n = strcspn(*e, "=");
		if ((*e)[n] != '=' || n >= sizeof(name) || !(strncmp(*e,
		    "LANG=", 5) == 0 || strncmp(*e, "LC_", 3) == 0))
			continue;
		memcpy(name, *e, n);
		name[n] = '\0';
		(void)ssh_channel_request_env(ch, name, *e + n + 1);
	}
	if (req->subsystem != NULL)
		return ssh_channel_request_subsystem(ch, req->subsystem);
	if (req->command != NULL)
		return ssh_channel_request_exec(ch, req->command);
	return ssh_channel_request_shell(ch);
}

int
session_run(ssh_session s, const struct session_req *req, char *err,
    size_t errlen)
{
	struct termios saved, raw;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct sigaction sa;
	struct pollfd pfd[2];
	ssh_channel ch = NULL;
	bool in_open = true, raw_set = false;
	char buf[32768];
	ssize_t n;
	int status = 255;

	if (req->tty)
		(void)ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
	if ((ch = ssh_channel_new(s)) == NULL ||
	    ssh_channel_open_session(ch) != SSH_OK ||
	    session_request(ch, req, &ws) != SSH_OK) {
		snprintf(err, errlen, "the workspace refused the session: %s",
		    ssh_get_error(s));
		goto out;
	}
	if (req->tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
		/* The workspace's pty does the line editing and echo now. */
		raw = saved;
		cfmakeraw(&raw);
		raw_set = tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = session_on_winch;
		sigaction(SIGWINCH, &sa, NULL);
	}
	ssh_set_blocking(s, 0);
	for (;;) {
		if (session_drain(ch, 0) == -1 || session_drain(ch, 1) == -1)
			break;
		if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
			break;
		if (session_winch) {
			session_winch = 0;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				(void)ssh_channel_change_pty_size(ch, ws.ws_col,
				    ws.ws_row);
		}
		pfd[0].fd = in_open ? STDIN_FILENO : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = ssh_get_fd(s);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 200) == -1 && errno != EINTR)
			break;
		if (in_open && (pfd[0].revents & (POLLIN | POLLHUP))) {
			if ((n = read(STDIN_FILENO, buf, sizeof(buf))) <= 0) {
				if (n == -1 && errno == EINTR)
					continue;
				in_open = false;
				ssh_set_blocking(s, 1);
				ssh_channel_send_eof(ch);
				ssh_set_blocking(s, 0);
			} else {
				ssh_set_blocking(s, 1);
				n = ssh_channel_write(ch, buf, (uint32_t)n);
				ssh_set_blocking(s, 0);
				if (n < 0)
					break;
			}
		}
	}
	/* The rest of the output, then the exit status that follows EOF. */
	ssh_set_blocking(s, 1);
	while (!ssh_channel_is_closed(ch) && ssh_channel_poll_timeout(ch, 2000,
	    0) >= 0 && session_drain(ch, 0) == 0 && session_drain(ch, 1) == 0 &&
	    !ssh_channel_is_eof(ch))
		;
	(void)session_drain(ch, 0);
	(void)session_drain(ch, 1);
	status = ssh_channel_get_exit_status(ch);
	if (status < 0)
		status = 255;
out:
	if (raw_set)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	if (ch != NULL) {
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	return status;
}
