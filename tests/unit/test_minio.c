/*
 * test_minio.c: the MinIO client (lib/minio*.c).
 *
 * Without a server: the credentials file (its one line, its mode), the
 * endpoint, bucket and key names, secret keys, MinIO's error bodies and
 * listings.  Then the requests themselves against a loopback listener
 * that records what curl sent and answers what the test says: signed
 * headers and scopes (admin region "", S3 minio.region), the body hash,
 * Content-Length always (0 included), never chunked, sealed bodies that
 * decrypt to madmin's JSON, sealed answers of ids 0x00 and 0x01, MinIO's
 * Code and Message in errors, "already so" answers taken as success,
 * retries, and an endpoint that is down.
 *
 * With MINIO_FAKE_URL and MINIO_FAKE_CREDS set (the strict fake MinIO,
 * tests/integration/t-minio-client.sh), the whole provisioning sequence
 * runs against it as well; else those tests are skipped.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "madmin_crypt.h"
#include "minio.h"

#define ADMIN_KEY	"meduse-admin"
#define ADMIN_SECRET	"admin-secret-key-0123"
#define USER_SECRET	"Us3rS3cr3tUs3rS3cr3tUs3rS3cr3tUs3rS3cr3t"
#define EMPTY_SHA	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static char	tmpdir[] = "/tmp/test_minio.XXXXXX";
static char	credfile[64];

static void
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(credfile, sizeof(credfile), "%s/cred", tmpdir);
	write_file(credfile, ADMIN_KEY ":" ADMIN_SECRET "\n",
	    strlen(ADMIN_KEY ":" ADMIN_SECRET "\n"), 0600);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Retries without waiting; counts the waits. */
static void
no_sleep(void *arg, long ms)
{
	(void)ms;
	if (arg != NULL)
		(*(int *)arg)++;
}

/* --- the credentials file ------------------------------------------------ */

static void
test_credentials_parse(void **state)
{
	static const struct {
		const char	*text;
		const char	*access, *secret;	/* NULL: refused */
		const char	*why;
	} cases[] = {
		{ "AKIA:secret", "AKIA", "secret", NULL },
		{ "AKIA:secret\n", "AKIA", "secret", NULL },
		{ "AKIA:secret\r\n", "AKIA", "secret", NULL },
		{ "minio-admin:a/b+c=d.e", "minio-admin", "a/b+c=d.e", NULL },
		{ "AKIAsecret\n", NULL, NULL, "no ':'" },
		{ "", NULL, NULL, "no ':'" },
		{ ":secret\n", NULL, NULL, "the access key is empty" },
		{ "AKIA:\n", NULL, NULL, "the secret key is empty" },
		{ ":", NULL, NULL, "the access key is empty" },
		{ "bucket:AKIA:secret\n", NULL, NULL, "more than one ':'" },
		{ "AKIA:secret\n\n", NULL, NULL, "more than one line" },
		{ "AKIA:secret\nX:Y\n", NULL, NULL, "more than one line" },
		{ "AK IA:secret", NULL, NULL, "the access key holds a blank" },
		{ "AKIA:sec ret", NULL, NULL, "the secret key holds a blank" },
		{ "AKIA:secret\t", NULL, NULL, "the secret key holds a blank" },
		{ "AKIA:s\xc3\xa9", NULL, NULL, "the secret key holds" },
	};
	char *access, *secret, err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = minio_credentials_parse(cases[i].text,
		    strlen(cases[i].text), &access, &secret, err, sizeof(err));
		if (cases[i].access != NULL) {
			if (rc != 0)
				fail_msg("\"%s\": refused: %s", cases[i].text, err);
			assert_string_equal(access, cases[i].access);
			assert_string_equal(secret, cases[i].secret);
			free(access);
			free(secret);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_null(access);
		assert_null(secret);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", cases[i].text, err,
			    cases[i].why);
		/* A refusal never quotes the secret. */
		assert_null(strstr(err, "secret\n"));
		assert_null(strstr(err, "sec ret"));
	}
}

static void
test_credentials_file(void **state)
{
	char path[96], err[512];
	struct minio *m;

	(void)state;
	snprintf(path, sizeof(path), "%s/creds", tmpdir);

	write_file(path, "AKIA:secretkey\n", 15, 0644);
	assert_null(minio_open("http://127.0.0.1:1", path, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "readable by group or others: chmod 600"));
	assert_non_null(strstr(err, path));
	assert_null(strstr(err, "secretkey"));

	assert_int_equal(chmod(path, 0640), 0);
	assert_null(minio_open("http://127.0.0.1:1", path, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(path, 0604), 0);
	assert_null(minio_open("http://127.0.0.1:1", path, NULL, err,
	    sizeof(err)));

	assert_int_equal(chmod(path, 0600), 0);
	m = minio_open("http://127.0.0.1:1", path, NULL, err, sizeof(err));
	assert_non_null(m);
	assert_string_equal(minio_admin_user(m), "AKIA");
	assert_string_equal(minio_region(m), "us-east-1");
	minio_close(m);
	assert_int_equal(chmod(path, 0400), 0);
	m = minio_open("http://127.0.0.1:1/", path, "eu-lab-1", err,
	    sizeof(err));
	assert_non_null(m);
	assert_string_equal(minio_region(m), "eu-lab-1");
	minio_close(m);

	write_file(path, "AKIA-secretkey\n", 15, 0600);
	assert_null(minio_open("http://127.0.0.1:1", path, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "not MinIO credentials: no ':'"));
	write_file(path, "AKIA:\n", 6, 0600);
	assert_null(minio_open("http://127.0.0.1:1", path, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "the secret key is empty"));
	write_file(path, "AK\0A:secretkey\n", 15, 0600);
	assert_null(minio_open("http://127.0.0.1:1", path, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "a NUL byte"));

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_null(minio_open("http://127.0.0.1:1", path, NULL, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "missing: cannot read"));
	assert_null(minio_open("", credfile, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "MinIO is not configured"));
}

static void
test_endpoint(void **state)
{
	static const char *const bad[] = {
		"ftp://nas:9000", "http://", "http:///x", "http://nas:9000/minio",
		"http://user:pw@nas:9000", "https://nas:9000/?x", "http://n as",
		"nas:9000",
	};
	char err[256];
	struct minio *m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(minio_open(bad[i], credfile, NULL, err, sizeof(err)));
		if (strstr(err, "is not http(s)://HOST[:PORT]") == NULL)
			fail_msg("%s: %s", bad[i], err);
	}
	assert_null(minio_open("http://nas", credfile, "eu/west", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "not a region"));
	m = minio_open("https://[::1]:9000", credfile, NULL, err, sizeof(err));
	assert_non_null(m);
	minio_close(m);
}

/* --- names and secrets --------------------------------------------------- */

static void
test_bucket_names(void **state)
{
	static const char *const good[] = {
		"abc", "lab-alice", "datasets", "a.b-c.d", "0ab",
		"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc",
	};
	static const char *const bad[] = {
		"", "ab", "Abc", "-ab", "ab-", "a..b", "a.-b", "a-.b", "a_b",
		"192.168.1.10", "xn--abc", "sthree-x", "abc-s3alias", "abc--ol-s3",
		"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd",
		"a/b", "a b",
	};
	char err[256], buf[80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (minio_bucket_check(good[i], err, sizeof(err)) != 0)
			fail_msg("%s refused: %s", good[i], err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (minio_bucket_check(bad[i], err, sizeof(err)) != -1)
			fail_msg("%s accepted", bad[i]);

	assert_int_equal(minio_bucket_prefix_check("", err, sizeof(err)), 0);
	assert_int_equal(minio_bucket_prefix_check("lab-", err, sizeof(err)), 0);
	assert_int_equal(minio_bucket_prefix_check("-x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a bucket name prefix"));
	assert_int_equal(minio_bucket_prefix_check("Lab-", err, sizeof(err)), -1);
	assert_int_equal(minio_bucket_prefix_check("a.b", err, sizeof(err)), -1);
	assert_int_equal(minio_bucket_prefix_check("xn--", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "S3 reserves"));
	/* 31 leaves room for a 32-character account name, 32 does not. */
	assert_int_equal(minio_bucket_prefix_check(
	    "abcdefghijabcdefghijabcdefghij1", err, sizeof(err)), 0);
	assert_int_equal(minio_bucket_prefix_check(
	    "abcdefghijabcdefghijabcdefghij12", err, sizeof(err)), -1);

	assert_int_equal(minio_bucket_name("lab-", "alice", buf, sizeof(buf),
	    err, sizeof(err)), 0);
	assert_string_equal(buf, "lab-alice");
	assert_int_equal(minio_bucket_name("", "bob", buf, sizeof(buf), err,
	    sizeof(err)), 0);
	assert_string_equal(buf, "bob");
	/* Too short without a prefix: said in terms of the account. */
	assert_int_equal(minio_bucket_name("", "al", buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "account al cannot have the bucket \"al\""));
	assert_int_equal(minio_bucket_name("u-", "al", buf, sizeof(buf), err,
	    sizeof(err)), 0);
	assert_int_equal(minio_bucket_name("", "Alice", buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_int_equal(minio_bucket_name("", "xn--ab", buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_int_equal(minio_bucket_name("lab-", "alice", buf, 8, err,
	    sizeof(err)), -1);

	assert_int_equal(minio_access_key("alice", buf, sizeof(buf), err,
	    sizeof(err)), 0);
	assert_string_equal(buf, "alice");
	assert_int_equal(minio_access_key("al", buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "at least 3 characters"));
	assert_int_equal(minio_access_key("a:b", buf, sizeof(buf), err,
	    sizeof(err)), -1);
}

static void
test_secret_generate(void **state)
{
	enum { N = 500 };
	char (*s)[MINIO_SECRET_LEN + 1], err[128];
	int seen[256] = { 0 }, distinct = 0;
	size_t i, j;

	(void)state;
	s = calloc(N, sizeof(*s));
	assert_non_null(s);
	for (i = 0; i < N; i++) {
		assert_int_equal(minio_secret_generate(s[i], err, sizeof(err)), 0);
		assert_int_equal(strlen(s[i]), MINIO_SECRET_LEN);
		for (j = 0; j < MINIO_SECRET_LEN; j++) {
			unsigned char c = (unsigned char)s[i][j];

			if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9')))
				fail_msg("'%c' in %s", c, s[i]);
			seen[c]++;
		}
		for (j = 0; j < i; j++)
			assert_string_not_equal(s[i], s[j]);
	}
	/* 20000 draws over 62 symbols: each ~323 times; none missing or rare. */
	for (i = 0; i < 256; i++)
		if (seen[i] != 0) {
			distinct++;
			assert_true(seen[i] > 200 && seen[i] < 460);
		}
	assert_int_equal(distinct, 62);
	free(s);
}

/* --- MinIO's answers ----------------------------------------------------- */

static void
test_error_parse(void **state)
{
	char code[MINIO_CODE_MAX], msg[MINIO_MESSAGE_MAX], small[8];
	const char *b;

	(void)state;
	b = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket"
	    "</Code><Message>The specified bucket does not exist</Message>"
	    "<BucketName>lab-x</BucketName><Resource>/lab-x</Resource></Error>";
	assert_int_equal(minio_error_parse(b, strlen(b), code, sizeof(code), msg,
	    sizeof(msg)), 0);
	assert_string_equal(code, "NoSuchBucket");
	assert_string_equal(msg, "The specified bucket does not exist");

	b = "{\"Code\":\"XMinioAdminNoSuchUser\",\"Message\":\"The specified user "
	    "does not exist.\",\"Resource\":\"/minio/admin/v3/user-info\"}";
	assert_int_equal(minio_error_parse(b, strlen(b), code, sizeof(code), msg,
	    sizeof(msg)), 0);
	assert_string_equal(code, "XMinioAdminNoSuchUser");
	assert_string_equal(msg, "The specified user does not exist.");

	/* Entities decoded; a message too long for the buffer is cut. */
	b = "<Error><Code>InvalidArgument</Code><Message>a &lt;b&gt; &amp; "
	    "&quot;c&quot; &apos;d&apos; &#233;&#x1F600;</Message></Error>";
	assert_int_equal(minio_error_parse(b, strlen(b), code, sizeof(code), msg,
	    sizeof(msg)), 0);
	assert_string_equal(msg, "a <b> & \"c\" 'd' \xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(minio_error_parse(b, strlen(b), code, sizeof(code),
	    small, sizeof(small)), 0);
	assert_string_equal(small, "a <b> &");

	/* A code that does not fit is refused, never cut. */
	assert_int_equal(minio_error_parse(b, strlen(b), small, sizeof(small),
	    msg, sizeof(msg)), -1);
	assert_string_equal(small, "");
	assert_string_equal(msg, "");

	/* A bad message leaves the code. */
	b = "<Error><Code>X</Code><Message>a <b>c</b></Message></Error>";
	assert_int_equal(minio_error_parse(b, strlen(b), code, sizeof(code), msg,
	    sizeof(msg)), 0);
	assert_string_equal(code, "X");
	assert_string_equal(msg, "");

	static const char *const bad[] = {
		"", "HTTP 502 Bad Gateway", "<Error></Error>",
		"<Error><Code></Code></Error>", "<Error><Code>A B</Code></Error>",
		"<Error><Code>A&#10;B</Code></Error>", "<Error><Code>A&bogus;</Code>",
		"<Error><Code>AB", "<Code>AB</Code>", "{\"Code\":1}",
		"{\"Code\":\"A\",\"Code\":\"B\"}", "{\"Message\":\"x\"}", "{",
		"<Error><Code>A<X/></Code></Error>", "<Error><Code>&#0;</Code>",
		"<Error><Code>&#xD800;</Code>", "<Error><Code>&#x110000;</Code>",
		"<Error><Code>&#99999999999;</Code>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (minio_error_parse(bad[i], strlen(bad[i]), code, sizeof(code),
		    msg, sizeof(msg)) != -1)
			fail_msg("accepted: %s -> %s", bad[i], code);
		assert_string_equal(code, "");
	}
	/* A NUL in the middle. */
	assert_int_equal(minio_error_parse("<Error><Code>A\0B</Code></Error>",
	    sizeof("<Error><Code>A\0B</Code></Error>") - 1, code, sizeof(code),
	    msg, sizeof(msg)), -1);
}

static void
test_xml_next(void **state)
{
	const char *d = "<a><Key>x</Key><Key></Key><Keys>no</Keys><Key>y&amp;"
	    "</Key></a>";
	char out[8];
	size_t pos = 0;

	(void)state;
	assert_int_equal(minio_xml_next(d, strlen(d), "Key", &pos, out,
	    sizeof(out)), 1);
	assert_string_equal(out, "x");
	assert_int_equal(minio_xml_next(d, strlen(d), "Key", &pos, out,
	    sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(minio_xml_next(d, strlen(d), "Key", &pos, out,
	    sizeof(out)), 1);
	assert_string_equal(out, "y&");
	assert_int_equal(minio_xml_next(d, strlen(d), "Key", &pos, out,
	    sizeof(out)), 0);
	/* Exactly full: 7 bytes fit, 8 do not. */
	d = "<K>1234567</K><K>12345678</K>";
	pos = 0;
	assert_int_equal(minio_xml_next(d, strlen(d), "K", &pos, out,
	    sizeof(out)), 1);
	assert_string_equal(out, "1234567");
	assert_int_equal(minio_xml_next(d, strlen(d), "K", &pos, out,
	    sizeof(out)), -1);
	assert_string_equal(out, "");
}

static char *
list_page(size_t nkeys, const char *key, bool truncated, const char *token)
{
	char *b = NULL, *p;
	size_t i;

	assert_true(asprintf(&b, "<?xml version=\"1.0\"?><ListBucketResult "
	    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
	    "<IsTruncated>%s</IsTruncated>", truncated ? "true" : "false") > 0);
	for (i = 0; i < nkeys; i++) {
		assert_true(asprintf(&p, "%s<Contents><Key>%s%zu</Key><Size>1"
		    "</Size></Contents>", b, key, i) > 0);
		free(b);
		b = p;
	}
	if (token != NULL) {
		assert_true(asprintf(&p, "%s<NextContinuationToken>%s"
		    "</NextContinuationToken>", b, token) > 0);
		free(b);
		b = p;
	}
	assert_true(asprintf(&p, "%s</ListBucketResult>", b) > 0);
	free(b);
	return p;
}

static void
test_list_parse(void **state)
{
	struct minio_list l;
	char err[256], *b, longkey[MINIO_KEY_MAX + 2];

	(void)state;
	b = list_page(3, "r&amp;d/k ", true, "tok/en=");
	assert_int_equal(minio_list_parse(b, strlen(b), &l, err, sizeof(err)), 0);
	assert_int_equal(l.nkeys, 3);
	assert_string_equal(l.keys[0], "r&d/k 0");
	assert_string_equal(l.keys[2], "r&d/k 2");
	assert_true(l.truncated);
	assert_string_equal(l.next_token, "tok/en=");
	minio_list_free(&l);
	free(b);

	b = list_page(0, "", false, NULL);
	assert_int_equal(minio_list_parse(b, strlen(b), &l, err, sizeof(err)), 0);
	assert_int_equal(l.nkeys, 0);
	assert_false(l.truncated);
	assert_null(l.next_token);
	minio_list_free(&l);
	free(b);

	b = list_page(MINIO_LIST_MAX, "k", false, NULL);
	assert_int_equal(minio_list_parse(b, strlen(b), &l, err, sizeof(err)), 0);
	assert_int_equal(l.nkeys, MINIO_LIST_MAX);
	minio_list_free(&l);
	free(b);

	/* Refused whole. */
	b = list_page(MINIO_LIST_MAX + 1, "k", false, NULL);
	assert_int_equal(minio_list_parse(b, strlen(b), &l, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "more than 1000 keys"));
	assert_null(l.keys);
	free(b);
	b = list_page(2, "k", true, NULL);
	assert_int_equal(minio_list_parse(b, strlen(b), &l, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "no NextContinuationToken"));
	free(b);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	b = list_page(1, longkey, false, NULL);
	assert_int_equal(minio_list_parse(b, strlen(b), &l, err, sizeof(err)),
	    -1);
	free(b);
	static const char *const bad[] = {
		"<Error><Code>NoSuchBucket</Code></Error>",
		"<ListBucketResult><Contents><Key>a</Key></Contents>"
		"</ListBucketResult>",
		"<ListBucketResult><IsTruncated>yes</IsTruncated>"
		"</ListBucketResult>",
		"<ListBucketResult><IsTruncated>false</IsTruncated><Key></Key>"
		"</ListBucketResult>",
		"<ListBucketResult><IsTruncated>false</IsTruncated><Key>a<b/>"
		"</Key></ListBucketResult>",
		"<ListBucketResult><IsTruncated>false</IsTruncated><Key>a&#0;"
		"</Key></ListBucketResult>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (minio_list_parse(bad[i], strlen(bad[i]), &l, err,
		    sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
	}
}

/* The policy meduse sends, for the comparisons below. */
static json_t *
ours_policy(void)
{
	json_t *doc = json_pack("{s:s, s:[{s:s, s:[sss], s:[s]}, {s:s, "
	    "s:[ss], s:[s]}]}", "Version", "2012-10-17", "Statement",
	    "Effect", "Allow", "Action", "s3:ListBucket", "s3:GetBucketLocation",
	    "s3:ListBucketMultipartUploads", "Resource", "arn:aws:s3:::lab-alice",
	    "Effect", "Allow", "Action", "s3:GetObject", "s3:PutObject",
	    "Resource", "arn:aws:s3:::lab-alice/*");

	assert_non_null(doc);
	return doc;
}

static json_t *
parsed_policy(const char *text)
{
	char err[256];
	json_t *doc;

	if (minio_policy_parse(text, strlen(text), "meduse-alice", &doc, err,
	    sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	return doc;
}

static void
test_policy_parse(void **state)
{
	/* As MinIO writes it back: indented, sets in any order. */
	const char *plain = "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n"
	    "  {\n   \"Effect\": \"Allow\",\n   \"Action\": [\n    \"s3:PutObject\","
	    "\n    \"s3:GetObject\"\n   ],\n   \"Resource\": [\n    "
	    "\"arn:aws:s3:::lab-alice/*\"\n   ]\n  }\n ]\n}";
	char err[256], *big;
	json_t *doc;

	(void)state;
	doc = parsed_policy(plain);
	assert_int_equal(json_array_size(json_object_get(doc, "Statement")), 1);
	json_decref(doc);
	/* madmin's PolicyInfo (v=2): its Policy, for the policy asked for. */
	doc = parsed_policy("{\"PolicyName\":\"meduse-alice\",\"Policy\":{"
	    "\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
	    "\"Action\":\"s3:*\",\"Resource\":\"*\"}]},\"CreateDate\":"
	    "\"2026-01-01T00:00:00Z\"}");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "Statement"), 0), "Effect")), "Deny");
	json_decref(doc);
	/* Go's nil slice of statements. */
	doc = parsed_policy("{\"Version\":\"2012-10-17\",\"Statement\":null}");
	json_decref(doc);

	static const char *const bad[] = {
		"", "null", "[]", "\"x\"", "{", "{}x", "{\"Statement\":{}}",
		"{\"Statement\":\"s\"}", "{\"Statement\":[1]}",
		"{\"Statement\":[],\"Statement\":[]}",
		"{\"PolicyName\":\"meduse-bob\",\"Policy\":{\"Statement\":[]}}",
		"{\"PolicyName\":\"meduse-alice\"}",
		"{\"PolicyName\":\"meduse-alice\",\"Policy\":[]}",
		"{\"Version\":\"\\u0000\",\"Statement\":[]}",
		"\x1b[31m{\"Statement\":[]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		doc = (json_t *)1;
		if (minio_policy_parse(bad[i], strlen(bad[i]), "meduse-alice", &doc,
		    err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_null(doc);
		assert_non_null(strstr(err, "info-canned-policy: "));
		/* The answer is never quoted. */
		assert_null(strchr(err, '\x1b'));
	}
	assert_int_equal(minio_policy_parse("{\"Statement\":[]}\0",
	    sizeof("{\"Statement\":[]}\0") - 1, NULL, &doc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	big = malloc(MINIO_ANSWER_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', MINIO_ANSWER_MAX + 1);
	memcpy(big, "{\"Statement\":[]}", 16);
	assert_int_equal(minio_policy_parse(big, MINIO_ANSWER_MAX + 1, NULL, &doc,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(minio_policy_parse(big, MINIO_ANSWER_MAX, NULL, &doc,
	    err, sizeof(err)), 0);
	json_decref(doc);
	free(big);
}

static void
test_policy_same(void **state)
{
	json_t *ours = ours_policy(), *doc;

	(void)state;
	assert_true(minio_policy_same(ours, ours));
	/* What MinIO gives back: the same grants, written otherwise. */
	static const char *const same[] = {
		/* statements and sets in another order, a set of one a string */
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		"\"Action\":[\"s3:PutObject\",\"s3:GetObject\"],\"Resource\":"
		"\"arn:aws:s3:::lab-alice/*\"},{\"Effect\":\"Allow\",\"Action\":["
		"\"s3:ListBucketMultipartUploads\",\"s3:ListBucket\","
		"\"s3:GetBucketLocation\"],\"Resource\":[\"arn:aws:s3:::lab-alice\"]}]}",
		/* repeats, labels and empty fields */
		"{\"ID\":\"x\",\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"a\","
		"\"Effect\":\"Allow\",\"Action\":[\"s3:ListBucket\","
		"\"s3:GetBucketLocation\",\"s3:ListBucket\","
		"\"s3:ListBucketMultipartUploads\"],\"Resource\":["
		"\"arn:aws:s3:::lab-alice\"],\"Condition\":{},\"NotAction\":[]},"
		"{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],"
		"\"Resource\":[\"arn:aws:s3:::lab-alice/*\"],\"Sid\":\"\"},"
		"{\"Effect\":\"Allow\",\"Action\":[\"s3:PutObject\",\"s3:GetObject\"],"
		"\"Resource\":[\"arn:aws:s3:::lab-alice/*\"]}]}",
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		doc = parsed_policy(same[i]);
		if (!minio_policy_same(doc, ours) || !minio_policy_same(ours, doc))
			fail_msg("not the same: %s", same[i]);
		json_decref(doc);
	}
	/* Grants more, less or otherwise. */
	static const char *const differ[] = {
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		"\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::*\"}]}",
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		"\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":["
		"\"arn:aws:s3:::lab-alice/*\"]}]}",
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		"\"Action\":[\"s3:GetObject\",\"s3:PutObject\",\"s3:DeleteBucket\"],"
		"\"Resource\":[\"arn:aws:s3:::lab-alice/*\"]},{\"Effect\":\"Allow\","
		"\"Action\":[\"s3:ListBucket\",\"s3:GetBucketLocation\","
		"\"s3:ListBucketMultipartUploads\"],\"Resource\":["
		"\"arn:aws:s3:::lab-alice\"]}]}",
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		"\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"NotResource\":["
		"\"arn:aws:s3:::lab-alice/*\"]},{\"Effect\":\"Allow\",\"Action\":["
		"\"s3:ListBucket\",\"s3:GetBucketLocation\","
		"\"s3:ListBucketMultipartUploads\"],\"Resource\":["
		"\"arn:aws:s3:::lab-alice\"]}]}",
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		"\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":["
		"\"arn:aws:s3:::lab-alice/*\"],\"Condition\":{\"IpAddress\":{"
		"\"aws:SourceIp\":\"10.0.0.0/8\"}}},{\"Effect\":\"Allow\",\"Action\":["
		"\"s3:ListBucket\",\"s3:GetBucketLocation\","
		"\"s3:ListBucketMultipartUploads\"],\"Resource\":["
		"\"arn:aws:s3:::lab-alice\"]}]}",
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\","
		"\"s3:PutObject\"],\"Resource\":[\"arn:aws:s3:::lab-alice/*\"]},{"
		"\"Effect\":\"Allow\",\"Action\":[\"s3:ListBucket\","
		"\"s3:GetBucketLocation\",\"s3:ListBucketMultipartUploads\"],"
		"\"Resource\":[\"arn:aws:s3:::lab-alice\"]}]}",
		"{\"Version\":\"2012-10-17\",\"Statement\":[]}",
		/* a set that is not one of strings is no policy */
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
		"\"Action\":[\"s3:GetObject\",1],\"Resource\":\"*\"}]}",
	};
	for (size_t i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
		doc = parsed_policy(differ[i]);
		if (minio_policy_same(doc, ours) || minio_policy_same(ours, doc))
			fail_msg("the same: %s", differ[i]);
		json_decref(doc);
	}
	assert_false(minio_policy_same(ours, NULL));
	assert_false(minio_policy_same(NULL, NULL));
	json_decref(ours);
}

static void
test_quota_parse(void **state)
{
	static const struct {
		const char	*body;
		uint64_t	 bytes;
	} good[] = {
		{ "null", 0 },
		/* madmin v3: the older "quota" too */
		{ "{\"quota\":5,\"size\":214748364800,\"rate\":0,\"requests\":0,"
		    "\"quotatype\":\"hard\"}", 214748364800ULL },
		{ "{\"quota\":5,\"size\":0,\"quotatype\":\"hard\"}", 5 },
		/* madmin v4 */
		{ "{\"size\":10,\"rate\":0,\"requests\":0,\"quotatype\":\"hard\"}",
		    10 },
		/* not enforced: no type, or one MinIO no longer has */
		{ "{\"quota\":0,\"size\":10,\"rate\":0,\"requests\":0}", 0 },
		{ "{\"size\":10,\"quotatype\":\"fifo\"}", 0 },
		{ "{\"size\":null,\"quotatype\":null}", 0 },
		{ "{\"size\":7,\"quotatype\":\"hard\",\"later\":[1]}", 7 },
	};
	static const char *const bad[] = {
		"", "[]", "\"hard\"", "1", "{", "{\"size\":-1}", "{\"size\":\"10\"}",
		"{\"size\":1.5}", "{\"quota\":true}", "{\"quotatype\":1}",
		"{\"size\":1,\"size\":2}", "{\"size\":18446744073709551616}",
		"null null",
	};
	uint64_t bytes;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (minio_quota_parse(good[i].body, strlen(good[i].body), &bytes,
		    err, sizeof(err)) != 0)
			fail_msg("%s: %s", good[i].body, err);
		assert_int_equal(bytes, good[i].bytes);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bytes = 1;
		if (minio_quota_parse(bad[i], strlen(bad[i]), &bytes, err,
		    sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(bytes, 0);
		assert_non_null(strstr(err, "get-bucket-quota: "));
	}
}

/* --- requests, against a recording listener ----------------------------- */

#define CAP_MAX		16
#define CAP_BUF		(256 * 1024)

struct cap_answer {
	int		 status;
	const char	*body;		/* NULL: none */
	size_t		 len;		/* 0: strlen(body) */
	const char	*headers;	/* extra lines, each ending "\r\n" */
};

struct cap {
	int			 lfd;
	int			 port;
	pthread_t		 thr;
	struct cap_answer	 ans[CAP_MAX];
	size_t			 nans;
	char			*req[CAP_MAX];	/* as received, NUL-terminated */
	size_t			 reqlen[CAP_MAX];
	size_t			 nreq;
};

/* Content-Length of a request head, or 0. */
static size_t
cap_content_length(const char *head)
{
	const char *p = strcasestr(head, "\r\ncontent-length:");

	return p != NULL ? (size_t)strtoul(p + 17, NULL, 10) : 0;
}

static void *
cap_main(void *arg)
{
	struct cap *c = arg;
	char *buf, *end, line[512];
	size_t got, need, i, blen;
	ssize_t n;
	int fd;

	for (i = 0; i < c->nans; i++) {
		if ((fd = accept(c->lfd, NULL, NULL)) == -1)
			break;
		buf = calloc(1, CAP_BUF + 1);
		got = 0;
		end = NULL;
		need = 0;
		while (got < CAP_BUF) {
			if ((n = read(fd, buf + got, CAP_BUF - got)) <= 0)
				break;
			got += (size_t)n;
			buf[got] = '\0';
			if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL)
				need = (size_t)(end - buf) + 4 +
				    cap_content_length(buf);
			if (end != NULL && got >= need)
				break;
		}
		c->req[i] = buf;
		c->reqlen[i] = got;
		c->nreq = i + 1;
		blen = c->ans[i].body == NULL ? 0 : c->ans[i].len != 0 ?
		    c->ans[i].len : strlen(c->ans[i].body);
		snprintf(line, sizeof(line), "HTTP/1.1 %d X\r\nContent-Length: "
		    "%zu\r\nConnection: close\r\n%s\r\n", c->ans[i].status, blen,
		    c->ans[i].headers != NULL ? c->ans[i].headers : "");
		if (write(fd, line, strlen(line)) < 0 ||
		    (blen > 0 && write(fd, c->ans[i].body, blen) < 0))
			break;
		close(fd);
	}
	return NULL;
}

static void
cap_start(struct cap *c)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	c->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->lfd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(c->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(c->lfd, 8), 0);
	assert_int_equal(getsockname(c->lfd, (struct sockaddr *)&sin, &sl), 0);
	c->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&c->thr, NULL, cap_main, c), 0);
}

/* Waits for every answer; what was received stays for the checks. */
static void
cap_stop(struct cap *c)
{
	pthread_join(c->thr, NULL);
	close(c->lfd);
}

static void
cap_free(struct cap *c)
{
	size_t i;

	for (i = 0; i < c->nreq; i++)
		free(c->req[i]);
}

static struct minio *
cap_open(struct cap *c, const char *region)
{
	char url[64], err[256];
	struct minio *m;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", c->port);
	m = minio_open(url, credfile, region, err, sizeof(err));
	if (m == NULL)
		fail_msg("%s", err);
	minio_set_sleep(m, no_sleep, NULL);
	return m;
}

/* The value of header name in request i ("" when absent: NULL). */
static const char *
cap_header(struct cap *c, size_t i, const char *name)
{
	static char val[1024];
	char pat[64];
	const char *p, *e, *end = strstr(c->req[i], "\r\n\r\n");

	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	if ((p = strcasestr(c->req[i], pat)) == NULL || p > end)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	e = strstr(p, "\r\n");
	snprintf(val, sizeof(val), "%.*s", (int)(e - p), p);
	return val;
}

static const char *
cap_line(struct cap *c, size_t i)
{
	static char line[1024];

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(c->req[i], "\r"),
	    c->req[i]);
	return line;
}

static const uint8_t *
cap_body(struct cap *c, size_t i, size_t *len)
{
	const char *end = strstr(c->req[i], "\r\n\r\n") + 4;

	*len = c->reqlen[i] - (size_t)(end - c->req[i]);
	return (const uint8_t *)end;
}

/*
 * What every request must be: signed over host, x-amz-content-sha256 and
 * x-amz-date with scope region, the body's hash sent, a length always
 * (never chunked), no 100-continue.
 */
static void
cap_check_signed(struct cap *c, size_t i, const char *region, bool body)
{
	char host[64], sha[SIGV4_HEX_LEN + 1], want[256];
	const char *v, *date;
	const uint8_t *b;
	size_t len;

	snprintf(host, sizeof(host), "127.0.0.1:%d", c->port);
	assert_string_equal(cap_header(c, i, "Host"), host);
	assert_null(cap_header(c, i, "Transfer-Encoding"));
	assert_null(cap_header(c, i, "Expect"));
	b = cap_body(c, i, &len);
	if (body) {
		assert_non_null(v = cap_header(c, i, "Content-Length"));
		assert_int_equal(strtoul(v, NULL, 10), len);
	} else
		assert_int_equal(len, 0);
	assert_int_equal(sigv4_sha256_hex(b, len, sha), 0);
	assert_string_equal(cap_header(c, i, "X-Amz-Content-Sha256"), sha);
	assert_non_null(date = cap_header(c, i, "X-Amz-Date"));
	assert_int_equal(strlen(date), SIGV4_DATE_LEN);
	snprintf(want, sizeof(want), "AWS4-HMAC-SHA256 Credential=" ADMIN_KEY
	    "/%.8s/%s/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;"
	    "x-amz-date, Signature=", date, region);
	v = cap_header(c, i, "Authorization");
	assert_non_null(v);
	if (strncmp(v, want, strlen(want)) != 0)
		fail_msg("Authorization: %s\nwant: %s...", v, want);
	assert_int_equal(strlen(v), strlen(want) + SIGV4_HEX_LEN);
}

/* The sealed body of request i, opened with the admin secret. */
static char *
cap_unseal(struct cap *c, size_t i, int want_id)
{
	const uint8_t *b;
	uint8_t *plain;
	size_t len, plen;
	char err[256];

	b = cap_body(c, i, &len);
	assert_true(len > MADMIN_CRYPT_HEADER_LEN);
	assert_int_equal(b[32], want_id);
	if (madmin_crypt_decrypt(ADMIN_SECRET, b, len, &plain, &plen, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	return (char *)plain;
}

static void
test_request_admin_bodies(void **state)
{
	struct cap c = {
		.ans = {
			{ 200, NULL, 0, NULL },
			{ 200, NULL, 0, NULL },
			{ 200, "{\"updatedAt\":\"x\"}", 0, NULL },
			{ 400, "{\"Code\":\"XMinioAdminPolicyChangeAlreadyApplied\","
			    "\"Message\":\"The specified policy change is already "
			    "in effect.\"}", 0, NULL },
			{ 200, NULL, 0, NULL },
			{ 200, NULL, 0, NULL },
		},
		.nans = 6,
	};
	struct minio_status st;
	struct minio *m;
	json_t *pol;
	char err[512], *plain;

	(void)state;
	cap_start(&c);
	m = cap_open(&c, "eu-lab-1");

	assert_int_equal(minio_user_set(m, "alice", USER_SECRET, true, &st, err,
	    sizeof(err)), 0);
	assert_int_equal(st.status, 200);
	assert_int_equal(minio_user_enable(m, "alice", false, &st, err,
	    sizeof(err)), 0);
	assert_int_equal(minio_policy_attach(m, "alice", "u-alice", &st, err,
	    sizeof(err)), 0);
	/* Already attached: the state asked for is there. */
	assert_int_equal(minio_policy_attach(m, "alice", "u-alice", &st, err,
	    sizeof(err)), 0);
	assert_int_equal(st.status, 400);
	assert_string_equal(st.code, "XMinioAdminPolicyChangeAlreadyApplied");
	pol = json_pack("{s:s, s:[{s:s, s:[s], s:[s]}]}", "Version",
	    "2012-10-17", "Statement", "Effect", "Allow", "Action",
	    "s3:GetObject", "Resource", "arn:aws:s3:::lab-alice/*");
	assert_int_equal(minio_policy_add(m, "u-alice", pol, &st, err,
	    sizeof(err)), 0);
	json_decref(pol);
	assert_int_equal(minio_bucket_quota(m, "lab-alice", 200ULL << 30, &st,
	    err, sizeof(err)), 0);
	minio_close(m);
	cap_stop(&c);
	assert_int_equal(c.nreq, 6);

	/* add-user: sealed with id 0x02, madmin's AddOrUpdateUserReq. */
	assert_string_equal(cap_line(&c, 0), "PUT /minio/admin/v3/add-user?"
	    "accessKey=alice HTTP/1.1");
	cap_check_signed(&c, 0, "", true);
	assert_string_equal(cap_header(&c, 0, "Content-Type"),
	    "application/octet-stream");
	plain = cap_unseal(&c, 0, MADMIN_CRYPT_PBKDF2_AESGCM);
	assert_string_equal(plain, "{\"secretKey\":\"" USER_SECRET "\","
	    "\"status\":\"enabled\"}");
	free(plain);

	/* set-user-status: PUT with no body has Content-Length: 0. */
	assert_string_equal(cap_line(&c, 1), "PUT /minio/admin/v3/set-user-status"
	    "?accessKey=alice&status=disabled HTTP/1.1");
	cap_check_signed(&c, 1, "", true);
	assert_string_equal(cap_header(&c, 1, "Content-Length"), "0");
	assert_string_equal(cap_header(&c, 1, "X-Amz-Content-Sha256"), EMPTY_SHA);
	assert_null(cap_header(&c, 1, "Content-Type"));

	/* attach: application/octet-stream (MinIO requires it), sealed. */
	assert_string_equal(cap_line(&c, 2), "POST /minio/admin/v3/idp/builtin/"
	    "policy/attach HTTP/1.1");
	cap_check_signed(&c, 2, "", true);
	assert_string_equal(cap_header(&c, 2, "Content-Type"),
	    "application/octet-stream");
	plain = cap_unseal(&c, 2, MADMIN_CRYPT_PBKDF2_AESGCM);
	assert_string_equal(plain, "{\"policies\":[\"u-alice\"],\"user\":"
	    "\"alice\"}");
	free(plain);

	/* add-canned-policy: plain JSON. */
	assert_string_equal(cap_line(&c, 4), "PUT /minio/admin/v3/"
	    "add-canned-policy?name=u-alice HTTP/1.1");
	cap_check_signed(&c, 4, "", true);
	assert_string_equal(cap_header(&c, 4, "Content-Type"),
	    "application/json");
	assert_non_null(strstr((const char *)cap_body(&c, 4, &(size_t){ 0 }),
	    "\"Resource\":[\"arn:aws:s3:::lab-alice/*\"]"));

	/* set-bucket-quota: plain JSON, size and the older quota. */
	assert_string_equal(cap_line(&c, 5), "PUT /minio/admin/v3/"
	    "set-bucket-quota?bucket=lab-alice HTTP/1.1");
	cap_check_signed(&c, 5, "", true);
	assert_string_equal((const char *)cap_body(&c, 5, &(size_t){ 0 }),
	    "{\"size\":214748364800,\"quota\":214748364800,"
	    "\"quotatype\":\"hard\"}");
	cap_free(&c);
}

/* list-users answers sealed with whatever id MinIO's CPU chose. */
static void
test_request_list_users(void **state)
{
	const char *users = "{\"alice\":{\"policyName\":\"u-alice\","
	    "\"status\":\"enabled\"},\"bob\":{\"status\":\"disabled\"}}";
	uint8_t *s0, *s1, *s2;
	size_t l0, l1;
	char err[512];
	struct cap c = { .nans = 3 };
	struct minio_status st;
	struct minio *m;
	json_t *doc;

	(void)state;
	assert_int_equal(madmin_crypt_encrypt(ADMIN_SECRET,
	    MADMIN_CRYPT_ARGON2ID_AESGCM, (const uint8_t *)users, strlen(users),
	    &s0, &l0, err, sizeof(err)), 0);
	assert_int_equal(madmin_crypt_encrypt(ADMIN_SECRET,
	    MADMIN_CRYPT_ARGON2ID_CHACHA, (const uint8_t *)users, strlen(users),
	    &s1, &l1, err, sizeof(err)), 0);
	c.ans[0] = (struct cap_answer){ 200, (const char *)s0, l0, NULL };
	c.ans[1] = (struct cap_answer){ 200, (const char *)s1, l1, NULL };
	/* Tampered with: refused, never half-read. */
	s2 = malloc(l1);
	assert_non_null(s2);
	memcpy(s2, s1, l1);
	s2[l1 - 1] ^= 1;
	c.ans[2] = (struct cap_answer){ 200, (const char *)s2, l1, NULL };
	cap_start(&c);
	m = cap_open(&c, NULL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(minio_user_list(m, &doc, &st, err, sizeof(err)),
		    0);
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(doc, "alice"), "policyName")), "u-alice");
		assert_string_equal(json_string_value(json_object_get(
		    json_object_get(doc, "bob"), "status")), "disabled");
		json_decref(doc);
	}
	assert_int_equal(minio_user_list(m, &doc, &st, err, sizeof(err)), -1);
	assert_null(doc);
	assert_non_null(strstr(err, "list-users: cannot decrypt MinIO's answer"));
	minio_close(m);
	cap_stop(&c);
	assert_string_equal(cap_line(&c, 0), "GET /minio/admin/v3/list-users "
	    "HTTP/1.1");
	cap_check_signed(&c, 0, "", false);
	assert_null(cap_header(&c, 0, "Content-Length"));
	free(s0);
	free(s1);
	free(s2);
	cap_free(&c);
}

static void
test_request_s3(void **state)
{
	struct cap c = {
		.ans = {
			{ 200, NULL, 0, NULL },
			{ 409, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
			    "<Code>BucketAlreadyOwnedByYou</Code><Message>Your "
			    "previous request to create the named bucket succeeded "
			    "and you already own it.</Message></Error>", 0, NULL },
			{ 409, "<Error><Code>BucketAlreadyExists</Code><Message>"
			    "taken</Message></Error>", 0, NULL },
			{ 200, NULL, 0, NULL },
			{ 404, NULL, 0, NULL },
			{ 409, "<Error><Code>BucketNotEmpty</Code><Message>The "
			    "bucket you tried to delete is not empty</Message>"
			    "</Error>", 0, NULL },
			{ 404, "<Error><Code>NoSuchBucket</Code><Message>The "
			    "specified bucket does not exist</Message></Error>", 0,
			    NULL },
		},
		.nans = 7,
	};
	struct cap c2 = { .ans = { { 200, NULL, 0, NULL } }, .nans = 1 };
	struct minio_status st;
	struct minio *m;
	char err[512];
	bool created, exists;

	(void)state;
	cap_start(&c);
	m = cap_open(&c, "eu-lab-1");
	assert_int_equal(minio_bucket_create(m, "lab-alice", &created, &st, err,
	    sizeof(err)), 0);
	assert_true(created);
	assert_int_equal(minio_bucket_create(m, "lab-alice", &created, &st, err,
	    sizeof(err)), 0);
	assert_false(created);
	assert_string_equal(st.code, "BucketAlreadyOwnedByYou");
	assert_int_equal(minio_bucket_create(m, "lab-alice", &created, &st, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "PUT /lab-alice: BucketAlreadyExists: taken "
	    "(HTTP 409)");
	assert_int_equal(minio_bucket_exists(m, "lab-alice", &exists, &st, err,
	    sizeof(err)), 0);
	assert_true(exists);
	assert_int_equal(minio_bucket_exists(m, "lab-alice", &exists, &st, err,
	    sizeof(err)), 0);
	assert_false(exists);
	assert_int_equal(minio_bucket_delete(m, "lab-alice", &st, err,
	    sizeof(err)), -1);
	assert_int_equal(st.status, 409);
	assert_string_equal(st.code, "BucketNotEmpty");
	assert_non_null(strstr(err, "BucketNotEmpty: The bucket you tried to "
	    "delete is not empty (HTTP 409)"));
	assert_int_equal(minio_bucket_delete(m, "lab-alice", &st, err,
	    sizeof(err)), 0);
	assert_int_equal(minio_bucket_delete(m, "Bad_Name", &st, err,
	    sizeof(err)), -1);
	minio_close(m);
	cap_stop(&c);
	assert_int_equal(c.nreq, 7);

	/* Another region: named in the body and the scope. */
	assert_string_equal(cap_line(&c, 0), "PUT /lab-alice HTTP/1.1");
	cap_check_signed(&c, 0, "eu-lab-1", true);
	assert_string_equal(cap_header(&c, 0, "Content-Type"), "application/xml");
	assert_string_equal((const char *)cap_body(&c, 0, &(size_t){ 0 }),
	    "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
	    "2006-03-01/\"><LocationConstraint>eu-lab-1</LocationConstraint>"
	    "</CreateBucketConfiguration>");
	assert_string_equal(cap_line(&c, 3), "HEAD /lab-alice HTTP/1.1");
	cap_check_signed(&c, 3, "eu-lab-1", false);
	assert_string_equal(cap_line(&c, 5), "DELETE /lab-alice HTTP/1.1");
	cap_check_signed(&c, 5, "eu-lab-1", false);

	/* us-east-1: no body at all, but its length. */
	cap_start(&c2);
	m = cap_open(&c2, NULL);
	assert_int_equal(minio_bucket_create(m, "lab-bob", &created, &st, err,
	    sizeof(err)), 0);
	minio_close(m);
	cap_stop(&c2);
	cap_check_signed(&c2, 0, "us-east-1", true);
	assert_string_equal(cap_header(&c2, 0, "Content-Length"), "0");
	assert_null(cap_header(&c2, 0, "Content-Type"));
	cap_free(&c);
	cap_free(&c2);
}

/* The reads a pass makes to find changes made by hand. */
static void
test_request_reads(void **state)
{
	struct cap c = {
		.ans = {
			{ 200, "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n"
			    "  {\n   \"Effect\": \"Allow\",\n   \"Action\": [\n"
			    "    \"s3:GetObject\"\n   ],\n   \"Resource\": [\n"
			    "    \"arn:aws:s3:::lab-alice/*\"\n   ]\n  }\n ]\n}", 0,
			    NULL },
			{ 404, "{\"Code\":\"XMinioAdminNoSuchPolicy\",\"Message\":"
			    "\"The canned policy does not exist.\"}", 0, NULL },
			{ 200, "<html>login</html>", 0, NULL },
			{ 200, "{\"quota\":0,\"size\":1073741824,\"rate\":0,"
			    "\"requests\":0,\"quotatype\":\"hard\"}", 0, NULL },
			{ 200, "null", 0, NULL },
			{ 404, "{\"Code\":\"NoSuchBucket\",\"Message\":\"The "
			    "specified bucket does not exist\",\"BucketName\":"
			    "\"lab-alice\"}", 0, NULL },
			{ 403, "{\"Code\":\"AccessDenied\",\"Message\":\"Access "
			    "Denied.\"}", 0, NULL },
		},
		.nans = 7,
	};
	struct minio_status st;
	struct minio *m;
	json_t *doc, *want;
	char err[512];
	uint64_t bytes;
	bool exists;

	(void)state;
	cap_start(&c);
	m = cap_open(&c, "eu-lab-1");
	assert_int_equal(minio_policy_info(m, "meduse-alice", &doc, &st, err,
	    sizeof(err)), 0);
	want = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "Version", "2012-10-17",
	    "Statement", "Effect", "Allow", "Action", "s3:GetObject", "Resource",
	    "arn:aws:s3:::lab-alice/*");
	assert_true(minio_policy_same(doc, want));
	json_decref(want);
	json_decref(doc);
	/* No such policy: an answer, not an error. */
	assert_int_equal(minio_policy_info(m, "meduse-alice", &doc, &st, err,
	    sizeof(err)), 0);
	assert_null(doc);
	assert_string_equal(st.code, "XMinioAdminNoSuchPolicy");
	/* Something else than a policy: refused, with the 200 it came with. */
	assert_int_equal(minio_policy_info(m, "meduse-alice", &doc, &st, err,
	    sizeof(err)), -1);
	assert_null(doc);
	assert_int_equal(st.status, 200);
	assert_non_null(strstr(err, "info-canned-policy: MinIO's answer is not "
	    "JSON"));
	assert_int_equal(minio_bucket_quota_get(m, "lab-alice", &exists, &bytes,
	    &st, err, sizeof(err)), 0);
	assert_true(exists);
	assert_int_equal(bytes, 1073741824);
	assert_int_equal(minio_bucket_quota_get(m, "lab-alice", &exists, &bytes,
	    &st, err, sizeof(err)), 0);
	assert_true(exists);
	assert_int_equal(bytes, 0);
	/* No such bucket: the read stands for a HEAD. */
	assert_int_equal(minio_bucket_quota_get(m, "lab-alice", &exists, &bytes,
	    &st, err, sizeof(err)), 0);
	assert_false(exists);
	assert_int_equal(minio_bucket_quota_get(m, "lab-alice", &exists, &bytes,
	    &st, err, sizeof(err)), -1);
	assert_int_equal(st.status, 403);
	assert_string_equal(err, "GET /minio/admin/v3/get-bucket-quota?bucket="
	    "lab-alice: AccessDenied: Access Denied. (HTTP 403)");
	/* Names are checked before anything is sent. */
	assert_int_equal(minio_policy_info(m, "a,b", &doc, &st, err,
	    sizeof(err)), -1);
	assert_int_equal(minio_bucket_quota_get(m, "Lab_Alice", &exists, &bytes,
	    &st, err, sizeof(err)), -1);
	minio_close(m);
	cap_stop(&c);
	assert_int_equal(c.nreq, 7);
	/* Admin calls: signed with region "", the policy JSON itself (no v). */
	assert_string_equal(cap_line(&c, 0), "GET /minio/admin/v3/"
	    "info-canned-policy?name=meduse-alice HTTP/1.1");
	cap_check_signed(&c, 0, "", false);
	assert_string_equal(cap_line(&c, 3), "GET /minio/admin/v3/"
	    "get-bucket-quota?bucket=lab-alice HTTP/1.1");
	cap_check_signed(&c, 3, "", false);
	cap_free(&c);
}

static void
test_request_empty_bucket(void **state)
{
	char *p1 = list_page(2, "r&amp;d/b c", true, "T/1=");
	char *p2 = list_page(1, "x/", false, NULL);
	char *p3 = list_page(2, "k", true, "T2");
	const char *dots = "<ListBucketResult><IsTruncated>false</IsTruncated>"
	    "<Contents><Key>../lab-bob/x</Key></Contents></ListBucketResult>";
	struct cap c = {
		.ans = {
			{ 200, p1, 0, NULL }, { 204, NULL, 0, NULL },
			{ 204, NULL, 0, NULL }, { 200, p2, 0, NULL },
			{ 204, NULL, 0, NULL },
			/* max 2: stops with more to do */
			{ 200, p3, 0, NULL }, { 204, NULL, 0, NULL },
			{ 204, NULL, 0, NULL },
		},
		.nans = 8,
	};
	struct cap c2 = { .ans = { { 200, dots, 0, NULL } }, .nans = 1 };
	struct minio_status st;
	struct minio *m;
	char err[512];
	size_t deleted;
	bool more;

	(void)state;
	cap_start(&c);
	m = cap_open(&c, NULL);
	assert_int_equal(minio_bucket_empty(m, "lab-alice", 100, &deleted, &more,
	    &st, err, sizeof(err)), 0);
	assert_int_equal(deleted, 3);
	assert_false(more);
	assert_int_equal(minio_bucket_empty(m, "lab-alice", 2, &deleted, &more,
	    &st, err, sizeof(err)), 0);
	assert_int_equal(deleted, 2);
	assert_true(more);
	minio_close(m);
	cap_stop(&c);
	assert_string_equal(cap_line(&c, 0), "GET /lab-alice?list-type=2&"
	    "max-keys=100 HTTP/1.1");
	cap_check_signed(&c, 0, "us-east-1", false);
	/* Keys as they are, encoded once; '/' kept. */
	assert_string_equal(cap_line(&c, 1), "DELETE /lab-alice/r%26d/b%20c0 "
	    "HTTP/1.1");
	cap_check_signed(&c, 1, "us-east-1", false);
	assert_string_equal(cap_line(&c, 3), "GET /lab-alice?continuation-token="
	    "T%2F1%3D&list-type=2&max-keys=98 HTTP/1.1");
	assert_string_equal(cap_line(&c, 4), "DELETE /lab-alice/x/0 HTTP/1.1");
	assert_string_equal(cap_line(&c, 5), "GET /lab-alice?list-type=2&"
	    "max-keys=2 HTTP/1.1");

	/* A key that would leave the bucket is not deleted. */
	cap_start(&c2);
	m = cap_open(&c2, NULL);
	assert_int_equal(minio_bucket_empty(m, "lab-alice", 100, &deleted, &more,
	    &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"../lab-bob/x\" has a \".\" or \"..\" "
	    "segment"));
	assert_int_equal(deleted, 0);
	minio_close(m);
	cap_stop(&c2);
	free(p1);
	free(p2);
	free(p3);
	cap_free(&c);
	cap_free(&c2);
}

static void
test_request_errors(void **state)
{
	struct cap c = {
		.ans = {
			{ 404, "{\"Code\":\"XMinioAdminNoSuchUser\",\"Message\":"
			    "\"The specified user does not exist.\"}", 0, NULL },
			{ 404, "{\"Code\":\"XMinioAdminNoSuchUser\",\"Message\":"
			    "\"The specified user does not exist.\"}", 0, NULL },
			{ 503, "<Error><Code>XMinioServerNotInitialized</Code>"
			    "<Message>Server not initialized yet</Message></Error>",
			    0, "Retry-After: 1\r\n" },
			{ 200, "{\"status\":\"enabled\",\"policyName\":\"u-alice\"}",
			    0, NULL },
			{ 403, "<Error><Code>SignatureDoesNotMatch</Code><Message>"
			    "The request signature we calculated does not match"
			    "\x1b[31m</Message></Error>", 0, NULL },
			{ 502, "<html>bad gateway</html>", 0, NULL },
			{ 502, NULL, 0, NULL }, { 502, NULL, 0, NULL },
			{ 502, NULL, 0, NULL }, { 502, NULL, 0, NULL },
		},
		.nans = 10,
	};
	struct minio_status st;
	struct minio *m;
	json_t *doc;
	char err[512];
	int sleeps = 0;

	(void)state;
	cap_start(&c);
	m = cap_open(&c, NULL);
	minio_set_sleep(m, no_sleep, &sleeps);
	assert_int_equal(minio_user_info(m, "alice", &doc, &st, err,
	    sizeof(err)), -1);
	assert_null(doc);
	assert_string_equal(err, "GET /minio/admin/v3/user-info?accessKey=alice: "
	    "XMinioAdminNoSuchUser: The specified user does not exist. "
	    "(HTTP 404)");
	assert_int_equal(st.status, 404);
	assert_string_equal(st.code, "XMinioAdminNoSuchUser");
	/* Removing a user that is not there: done. */
	assert_int_equal(minio_user_remove(m, "alice", &st, err, sizeof(err)),
	    0);
	assert_string_equal(st.code, "XMinioAdminNoSuchUser");
	/* 503 is tried again (Retry-After honoured), then the answer. */
	assert_int_equal(minio_user_info(m, "alice", &doc, &st, err,
	    sizeof(err)), 0);
	assert_int_equal(sleeps, 1);
	assert_string_equal(json_string_value(json_object_get(doc, "status")),
	    "enabled");
	json_decref(doc);
	/* A message is quoted safely: no terminal escapes. */
	assert_int_equal(minio_user_remove(m, "alice", &st, err, sizeof(err)),
	    -1);
	assert_string_equal(st.code, "SignatureDoesNotMatch");
	assert_int_equal(st.status, 403);
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "SignatureDoesNotMatch: The request "
	    "signature we calculated does not match?[31m (HTTP 403)"));
	/* No Code: the status alone, after every attempt. */
	sleeps = 0;
	assert_int_equal(minio_user_enable(m, "alice", true, &st, err,
	    sizeof(err)), -1);
	assert_int_equal(st.status, 502);
	assert_string_equal(st.code, "");
	assert_string_equal(err, "PUT /minio/admin/v3/set-user-status?"
	    "accessKey=alice&status=enabled: HTTP 502 (after 5 attempts)");
	/* Names are checked before anything is sent. */
	assert_int_equal(minio_user_set(m, "al ice", USER_SECRET, true, &st, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a MinIO user name"));
	assert_int_equal(minio_user_set(m, "alice", "short", true, &st, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "8 to 40 printable"));
	assert_null(strstr(err, "short"));
	assert_int_equal(minio_policy_attach(m, "alice", "a,b", &st, err,
	    sizeof(err)), -1);
	minio_close(m);
	cap_stop(&c);
	assert_int_equal(c.nreq, 10);
	cap_free(&c);
}

/* Nothing listens: every attempt, then a message that says so. */
static void
test_endpoint_down(void **state)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct minio_status st;
	struct minio *m;
	char url[64], err[512];
	json_t *doc;
	int fd, sleeps = 0;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sin.sin_port));
	m = minio_open(url, credfile, NULL, err, sizeof(err));
	assert_non_null(m);
	minio_set_sleep(m, no_sleep, &sleeps);
	assert_int_equal(minio_user_list(m, &doc, &st, err, sizeof(err)), -1);
	assert_int_equal(st.status, 0);
	assert_string_equal(st.code, "");
	assert_int_equal(minio_requests(m), 5);
	assert_int_equal(sleeps, 4);
	if (strstr(err, "GET /minio/admin/v3/list-users: http://127.0.0.1:") ==
	    NULL || strstr(err, "(after 5 attempts)") == NULL)
		fail_msg("%s", err);
	minio_close(m);
}

/* --- against the strict fake MinIO --------------------------------------- */

static struct minio *
fake_open(const char *creds)
{
	const char *url = getenv("MINIO_FAKE_URL");
	char err[512];
	struct minio *m;

	m = minio_open(url, creds, getenv("MINIO_FAKE_REGION"), err,
	    sizeof(err));
	if (m == NULL)
		fail_msg("%s", err);
	return m;
}

#define FAKE_OK(call) do {						\
	if ((call) != 0)						\
		fail_msg("%s: %s", #call, err);				\
} while (0)

static void
test_fake_provision(void **state)
{
	char err[512], secret[MINIO_SECRET_LEN + 1], *body;
	struct minio_status st;
	struct minio *m;
	json_t *doc, *pol;
	size_t len, deleted;
	uint64_t quota;
	bool created, exists, more;

	(void)state;
	if (getenv("MINIO_FAKE_URL") == NULL || getenv("MINIO_FAKE_CREDS") == NULL)
		skip();
	m = fake_open(getenv("MINIO_FAKE_CREDS"));

	FAKE_OK(minio_secret_generate(secret, err, sizeof(err)));
	FAKE_OK(minio_user_set(m, "alice", secret, true, &st, err, sizeof(err)));
	pol = json_pack("{s:s, s:[{s:s, s:[s,s], s:[s]}, {s:s, s:[s,s,s], "
	    "s:[s]}]}", "Version", "2012-10-17", "Statement",
	    "Effect", "Allow", "Action", "s3:ListBucket", "s3:GetBucketLocation",
	    "Resource", "arn:aws:s3:::lab-alice",
	    "Effect", "Allow", "Action", "s3:GetObject", "s3:PutObject",
	    "s3:DeleteObject", "Resource", "arn:aws:s3:::lab-alice/*");
	FAKE_OK(minio_policy_add(m, "u-alice", pol, &st, err, sizeof(err)));
	/* Again: replaced, not refused. */
	FAKE_OK(minio_policy_add(m, "u-alice", pol, &st, err, sizeof(err)));
	/* Read back: the same grants (its sets in whatever order). */
	FAKE_OK(minio_policy_info(m, "u-alice", &doc, &st, err, sizeof(err)));
	assert_true(minio_policy_same(doc, pol));
	json_decref(doc);
	json_decref(pol);
	FAKE_OK(minio_policy_attach(m, "alice", "u-alice", &st, err,
	    sizeof(err)));
	assert_string_equal(st.code, "");
	FAKE_OK(minio_policy_attach(m, "alice", "u-alice", &st, err,
	    sizeof(err)));
	assert_string_not_equal(st.code, "");
	FAKE_OK(minio_bucket_create(m, "lab-alice", &created, &st, err,
	    sizeof(err)));
	assert_true(created);
	FAKE_OK(minio_bucket_create(m, "lab-alice", &created, &st, err,
	    sizeof(err)));
	assert_false(created);
	FAKE_OK(minio_bucket_exists(m, "lab-alice", &exists, &st, err,
	    sizeof(err)));
	assert_true(exists);
	FAKE_OK(minio_bucket_quota_get(m, "lab-alice", &exists, &quota, &st,
	    err, sizeof(err)));
	assert_true(exists);
	assert_int_equal(quota, 0);
	FAKE_OK(minio_bucket_quota(m, "lab-alice", 200ULL << 30, &st, err,
	    sizeof(err)));
	FAKE_OK(minio_bucket_quota_get(m, "lab-alice", &exists, &quota, &st,
	    err, sizeof(err)));
	assert_int_equal(quota, 200ULL << 30);

	FAKE_OK(minio_user_list(m, &doc, &st, err, sizeof(err)));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(doc, "alice"), "status")), "enabled");
	json_decref(doc);
	FAKE_OK(minio_user_info(m, "alice", &doc, &st, err, sizeof(err)));
	assert_string_equal(json_string_value(json_object_get(doc,
	    "policyName")), "u-alice");
	json_decref(doc);

	/* Objects to purge, put through the same signed path. */
	for (int i = 0; i < 3; i++) {
		char path[64];
		struct minio_req r = {
			.method = "PUT", .path = path, .body = "data", .len = 4,
			.content_type = "text/plain",
		};

		snprintf(path, sizeof(path), "/lab-alice/dir %d/f&%d.txt", i, i);
		FAKE_OK(minio_request(m, &r, &st, &body, &len, err,
		    sizeof(err)));
		free(body);
	}
	assert_int_equal(minio_bucket_delete(m, "lab-alice", &st, err,
	    sizeof(err)), -1);
	assert_string_equal(st.code, "BucketNotEmpty");
	FAKE_OK(minio_bucket_empty(m, "lab-alice", 2, &deleted, &more, &st, err,
	    sizeof(err)));
	assert_int_equal(deleted, 2);
	assert_true(more);
	FAKE_OK(minio_bucket_empty(m, "lab-alice", 100, &deleted, &more, &st,
	    err, sizeof(err)));
	assert_int_equal(deleted, 1);
	assert_false(more);

	/* lock, unlock, rotate */
	FAKE_OK(minio_user_enable(m, "alice", false, &st, err, sizeof(err)));
	FAKE_OK(minio_user_info(m, "alice", &doc, &st, err, sizeof(err)));
	assert_string_equal(json_string_value(json_object_get(doc, "status")),
	    "disabled");
	json_decref(doc);
	FAKE_OK(minio_user_enable(m, "alice", true, &st, err, sizeof(err)));
	FAKE_OK(minio_secret_generate(secret, err, sizeof(err)));
	FAKE_OK(minio_user_set(m, "alice", secret, true, &st, err, sizeof(err)));

	/* purge */
	FAKE_OK(minio_policy_detach(m, "alice", "u-alice", &st, err,
	    sizeof(err)));
	FAKE_OK(minio_policy_detach(m, "alice", "u-alice", &st, err,
	    sizeof(err)));
	FAKE_OK(minio_user_remove(m, "alice", &st, err, sizeof(err)));
	FAKE_OK(minio_user_remove(m, "alice", &st, err, sizeof(err)));
	assert_string_equal(st.code, "XMinioAdminNoSuchUser");
	assert_int_equal(minio_user_info(m, "alice", &doc, &st, err,
	    sizeof(err)), -1);
	assert_string_equal(st.code, "XMinioAdminNoSuchUser");
	FAKE_OK(minio_policy_remove(m, "u-alice", &st, err, sizeof(err)));
	FAKE_OK(minio_policy_remove(m, "u-alice", &st, err, sizeof(err)));
	FAKE_OK(minio_bucket_delete(m, "lab-alice", &st, err, sizeof(err)));
	FAKE_OK(minio_bucket_exists(m, "lab-alice", &exists, &st, err,
	    sizeof(err)));
	assert_false(exists);
	FAKE_OK(minio_bucket_delete(m, "lab-alice", &st, err, sizeof(err)));
	minio_close(m);
}

/* A wrong secret: refused at once with MinIO's code, no retries. */
static void
test_fake_wrong_secret(void **state)
{
	char path[96], err[512], *text, *access, *secret;
	struct minio_status st;
	struct minio *m;
	json_t *doc;
	size_t len;
	FILE *f;

	(void)state;
	if (getenv("MINIO_FAKE_URL") == NULL || getenv("MINIO_FAKE_CREDS") == NULL)
		skip();
	f = fopen(getenv("MINIO_FAKE_CREDS"), "r");
	assert_non_null(f);
	text = calloc(1, MINIO_CRED_MAX + 1);
	len = fread(text, 1, MINIO_CRED_MAX, f);
	fclose(f);
	assert_int_equal(minio_credentials_parse(text, len, &access, &secret, err,
	    sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/wrong", tmpdir);
	snprintf(text, MINIO_CRED_MAX, "%s:%sx\n", access, secret);
	write_file(path, text, strlen(text), 0600);
	m = fake_open(path);
	assert_int_equal(minio_user_list(m, &doc, &st, err, sizeof(err)), -1);
	assert_int_equal(st.status, 403);
	assert_string_equal(st.code, "SignatureDoesNotMatch");
	assert_non_null(strstr(err, "SignatureDoesNotMatch: The request "
	    "signature we calculated does not match"));
	assert_null(strstr(err, secret));
	assert_int_equal(minio_requests(m), 1);
	minio_close(m);
	snprintf(text, MINIO_CRED_MAX, "nobody-%s:%s\n", access, secret);
	write_file(path, text, strlen(text), 0600);
	m = fake_open(path);
	assert_int_equal(minio_user_list(m, &doc, &st, err, sizeof(err)), -1);
	assert_string_equal(st.code, "InvalidAccessKeyId");
	minio_close(m);
	explicit_bzero(text, MINIO_CRED_MAX);
	explicit_bzero(secret, strlen(secret));
	free(text);
	free(access);
	free(secret);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credentials_parse),
		cmocka_unit_test(test_credentials_file),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_bucket_names),
		cmocka_unit_test(test_secret_generate),
		cmocka_unit_test(test_error_parse),
		cmocka_unit_test(test_xml_next),
		cmocka_unit_test(test_list_parse),
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test(test_policy_same),
		cmocka_unit_test(test_quota_parse),
		cmocka_unit_test(test_request_admin_bodies),
		cmocka_unit_test(test_request_list_users),
		cmocka_unit_test(test_request_s3),
		cmocka_unit_test(test_request_reads),
		cmocka_unit_test(test_request_empty_bucket),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_endpoint_down),
		cmocka_unit_test(test_fake_provision),
		cmocka_unit_test(test_fake_wrong_secret),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
