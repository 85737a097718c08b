/*
 * fuzz_minio_error.c: arbitrary bytes as a MinIO answer through
 * lib/minio_error.c: an error body (JSON or XML), a ListObjectsV2 page and
 * the element extractor under both.  What each accepts must keep its
 * promises: a Code of identifier characters within its buffer, a message
 * that fits, keys that are non-empty strings of at most MINIO_KEY_MAX
 * bytes, at most MINIO_LIST_MAX of them, a token when truncated; what each
 * refuses leaves nothing behind.
 *
 * Seeds (tests/fuzz/corpus/minio_error/) are MinIO's own shapes: S3 errors
 * (NoSuchBucket, SignatureDoesNotMatch, BucketAlreadyOwnedByYou, entities),
 * admin JSON errors, listings (truncated, empty), and broken ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "minio.h"

static void
check_error(const char *data, size_t size)
{
	char code[MINIO_CODE_MAX], msg[MINIO_MESSAGE_MAX], tiny[4];
	size_t i;

	if (minio_error_parse(data, size, code, sizeof(code), msg,
	    sizeof(msg)) == 0) {
		if (code[0] == '\0' || strlen(code) >= sizeof(code) ||
		    strlen(msg) >= sizeof(msg))
			abort();
		for (i = 0; code[i] != '\0'; i++)
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._-", code[i]) == NULL)
				abort();
	} else if (code[0] != '\0' || msg[0] != '\0')
		abort();
	/* Buffers too small for most codes: refused or cut, never overrun. */
	if (minio_error_parse(data, size, tiny, sizeof(tiny), tiny,
	    sizeof(tiny)) == 0 && strlen(tiny) >= sizeof(tiny))
		abort();
}

static void
check_list(const char *data, size_t size)
{
	struct minio_list l;
	char err[256];
	size_t i;

	err[0] = '\0';
	if (minio_list_parse(data, size, &l, err, sizeof(err)) == 0) {
		if (l.nkeys > MINIO_LIST_MAX || (l.truncated &&
		    (l.next_token == NULL || l.next_token[0] == '\0')) ||
		    (!l.truncated && l.next_token != NULL))
			abort();
		for (i = 0; i < l.nkeys; i++)
			if (l.keys[i] == NULL || l.keys[i][0] == '\0' ||
			    strlen(l.keys[i]) > MINIO_KEY_MAX)
				abort();
		minio_list_free(&l);
	} else if (l.keys != NULL || l.nkeys != 0 || l.next_token != NULL ||
	    err[0] == '\0')
		abort();
}

static void
check_xml(const char *data, size_t size)
{
	static const char *const tags[] = { "Key", "Code", "Message", "a" };
	char out[16];
	size_t t, pos, last;
	int r;

	for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		pos = 0;
		for (;;) {
			last = pos;
			r = minio_xml_next(data, size, tags[t], &pos, out,
			    sizeof(out));
			if (r != 1) {
				if (out[0] != '\0' || pos != last)
					abort();
				break;
			}
			if (pos <= last || pos > size || strlen(out) >= sizeof(out))
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_error((const char *)data, size);
	check_list((const char *)data, size);
	check_xml((const char *)data, size);
	return 0;
}
