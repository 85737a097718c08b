/*
 * kubeconfig_node.c: typed access to the nodes of a parsed kubeconfig:
 * scalars without NUL, booleans, paths made relative to the file's
 * directory, base64 data, and entries of the named lists (contexts,
 * clusters, users).  Each failure records one message with the file, the
 * line and what to do (kc_error); the first one wins.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "kubeconfig.h"
#include "kubeconfig_node.h"

void
kc_error(struct kc_loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	if (ld->failed)
		return;
	ld->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (node != NULL)
		snprintf(ld->err, ld->errlen, "%s:%zu: %s%s%s", ld->name,
		    node->start_mark.line + 1, ld->what, ld->what[0] ? ": " : "",
		    msg);
	else
		snprintf(ld->err, ld->errlen, "%s: %s%s%s", ld->name, ld->what,
		    ld->what[0] ? ": " : "", msg);
}

bool
kc_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0;
}

/* The value of key in a mapping, or NULL when absent or null. */
yaml_node_t *
kc_get(struct kc_loader *ld, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;
	yaml_node_t *k, *v;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(ld->doc, p->key);
		if (k == NULL || k->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)k->data.scalar.value, key) != 0)
			continue;
		v = yaml_document_get_node(ld->doc, p->value);
		return v == NULL || kc_is_null(v) ? NULL : v;
	}
	return NULL;
}

/* A scalar's text, or NULL (and an error) when it is not one or hides NUL. */
const char *
kc_text(struct kc_loader *ld, const yaml_node_t *n, const char *key)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		kc_error(ld, n, "%s: expected a single value, found a %s", key,
		    n->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		kc_error(ld, n, "%s: contains a NUL character", key);
		return NULL;
	}
	return s;
}

/* Optional string: absent leaves *out NULL.  -1 on a wrong type or OOM. */
int
kc_string(struct kc_loader *ld, yaml_node_t *map, const char *key, char **out)
{
	yaml_node_t *n;
	const char *s;

	*out = NULL;
	if ((n = kc_get(ld, map, key)) == NULL)
		return 0;
	if ((s = kc_text(ld, n, key)) == NULL)
		return -1;
	if ((*out = strdup(s)) == NULL) {
		kc_error(ld, n, "out of memory");
		return -1;
	}
	return 0;
}

int
kc_bool(struct kc_loader *ld, yaml_node_t *map, const char *key, bool *out)
{
	yaml_node_t *n;
	const char *s;

	*out = false;
	if ((n = kc_get(ld, map, key)) == NULL)
		return 0;
	if ((s = kc_text(ld, n, key)) == NULL)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0)
		*out = true;
	else if (strcmp(s, "false") != 0 && strcmp(s, "False") != 0) {
		kc_error(ld, n, "%s: expected true or false, found \"%.40s\"",
		    key, s);
		return -1;
	}
	return 0;
}

/* kubectl resolves relative paths against the kubeconfig's directory. */
int
kc_path(struct kc_loader *ld, yaml_node_t *map, const char *key, char **out)
{
	char *p;

	if (kc_string(ld, map, key, out) == -1)
		return -1;
	if (*out == NULL)
		return 0;
	if ((*out)[0] == '\0') {
		kc_error(ld, kc_get(ld, map, key), "%s: is empty", key);
		return -1;
	}
	if ((*out)[0] == '/' || ld->dir == NULL)
		return 0;
	if (asprintf(&p, "%s/%s", ld->dir, *out) == -1) {
		kc_error(ld, NULL, "out of memory");
		return -1;
	}
	free(*out);
	*out = p;
	return 0;
}

int
kc_data(struct kc_loader *ld, yaml_node_t *map, const char *key,
    unsigned char **out, size_t *outlen)
{
	yaml_node_t *n;
	const char *s;

	*out = NULL;
	*outlen = 0;
	if ((n = kc_get(ld, map, key)) == NULL)
		return 0;
	if ((s = kc_text(ld, n, key)) == NULL)
		return -1;
	if (kube_base64_decode(s, out, outlen) == -1 || *outlen == 0) {
		kc_error(ld, n, "%s: is not valid base64 (it holds the PEM "
		    "text encoded with base64 -w0)", key);
		return -1;
	}
	return 0;
}

/*
 * Finds the entry named name in the list at key ("contexts", ...) and
 * returns its inner mapping (the value of inner, "context", ...).
 */
yaml_node_t *
kc_find(struct kc_loader *ld, yaml_node_t *root, const char *key,
    const char *inner, const char *name, const yaml_node_t *ref)
{
	yaml_node_item_t *it;
	yaml_node_t *list, *e, *n, *in;
	const char *s;

	if ((list = kc_get(ld, root, key)) == NULL) {
		kc_error(ld, ref, "%s \"%s\" is named, but the file has no "
		    "\"%s:\" list", inner, name, key);
		return NULL;
	}
	if (list->type != YAML_SEQUENCE_NODE) {
		kc_error(ld, list, "%s: expected a list", key);
		return NULL;
	}
	for (it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++) {
		e = yaml_document_get_node(ld->doc, *it);
		if (e == NULL || e->type != YAML_MAPPING_NODE)
			continue;
		if ((n = kc_get(ld, e, "name")) == NULL ||
		    (s = kc_text(ld, n, "name")) == NULL || strcmp(s, name) != 0)
			continue;
		in = kc_get(ld, e, inner);
		if (in == NULL || in->type != YAML_MAPPING_NODE) {
			kc_error(ld, e, "%s \"%s\" has no \"%s:\" mapping",
			    inner, name, inner);
			return NULL;
		}
		return in;
	}
	if (!ld->failed)
		kc_error(ld, ref, "%s \"%s\" is not defined under \"%s:\" "
		    "(check the name, or run kubectl config get-%s)", inner,
		    name, key, key);
	return NULL;
}
