/*
 * kubeconfig.c: reads a kubeconfig file (client-go's clientcmd v1 format)
 * with libyaml's document API and keeps the one context meduse uses: its
 * cluster (server, CA, TLS options) and user (client certificate, token,
 * token file, exec plugin).  Trust boundary: the file is the admin's and
 * trusted, but is parsed as if hostile (fuzz target): sizes are bounded,
 * NUL bytes refused, and every error names the file, the line, the
 * context/cluster/user concerned and what to do.  Fields meduse cannot honour
 * (proxy-url, auth-provider, username/password) are refused, not ignored,
 * so that a credential never silently goes missing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "file.h"
#include "kubeconfig.h"
#include "kubeconfig_node.h"

#define KC_MAX_SIZE	(1024 * 1024)	/* bytes of one kubeconfig */
#define KC_MAX_ITEMS	256		/* args or env entries of a plugin */

static int
kc_exec_list(struct kc_loader *ld, yaml_node_t *node, const char *key,
    char ***out, size_t *nout)
{
	yaml_node_item_t *it;
	yaml_node_t *e, *nn, *vn;
	const char *name, *value;
	size_t n, i = 0;

	*nout = 0;
	n = node == NULL ? 0 : (size_t)(node->data.sequence.items.top -
	    node->data.sequence.items.start);
	if (node != NULL && node->type != YAML_SEQUENCE_NODE) {
		kc_error(ld, node, "exec.%s: expected a list", key);
		return -1;
	}
	if (n > KC_MAX_ITEMS) {
		kc_error(ld, node, "exec.%s: more than %d entries", key,
		    KC_MAX_ITEMS);
		return -1;
	}
	if ((*out = calloc(n + 1, sizeof(**out))) == NULL) {
		kc_error(ld, node, "out of memory");
		return -1;
	}
	for (it = node == NULL ? NULL : node->data.sequence.items.start;
	    i < n; it++, i++) {
		e = yaml_document_get_node(ld->doc, *it);
		if (strcmp(key, "args") == 0) {
			if ((value = kc_text(ld, e, "exec.args[]")) == NULL)
				return -1;
			(*out)[i] = strdup(value);
		} else {
			nn = kc_get(ld, e, "name");
			vn = kc_get(ld, e, "value");
			if (nn == NULL || (name = kc_text(ld, nn, "name")) ==
			    NULL || name[0] == '\0' || strchr(name, '=') != NULL) {
				kc_error(ld, e, "exec.env[%zu]: needs a \"name\" "
				    "without '='", i);
				return -1;
			}
			value = vn == NULL ? "" : kc_text(ld, vn, "value");
			if (value == NULL)
				return -1;
			if (asprintf(&(*out)[i], "%s=%s", name, value) == -1)
				(*out)[i] = NULL;
		}
		if ((*out)[i] == NULL) {
			kc_error(ld, e, "out of memory");
			return -1;
		}
		*nout = i + 1;
	}
	return 0;
}

static int
kc_exec(struct kc_loader *ld, yaml_node_t *user, struct kube_creds *c)
{
	yaml_node_t *n;
	struct kube_exec *e;
	char *mode = NULL, *cmd;
	int rc = -1;

	if ((n = kc_get(ld, user, "exec")) == NULL)
		return 0;
	if (n->type != YAML_MAPPING_NODE) {
		kc_error(ld, n, "exec: expected a mapping");
		return -1;
	}
	if ((c->exec = e = calloc(1, sizeof(*e))) == NULL) {
		kc_error(ld, n, "out of memory");
		return -1;
	}
	if (kc_string(ld, n, "apiVersion", &e->api_version) == -1 ||
	    kc_string(ld, n, "command", &e->command) == -1 ||
	    kc_bool(ld, n, "provideClusterInfo", &e->provide_cluster_info) ==
	    -1 || kc_string(ld, n, "interactiveMode", &mode) == -1 ||
	    kc_exec_list(ld, kc_get(ld, n, "args"), "args", &e->args,
	    &e->nargs) == -1 ||
	    kc_exec_list(ld, kc_get(ld, n, "env"), "env", &e->env,
	    &e->nenv) == -1)
		goto out;
	if (e->command == NULL || e->command[0] == '\0') {
		kc_error(ld, n, "exec: needs a \"command\"");
		goto out;
	}
	if (e->api_version == NULL) {
		kc_error(ld, n, "exec: needs an \"apiVersion\" (e.g. "
		    "client.authentication.k8s.io/v1)");
		goto out;
	}
	/* accountd has no terminal: a plugin that insists on one would hang. */
	if (mode != NULL && strcmp(mode, "Always") == 0) {
		kc_error(ld, n, "exec: interactiveMode Always needs a terminal, "
		    "which accountd does not have; use IfAvailable or Never");
		goto out;
	}
	/* Like client-go: a command with a '/' is a path, relative to the
	 * kubeconfig; a bare name is looked up in PATH. */
	if (strchr(e->command, '/') != NULL && e->command[0] != '/' &&
	    ld->dir != NULL) {
		if (asprintf(&cmd, "%s/%s", ld->dir, e->command) == -1) {
			kc_error(ld, n, "out of memory");
			goto out;
		}
		free(e->command);
		e->command = cmd;
	}
	rc = 0;
out:
	free(mode);
	return rc;
}

static int
kc_refuse(struct kc_loader *ld, yaml_node_t *map, const char *key,
    const char *why)
{
	yaml_node_t *n;

	if ((n = kc_get(ld, map, key)) == NULL)
		return 0;
	kc_error(ld, n, "%s is not supported: %s", key, why);
	return -1;
}

static int
kc_cluster(struct kc_loader *ld, yaml_node_t *cl, struct kube_creds *c)
{
	size_t len;

	if (kc_string(ld, cl, "server", &c->server) == -1 ||
	    kc_path(ld, cl, "certificate-authority", &c->ca_file) == -1 ||
	    kc_data(ld, cl, "certificate-authority-data", &c->ca_data,
	    &c->ca_len) == -1 ||
	    kc_bool(ld, cl, "insecure-skip-tls-verify", &c->insecure) == -1 ||
	    kc_string(ld, cl, "tls-server-name", &c->tls_server_name) == -1 ||
	    kc_refuse(ld, cl, "proxy-url", "meduse talks to the API server "
	    "directly; remove it") == -1)
		return -1;
	if (c->server == NULL) {
		kc_error(ld, cl, "has no \"server\" (the API server's URL, "
		    "e.g. https://10.0.0.1:6443)");
		return -1;
	}
	if (strncmp(c->server, "https://", 8) != 0 &&
	    strncmp(c->server, "http://", 7) != 0) {
		kc_error(ld, kc_get(ld, cl, "server"), "server \"%.100s\" must "
		    "start with https://", c->server);
		return -1;
	}
	len = strlen(c->server);
	while (len > 0 && c->server[len - 1] == '/')
		c->server[--len] = '\0';
	/* kubectl gives the inline data precedence over the file. */
	if (c->ca_data != NULL) {
		free(c->ca_file);
		c->ca_file = NULL;
	}
	return 0;
}

static int
kc_user(struct kc_loader *ld, yaml_node_t *u, struct kube_creds *c)
{
	if (kc_path(ld, u, "client-certificate", &c->cert_file) == -1 ||
	    kc_data(ld, u, "client-certificate-data", &c->cert_data,
	    &c->cert_len) == -1 ||
	    kc_path(ld, u, "client-key", &c->key_file) == -1 ||
	    kc_data(ld, u, "client-key-data", &c->key_data, &c->key_len) == -1 ||
	    kc_string(ld, u, "token", &c->token) == -1 ||
	    kc_path(ld, u, "tokenFile", &c->token_file) == -1 ||
	    kc_exec(ld, u, c) == -1 ||
	    kc_refuse(ld, u, "username", "use a token, a client certificate "
	    "or an exec plugin") == -1 ||
	    kc_refuse(ld, u, "auth-provider", "it was removed from kubectl; "
	    "use the provider's exec plugin") == -1)
		return -1;
	if (c->cert_data != NULL) {
		free(c->cert_file);
		c->cert_file = NULL;
	}
	if (c->key_data != NULL) {
		free(c->key_file);
		c->key_file = NULL;
	}
	if ((c->cert_file != NULL || c->cert_data != NULL) !=
	    (c->key_file != NULL || c->key_data != NULL)) {
		kc_error(ld, u, "a client certificate needs its key and a key "
		    "its certificate: give both client-certificate[-data] and "
		    "client-key[-data]");
		return -1;
	}
	return 0;
}

static int
kc_walk(struct kc_loader *ld, yaml_node_t *root, const char *context,
    struct kube_creds *c)
{
	yaml_node_t *ctx, *cl, *u, *ref;
	char *cur = NULL;
	int rc = -1;

	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		kc_error(ld, root, "not a kubeconfig: the top level must be a "
		    "mapping with clusters, contexts and users");
		goto out;
	}
	if (kc_string(ld, root, "current-context", &cur) == -1)
		goto out;
	if (context == NULL && (cur == NULL || cur[0] == '\0')) {
		kc_error(ld, NULL, "no current-context and no context named: "
		    "run kubectl config use-context NAME, or name the context "
		    "in meduse.yaml");
		goto out;
	}
	ref = context == NULL ? kc_get(ld, root, "current-context") : NULL;
	if ((c->context = strdup(context != NULL ? context : cur)) == NULL)
		goto oom;
	snprintf(ld->what, sizeof(ld->what), "context \"%.100s\"", c->context);
	if ((ctx = kc_find(ld, root, "contexts", "context", c->context,
	    ref)) == NULL)
		goto out;
	if (kc_string(ld, ctx, "cluster", &c->cluster) == -1 ||
	    kc_string(ld, ctx, "user", &c->user) == -1 ||
	    kc_string(ld, ctx, "namespace", &c->namespace) == -1)
		goto out;
	if (c->cluster == NULL) {
		kc_error(ld, ctx, "names no cluster (add \"cluster: NAME\")");
		goto out;
	}
	snprintf(ld->what, sizeof(ld->what), "context \"%.100s\", cluster "
	    "\"%.100s\"", c->context, c->cluster);
	if ((cl = kc_find(ld, root, "clusters", "cluster", c->cluster,
	    ctx)) == NULL || kc_cluster(ld, cl, c) == -1)
		goto out;
	/* A context without a user is legal: the API then sees anonymous. */
	if (c->user != NULL) {
		snprintf(ld->what, sizeof(ld->what), "context \"%.100s\", user "
		    "\"%.100s\"", c->context, c->user);
		if ((u = kc_find(ld, root, "users", "user", c->user, ctx)) ==
		    NULL || kc_user(ld, u, c) == -1)
			goto out;
	}
	rc = 0;
	goto out;
oom:
	kc_error(ld, NULL, "out of memory");
out:
	free(cur);
	return rc;
}

static void
kc_syntax_error(struct kc_loader *ld, const yaml_parser_t *p)
{
	const char *problem = p->problem != NULL ? p->problem : "unknown error";

	if (p->error == YAML_READER_ERROR)
		snprintf(ld->err, ld->errlen, "%s: not valid UTF-8 text (%s at "
		    "byte %zu)", ld->name, problem, p->problem_offset);
	else
		snprintf(ld->err, ld->errlen, "%s:%zu: YAML syntax error: %s",
		    ld->name, p->problem_mark.line + 1, problem);
	ld->failed = true;
}

int
kubeconfig_load_buffer(const char *name, const char *dir, const char *buf,
    size_t len, const char *context, struct kube_creds **out, char *err,
    size_t errlen)
{
	struct kc_loader ld;
	struct kube_creds *c = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	bool parser_ok = false, doc_ok = false;
	int rc = -1;

	*out = NULL;
	memset(&ld, 0, sizeof(ld));
	ld.name = name;
	ld.dir = dir;
	ld.err = err;
	ld.errlen = errlen;
	if (len > KC_MAX_SIZE) {
		snprintf(err, errlen, "%s: larger than %d bytes", name,
		    KC_MAX_SIZE);
		goto out;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->source = strdup(name)) == NULL ||
	    !yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		kc_syntax_error(&ld, &parser);
		goto out;
	}
	doc_ok = true;
	ld.doc = &doc;
	if (kc_walk(&ld, yaml_document_get_root_node(&doc), context, c) == -1)
		goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	kube_creds_free(c);
	return rc;
}

int
kubeconfig_load(const char *path, const char *context,
    struct kube_creds **out, char *err, size_t errlen)
{
	char *buf = NULL, *dir = NULL, *slash, why[512];
	size_t got;
	int rc = -1;

	*out = NULL;
	if (file_read(path, KC_MAX_SIZE, &buf, &got, NULL, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s (check kubernetes.kubeconfig in "
		    "meduse.yaml)", why);
		goto out;
	}
	if ((dir = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = NULL;
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	rc = kubeconfig_load_buffer(path, dir, buf, got, context, out, err,
	    errlen);
out:
	free(buf);
	free(dir);
	return rc;
}
