/*
 * kube_fixture.h: the strict fake API server (tests/fakes/kube_fake.py) as
 * a cmocka group fixture for the tests that talk to it over TLS.  Setup
 * starts the fake on free loopback ports with a fresh test CA, its own
 * kubeconfig and a bearer token; teardown stops it and removes its folder.
 * Tests run from the top of the tree (make unit).  Included by one test
 * file each, so its functions and state are static.
 */
#ifndef KUBE_FIXTURE_H
#define KUBE_FIXTURE_H

#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#define FAKE	"tests/fakes/kube_fake.py"
#define TOKEN	"s3cret-token"

static char	tmpdir[] = "/tmp/meduse-kube-fake.XXXXXX";
static pid_t	fake_pid = -1;
static char	url[256];	/* KUBE_URL */
static char	control[256];	/* KUBE_CONTROL */

/* Reads a whole small file; NULL if absent. */
static char *
slurp(const char *path)
{
	char *buf = NULL;
	long len;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = calloc(1, len + 1)) != NULL &&
	    fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Reads KEY=value from the fake's ready file into out. */
static int
ready_value(const char *text, const char *key, char *out, size_t len)
{
	const char *p;
	size_t n;

	if ((p = strstr(text, key)) == NULL)
		return -1;
	p += strlen(key);
	n = strcspn(p, "\n");
	if (n == 0 || n >= len)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
start_fake(void)
{
	char certs[600], kc[600], ready[600], *text;
	int i, fd;

	if (access(FAKE, R_OK) == -1 || access("/usr/bin/python3", X_OK) == -1) {
		print_error("need %s and /usr/bin/python3; run from the top "
		    "of the tree\n", FAKE);
		return -1;
	}
	snprintf(certs, sizeof(certs), "%s/certs", tmpdir);
	snprintf(kc, sizeof(kc), "%s/kubeconfig", tmpdir);
	snprintf(ready, sizeof(ready), "%s/ready", tmpdir);
	if ((fake_pid = fork()) == -1)
		return -1;
	if (fake_pid == 0) {
		/* Its stdout banner would clutter the test output. */
		if ((fd = open("/dev/null", O_WRONLY)) != -1)
			dup2(fd, 1);
		execl("/usr/bin/python3", "python3", FAKE, "--listen",
		    "127.0.0.1:0", "--control", "127.0.0.1:0", "--certs", certs,
		    "--token", TOKEN, "--kubeconfig", kc, "--ready-file", ready,
		    (char *)NULL);
		_exit(127);
	}
	/* python3-kubernetes imports slowly on a busy machine. */
	for (i = 0; i < 600; i++) {
		if ((text = slurp(ready)) != NULL) {
			if (ready_value(text, "KUBE_URL=", url,
			    sizeof(url)) == 0 && ready_value(text,
			    "KUBE_CONTROL=", control, sizeof(control)) == 0) {
				free(text);
				return 0;
			}
			free(text);
		}
		if (waitpid(fake_pid, NULL, WNOHANG) == fake_pid) {
			fake_pid = -1;
			return -1;
		}
		usleep(50000);
	}
	print_error("%s did not become ready (python3-kubernetes missing? "
	    "scripts/deps.sh installs it)\n", FAKE);
	return -1;
}

static int
kube_fixture_teardown(void **state)
{
	char cmd[600];

	(void)state;
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
		fake_pid = -1;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	curl_global_cleanup();
	return system(cmd) == 0 ? 0 : -1;
}

static int
kube_fixture_setup(void **state)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	/* cmocka skips the group teardown when setup fails. */
	if (start_fake() == -1) {
		kube_fixture_teardown(state);
		return -1;
	}
	return 0;
}

#endif
