/*
 * sigv4.h: AWS Signature Version 4 for the S3 API and MinIO's admin API.
 * The signer is deterministic: the caller gives the time as an
 * "YYYYMMDDTHHMMSSZ" string and the payload hash, so tests can check it
 * against published vectors.  It follows S3's rules: the path is
 * URI-encoded once and never normalised ("//" and "/./" are part of an S3
 * key), unlike the other AWS services.
 *
 * Trust boundary: the inputs come from our own code and configuration (keys,
 * endpoint, bucket and object names chosen by the gateway).  They are still
 * checked so that a stray control character cannot forge a header line and a
 * '/' in a key cannot shift the credential scope.
 */
#ifndef MEDUSE_SIGV4_H
#define MEDUSE_SIGV4_H

#include <stddef.h>
#include <time.h>

#define SIGV4_DATE_LEN		16	/* "YYYYMMDDTHHMMSSZ" */
#define SIGV4_HEX_LEN		64	/* SHA-256 and signatures, in hex */
#define SIGV4_UNSIGNED_PAYLOAD	"UNSIGNED-PAYLOAD"

/* A query parameter or a header, both raw (not encoded). */
struct sigv4_pair {
	const char	*name;
	const char	*value;		/* NULL is "" ("?uploads" -> "uploads=") */
};

struct sigv4_request {
	const char		 *method;	/* "GET", "PUT", ... */
	const char		 *path;		/* raw, starting with '/': "/b/my file" */
	const struct sigv4_pair	 *query;	/* raw names and values, any order */
	size_t			  nquery;
	const struct sigv4_pair	 *headers;	/* the headers to sign, any case/order */
	size_t			  nheaders;
	const char		 *payload_sha256; /* lowercase hex, or UNSIGNED-PAYLOAD */
	const char		 *access_key;
	const char		 *secret_key;
	const char		 *region;	/* "us-east-1"; "" for madmin */
	const char		 *service;	/* "s3" */
	const char		 *amz_date;	/* "YYYYMMDDTHHMMSSZ", UTC */
};

/* Everything sigv4_sign computes; the strings are owned by the struct. */
struct sigv4_result {
	char	*authorization;		/* the Authorization header's value */
	char	*canonical_request;	/* for tests and debugging */
	char	*string_to_sign;	/* for tests and debugging */
	char	 signature[SIGV4_HEX_LEN + 1];
};

/*
 * Signs req.  The headers must include host and x-amz-date (equal to
 * amz_date); for service "s3" also x-amz-content-sha256 (equal to
 * payload_sha256).  Header names are lowercased, values trimmed with runs of
 * blanks folded to one space, and repeated names joined with ',' in the
 * order given.  The query is encoded and sorted as sigv4_canonical_query
 * does.  The request sent must carry the same headers, the path encoded by
 * sigv4_uri_encode(path, 1) and the query from sigv4_canonical_query;
 * sigv4_target builds both.  Returns 0, or -1 with a reason in err and *res
 * zeroed.  Free with sigv4_result_free.
 */
int	sigv4_sign(const struct sigv4_request *req, struct sigv4_result *res,
	    char *err, size_t errlen);
void	sigv4_result_free(struct sigv4_result *res);

/*
 * SigV4's URI encoding of s: A-Z a-z 0-9 - _ . ~ are kept, '/' too when
 * keep_slash (paths) and encoded otherwise (query names and values), every
 * other byte becomes %XX in uppercase hex (UTF-8 byte by byte).  Returns a
 * malloc'd string the caller frees, or NULL when out of memory.
 */
char	*sigv4_uri_encode(const char *s, int keep_slash);

/*
 * The canonical query string: every name and value encoded, the pairs sorted
 * by encoded name then encoded value, joined "n=v&n=v".  It is also what
 * goes on the wire after '?'.  Returns 0 and a malloc'd *out ("" when
 * nquery is 0), or -1 with a reason in err.
 */
int	sigv4_canonical_query(const struct sigv4_pair *query, size_t nquery,
	    char **out, char *err, size_t errlen);

/* The request target for the wire: encoded path, then '?' and the canonical
 * query when there is one.  Returns 0 and a malloc'd *out, or -1. */
int	sigv4_target(const struct sigv4_request *req, char **out, char *err,
	    size_t errlen);

/* hex(SHA-256(buf)) into out.  Returns 0, or -1 if OpenSSL fails. */
int	sigv4_sha256_hex(const void *buf, size_t len,
	    char out[SIGV4_HEX_LEN + 1]);

/* Formats t as "YYYYMMDDTHHMMSSZ" (UTC) for amz_date.  Returns 0 or -1. */
int	sigv4_format_date(time_t t, char out[SIGV4_DATE_LEN + 1]);

#endif
