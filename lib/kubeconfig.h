/*
 * kubeconfig.h: credentials for the Kubernetes API, from a kubeconfig file
 * or from the pod's service account (in-cluster).  kubeconfig.c parses the
 * file, kube_creds.c handles in-cluster setup and token rotation,
 * kube_exec.c runs exec credential plugins.  Nothing here exits.
 */
#ifndef MEDUSE_KUBECONFIG_H
#define MEDUSE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct kube_exec {
	char		*api_version;	/* e.g. client.authentication.k8s.io/v1 */
	char		*command;	/* resolved against the kubeconfig's dir
					   when it contains a '/' */
	char		**args;		/* NULL-terminated; nargs entries */
	size_t		 nargs;
	char		**env;		/* "NAME=value", NULL-terminated */
	size_t		 nenv;
	bool		 provide_cluster_info;
};

struct kube_creds {
	char		*source;	/* the file, or "in-cluster": for messages */
	char		*context;	/* names, for messages (may be NULL) */
	char		*cluster;
	char		*user;
	char		*namespace;	/* the context's default namespace */
	char		*server;	/* https://host:port, no trailing '/' */
	char		*ca_file;	/* or ca_data: PEM */
	unsigned char	*ca_data;
	size_t		 ca_len;
	bool		 insecure;	/* insecure-skip-tls-verify */
	char		*tls_server_name;
	char		*cert_file;	/* client certificate: file or data */
	unsigned char	*cert_data;
	size_t		 cert_len;
	char		*key_file;
	unsigned char	*key_data;
	size_t		 key_len;
	char		*token;		/* bearer token, current value */
	char		*token_file;	/* re-read when its mtime changes */
	struct timespec	 token_mtime;
	struct kube_exec *exec;		/* plugin, or NULL */
	time_t		 exec_expiry;	/* 0: none given; run again after it */
	bool		 exec_done;	/* the plugin has run at least once */
};

/* Where in-cluster credentials live; NULL members take the defaults. */
struct kube_incluster_paths {
	const char	*token;		/* .../serviceaccount/token */
	const char	*ca;		/* .../serviceaccount/ca.crt */
	const char	*namespace;	/* .../serviceaccount/namespace */
};

#define KUBE_SA_DIR	"/var/run/secrets/kubernetes.io/serviceaccount"

/*
 * Loads path; context NULL selects current-context.  On error returns -1,
 * *out NULL, and err names the file, the context/cluster/user and the fix.
 * The caller owns *out (kube_creds_free).
 */
int	kubeconfig_load(const char *path, const char *context,
	    struct kube_creds **out, char *err, size_t errlen);
/* The same from memory; name is used in messages, dir resolves relative
 * paths (NULL: the current directory).  Reads no other file. */
int	kubeconfig_load_buffer(const char *name, const char *dir,
	    const char *buf, size_t len, const char *context,
	    struct kube_creds **out, char *err, size_t errlen);

/* kube_creds.c */

/* From KUBERNETES_SERVICE_HOST/PORT and the service account files. */
int	kube_creds_in_cluster(const struct kube_incluster_paths *paths,
	    struct kube_creds **out, char *err, size_t errlen);
/* Before each request: re-reads token_file if it changed, runs the exec
 * plugin when it has not run yet or its credential expired. */
int	kube_creds_refresh(struct kube_creds *c, char *err, size_t errlen);
/* Decodes base64 (whitespace ignored) into a new buffer the caller frees. */
int	kube_base64_decode(const char *s, unsigned char **out, size_t *outlen);
void	kube_creds_free(struct kube_creds *c);
void	kube_exec_free(struct kube_exec *e);

/* kube_exec.c */
/* Runs c->exec (no shell), sets token or client cert/key and exec_expiry. */
int	kube_exec_credential(struct kube_creds *c, char *err, size_t errlen);

#endif
