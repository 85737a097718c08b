/*
 * sigv4_encode.c: the encodings of AWS Signature Version 4 (see sigv4.h):
 * URI encoding, the canonical query string, the request target, SHA-256 in
 * hex and the date.  The signing itself is sigv4.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sigv4.h"
#include "sigv4_int.h"

/* A query parameter after encoding. */
struct sigv4_param {
	char	*name;
	char	*value;
};

const char sigv4_hexdigits[] = "0123456789abcdef";

void
sigv4_hex(const unsigned char *buf, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = sigv4_hexdigits[buf[i] >> 4];
		out[2 * i + 1] = sigv4_hexdigits[buf[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
sigv4_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

char *
sigv4_uri_encode(const char *s, int keep_slash)
{
	static const char upper[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t len = 1;
	char *out, *o;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		len += (sigv4_unreserved(*p) || (keep_slash && *p == '/')) ?
		    1 : 3;
	if ((out = malloc(len)) == NULL)
		return NULL;
	for (o = out, p = (const unsigned char *)s; *p != '\0'; p++) {
		if (sigv4_unreserved(*p) || (keep_slash && *p == '/')) {
			*o++ = (char)*p;
			continue;
		}
		*o++ = '%';
		*o++ = upper[*p >> 4];
		*o++ = upper[*p & 0xf];
	}
	*o = '\0';
	return out;
}

int
sigv4_sha256_hex(const void *buf, size_t len, char out[SIGV4_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != SIGV4_HEX_LEN / 2)
		return -1;
	sigv4_hex(md, mdlen, out);
	return 0;
}

int
sigv4_format_date(time_t t, char out[SIGV4_DATE_LEN + 1])
{
	struct tm tm;

	out[0] = '\0';
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) !=
	    SIGV4_DATE_LEN) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

static int
sigv4_param_cmp(const void *a, const void *b)
{
	const struct sigv4_param *pa = a, *pb = b;
	int c;

	if ((c = strcmp(pa->name, pb->name)) != 0)
		return c;
	return strcmp(pa->value, pb->value);
}

int
sigv4_canonical_query(const struct sigv4_pair *query, size_t nquery,
    char **out, char *err, size_t errlen)
{
	struct sigv4_param *p = NULL;
	FILE *f = NULL;
	char *buf = NULL;
	size_t i, len;
	int ret = -1;

	*out = NULL;
	if (nquery > 0 && (p = calloc(nquery, sizeof(*p))) == NULL)
		goto oom;
	for (i = 0; i < nquery; i++) {
		if (query[i].name == NULL || query[i].name[0] == '\0') {
			snprintf(err, errlen, "query parameter %zu has no name",
			    i + 1);
			goto out;
		}
		p[i].name = sigv4_uri_encode(query[i].name, 0);
		p[i].value = sigv4_uri_encode(query[i].value != NULL ?
		    query[i].value : "", 0);
		if (p[i].name == NULL || p[i].value == NULL)
			goto oom;
	}
	/* SigV4 sorts by the encoded bytes, so encode first. */
	if (nquery > 0)
		qsort(p, nquery, sizeof(*p), sigv4_param_cmp);
	if ((f = open_memstream(&buf, &len)) == NULL)
		goto oom;
	for (i = 0; i < nquery; i++)
		fprintf(f, "%s%s=%s", i > 0 ? "&" : "", p[i].name, p[i].value);
	if (ferror(f) || fclose(f) != 0) {
		f = NULL;
		goto oom;
	}
	f = NULL;
	*out = buf;
	buf = NULL;
	ret = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	for (i = 0; p != NULL && i < nquery; i++) {
		free(p[i].name);
		free(p[i].value);
	}
	free(p);
	return ret;
}

int
sigv4_target(const struct sigv4_request *req, char **out, char *err,
    size_t errlen)
{
	char *path = NULL, *query = NULL;
	int ret = -1;

	*out = NULL;
	if (req->path == NULL || req->path[0] != '/') {
		snprintf(err, errlen, "the path must start with '/'");
		goto out;
	}
	if (sigv4_canonical_query(req->query, req->nquery, &query, err,
	    errlen) == -1)
		goto out;
	if ((path = sigv4_uri_encode(req->path, 1)) == NULL ||
	    asprintf(out, "%s%s%s", path, query[0] != '\0' ? "?" : "",
	    query) == -1) {
		*out = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ret = 0;
out:
	free(path);
	free(query);
	return ret;
}
