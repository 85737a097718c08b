/*
 * test_coder.c: the Coder client's pure parts (path escaping, workspace
 * state, Coder's error bodies in one line) and its token file rules: a
 * token readable by others, empty or spread over lines is refused, with a
 * message that names the file and the fix.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "coder.h"

static void
test_escape(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(coder_escape("alice", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "alice");
	assert_int_equal(coder_escape("a/b c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a%2Fb%20c");
	assert_int_equal(coder_escape("..", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "..");
	/* Does not fit: refused, never cut. */
	assert_int_equal(coder_escape("0123456789abcdef", buf, sizeof(buf)), -1);
	assert_int_equal(coder_escape("//////", buf, sizeof(buf)), -1);
}

static void
test_error_message(void **state)
{
	char buf[256];
	json_t *b;

	(void)state;
	b = json_pack("{s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "message",
	    "Validation failed.", "detail", "", "validations", "field",
	    "username", "detail", "required", "field", "email", "detail",
	    "not an email");
	coder_error_message(400, b, buf, sizeof(buf));
	assert_string_equal(buf, "Validation failed. (username: required; "
	    "email: not an email)");
	json_decref(b);
	b = json_pack("{s:s, s:s}", "message", "Unauthorized.", "detail",
	    "session token expired");
	coder_error_message(401, b, buf, sizeof(buf));
	assert_string_equal(buf, "Unauthorized.: session token expired");
	json_decref(b);
	coder_error_message(502, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "HTTP 502");
	/* A tiny buffer is cut, never overrun. */
	b = json_pack("{s:s}", "message", "a long message from the server");
	coder_error_message(500, b, buf, 8);
	assert_string_equal(buf, "a long ");
	json_decref(b);
}

static void
test_workspace_state(void **state)
{
	json_t *ws;

	(void)state;
	ws = json_loads("{\"latest_build\":{\"status\":\"starting\","
	    "\"resources\":[{\"name\":\"pvc\",\"agents\":null},{\"name\":\"dev\","
	    "\"agents\":[{\"status\":\"connecting\",\"lifecycle_state\":"
	    "\"starting\"}]}]}}", 0, NULL);
	assert_non_null(ws);
	assert_string_equal(coder_ws_status(ws), "starting");
	assert_string_equal(coder_ws_agent_status(ws), "connecting");
	assert_string_equal(coder_ws_agent_lifecycle(ws), "starting");
	json_decref(ws);
	ws = json_loads("{\"latest_build\":{\"status\":\"stopped\","
	    "\"resources\":[]}}", 0, NULL);
	assert_string_equal(coder_ws_status(ws), "stopped");
	assert_string_equal(coder_ws_agent_status(ws), "");
	json_decref(ws);
	assert_string_equal(coder_ws_status(NULL), "");
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_token_file(void **state)
{
	char dir[] = "/tmp/test_coder.XXXXXX", path[64], err[512];
	struct coder *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);

	write_file(path, "abc-123\n", 0644);
	assert_null(coder_open("http://127.0.0.1:1", path, err, sizeof(err)));
	assert_non_null(strstr(err, "readable by group or others: chmod 600"));

	write_file(path, "\n", 0600);
	assert_null(coder_open("http://127.0.0.1:1", path, err, sizeof(err)));
	assert_non_null(strstr(err, "not a Coder session token"));

	write_file(path, "abc\ndef\n", 0600);
	assert_null(coder_open("http://127.0.0.1:1", path, err, sizeof(err)));
	assert_non_null(strstr(err, "not a Coder session token"));

	assert_null(coder_open("", path, err, sizeof(err)));
	assert_non_null(strstr(err, "coder.url"));
	assert_null(coder_open("http://127.0.0.1:1", "/nonexistent/token", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/token"));

	write_file(path, "abc-123\n", 0600);
	c = coder_open("http://127.0.0.1:1/", path, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(coder_requests(c), 0);
	coder_close(c);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_error_message),
		cmocka_unit_test(test_workspace_state),
		cmocka_unit_test(test_token_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
