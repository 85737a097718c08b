/*
 * local.h: the sessions the gateway answers itself (local.c's requests,
 * local_session.c's work): a built-in, the restricted prompt, the reason a
 * workspace is out of reach, or a deferred login's first session waiting
 * for its workspace to start.
 */
#ifndef MEDUSE_LOCAL_H
#define MEDUSE_LOCAL_H

#include "meduse-sshd.h"
#include "shell.h"

#define LSESS_MAX_ENV	32

enum lreq { LREQ_NONE, LREQ_SHELL, LREQ_EXEC, LREQ_SUBSYSTEM };
enum lstate {
	LS_WAIT,		/* for its shell, exec or subsystem request */
	LS_INPUT,		/* a built-in reading stdin until EOF */
	LS_PROMPT,		/* the restricted prompt */
};

struct lsess {
	struct conn		*conn;
	ssh_channel		 ch;
	struct ssh_channel_callbacks_struct cb;
	bool			 pty;
	char			 term[64];
	int			 width, height;
	bool			 agent;		/* auth-agent-req, for the workspace */
	enum lreq		 req;
	char			*arg;		/* exec's command, subsystem's name */
	int			 nenv;
	char			*env[LSESS_MAX_ENV][2];
	enum lstate		 st;
	struct shell_ctx	 ctx;
	struct shell_cmd	 cmd;
	char			*in;		/* stdin of a built-in */
	size_t			 inlen;
	bool			 in_over;	/* more than SHELL_MAX_INPUT */
	struct shell_prompt	*prompt;
	struct lsess		*next;
};

/* local_session.c */
struct lsess *lsess_new(struct conn *c, ssh_channel ch, bool pty);
struct lsess *lsess_find(struct conn *c, ssh_channel ch);
int	lsess_count(const struct conn *c);
int	lsess_env_add(struct lsess *ls, const char *name, const char *value);
int	lsess_set_arg(struct lsess *ls, const char *arg);

#endif
