/*
 * config_keys.h: private to config.c, config_keys.c and config_check.c.  The table of every
 * key meduse.yaml may hold, and the setters that type- and unit-check a
 * value before it lands in struct config.  config.c walks the YAML; this
 * side knows nothing of YAML, only of text and of struct config.
 */
#ifndef MEDUSE_CONFIG_KEYS_H
#define MEDUSE_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum config_type {
	CONFIG_T_SECTION,	/* a mapping of further keys */
	CONFIG_T_STRING,	/* char * */
	CONFIG_T_BOOL,		/* bool: true or false */
	CONFIG_T_INT,		/* int, within [min, max] */
	CONFIG_T_DURATION,	/* uint64_t milliseconds, within [min, max] */
	CONFIG_T_CPU,		/* int64_t millicores, within [min, max] */
	CONFIG_T_BYTES,		/* int64_t bytes, within [min, max] */
	CONFIG_T_COUNT,		/* int64_t whole units, within [min, max] */
	CONFIG_T_STRINGS,	/* struct config_strings */
	CONFIG_T_STARTUPS,	/* "start:rate:full" into gateway.max_startups_* */
};

/* Extra rule for a string or for each item of a list: 0, or -1 and err. */
typedef int	config_check_fn(const char *s, char *err, size_t errlen);

struct config_key {
	const char		*name;		/* dotted path from the top level */
	enum config_type	 type;
	size_t			 off;		/* offsetof(struct config, field) */
	int64_t			 min, max;	/* numbers, in the stored unit */
	const char		*def;		/* default, as written in the file */
	const char *const	*def_list;	/* default of a list, NULL-terminated */
	config_check_fn		*check;		/* optional */
};

extern const struct config_key	config_keys[];
extern const size_t		config_keys_n;

/* config_keys.c */
int	config_keys_int(const char *s, int64_t *v);
const char	*config_keys_quote(const char *s, char *buf, size_t len);
const struct config_key	*config_keys_find(const char *name);
const char	*config_keys_type_name(enum config_type type);
int	config_keys_set(struct config *cfg, const struct config_key *k,
	    const char *text, char *err, size_t errlen);
int	config_keys_check_item(const struct config_key *k, const char *text,
	    char *err, size_t errlen);
void	config_keys_set_list(struct config *cfg, const struct config_key *k,
	    struct config_strings *list);
void	config_keys_free_list(struct config_strings *list);
int	config_keys_defaults(struct config *cfg);
void	config_keys_free(struct config *cfg);

/*
 * Rules that involve several keys.  lines[i] is the line where config_keys[i]
 * was set, 0 when it was left at its default, or minus the line when its value
 * was refused (rules about it are then skipped).  report() is called once per
 * problem with the line to blame, 0 for none.
 */
typedef void	config_report_fn(void *arg, int line, const char *msg);
void	config_keys_cross_check(const struct config *cfg, const int *lines,
	    config_report_fn *report, void *arg);

/* config_check.c: extra rules named by the table */
config_check_fn	config_check_abs_path, config_check_opt_abs_path,
		config_check_nonempty, config_check_group,
		config_check_pam_service, config_check_resolver,
		config_check_login_type,
		config_check_transport, config_check_listen,
		config_check_command_item, config_check_prefix,
		config_check_dns_name, config_check_url, config_check_workspace,
		config_check_env_pattern, config_check_host_key_policy,
		config_check_bucket_prefix, config_check_bucket,
		config_check_region;

#endif
