/*
 * config.h: meduse.yaml, the one configuration file of every meduse program.
 *
 * The keys are the contract of ../DESIGN.md.  A file is read with libyaml,
 * every value is type- and unit-checked here once, and every problem is
 * reported as "file:line: message" so that `accountd -t` can list them all.
 */
#ifndef MEDUSE_CONFIG_H
#define MEDUSE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "quota.h"

#define CONFIG_DEFAULT_PATH	"/etc/meduse/meduse.yaml"
#define CONFIG_ENV		"MEDUSE_CONFIG"

struct config_strings {
	char	**v;		/* owned, NULL-terminated */
	size_t	  n;
};

struct config {
	char	*path;			/* file read, or NULL for built-in defaults */
	char	*state_dir;		/* database, generated keys */

	struct {
		char	*socket;	/* unix socket path */
		char	*admin_group;	/* group whose members may do everything */
		char	*gateway_group;	/* group whose members may call gateway methods */
	} accountd;

	struct {
		struct config_strings listen;		/* "addr:port" */
		struct config_strings host_keys;	/* paths; empty: generated */
		uint64_t	login_grace_time_ms;
		int		max_startups_start;	/* MaxStartups start:rate:full */
		int		max_startups_rate;	/* percent */
		int		max_startups_full;
		int		max_sessions;		/* channels per connection */
		char		*pam_service;		/* "" disables the PAM stage */
		char		*public_host;		/* name users connect to; "": hostname */
		uint64_t	keepalive_ms;		/* 0: no keepalives to the client */
		int		keepalive_count_max;	/* unanswered ones before closing */
		uint64_t	idle_timeout_ms;	/* no channel data; 0: never */
		uint64_t	drain_grace_ms;		/* SIGTERM: time sessions get to end */
		struct config_strings env_allow;	/* fnmatch patterns of env names */
		char		*upstream_host_keys;	/* tofu | pinned */
		char		*upstream_known_hosts;	/* "": state_dir/sshd/known_hosts */
	} gateway;

	struct {
		char	*resolver;		/* static | kubernetes | coder */
		char	*static_host;
		int	 static_port;
		char	*static_user;		/* "" means the account name */
		char	*transport;		/* tcp | command */
		struct config_strings command;	/* argv, {user} {workspace} substituted */
	} route;

	struct {
		char	*kubeconfig;	/* "" and !in_cluster: provisioning off */
		bool	 in_cluster;
		char	*context;	/* "": the kubeconfig's current-context */
		uint64_t reconcile_interval_ms;	/* periodic pass; 0: none */
		char	*namespace_prefix;
		char	*storage_class;
		bool	 volcano;
		int	 workspace_port;
		struct config_strings ingress_namespaces; /* may reach users' pods */
	} kubernetes;

	struct {
		char	*url;
		char	*token_file;
		char	*template_name;		/* key "template" */
		char	*login_type;		/* none | password | github | oidc */
		uint64_t start_timeout_ms;	/* a login waits this long for a start */
		uint64_t activity_interval_ms;	/* usage reports under open sessions; 0: none */
		char	*default_workspace;
	} coder;

	struct {
		char	*endpoint;		/* "": MinIO provisioning off */
		char	*credentials_file;	/* ACCESS:SECRET, mode 0600 */
		char	*bucket_prefix;		/* bucket = prefix + account name */
		struct config_strings shared_read;	/* buckets all may read */
		char	*region;		/* of S3 calls */
	} minio;

	struct quota	default_quota;		/* key defaults.quota */
};

/* The problems found while loading, each "file:line: message". */
struct config_errors {
	char	**msg;		/* owned */
	size_t	  n;
};

/*
 * Returns the path to read: cli_path (from -c) when set, else $MEDUSE_CONFIG
 * when set and non-empty, else CONFIG_DEFAULT_PATH.  *explicit is set when the
 * path came from -c or the environment: a missing explicit file is an error,
 * a missing default file means "built-in defaults".
 */
const char	*config_path(const char *cli_path, bool *explicit_path);

/*
 * Loads path into a new config.  Unknown keys, wrong types, bad units and
 * out-of-range values are all collected into errs (which may be NULL) and
 * make the call fail.  Returns 0 with *out set, or -1 with *out NULL.  Never
 * exits: the PAM module links this.
 */
int	config_load(const char *path, bool explicit_path, struct config **out,
	    struct config_errors *errs);

/*
 * Like config_load, from len bytes of buf; name stands for the file in
 * messages.  For the fuzz target and tests, and for callers that already
 * hold the text.  cfg->path is left NULL.
 */
int	config_load_buffer(const char *name, const char *buf, size_t len,
	    struct config **out, struct config_errors *errs);

/*
 * config_path() and config_load() together, for programs: every problem is
 * printed to f, one "file:line: message" a line.  Returns the config, or NULL
 * when it cannot be used.
 */
struct config	*config_load_report(const char *cli_path, FILE *f);

/* Returns a config holding the built-in defaults of DESIGN.md, or NULL on OOM. */
struct config	*config_defaults(void);

void	config_free(struct config *cfg);
void	config_errors_free(struct config_errors *errs);

#endif
