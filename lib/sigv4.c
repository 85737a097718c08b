/*
 * sigv4.c: AWS Signature Version 4 (see sigv4.h).  The steps are those of
 * AWS's "Create a signed AWS API request": canonical request, string to
 * sign, a signing key derived from the secret by four HMACs, and the
 * signature.  OpenSSL does the hashing; this file only arranges the bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sigv4.h"
#include "sigv4_int.h"
#include "text.h"

#define SIGV4_ALGORITHM	"AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR	"aws4_request"

/* A header after canonicalisation; idx keeps repeated names in order. */
struct sigv4_hdr {
	char	*name;		/* lowercased */
	char	*value;		/* trimmed, blanks folded */
	size_t	 idx;		/* position in the caller's array */
};

/*
 * RFC 9110 token characters: what may appear in a header name.  Spelled out
 * rather than isalnum(), whose answer for bytes above 0x7f hangs on the locale.
 */
static int
sigv4_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A credential scope part: printable ASCII, none of the scope's separators. */
static int
sigv4_scope_ok(const char *s, int may_be_empty)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL || (*p == '\0' && !may_be_empty))
		return 0;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '/' || *p == ',')
			return 0;
	return 1;
}

/*
 * Copies a header value trimmed, with runs of spaces and tabs folded to one
 * space (SigV4's Trimall).  Other control characters are refused: a CR or LF
 * there would let a value forge a header line of its own.
 */
static char *
sigv4_trim(const char *v, int *bad)
{
	const unsigned char *p;
	char *out, *o;
	int blank = 0;

	*bad = 0;
	if ((out = malloc(strlen(v) + 1)) == NULL)
		return NULL;
	for (o = out, p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t') {
			blank = (o != out);
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			*bad = 1;
			free(out);
			return NULL;
		}
		if (blank)
			*o++ = ' ';
		blank = 0;
		*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

static int
sigv4_hdr_cmp(const void *a, const void *b)
{
	const struct sigv4_hdr *ha = a, *hb = b;
	int c;

	if ((c = strcmp(ha->name, hb->name)) != 0)
		return c;
	return (ha->idx > hb->idx) - (ha->idx < hb->idx);
}

/*
 * Whether the sorted headers hold name exactly once, with a value that is
 * want (or, when want is NULL, any value but "").  Twice would be joined
 * "a,b" and sign a value the server does not expect.
 */
static int
sigv4_hdr_is(const struct sigv4_hdr *h, size_t n, const char *name,
    const char *want)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(h[i].name, name) != 0)
			continue;
		if (i + 1 < n && strcmp(h[i + 1].name, name) == 0)
			return 0;
		if (want == NULL)
			return h[i].value[0] != '\0';
		return strcmp(h[i].value, want) == 0;
	}
	return 0;
}

/*
 * Canonicalises the headers: sorted array into *hp, and the canonical
 * headers block and signed-header list written to f and *signed_out.
 */
static int
sigv4_headers(const struct sigv4_request *req, struct sigv4_hdr **hp,
    FILE *f, char **signed_out, char *err, size_t errlen)
{
	struct sigv4_hdr *h;
	FILE *sf = NULL;
	char *sbuf = NULL, q[48];
	size_t i, j, slen;
	int bad, ret = -1;

	*signed_out = NULL;
	if ((*hp = h = calloc(req->nheaders + 1, sizeof(*h))) == NULL)
		goto oom;
	for (i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;

		if (name == NULL || name[0] == '\0') {
			snprintf(err, errlen, "header %zu has no name", i + 1);
			goto out;
		}
		for (j = 0; name[j] != '\0'; j++)
			if (!sigv4_tchar((unsigned char)name[j])) {
				snprintf(err, errlen, "header name \"%s\" is "
				    "not a token", text_quote(name, 32, q,
				    sizeof(q)));
				goto out;
			}
		if ((h[i].name = strdup(name)) == NULL)
			goto oom;
		for (j = 0; h[i].name[j] != '\0'; j++)
			if (name[j] >= 'A' && name[j] <= 'Z')
				h[i].name[j] = (char)(name[j] - 'A' + 'a');
		h[i].idx = i;
		h[i].value = sigv4_trim(req->headers[i].value != NULL ?
		    req->headers[i].value : "", &bad);
		if (bad) {
			snprintf(err, errlen, "header %s holds a control "
			    "character", text_quote(h[i].name, 32, q,
			    sizeof(q)));
			goto out;
		}
		if (h[i].value == NULL)
			goto oom;
	}
	/* Stable by idx: repeated names keep the caller's order when joined. */
	if (req->nheaders > 0)
		qsort(h, req->nheaders, sizeof(*h), sigv4_hdr_cmp);

	if ((sf = open_memstream(&sbuf, &slen)) == NULL)
		goto oom;
	for (i = 0; i < req->nheaders; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			fprintf(f, ",%s", h[i].value);
			continue;
		}
		fprintf(f, "%s%s:%s", i > 0 ? "\n" : "", h[i].name, h[i].value);
		fprintf(sf, "%s%s", i > 0 ? ";" : "", h[i].name);
	}
	fprintf(f, "\n\n");
	if (ferror(sf) || fclose(sf) != 0) {
		sf = NULL;
		goto oom;
	}
	sf = NULL;
	*signed_out = sbuf;
	sbuf = NULL;
	ret = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (sf != NULL)
		fclose(sf);
	free(sbuf);
	return ret;
}

static void
sigv4_hdrs_free(struct sigv4_hdr *h, size_t n)
{
	size_t i;

	for (i = 0; h != NULL && i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

/* Checks what the scope, the headers and the signature depend on. */
static int
sigv4_check(const struct sigv4_request *req, char *err, size_t errlen)
{
	const char *d = req->amz_date, *m = req->method, *ph;

	if (m == NULL || m[0] == '\0' || strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	    != strlen(m)) {
		snprintf(err, errlen, "the method must be uppercase letters");
		return -1;
	}
	if (req->path == NULL || req->path[0] != '/') {
		snprintf(err, errlen, "the path must start with '/'");
		return -1;
	}
	if (d == NULL || strlen(d) != SIGV4_DATE_LEN || d[8] != 'T' ||
	    d[15] != 'Z' || strspn(d, "0123456789") != 8 ||
	    strspn(d + 9, "0123456789") != 6) {
		snprintf(err, errlen, "the date must be YYYYMMDDTHHMMSSZ");
		return -1;
	}
	ph = req->payload_sha256;
	if (ph == NULL || (strcmp(ph, SIGV4_UNSIGNED_PAYLOAD) != 0 &&
	    (strlen(ph) != SIGV4_HEX_LEN ||
	    strspn(ph, sigv4_hexdigits) != SIGV4_HEX_LEN))) {
		snprintf(err, errlen, "the payload hash must be 64 lowercase "
		    "hex digits or " SIGV4_UNSIGNED_PAYLOAD);
		return -1;
	}
	/* A '/' or ',' would shift the parts of "Credential=AK/date/...". */
	if (!sigv4_scope_ok(req->access_key, 0) ||
	    !sigv4_scope_ok(req->region, 1) ||
	    !sigv4_scope_ok(req->service, 0)) {
		snprintf(err, errlen, "the access key, region or service is "
		    "empty or holds a space, '/', ',' or non-ASCII byte");
		return -1;
	}
	if (req->secret_key == NULL || req->secret_key[0] == '\0') {
		snprintf(err, errlen, "the secret key is empty");
		return -1;
	}
	if (req->nheaders > 0 && req->headers == NULL) {
		snprintf(err, errlen, "no header array");
		return -1;
	}
	if (req->nquery > 0 && req->query == NULL) {
		snprintf(err, errlen, "no query array");
		return -1;
	}
	return 0;
}

/* The headers the server needs to verify what we sign. */
static int
sigv4_check_headers(const struct sigv4_request *req,
    const struct sigv4_hdr *h, char *err, size_t errlen)
{
	size_t n = req->nheaders;

	if (!sigv4_hdr_is(h, n, "host", NULL)) {
		snprintf(err, errlen, "the host header must be signed once, "
		    "not empty");
		return -1;
	}
	/* A signature dated other than the request is refused by the server. */
	if (!sigv4_hdr_is(h, n, "x-amz-date", req->amz_date)) {
		snprintf(err, errlen, "the x-amz-date header must be signed "
		    "once, equal to the signing date");
		return -1;
	}
	if (strcmp(req->service, "s3") == 0 && !sigv4_hdr_is(h, n,
	    "x-amz-content-sha256", req->payload_sha256)) {
		snprintf(err, errlen, "S3 needs the x-amz-content-sha256 "
		    "header signed once, equal to the payload hash");
		return -1;
	}
	return 0;
}

/*
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), service),
 * "aws4_request"); signature = hex(HMAC(kSigning, sts)).  The keys derived
 * from the secret are wiped before returning.
 */
static int
sigv4_signature(const struct sigv4_request *req, const char *sts,
    char out[SIGV4_HEX_LEN + 1])
{
	const char *parts[3];
	unsigned char key[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	unsigned int keylen, maclen;
	char *secret = NULL;
	size_t i;
	int ret = -1;

	parts[0] = req->region;
	parts[1] = req->service;
	parts[2] = SIGV4_TERMINATOR;
	if (asprintf(&secret, "AWS4%s", req->secret_key) == -1) {
		secret = NULL;
		goto out;
	}
	/* The date key: HMAC over the first 8 characters, YYYYMMDD. */
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)req->amz_date, 8, key, &keylen) == NULL)
		goto out;
	for (i = 0; i < 3; i++) {
		if (HMAC(EVP_sha256(), key, (int)keylen,
		    (const unsigned char *)parts[i], strlen(parts[i]), mac,
		    &maclen) == NULL)
			goto out;
		memcpy(key, mac, maclen);
		keylen = maclen;
	}
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)sts,
	    strlen(sts), mac, &maclen) == NULL || maclen != SIGV4_HEX_LEN / 2)
		goto out;
	sigv4_hex(mac, maclen, out);
	ret = 0;
out:
	if (secret != NULL) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}

int
sigv4_sign(const struct sigv4_request *req, struct sigv4_result *res,
    char *err, size_t errlen)
{
	struct sigv4_hdr *h = NULL;
	FILE *f = NULL;
	char *path = NULL, *query = NULL, *signed_hdrs = NULL, *creq = NULL;
	char crhash[SIGV4_HEX_LEN + 1];
	size_t crlen;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (sigv4_check(req, err, errlen) == -1)
		goto out;
	if (sigv4_canonical_query(req->query, req->nquery, &query, err,
	    errlen) == -1)
		goto out;
	if ((path = sigv4_uri_encode(req->path, 1)) == NULL ||
	    (f = open_memstream(&creq, &crlen)) == NULL)
		goto oom;
	fprintf(f, "%s\n%s\n%s\n", req->method, path, query);
	if (sigv4_headers(req, &h, f, &signed_hdrs, err, errlen) == -1 ||
	    sigv4_check_headers(req, h, err, errlen) == -1)
		goto out;
	fprintf(f, "%s\n%s", signed_hdrs, req->payload_sha256);
	if (ferror(f) || fclose(f) != 0) {
		f = NULL;
		goto oom;
	}
	f = NULL;
	if (sigv4_sha256_hex(creq, crlen, crhash) == -1)
		goto crypto;
	if (asprintf(&res->string_to_sign, SIGV4_ALGORITHM "\n%s\n%.8s/%s/%s/"
	    SIGV4_TERMINATOR "\n%s", req->amz_date, req->amz_date, req->region,
	    req->service, crhash) == -1) {
		res->string_to_sign = NULL;
		goto oom;
	}
	if (sigv4_signature(req, res->string_to_sign, res->signature) == -1)
		goto crypto;
	if (asprintf(&res->authorization, SIGV4_ALGORITHM " Credential=%s/%.8s/"
	    "%s/%s/" SIGV4_TERMINATOR ", SignedHeaders=%s, Signature=%s",
	    req->access_key, req->amz_date, req->region, req->service,
	    signed_hdrs, res->signature) == -1) {
		res->authorization = NULL;
		goto oom;
	}
	res->canonical_request = creq;
	creq = NULL;
	ret = 0;
	goto out;
crypto:
	snprintf(err, errlen, "OpenSSL failed to hash or sign");
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (f != NULL)
		fclose(f);
	if (ret == -1)
		sigv4_result_free(res);
	sigv4_hdrs_free(h, req->nheaders);
	free(path);
	free(query);
	free(signed_hdrs);
	free(creq);
	return ret;
}

void
sigv4_result_free(struct sigv4_result *res)
{
	if (res == NULL)
		return;
	free(res->authorization);
	free(res->canonical_request);
	free(res->string_to_sign);
	memset(res, 0, sizeof(*res));
}
