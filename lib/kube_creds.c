/*
 * kube_creds.c: in-cluster credentials (the pod's service account), the
 * per-request refresh of rotating credentials, and the helpers shared by
 * the kubeconfig reader.  Trust boundary: the token and CA files and the
 * KUBERNETES_SERVICE_* variables come from the kubelet and are trusted;
 * their sizes are still bounded.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "file.h"
#include "kubeconfig.h"

#define KUBE_TOKEN_MAX	(64 * 1024)	/* bytes of a bearer token file */

int
kube_base64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	char *clean = NULL;
	unsigned char *buf = NULL;
	size_t i, n = 0, pad = 0;
	int len, rc = -1;

	*out = NULL;
	*outlen = 0;
	/* PEM blobs are often wrapped; EVP_DecodeBlock takes one line. */
	if ((clean = malloc(strlen(s) + 1)) == NULL)
		goto out;
	for (i = 0; s[i] != '\0'; i++)
		if (!isspace((unsigned char)s[i]))
			clean[n++] = s[i];
	clean[n] = '\0';
	if (n % 4 != 0 || n > INT_MAX)
		goto out;
	if ((buf = malloc(n / 4 * 3 + 1)) == NULL)
		goto out;
	if ((len = EVP_DecodeBlock(buf, (unsigned char *)clean, (int)n)) < 0)
		goto out;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (n > 0 && clean[n - 1] == '=')
		pad++;
	if (n > 1 && clean[n - 2] == '=')
		pad++;
	*outlen = (size_t)len - pad;
	buf[*outlen] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(clean);
	free(buf);
	return rc;
}

/* Reads a small file whole; strips trailing whitespace (tokens end in \n). */
static int
kube_read_small(const char *path, char **out, struct timespec *mtime,
    char *err, size_t errlen)
{
	char *buf;
	size_t got;

	*out = NULL;
	if (file_read(path, KUBE_TOKEN_MAX, &buf, &got, mtime, err,
	    errlen) == -1)
		return -1;
	while (got > 0 && isspace((unsigned char)buf[got - 1]))
		got--;
	buf[got] = '\0';
	if (got == 0 || memchr(buf, '\0', got) != NULL) {
		snprintf(err, errlen, "%s: empty, or holds a NUL byte", path);
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* Re-reads the token file when it changed: the kubelet rotates it hourly. */
static int
kube_token_refresh(struct kube_creds *c, char *err, size_t errlen)
{
	struct stat st;
	char *tok;

	if (stat(c->token_file, &st) == -1) {
		snprintf(err, errlen, "%s (user \"%s\" in %s): token file: %s",
		    c->token_file, c->user != NULL ? c->user : "-", c->source,
		    strerror(errno));
		return -1;
	}
	if (c->token != NULL &&
	    st.st_mtim.tv_sec == c->token_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == c->token_mtime.tv_nsec)
		return 0;
	if (kube_read_small(c->token_file, &tok, &c->token_mtime, err,
	    errlen) == -1)
		return -1;
	free(c->token);
	c->token = tok;
	return 0;
}

int
kube_creds_refresh(struct kube_creds *c, char *err, size_t errlen)
{
	if (c->token_file != NULL && kube_token_refresh(c, err, errlen) == -1)
		return -1;
	if (c->exec != NULL && (!c->exec_done ||
	    (c->exec_expiry != 0 && time(NULL) >= c->exec_expiry - 10)))
		return kube_exec_credential(c, err, errlen);
	return 0;
}

int
kube_creds_in_cluster(const struct kube_incluster_paths *paths,
    struct kube_creds **out, char *err, size_t errlen)
{
	struct kube_creds *c = NULL;
	const char *host, *port, *ca, *tok, *nsf;
	char *ns = NULL, *server = NULL;
	int rc = -1;

	*out = NULL;
	host = getenv("KUBERNETES_SERVICE_HOST");
	port = getenv("KUBERNETES_SERVICE_PORT");
	if (host == NULL || port == NULL || host[0] == '\0' || port[0] == '\0') {
		snprintf(err, errlen, "in-cluster: KUBERNETES_SERVICE_HOST and "
		    "KUBERNETES_SERVICE_PORT are not both set: accountd is "
		    "not running in a pod; set kubernetes.kubeconfig instead");
		goto out;
	}
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5) {
		snprintf(err, errlen, "in-cluster: KUBERNETES_SERVICE_PORT "
		    "\"%.20s\" is not a port number", port);
		goto out;
	}
	tok = paths != NULL && paths->token != NULL ? paths->token :
	    KUBE_SA_DIR "/token";
	ca = paths != NULL && paths->ca != NULL ? paths->ca :
	    KUBE_SA_DIR "/ca.crt";
	nsf = paths != NULL && paths->namespace != NULL ? paths->namespace :
	    KUBE_SA_DIR "/namespace";
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->source = strdup("in-cluster")) == NULL ||
	    (c->user = strdup("service account")) == NULL ||
	    (c->token_file = strdup(tok)) == NULL ||
	    (c->ca_file = strdup(ca)) == NULL ||
	    asprintf(&server, strchr(host, ':') != NULL ?
	    "https://[%s]:%s" : "https://%s:%s", host, port) == -1) {
		server = NULL;
		snprintf(err, errlen, "in-cluster: out of memory");
		goto out;
	}
	/* An IPv6 address needs brackets in a URL, as client-go adds. */
	c->server = server;
	server = NULL;
	if (access(ca, R_OK) == -1) {
		snprintf(err, errlen, "in-cluster: CA %s: %s", ca,
		    strerror(errno));
		goto out;
	}
	if (kube_token_refresh(c, err, errlen) == -1)
		goto out;
	/* The namespace file is optional: meduse names its own namespaces. */
	if (access(nsf, F_OK) == 0 &&
	    kube_read_small(nsf, &ns, NULL, err, errlen) == 0) {
		c->namespace = ns;
		ns = NULL;
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	free(ns);
	free(server);
	kube_creds_free(c);
	return rc;
}

static void
kube_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
kube_exec_free(struct kube_exec *e)
{
	if (e == NULL)
		return;
	free(e->api_version);
	free(e->command);
	kube_strv_free(e->args, e->nargs);
	kube_strv_free(e->env, e->nenv);
	free(e);
}

/* Secrets are wiped before they go back to the allocator. */
static void
kube_free_secret(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void
kube_creds_free(struct kube_creds *c)
{
	if (c == NULL)
		return;
	free(c->source);
	free(c->context);
	free(c->cluster);
	free(c->user);
	free(c->namespace);
	free(c->server);
	free(c->ca_file);
	free(c->ca_data);
	free(c->tls_server_name);
	free(c->cert_file);
	free(c->cert_data);
	free(c->key_file);
	kube_free_secret(c->key_data, c->key_len);
	if (c->token != NULL)
		kube_free_secret(c->token, strlen(c->token));
	free(c->token_file);
	kube_exec_free(c->exec);
	free(c);
}
