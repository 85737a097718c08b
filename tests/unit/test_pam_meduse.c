/*
 * test_pam_meduse.c: pam_meduse.so as libpam loads it (pam_start_confdir with
 * a service file naming the built module), against a scripted fake accountd
 * on a unix socket.  The fake covers what real accountd cannot be made to do:
 * answer garbage, an unknown state, another account, an internal error, hang
 * up, or stay silent.  The real daemon is driven by tests/integration/t-pam-*.
 */
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <security/pam_appl.h>

#define SERVICE	"meduse-unit"

enum fake_mode {
	FAKE_REPLY,		/* read one request, write the scripted line */
	FAKE_HANGUP,		/* read one request, close without a word */
	FAKE_SILENT,		/* read one request, answer nothing until the client leaves */
};

struct fake {
	int		 lfd;			/* listening socket */
	pthread_t	 thread;
	enum fake_mode	 mode;
	const char	*reply;			/* FAKE_REPLY: the line, without '\n' */
	char		 request[4096];		/* what the module sent */
	int		 accepted;		/* connections seen */
};

static char	 test_dir[64];
static char	 test_sock[96];
static char	 test_module[PATH_MAX];

/* The module is $(BUILD)/lib/pam_meduse.so; this binary is $(BUILD)/tests/. */
static int
find_module(void)
{
	char exe[PATH_MAX - 32];
	ssize_t n;
	char *slash;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return -1;
	*slash = '\0';
	snprintf(test_module, sizeof(test_module), "%s/../lib/pam_meduse.so", exe);
	return access(test_module, R_OK);
}

static int
group_setup(void **state)
{
	(void)state;
	if (find_module() == -1) {
		fprintf(stderr, "pam_meduse.so not found next to this test (%s): "
		    "run make first\n", test_module);
		return -1;
	}
	snprintf(test_dir, sizeof(test_dir), "/tmp/pam-unit.XXXXXX");
	if (mkdtemp(test_dir) == NULL)
		return -1;
	snprintf(test_sock, sizeof(test_sock), "%s/accountd.sock", test_dir);
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes the service file: "TYPE required MODULE ARGS". */
static void
write_service(const char *type, const char *args)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" SERVICE, test_dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s required %s %s\n", type, test_module, args);
	assert_int_equal(fclose(f), 0);
}

static int
fake_listen(void)
{
	struct sockaddr_un sun;
	int fd;

	unlink(test_sock);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", test_sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* Reads up to and including '\n' (or EOF) into buf. */
static void
fake_read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, 1)) == 1) {
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
}

/* Nobody connected to the listening socket lfd. */
static void
assert_no_connection(int lfd)
{
	struct pollfd pfd = { lfd, POLLIN, 0 };

	assert_int_equal(poll(&pfd, 1, 0), 0);
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd = { f->lfd, POLLIN, 0 };
	char line[4352], sink[64];
	int fd;

	/* The module connects at most once per call; give up after 10 s. */
	if (poll(&pfd, 1, 10000) != 1)
		return NULL;
	if ((fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return NULL;
	f->accepted++;
	fake_read_line(fd, f->request, sizeof(f->request));
	switch (f->mode) {
	case FAKE_REPLY:
		snprintf(line, sizeof(line), "%s\n", f->reply);
		if (write(fd, line, strlen(line)) < 0)
			break;
		break;
	case FAKE_HANGUP:
		break;
	case FAKE_SILENT:
		while (read(fd, sink, sizeof(sink)) > 0)
			;
		break;
	}
	close(fd);
	return NULL;
}

static void
fake_start(struct fake *f, enum fake_mode mode, const char *reply)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->reply = reply;
	f->lfd = fake_listen();
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f)
{
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	close(f->lfd);
	unlink(test_sock);
}

/* Asserts that the module asked account.state for want_name. */
static void
assert_asked(const struct fake *f, const char *want_name)
{
	json_error_t jerr;
	json_t *req;
	const char *method = NULL, *name = NULL;
	int v = 0;

	assert_int_equal(f->accepted, 1);
	req = json_loads(f->request, 0, &jerr);
	assert_non_null(req);
	assert_int_equal(json_unpack(req, "{s:i, s:s, s:{s:s}}", "v", &v,
	    "method", &method, "params", "name", &name), 0);
	assert_int_equal(v, 1);
	assert_string_equal(method, "account.state");
	assert_string_equal(name, want_name);
	json_decref(req);
}

/* The module never converses; a call would be a bug. */
static int
no_conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	(void)n; (void)msg; (void)resp; (void)data;
	fail_msg("pam_meduse tried to converse");
	return PAM_CONV_ERR;
}

/* Runs one PAM stage of SERVICE for user and returns its result. */
static int
run_stage(const char *stage, const char *user)
{
	struct pam_conv conv = { no_conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc;

	assert_int_equal(pam_start_confdir(SERVICE, user, &conv, test_dir,
	    &pamh), PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_RHOST, "127.0.0.1"), PAM_SUCCESS);
	if (strcmp(stage, "account") == 0)
		rc = pam_acct_mgmt(pamh, 0);
	else if (strcmp(stage, "open") == 0)
		rc = pam_open_session(pamh, 0);
	else
		rc = pam_close_session(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* One account-stage call against a fake answering reply. */
static int
account_with_reply(const char *user, const char *reply, const char *asked)
{
	struct fake f;
	char args[PATH_MAX + 64];
	int rc;

	snprintf(args, sizeof(args), "socket=%s timeout=5000", test_sock);
	write_service("account", args);
	fake_start(&f, FAKE_REPLY, reply);
	rc = run_stage("account", user);
	fake_stop(&f);
	assert_asked(&f, asked);
	return rc;
}

static void
test_active(void **state)
{
	(void)state;
	assert_int_equal(account_with_reply("alice", "{\"v\":1,\"ok\":true,"
	    "\"result\":{\"name\":\"alice\",\"state\":\"active\",\"expires\":null}}",
	    "alice"), PAM_SUCCESS);
}

static void
test_locked(void **state)
{
	(void)state;
	assert_int_equal(account_with_reply("bob", "{\"v\":1,\"ok\":true,"
	    "\"result\":{\"name\":\"bob\",\"state\":\"locked\",\"expires\":null}}",
	    "bob"), PAM_PERM_DENIED);
}

static void
test_expired(void **state)
{
	(void)state;
	assert_int_equal(account_with_reply("carol", "{\"v\":1,\"ok\":true,"
	    "\"result\":{\"name\":\"carol\",\"state\":\"expired\","
	    "\"expires\":\"2020-01-31\"}}", "carol"), PAM_ACCT_EXPIRED);
}

static void
test_not_found(void **state)
{
	(void)state;
	assert_int_equal(account_with_reply("dave", "{\"v\":1,\"ok\":false,"
	    "\"error\":{\"code\":\"not_found\",\"message\":\"no account dave\"}}",
	    "dave"), PAM_USER_UNKNOWN);
}

/* "alice+gpu" as typed at meduse-sshd is asked about as account alice. */
static void
test_login_with_workspace(void **state)
{
	(void)state;
	assert_int_equal(account_with_reply("alice+gpu", "{\"v\":1,\"ok\":true,"
	    "\"result\":{\"name\":\"alice\",\"state\":\"active\",\"expires\":null}}",
	    "alice"), PAM_SUCCESS);
}

/* Every answer that is not a clear verdict about the account fails closed. */
static void
test_fail_closed_answers(void **state)
{
	static const char *const replies[] = {
		"{\"v\":1,\"ok\":false,\"error\":{\"code\":\"denied\","
		    "\"message\":\"gateway group only\"}}",
		"{\"v\":1,\"ok\":false,\"error\":{\"code\":\"internal\","
		    "\"message\":\"database is locked\"}}",
		"{\"v\":1,\"ok\":false,\"error\":{\"code\":\"no_such_code\","
		    "\"message\":\"?\"}}",
		"hello",
		"{\"v\":1,\"ok\":true,\"result\":{\"name\":\"alice\"}}",
		"{\"v\":1,\"ok\":true,\"result\":{\"name\":\"alice\",\"state\":1}}",
		"{\"v\":1,\"ok\":true,\"result\":{\"name\":\"alice\",\"state\":\"frozen\"}}",
		"{\"v\":1,\"ok\":true,\"result\":{\"name\":\"mallory\",\"state\":\"active\"}}",
		"{\"v\":2,\"ok\":true,\"result\":{\"name\":\"alice\",\"state\":\"active\"}}",
		"{\"v\":1,\"ok\":true,\"result\":[\"active\"]}",
		"{\"v\":1,\"ok\":true,\"result\":{\"name\":\"alice\",\"state\":\"active\"}} x",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		print_message("reply %zu: %s\n", i, replies[i]);
		assert_int_equal(account_with_reply("alice", replies[i], "alice"),
		    PAM_AUTHINFO_UNAVAIL);
	}
}

static void
test_hangup(void **state)
{
	struct fake f;
	char args[PATH_MAX + 64];

	(void)state;
	snprintf(args, sizeof(args), "socket=%s", test_sock);
	write_service("account", args);
	fake_start(&f, FAKE_HANGUP, NULL);
	assert_int_equal(run_stage("account", "alice"), PAM_AUTHINFO_UNAVAIL);
	fake_stop(&f);
	assert_asked(&f, "alice");
}

/* timeout= bounds the wait for a silent accountd. */
static void
test_timeout(void **state)
{
	struct timespec t0, t1;
	struct fake f;
	char args[PATH_MAX + 64];
	long ms;

	(void)state;
	snprintf(args, sizeof(args), "socket=%s timeout=300", test_sock);
	write_service("account", args);
	fake_start(&f, FAKE_SILENT, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_stage("account", "alice"), PAM_AUTHINFO_UNAVAIL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fake_stop(&f);
	assert_asked(&f, "alice");
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	/* Far below the 10 s default, so timeout= was obeyed. */
	assert_true(ms < 5000);
}

static void
test_no_daemon(void **state)
{
	char args[PATH_MAX + 64];

	(void)state;
	unlink(test_sock);
	snprintf(args, sizeof(args), "socket=%s", test_sock);
	write_service("account", args);
	assert_int_equal(run_stage("account", "alice"), PAM_AUTHINFO_UNAVAIL);
}

/* Names that are not meduse accounts never reach accountd. */
static void
test_bad_names(void **state)
{
	static const char *const names[] = {
		"", "Alice", "root", "a b", "alice\nbob", "-alice", "alice+",
		"alice+Gpu", "a+b+c", "kube-system",
		"abcdefghijabcdefghijabcdefghijabc",
	};
	char args[PATH_MAX + 64];
	size_t i;
	int lfd;

	(void)state;
	lfd = fake_listen();
	snprintf(args, sizeof(args), "socket=%s", test_sock);
	write_service("account", args);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		print_message("name %zu\n", i);
		assert_int_equal(run_stage("account", names[i]), PAM_USER_UNKNOWN);
	}
	assert_no_connection(lfd);
	close(lfd);
	unlink(test_sock);
}

static void
test_options(void **state)
{
	static const char *const bad[] = {
		"timeout=abc", "timeout=0", "timeout=", "timeout=-5",
		"timeout=99999999999999999999", "timeout=1h", "socket=relative.sock",
		"config=meduse.yaml",
	};
	char args[PATH_MAX + 64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("option %s\n", bad[i]);
		snprintf(args, sizeof(args), "socket=%s %s", test_sock, bad[i]);
		write_service("account", args);
		assert_int_equal(run_stage("account", "alice"), PAM_SERVICE_ERR);
		write_service("session", args);
		assert_int_equal(run_stage("open", "alice"), PAM_SERVICE_ERR);
	}
}

/* Unknown options are logged and ignored; durations are accepted. */
static void
test_options_accepted(void **state)
{
	struct fake f;
	char args[PATH_MAX + 64];

	(void)state;
	snprintf(args, sizeof(args), "frobnicate debug timeout=3s socket=%s",
	    test_sock);
	write_service("account", args);
	fake_start(&f, FAKE_REPLY, "{\"v\":1,\"ok\":true,\"result\":"
	    "{\"name\":\"erin\",\"state\":\"active\",\"expires\":null}}");
	assert_int_equal(run_stage("account", "erin"), PAM_SUCCESS);
	fake_stop(&f);
	assert_asked(&f, "erin");
}

static void
write_config(const char *name, const char *socket)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "state_dir: %s\naccountd:\n  socket: %s\n", test_dir, socket);
	assert_int_equal(fclose(f), 0);
}

/* config= names the meduse.yaml whose accountd.socket is asked. */
static void
test_config(void **state)
{
	struct fake f;
	char args[2 * PATH_MAX];

	(void)state;
	write_config("meduse.yaml", test_sock);
	snprintf(args, sizeof(args), "config=%s/meduse.yaml", test_dir);
	write_service("account", args);
	fake_start(&f, FAKE_REPLY, "{\"v\":1,\"ok\":true,\"result\":"
	    "{\"name\":\"frank\",\"state\":\"locked\",\"expires\":null}}");
	assert_int_equal(run_stage("account", "frank"), PAM_PERM_DENIED);
	fake_stop(&f);
	assert_asked(&f, "frank");

	/* socket= wins over config= */
	write_config("other.yaml", "/nonexistent/accountd.sock");
	snprintf(args, sizeof(args), "config=%s/other.yaml socket=%s", test_dir,
	    test_sock);
	write_service("account", args);
	fake_start(&f, FAKE_REPLY, "{\"v\":1,\"ok\":true,\"result\":"
	    "{\"name\":\"frank\",\"state\":\"active\",\"expires\":null}}");
	assert_int_equal(run_stage("account", "frank"), PAM_SUCCESS);
	fake_stop(&f);
	assert_asked(&f, "frank");

	/* the config's socket, with nobody there */
	snprintf(args, sizeof(args), "config=%s/other.yaml", test_dir);
	write_service("account", args);
	assert_int_equal(run_stage("account", "frank"), PAM_AUTHINFO_UNAVAIL);
}

static void
test_config_broken(void **state)
{
	char args[2 * PATH_MAX], path[PATH_MAX];
	FILE *f;

	(void)state;
	snprintf(args, sizeof(args), "config=%s/missing.yaml", test_dir);
	write_service("account", args);
	assert_int_equal(run_stage("account", "alice"), PAM_SERVICE_ERR);

	snprintf(path, sizeof(path), "%s/bad.yaml", test_dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "accountd: [unclosed\n");
	assert_int_equal(fclose(f), 0);
	snprintf(args, sizeof(args), "config=%s", path);
	write_service("account", args);
	assert_int_equal(run_stage("account", "alice"), PAM_SERVICE_ERR);

	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "accountd:\n  sockett: /run/x.sock\n");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run_stage("account", "alice"), PAM_SERVICE_ERR);
}

/* The session stage only logs, and never asks accountd. */
static void
test_session(void **state)
{
	char args[PATH_MAX + 64];
	int lfd;

	(void)state;
	lfd = fake_listen();
	snprintf(args, sizeof(args), "socket=%s", test_sock);
	write_service("session", args);
	assert_int_equal(run_stage("open", "alice"), PAM_SUCCESS);
	assert_int_equal(run_stage("close", "alice"), PAM_SUCCESS);
	assert_int_equal(run_stage("open", "Not A Name\n"), PAM_SUCCESS);
	assert_no_connection(lfd);
	close(lfd);
	unlink(test_sock);
}

/* auth, setcred and chauthtok are not this module's business. */
static void
test_ignored_stages(void **state)
{
	static const char *const fns[] = {
		"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_chauthtok",
	};
	int (*fn)(pam_handle_t *, int, int, const char **);
	struct pam_conv conv = { no_conv, NULL };
	pam_handle_t *pamh = NULL;
	void *dl;
	size_t i;

	(void)state;
	write_service("account", "");
	assert_int_equal(pam_start_confdir(SERVICE, "alice", &conv, test_dir,
	    &pamh), PAM_SUCCESS);
	assert_non_null(dl = dlopen(test_module, RTLD_NOW | RTLD_LOCAL));
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		*(void **)&fn = dlsym(dl, fns[i]);
		assert_non_null(fn);
		assert_int_equal(fn(pamh, 0, 0, NULL), PAM_IGNORE);
	}
	dlclose(dl);
	pam_end(pamh, PAM_SUCCESS);
}

/* The module must not leave a descriptor behind in its host. */
static void
test_no_fd_leak(void **state)
{
	char path[64];
	int before, after, fd;

	(void)state;
	/* A first call lets libc open its syslog socket, which it keeps. */
	test_active(state);
	for (fd = 0, before = 0; fd < 1024; fd++)
		before += fcntl(fd, F_GETFD) != -1;
	test_active(state);
	test_not_found(state);
	test_no_daemon(state);
	for (fd = 0, after = 0; fd < 1024; fd++)
		after += fcntl(fd, F_GETFD) != -1;
	snprintf(path, sizeof(path), "%d before, %d after", before, after);
	print_message("descriptors: %s\n", path);
	assert_int_equal(before, after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active),
		cmocka_unit_test(test_locked),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_login_with_workspace),
		cmocka_unit_test(test_fail_closed_answers),
		cmocka_unit_test(test_hangup),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_options_accepted),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_broken),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_ignored_stages),
		cmocka_unit_test(test_no_fd_leak),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
