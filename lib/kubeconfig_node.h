/*
 * kubeconfig_node.h: private to kubeconfig.c and kubeconfig_node.c: the
 * loader state and the typed accessors over libyaml's document nodes.
 */
#ifndef MEDUSE_KUBECONFIG_NODE_H
#define MEDUSE_KUBECONFIG_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

struct kc_loader {
	const char	*name;		/* the file, in messages */
	const char	*dir;		/* resolves relative paths; may be NULL */
	yaml_document_t	*doc;
	char		 what[300];	/* "context \"x\"", "user \"u\"": messages */
	char		*err;
	size_t		 errlen;
	bool		 failed;	/* the first error is the one reported */
};

/* kubeconfig_node.c */
/* Records the first error as "file:line: context ...: message". */
void	kc_error(struct kc_loader *ld, const yaml_node_t *node,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool	kc_is_null(const yaml_node_t *n);
/* The value of key in a mapping; NULL when absent or null. */
yaml_node_t *kc_get(struct kc_loader *ld, yaml_node_t *map, const char *key);
const char *kc_text(struct kc_loader *ld, const yaml_node_t *n,
	    const char *key);
/* Optional fields: absent leaves *out NULL/false; -1 after kc_error. */
int	kc_string(struct kc_loader *ld, yaml_node_t *map, const char *key,
	    char **out);
int	kc_bool(struct kc_loader *ld, yaml_node_t *map, const char *key,
	    bool *out);
int	kc_path(struct kc_loader *ld, yaml_node_t *map, const char *key,
	    char **out);
int	kc_data(struct kc_loader *ld, yaml_node_t *map, const char *key,
	    unsigned char **out, size_t *outlen);
yaml_node_t *kc_find(struct kc_loader *ld, yaml_node_t *root,
	    const char *key, const char *inner, const char *name,
	    const yaml_node_t *ref);

#endif
