/*
 * minio_error.c: reading MinIO's answers: the Code and Message of an error
 * (the admin API's JSON, S3's XML) and a ListObjectsV2 page.
 *
 * Trust boundary: the bodies come from the MinIO server, over TLS or
 * loopback, but are parsed as untrusted: the JSON by jansson; the XML by a
 * small extractor of the text of named elements, since the answers we read
 * are flat (Go's encoding/xml writes no CDATA, comments or attributes
 * there) and no XML library is among the project's.  Every text is
 * bounded, entities are decoded strictly, a NUL is refused, and a page
 * whose keys cannot all be read is refused whole.  fuzz_minio_error.c
 * covers every function here.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "minio.h"

#define MINIO_TAG_MAX	32	/* element names we look for */

/* Appends code point cp to out as UTF-8; -1 if it does not fit. */
static int
minio_xml_utf8(uint32_t cp, char *out, size_t outlen, size_t *o)
{
	unsigned char b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*o + n >= outlen)
		return -1;
	for (i = 0; i < n; i++)
		out[(*o)++] = (char)b[i];
	return 0;
}

/*
 * Decodes the entity at s[0..len) (s[0] is '&') into out.  Returns the
 * bytes it took, or 0 when it is not one XML knows: the five named ones
 * and &#N; / &#xN; of a character XML allows (no NUL, no surrogate).
 */
static size_t
minio_xml_entity(const char *s, size_t len, char *out, size_t outlen,
    size_t *o)
{
	static const struct { const char *name; char c; } named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	uint32_t cp = 0;
	size_t i, n, start;
	bool hex;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		n = strlen(named[i].name);
		if (len >= n && memcmp(s, named[i].name, n) == 0) {
			if (*o + 1 >= outlen)
				return 0;
			out[(*o)++] = named[i].c;
			return n;
		}
	}
	if (len < 4 || s[1] != '#')
		return 0;
	hex = s[2] == 'x';
	start = hex ? 3 : 2;
	/* 7 digits hold U+10FFFF either way; more cannot be a character. */
	for (i = start; i < len && i < start + 8 && s[i] != ';'; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			cp = cp * (hex ? 16 : 10) + (uint32_t)(s[i] - '0');
		else if (hex && s[i] >= 'a' && s[i] <= 'f')
			cp = cp * 16 + (uint32_t)(s[i] - 'a' + 10);
		else if (hex && s[i] >= 'A' && s[i] <= 'F')
			cp = cp * 16 + (uint32_t)(s[i] - 'A' + 10);
		else
			return 0;
	}
	if (i >= len || s[i] != ';' || i == start || cp == 0 ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (minio_xml_utf8(cp, out, outlen, o) == -1)
		return 0;
	return i + 1;
}

int
minio_xml_next(const char *doc, size_t len, const char *tag, size_t *pos,
    char *out, size_t outlen)
{
	char open[MINIO_TAG_MAX + 3], close[MINIO_TAG_MAX + 4];
	const char *p, *end = doc + len;
	size_t tl = strlen(tag), o = 0, n;

	if (outlen == 0 || tl == 0 || tl > MINIO_TAG_MAX || *pos > len)
		return -1;
	out[0] = '\0';
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((p = memmem(doc + *pos, len - *pos, open, tl + 2)) == NULL)
		return 0;
	for (p += tl + 2; p < end; p++) {
		if (*p == '<') {
			/* Text holds no markup: the end tag or nothing. */
			if ((size_t)(end - p) < tl + 3 ||
			    memcmp(p, close, tl + 3) != 0)
				break;
			out[o] = '\0';
			*pos = (size_t)(p - doc) + tl + 3;
			return 1;
		}
		if (*p == '\0' || o + 1 >= outlen)
			break;
		if (*p == '&') {
			if ((n = minio_xml_entity(p, (size_t)(end - p), out,
			    outlen, &o)) == 0)
				break;
			p += n - 1;
			continue;
		}
		out[o++] = *p;
	}
	out[0] = '\0';
	return -1;
}

/* Error codes are identifiers: anything else is not one. */
static bool
minio_code_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		    *s == '-'))
			return false;
	return true;
}

/* Copies s into buf, cut to fit. */
static void
minio_copy_cut(const char *s, size_t n, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

static int
minio_error_json(const char *body, size_t len, char *code, size_t codelen,
    char *msg, size_t msglen)
{
	json_t *doc, *c, *m;
	int rc = -1;

	if ((doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	c = json_object_get(doc, "Code");
	m = json_object_get(doc, "Message");
	if (!json_is_string(c) || json_string_length(c) >= codelen ||
	    strlen(json_string_value(c)) != json_string_length(c) ||
	    !minio_code_ok(json_string_value(c)))
		goto out;
	minio_copy_cut(json_string_value(c), json_string_length(c), code,
	    codelen);
	/* strnlen: a NUL inside the message ends it. */
	if (json_is_string(m))
		minio_copy_cut(json_string_value(m), strnlen(
		    json_string_value(m), json_string_length(m)), msg, msglen);
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

static int
minio_error_xml(const char *body, size_t len, char *code, size_t codelen,
    char *msg, size_t msglen)
{
	char text[MINIO_MESSAGE_MAX * 2];
	const char *e;
	size_t pos;

	if ((e = memmem(body, len, "<Error>", 7)) == NULL)
		return -1;
	pos = (size_t)(e - body);
	if (minio_xml_next(body, len, "Code", &pos, code, codelen) != 1 ||
	    !minio_code_ok(code))
		return -1;
	/* The Message follows the Code; a bad or long one is left out. */
	if (minio_xml_next(body, len, "Message", &pos, text,
	    sizeof(text)) == 1)
		minio_copy_cut(text, strlen(text), msg, msglen);
	return 0;
}

int
minio_error_parse(const char *body, size_t len, char *code, size_t codelen,
    char *msg, size_t msglen)
{
	size_t i = 0;
	int rc;

	if (codelen == 0 || msglen == 0)
		return -1;
	code[0] = msg[0] = '\0';
	while (i < len && (body[i] == ' ' || body[i] == '\t' ||
	    body[i] == '\r' || body[i] == '\n'))
		i++;
	if (i < len && body[i] == '{')
		rc = minio_error_json(body, len, code, codelen, msg, msglen);
	else
		rc = minio_error_xml(body, len, code, codelen, msg, msglen);
	if (rc == -1)
		code[0] = msg[0] = '\0';
	return rc;
}

void
minio_list_free(struct minio_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nkeys; i++)
		free(l->keys[i]);
	free(l->keys);
	free(l->next_token);
	memset(l, 0, sizeof(*l));
}

int
minio_list_parse(const char *body, size_t len, struct minio_list *out,
    char *err, size_t errlen)
{
	char text[MINIO_KEY_MAX + 1], **keys = NULL;
	const char *root;
	size_t pos, n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((root = memmem(body, len, "<ListBucketResult", 17)) == NULL) {
		snprintf(err, errlen, "not a ListBucketResult");
		return -1;
	}
	if ((keys = calloc(MINIO_LIST_MAX, sizeof(*keys))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->keys = keys;
	pos = (size_t)(root - body);
	while ((r = minio_xml_next(body, len, "Key", &pos, text,
	    sizeof(text))) == 1) {
		if (n == MINIO_LIST_MAX) {
			snprintf(err, errlen, "more than %d keys in one page",
			    MINIO_LIST_MAX);
			goto fail;
		}
		if (text[0] == '\0') {
			snprintf(err, errlen, "an empty object key");
			goto fail;
		}
		if ((keys[n] = strdup(text)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		out->nkeys = ++n;
	}
	if (r == -1) {
		snprintf(err, errlen, "an object key that cannot be read "
		    "(markup, a NUL or more than %d bytes)", MINIO_KEY_MAX);
		goto fail;
	}
	pos = (size_t)(root - body);
	if (minio_xml_next(body, len, "IsTruncated", &pos, text,
	    sizeof(text)) != 1 || (strcmp(text, "true") != 0 &&
	    strcmp(text, "false") != 0)) {
		snprintf(err, errlen, "no IsTruncated");
		goto fail;
	}
	out->truncated = strcmp(text, "true") == 0;
	if (out->truncated) {
		pos = (size_t)(root - body);
		if (minio_xml_next(body, len, "NextContinuationToken", &pos,
		    text, sizeof(text)) != 1 || text[0] == '\0') {
			snprintf(err, errlen, "truncated but no "
			    "NextContinuationToken");
			goto fail;
		}
		if ((out->next_token = strdup(text)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	return 0;
fail:
	minio_list_free(out);
	return -1;
}
