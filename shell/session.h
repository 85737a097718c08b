/*
 * session.h: meduse-shell's session carried into the workspace (session.c).
 */
#ifndef MEDUSE_SESSION_H
#define MEDUSE_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include <libssh/libssh.h>

struct session_req {
	bool		 tty;		/* stdin is our pty: ask for one */
	const char	*command;	/* exec, or NULL */
	const char	*subsystem;	/* "sftp", or NULL */
};

/* Runs the session to its end; returns the workspace's exit status, or
 * 255 with err when the session could not be had. */
int	session_run(ssh_session s, const struct session_req *req, char *err,
	    size_t errlen);

#endif
