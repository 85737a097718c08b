/* test_proto.c: accountd frames (lib/proto.c): decoding, encoding, framing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "proto.h"

static enum api_err
decode(const char *s, struct proto_request *req)
{
	char err[256];

	return proto_decode_request(s, strlen(s), req, err, sizeof(err));
}

static void
test_request_ok(void **state)
{
	struct proto_request req;

	(void)state;
	assert_int_equal(decode("{\"v\":1,\"method\":\"account.show\","
	    "\"params\":{\"name\":\"alice\"}}", &req), API_OK);
	assert_string_equal(req.method, "account.show");
	assert_string_equal(json_string_value(json_object_get(req.params, "name")),
	    "alice");
	proto_request_clear(&req);
	/* params may be absent: an empty object is supplied. */
	assert_int_equal(decode("{\"method\":\"account.list\",\"v\":1}", &req), API_OK);
	assert_true(json_is_object(req.params));
	assert_int_equal(json_object_size(req.params), 0);
	proto_request_clear(&req);
}

static void
test_request_bad(void **state)
{
	static const struct { const char *frame; enum api_err want; } bad[] = {
		{ "", API_ERR_BAD_REQUEST },
		{ "null", API_ERR_BAD_REQUEST },
		{ "[]", API_ERR_BAD_REQUEST },
		{ "{}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1}", API_ERR_BAD_REQUEST },
		{ "{\"v\":\"1\",\"method\":\"a\"}", API_ERR_BAD_REQUEST },
		{ "{\"v\":2,\"method\":\"a\"}", API_ERR_VERSION },
		{ "{\"v\":1,\"method\":\"\"}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":\"A\"}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":\"a b\"}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":7}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":\"a\",\"params\":[]}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":\"a\",\"x\":1}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":\"a\",\"v\":1}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":\"a\"} {}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":\"a\\u0000b\"}", API_ERR_BAD_REQUEST },
		{ "{\"v\":1,\"method\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaa\"}", API_ERR_BAD_REQUEST },
	};
	struct proto_request req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decode(bad[i].frame, &req) != bad[i].want)
			fail_msg("frame %zu (%s) not refused as expected", i,
			    bad[i].frame);
		assert_null(req.params);
	}
}

static void
test_request_embedded_nul(void **state)
{
	static const char frame[] = "{\"v\":1,\"method\":\"a\"}\0x";
	struct proto_request req;
	char err[128];

	(void)state;
	assert_int_equal(proto_decode_request(frame, sizeof(frame) - 1, &req, err,
	    sizeof(err)), API_ERR_BAD_REQUEST);
	assert_non_null(strstr(err, "NUL"));
}

static void
test_roundtrip(void **state)
{
	char *f, err[256];
	json_t *params = json_pack("{s:s}", "name", "alice"), *res;
	struct proto_request req;
	enum api_err code;

	(void)state;
	f = proto_encode_request("account.show", params);
	assert_non_null(f);
	assert_int_equal(f[strlen(f) - 1], '\n');
	assert_int_equal(proto_decode_request(f, strlen(f) - 1, &req, err,
	    sizeof(err)), API_OK);
	assert_true(json_equal(req.params, params));
	proto_request_clear(&req);
	free(f);

	f = proto_encode_result(params);
	assert_int_equal(proto_decode_response(f, strlen(f) - 1, &code, &res, err,
	    sizeof(err)), 0);
	assert_int_equal(code, API_OK);
	assert_true(json_equal(res, params));
	json_decref(res);
	free(f);

	f = proto_encode_error(API_ERR_NOT_FOUND, "no account named bob");
	assert_int_equal(proto_decode_response(f, strlen(f) - 1, &code, &res, err,
	    sizeof(err)), 0);
	assert_int_equal(code, API_ERR_NOT_FOUND);
	assert_null(res);
	assert_string_equal(err, "no account named bob");
	free(f);
	json_decref(params);

	assert_int_equal(proto_decode_response("{\"v\":1}", 7, &code, &res, err,
	    sizeof(err)), -1);
	assert_int_equal(proto_decode_response("{\"v\":1,\"ok\":true}", 17, &code,
	    &res, err, sizeof(err)), -1);
}

static void
test_err_names(void **state)
{
	int i;

	(void)state;
	for (i = 1; i < API_ERR__COUNT; i++)
		assert_int_equal(proto_err_from_name(proto_err_name(i)), i);
	assert_int_equal(proto_err_from_name("bogus"), API_ERR_INTERNAL);
}

static void
test_read_frames(void **state)
{
	int sv[2];
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Two pipelined frames: the first read must leave the second intact. */
	assert_int_equal(proto_write_frame(sv[0], "{\"a\":1}\n{\"b\":2}\npartial"), 0);
	shutdown(sv[0], SHUT_WR);
	assert_int_equal(proto_read_frame(sv[1], PROTO_MAX_LINE, &buf, &len), 1);
	assert_string_equal(buf, "{\"a\":1}");
	assert_int_equal(len, 7);
	free(buf);
	assert_int_equal(proto_read_frame(sv[1], PROTO_MAX_LINE, &buf, &len), 1);
	assert_string_equal(buf, "{\"b\":2}");
	free(buf);
	/* EOF inside a frame is an error, not a frame. */
	assert_int_equal(proto_read_frame(sv[1], PROTO_MAX_LINE, &buf, &len), -1);
	assert_null(buf);
	close(sv[0]);
	close(sv[1]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	shutdown(sv[0], SHUT_WR);
	assert_int_equal(proto_read_frame(sv[1], PROTO_MAX_LINE, &buf, &len), 0);
	close(sv[0]);
	close(sv[1]);
}

static void
test_read_overlong(void **state)
{
	int sv[2];
	char *big, *buf;
	size_t len;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		big = malloc(PROTO_MAX_LINE + 10);
		memset(big, 'x', PROTO_MAX_LINE + 9);
		big[PROTO_MAX_LINE + 9] = '\0';
		close(sv[1]);
		(void)proto_write_frame(sv[0], big);
		_exit(0);
	}
	close(sv[0]);
	assert_int_equal(proto_read_frame(sv[1], PROTO_MAX_LINE, &buf, &len), -1);
	assert_null(buf);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_ok),
		cmocka_unit_test(test_request_bad),
		cmocka_unit_test(test_request_embedded_nul),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_read_frames),
		cmocka_unit_test(test_read_overlong),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
