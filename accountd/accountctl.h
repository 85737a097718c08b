/*
 * accountctl.h: the private header of accountctl, the admin CLI of accountd.
 * Every subcommand is an entry of the table in accountctl.c.
 */
#ifndef ACCOUNTCTL_H
#define ACCOUNTCTL_H

#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <jansson.h>

#include "client.h"
#include "config.h"

/* Exit statuses, the same for every subcommand. */
#define CTL_OK		0
#define CTL_FAIL	1	/* the request failed: accountd said no, or is down */
#define CTL_USAGE	2	/* the command line is wrong */

struct ctl {
	const char	*cli_path;	/* -c */
	struct config	*cfg;		/* loaded on first use (ctl_config) */
	struct client	*client;	/* opened on first call */
	bool		 json;		/* --json: machine-readable output */
	const char	*cmd;		/* "add", "key add", ... for messages */
};

/* Options every subcommand takes; ctl_getopt() handles them itself. */
#define CTL_OPT_JSON	0x100
#define CTL_COMMON_OPTS						\
	{ "json", no_argument, NULL, CTL_OPT_JSON },		\
	{ "help", no_argument, NULL, 'h' }

struct ctl_cmd {
	const char	*name;
	const char	*args;		/* synopsis after the name */
	const char	*summary;
	int		(*fn)(struct ctl *, int, char **);
};

/* accountctl.c */
struct config	*ctl_config(struct ctl *ctl);
/* Calls a method; params is stolen.  Prints the error and returns -1 on failure. */
int	ctl_call(struct ctl *ctl, const char *method, json_t *params, json_t **result);
int	ctl_usage_error(struct ctl *ctl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Parses a subcommand's options: --json and --help are handled here, any
 * other option goes to opt(), which returns 0 or -1 (usage error, printed).
 * Returns the index of the first positional argument, or CTL_GETOPT_HELP
 * (help printed, exit 0) or CTL_GETOPT_USAGE (error printed, exit 2).
 */
#define CTL_GETOPT_HELP		(-2)
#define CTL_GETOPT_USAGE	(-1)
int	ctl_getopt(struct ctl *ctl, int argc, char **argv,
	    const struct option *longopts, const char *usage, int nargs_min,
	    int nargs_max, int (*opt)(struct ctl *, int, const char *, void *),
	    void *arg);
int	ctl_getopt_status(int r);
/* "accountctl GROUP COMMAND ...": runs the entry of cmds named by argv[1]. */
int	ctl_dispatch(struct ctl *ctl, const char *group,
	    const struct ctl_cmd *cmds, size_t n, int argc, char **argv);
int	ctl_simple(struct ctl *ctl, int argc, char **argv, const char *method,
	    const char *usage, const char *done_fmt);

/* ctl_account.c */
int	ctl_add(struct ctl *, int, char **);
int	ctl_del(struct ctl *, int, char **);
int	ctl_list(struct ctl *, int, char **);
int	ctl_show(struct ctl *, int, char **);
int	ctl_lock(struct ctl *, int, char **);
int	ctl_unlock(struct ctl *, int, char **);
int	ctl_expire(struct ctl *, int, char **);

/* ctl_quota.c */
int	ctl_quota(struct ctl *, int, char **);
int	ctl_quota_option(int ch, const char *val, json_t *quota);
void	ctl_quota_print(FILE *f, json_t *quota);
extern const struct option ctl_quota_longopts[];

/* ctl_key.c */
int	ctl_key(struct ctl *, int, char **);
int	ctl_read_keys(const char *path, json_t *keys, const char **first_type);

/* ctl_kube.c */
int	ctl_status(struct ctl *, int, char **);
int	ctl_plan(struct ctl *, int, char **);
int	ctl_sync(struct ctl *, int, char **);
/*
 * After a change: follows the reconcile job named in res (if any) with
 * progress on stderr.  0 all applied, 1 warned (pending, failed, still
 * running), -1 error.  --json: the outcome goes into res as "kubernetes".
 */
int	ctl_kube_follow(struct ctl *ctl, json_t *res, const char *account);
/*
 * Polls job until it is done or timeout seconds pass, printing events to f
 * (NULL: quiet).  Returns the finished job (caller's), or NULL on a failed
 * call (printed) or a timeout (*timed_out set).
 */
json_t	*ctl_kube_wait(struct ctl *ctl, json_int_t job, int timeout, FILE *f,
	    bool *timed_out);
/* The PVCs a purge of account would destroy: 0 with *namespace (NULL when
 * provisioning is off) and *pvcs set (caller's), or -1 (printed). */
int	ctl_kube_pvcs(struct ctl *ctl, const char *account, char **namespace,
	    json_t **pvcs);

/* ctl_workspace.c */
int	ctl_workspace(struct ctl *, int, char **);

/* ctl_minio.c */
int	ctl_minio(struct ctl *, int, char **);

/* ctl_audit.c */
int	ctl_audit(struct ctl *, int, char **);

/* ctl_output.c */
void	ctl_print_json(json_t *j);
void	ctl_print_account(json_t *a);
void	ctl_print_keys(json_t *keys);
const char *ctl_str(json_t *obj, const char *key);

#endif
