/*
 * kube_exec.c: runs a kubeconfig exec credential plugin (client-go's
 * "client.authentication.k8s.io" protocol) and takes the ExecCredential it
 * prints.  The plugin is named by the admin's kubeconfig and trusted to be
 * the right program, but its output is parsed as untrusted: bounded in size
 * and time, strict JSON, apiVersion and kind checked.  It runs without a
 * shell, with stdin from /dev/null (accountd is never interactive) and
 * stderr passed through so that its own diagnostics reach the log.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "kubeconfig.h"

#define KUBE_EXEC_TIMEOUT_MS	30000		/* plugin run time */
#define KUBE_EXEC_MAX_OUT	(1024 * 1024)	/* bytes of its stdout */

extern char **environ;

/* The JSON in KUBERNETES_EXEC_INFO, as client-go builds it. */
static char *
kube_exec_info(const struct kube_creds *c)
{
	json_t *info, *cl;
	unsigned char *ca64 = NULL;
	char *s = NULL;

	info = json_pack("{s:s, s:s, s:{s:b}}", "apiVersion",
	    c->exec->api_version, "kind", "ExecCredential", "spec",
	    "interactive", 0);
	if (info == NULL)
		return NULL;
	if (c->exec->provide_cluster_info) {
		if ((cl = json_pack("{s:s, s:b}", "server", c->server,
		    "insecure-skip-tls-verify", c->insecure)) == NULL ||
		    json_object_set_new(json_object_get(info, "spec"),
		    "cluster", cl) == -1)
			goto out;
		if (c->tls_server_name != NULL &&
		    json_object_set_new(cl, "tls-server-name",
		    json_string(c->tls_server_name)) == -1)
			goto out;
		if (c->ca_data != NULL && c->ca_len < 1024 * 1024) {
			if ((ca64 = malloc((c->ca_len + 2) / 3 * 4 + 1)) == NULL)
				goto out;
			EVP_EncodeBlock(ca64, c->ca_data, (int)c->ca_len);
			if (json_object_set_new(cl, "certificate-authority-data",
			    json_string((char *)ca64)) == -1)
				goto out;
		}
	}
	s = json_dumps(info, JSON_COMPACT);
out:
	free(ca64);
	json_decref(info);
	return s;
}

/* Same variable name: compares up to the '='. */
static int
kube_env_same(const char *a, const char *b)
{
	size_t n = strcspn(a, "=");

	return strncmp(a, b, n) == 0 && b[n] == '=';
}

/*
 * The plugin's environment: ours, overridden by the kubeconfig's env list
 * and KUBERNETES_EXEC_INFO.  Built before fork: the child only execs.
 */
static char **
kube_exec_env(const struct kube_exec *e, char *info)
{
	char **env;
	size_t n = 0, i, j, k = 0;
	int skip;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + e->nenv + 2, sizeof(*env))) == NULL)
		return NULL;
	env[k++] = info;
	for (j = 0; j < e->nenv; j++)
		env[k++] = e->env[j];
	for (i = 0; i < n; i++) {
		skip = kube_env_same(info, environ[i]);
		for (j = 0; j < e->nenv && !skip; j++)
			skip = kube_env_same(e->env[j], environ[i]);
		if (!skip)
			env[k++] = environ[i];
	}
	return env;
}

/* RFC 3339 as Go prints it: 2026-11-28T21:00:00Z, or with an offset. */
static int
kube_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;
	int oh, om, sign;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	*out = timegm(&tm);
	if (strcmp(p, "Z") == 0)
		return 0;
	if ((p[0] != '+' && p[0] != '-') ||
	    sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6)
		return -1;
	sign = p[0] == '+' ? 1 : -1;
	*out -= sign * (oh * 3600 + om * 60);
	return 0;
}

static int
kube_exec_parse(struct kube_creds *c, const char *buf, size_t len,
    const char *who, char *err, size_t errlen)
{
	json_t *root, *st;
	json_error_t jerr;
	const char *kind = NULL, *api = NULL, *tok = NULL, *cert = NULL,
	    *key = NULL, *exp = NULL;
	time_t expiry = 0;
	char *t = NULL, *cd = NULL, *kd = NULL;
	int rc = -1;

	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(err, errlen, "%s printed no valid ExecCredential JSON "
		    "(%s at line %d)", who, jerr.text, jerr.line);
		goto out;
	}
	if (json_unpack_ex(root, &jerr, 0, "{s?s, s?s, s?o}", "kind", &kind,
	    "apiVersion", &api, "status", &st) == -1 || kind == NULL ||
	    strcmp(kind, "ExecCredential") != 0 || api == NULL ||
	    strcmp(api, c->exec->api_version) != 0) {
		snprintf(err, errlen, "%s printed JSON that is not an "
		    "ExecCredential of apiVersion %s", who,
		    c->exec->api_version);
		goto out;
	}
	st = json_object_get(root, "status");
	if (!json_is_object(st) || json_unpack_ex(st, &jerr, 0,
	    "{s?s, s?s, s?s, s?s}", "token", &tok, "clientCertificateData",
	    &cert, "clientKeyData", &key, "expirationTimestamp", &exp) == -1) {
		snprintf(err, errlen, "%s: ExecCredential status is missing or "
		    "malformed", who);
		goto out;
	}
	if ((tok == NULL || tok[0] == '\0') && (cert == NULL || key == NULL)) {
		snprintf(err, errlen, "%s: ExecCredential status has neither a "
		    "token nor clientCertificateData and clientKeyData", who);
		goto out;
	}
	if ((cert == NULL) != (key == NULL)) {
		snprintf(err, errlen, "%s: ExecCredential status has only one "
		    "of clientCertificateData and clientKeyData", who);
		goto out;
	}
	if (exp != NULL && kube_parse_time(exp, &expiry) == -1) {
		snprintf(err, errlen, "%s: expirationTimestamp \"%.40s\" is not "
		    "RFC 3339", who, exp);
		goto out;
	}
	if ((tok != NULL && (t = strdup(tok)) == NULL) ||
	    (cert != NULL && (cd = strdup(cert)) == NULL) ||
	    (key != NULL && (kd = strdup(key)) == NULL)) {
		snprintf(err, errlen, "%s: out of memory", who);
		goto out;
	}
	if (t != NULL) {
		if (c->token != NULL)
			explicit_bzero(c->token, strlen(c->token));
		free(c->token);
		c->token = t;
		t = NULL;
	}
	if (cd != NULL) {
		free(c->cert_data);
		c->cert_data = (unsigned char *)cd;
		c->cert_len = strlen(cd);
		cd = NULL;
		if (c->key_data != NULL)
			explicit_bzero(c->key_data, c->key_len);
		free(c->key_data);
		c->key_data = (unsigned char *)kd;
		c->key_len = strlen(kd);
		kd = NULL;
		free(c->cert_file);
		free(c->key_file);
		c->cert_file = c->key_file = NULL;
	}
	c->exec_expiry = expiry;
	c->exec_done = true;
	rc = 0;
out:
	free(t);
	free(cd);
	free(kd);
	json_decref(root);
	return rc;
}

/* Reads the child's stdout until EOF, the size cap or the deadline. */
static int
kube_exec_read(int fd, char **out, size_t *outlen, const char *who,
    char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec now, end;
	char *buf;
	size_t got = 0;
	ssize_t n;
	long left_ms;

	*out = NULL;
	if ((buf = malloc(KUBE_EXEC_MAX_OUT + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", who);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += KUBE_EXEC_TIMEOUT_MS / 1000;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left_ms = (end.tv_sec - now.tv_sec) * 1000 +
		    (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left_ms <= 0) {
			snprintf(err, errlen, "%s did not finish within %d s",
			    who, KUBE_EXEC_TIMEOUT_MS / 1000);
			goto fail;
		}
		switch (poll(&pfd, 1, (int)left_ms)) {
		case -1:
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: poll: %s", who,
			    strerror(errno));
			goto fail;
		case 0:
			continue;	/* the deadline check above reports it */
		default:
			break;
		}
		if ((n = read(fd, buf + got, KUBE_EXEC_MAX_OUT + 1 - got)) ==
		    -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(err, errlen, "%s: read: %s", who,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > KUBE_EXEC_MAX_OUT) {
			snprintf(err, errlen, "%s printed more than %d bytes",
			    who, KUBE_EXEC_MAX_OUT);
			goto fail;
		}
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
fail:
	free(buf);
	return -1;
}

int
kube_exec_credential(struct kube_creds *c, char *err, size_t errlen)
{
	struct kube_exec *e = c->exec;
	char who[512], **argv = NULL, **env = NULL, *info = NULL,
	    *infovar = NULL, *out = NULL;
	size_t i, outlen = 0;
	int p[2] = { -1, -1 }, devnull = -1, status, rc = -1;
	pid_t pid = -1, waited;
	sigset_t mask;

	snprintf(who, sizeof(who), "exec plugin %.200s (user \"%.100s\" in "
	    "%.150s)", e->command, c->user != NULL ? c->user : "-", c->source);
	if ((info = kube_exec_info(c)) == NULL ||
	    asprintf(&infovar, "KUBERNETES_EXEC_INFO=%s", info) == -1 ||
	    (argv = calloc(e->nargs + 2, sizeof(*argv))) == NULL ||
	    (env = kube_exec_env(e, infovar)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", who);
		goto out;
	}
	argv[0] = e->command;
	for (i = 0; i < e->nargs; i++)
		argv[i + 1] = e->args[i];
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(err, errlen, "%s: cannot start: %s", who,
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* accountd's blocked signals are not the plugin's business. */
		sigemptyset(&mask);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		if (dup2(devnull, STDIN_FILENO) == -1 ||
		    dup2(p[1], STDOUT_FILENO) == -1)
			_exit(126);
		execvpe(e->command, argv, env);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	rc = kube_exec_read(p[0], &out, &outlen, who, err, errlen);
	if (rc == -1)
		kill(pid, SIGKILL);
	while ((waited = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (rc == -1)
		goto out;
	rc = -1;
	if (waited == -1) {
		snprintf(err, errlen, "%s: waitpid: %s", who, strerror(errno));
		goto out;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen, "%s could not be run: check that the "
		    "command exists and is executable", who);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s failed (%s %d); its messages are on "
		    "accountd's standard error", who, WIFEXITED(status) ?
		    "exit status" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status));
		goto out;
	}
	rc = kube_exec_parse(c, out, outlen, who, err, errlen);
out:
	if (out != NULL)
		explicit_bzero(out, outlen);
	free(out);
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	if (devnull != -1)
		close(devnull);
	free(argv);
	free(env);
	free(infovar);
	free(info);
	return rc;
}
