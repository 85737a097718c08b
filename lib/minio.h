/*
 * minio.h: a small client of MinIO for accountd: the admin API
 * (/minio/admin/v3: users, canned policies and their attachment, bucket
 * quotas) and the few S3 calls provisioning needs (make, look for, empty
 * and delete a bucket).
 *
 * Every request is signed with SigV4 (sigv4.c) over its body's SHA-256 and
 * sent with a known length, never chunked, through http.c's retry policy.
 * Admin bodies that carry secrets are encrypted with the admin secret key
 * (madmin_crypt.c).  The admin credentials come from a private file and are
 * never logged.  Errors carry MinIO's own Code and Message.
 *
 * minio.c opens and sends, minio_admin.c and minio_s3.c name the calls,
 * minio_error.c reads MinIO's errors and listings and minio_read.c its
 * policies and quotas (untrusted, fuzzed), minio_name.c holds the naming
 * rules and makes secret keys.  Nothing here exits.
 */
#ifndef MEDUSE_MINIO_H
#define MEDUSE_MINIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http.h"
#include "sigv4.h"

#define MINIO_CRED_MAX		4096	/* bytes of the credentials file */
#define MINIO_SECRET_LEN	40	/* characters of a generated secret key */
#define MINIO_CODE_MAX		64	/* MinIO's error Code, NUL included */
#define MINIO_MESSAGE_MAX	512	/* MinIO's error Message kept, NUL included */
#define MINIO_BUCKET_MIN	3	/* S3 bucket names, in characters */
#define MINIO_BUCKET_MAX	63
#define MINIO_ACCESS_MIN	3	/* MinIO refuses shorter access keys */
#define MINIO_KEY_MAX		1024	/* bytes of an S3 object key */
#define MINIO_LIST_MAX		1000	/* keys in one ListObjectsV2 page */
#define MINIO_ANSWER_MAX	(1024 * 1024)	/* bytes of a policy or quota read */
#define MINIO_DEFAULT_REGION	"us-east-1"

struct minio;

/* What the last answer was, for the caller to tell "try again later" (no
 * answer, 5xx) from "refused" (4xx) and to act on a known Code. */
struct minio_status {
	long	status;			/* HTTP status; 0: no answer */
	char	code[MINIO_CODE_MAX];	/* MinIO's error Code, or "" */
};

/* One request, for minio_request. */
struct minio_req {
	const char		*method;	/* "GET", "PUT", ... */
	bool			 admin;		/* /minio/admin/v3 + path, region "" */
	const char		*path;		/* raw: "/add-user" or "/bucket/key" */
	const struct sigv4_pair	*query;		/* raw names and values */
	size_t			 nquery;
	const void		*body;		/* PUT and POST: never NULL */
	size_t			 len;
	const char		*content_type;	/* of body, or NULL */
};

/* minio.c */
/*
 * endpoint: http(s)://host[:port] with no path; credentials_file: one line
 * ACCESS_KEY:SECRET_KEY (the s3fs convention), a regular file readable by
 * its owner only; region: the S3 region (NULL: us-east-1).  The admin API
 * is signed with region "" as madmin does.
 */
struct minio	*minio_open(const char *endpoint, const char *credentials_file,
		    const char *region, char *err, size_t errlen);
void		 minio_close(struct minio *m);
void		 minio_set_sleep(struct minio *m, http_sleep_fn fn, void *arg);
unsigned long	 minio_requests(const struct minio *m);
/* The admin access key (not secret), for messages. */
const char	*minio_admin_user(const struct minio *m);
/* The region S3 calls are signed for. */
const char	*minio_region(const struct minio *m);
/*
 * Sends r.  0 on a 2xx answer, with *resp (may be NULL; malloc'd, one NUL
 * past *resplen, the caller frees) the answer's body.  -1 otherwise, with
 * err in MinIO's words ("METHOD PATH: Code: Message (HTTP n)").  st (may be
 * NULL) is filled in either way.
 */
int	minio_request(struct minio *m, const struct minio_req *r,
	    struct minio_status *st, char **resp, size_t *resplen, char *err,
	    size_t errlen);
/* madmin's EncryptData (id 0x02) and DecryptData (any id) under the admin
 * secret key; *out is malloc'd (decrypted: one NUL past *outlen). */
int	minio_encrypt(struct minio *m, const void *plain, size_t len,
	    uint8_t **out, size_t *outlen, char *err, size_t errlen);
int	minio_decrypt(struct minio *m, const void *in, size_t len,
	    uint8_t **out, size_t *outlen, char *err, size_t errlen);
/*
 * Parses the text of a credentials file: ACCESS_KEY:SECRET_KEY on one line,
 * a final newline allowed; both parts non-empty printable ASCII without
 * blanks or ':'.  0 with *access and *secret malloc'd (wipe the secret),
 * or -1 with a reason in err that never quotes the secret.
 */
int	minio_credentials_parse(const char *text, size_t len, char **access,
	    char **secret, char *err, size_t errlen);

/* minio_admin.c: admin API calls; names are checked, escaped here. */
/* Creates the user or updates its secret key and status. */
int	minio_user_set(struct minio *m, const char *user, const char *secret,
	    bool enabled, struct minio_status *st, char *err, size_t errlen);
int	minio_user_enable(struct minio *m, const char *user, bool enabled,
	    struct minio_status *st, char *err, size_t errlen);
/* A user that does not exist counts as removed. */
int	minio_user_remove(struct minio *m, const char *user,
	    struct minio_status *st, char *err, size_t errlen);
/* {"status", "policyName", "memberOf", ...}; *out is the caller's. */
int	minio_user_info(struct minio *m, const char *user, json_t **out,
	    struct minio_status *st, char *err, size_t errlen);
/* Every user: {"alice": {"status", "policyName", ...}}, decrypted. */
int	minio_user_list(struct minio *m, json_t **out, struct minio_status *st,
	    char *err, size_t errlen);
/* Adds or replaces the canned policy name (an IAM policy document). */
int	minio_policy_add(struct minio *m, const char *name, const json_t *doc,
	    struct minio_status *st, char *err, size_t errlen);
/* A policy that does not exist counts as removed. */
int	minio_policy_remove(struct minio *m, const char *name,
	    struct minio_status *st, char *err, size_t errlen);
/* Attaching a policy already attached, or detaching one that is not,
 * succeeds (st->code tells): the state asked for is there. */
int	minio_policy_attach(struct minio *m, const char *user,
	    const char *policy, struct minio_status *st, char *err,
	    size_t errlen);
int	minio_policy_detach(struct minio *m, const char *user,
	    const char *policy, struct minio_status *st, char *err,
	    size_t errlen);
/* A hard quota of bytes on bucket; 0 removes it.  Servers that do not
 * support quotas (a single drive) refuse with a Code, e.g. NotImplemented. */
int	minio_bucket_quota(struct minio *m, const char *bucket, uint64_t bytes,
	    struct minio_status *st, char *err, size_t errlen);
/*
 * The canned policy name as MinIO holds it (info-canned-policy): *doc is
 * its document, the caller's; NULL, and 0 returned, when there is no such
 * policy.
 */
int	minio_policy_info(struct minio *m, const char *name, json_t **doc,
	    struct minio_status *st, char *err, size_t errlen);
/*
 * The hard quota on bucket that MinIO enforces (get-bucket-quota), in
 * bytes; 0 when none.  *exists is false, and 0 returned, when there is no
 * such bucket: the read also stands for a HEAD.
 */
int	minio_bucket_quota_get(struct minio *m, const char *bucket,
	    bool *exists, uint64_t *bytes, struct minio_status *st, char *err,
	    size_t errlen);

/* minio_s3.c: S3 calls, signed for the configured region. */
/* *created is false when the bucket was already ours. */
int	minio_bucket_create(struct minio *m, const char *bucket, bool *created,
	    struct minio_status *st, char *err, size_t errlen);
int	minio_bucket_exists(struct minio *m, const char *bucket, bool *exists,
	    struct minio_status *st, char *err, size_t errlen);
/* The bucket must be empty; one that does not exist counts as deleted. */
int	minio_bucket_delete(struct minio *m, const char *bucket,
	    struct minio_status *st, char *err, size_t errlen);
/*
 * Deletes the bucket's objects, at most max of them (a purge in bounded
 * steps): *deleted is how many went, *more whether some remain.  Versions
 * of a versioned bucket are not touched (its delete then fails).
 */
int	minio_bucket_empty(struct minio *m, const char *bucket, size_t max,
	    size_t *deleted, bool *more, struct minio_status *st, char *err,
	    size_t errlen);

/* minio_error.c: MinIO's answers, untrusted: pure, bounded, fuzzed. */
/*
 * The Code and Message of an error body: the admin API's JSON
 * {"Code","Message",...} or S3's XML <Error><Code/><Message/></Error>.
 * 0 when a Code (letters, digits, '.', '_', '-') was found, else -1 with
 * code and msg "".  A message too long is cut.
 */
int	minio_error_parse(const char *body, size_t len, char *code,
	    size_t codelen, char *msg, size_t msglen);
/*
 * The text of the next element <tag>...</tag> at or after *pos in
 * doc[0..len), XML-decoded into out.  1 when found (*pos moves past it),
 * 0 when there is none, -1 when it is malformed: markup inside, no end
 * tag, a bad entity, a NUL, or text that does not fit in outlen.
 */
int	minio_xml_next(const char *doc, size_t len, const char *tag,
	    size_t *pos, char *out, size_t outlen);

/* One page of ListObjectsV2. */
struct minio_list {
	char	**keys;		/* owned, nkeys of them */
	size_t	  nkeys;
	bool	  truncated;	/* more pages follow */
	char	 *next_token;	/* owned; set when truncated */
};
/* Parses a ListBucketResult page; -1 with err for anything unexpected. */
int	minio_list_parse(const char *body, size_t len, struct minio_list *out,
	    char *err, size_t errlen);
void	minio_list_free(struct minio_list *l);

/* minio_read.c: what those reads answer, untrusted: pure, bounded, fuzzed. */
/*
 * A canned policy's document: the policy JSON itself (info-canned-policy's
 * answer) or madmin's PolicyInfo {"PolicyName", "Policy"} (its answer with
 * v=2), whose PolicyName must then be name (NULL: any).  An object whose
 * Statement, when there, is a list of objects.  0 with *doc (the
 * caller's), or -1 with err.
 */
int	minio_policy_parse(const char *body, size_t len, const char *name,
	    json_t **doc, char *err, size_t errlen);
/*
 * Whether two policy documents grant the same as MinIO reads them: the
 * statements and the sets in them (Action, NotAction, Resource,
 * NotResource; a string is a set of one) in any order and without repeats,
 * empty fields (Condition, ...) as absent, labels (Sid, ID) left out.  False
 * if either is not a policy.
 */
bool	minio_policy_same(const json_t *a, const json_t *b);
/*
 * madmin's BucketQuota as get-bucket-quota answers it ("null": none set):
 * *bytes is the hard quota MinIO enforces ("size", else the older "quota",
 * when "quotatype" is "hard"), 0 when none.  -1 with err when it is not one.
 */
int	minio_quota_parse(const char *body, size_t len, uint64_t *bytes,
	    char *err, size_t errlen);

/* minio_name.c: naming rules and secrets; libc only (the config uses it). */
/* An S3 bucket name as MinIO checks it strictly, and AWS's reserved forms. */
int	minio_bucket_check(const char *name, char *err, size_t errlen);
/* A minio.bucket_prefix: what may precede an account name in a bucket. */
int	minio_bucket_prefix_check(const char *prefix, char *err,
	    size_t errlen);
/* prefix + account into buf, checked as a bucket name. */
int	minio_bucket_name(const char *prefix, const char *account, char *buf,
	    size_t len, char *err, size_t errlen);
/* The MinIO access key of an account: its name, which MinIO must accept. */
int	minio_access_key(const char *account, char *buf, size_t len,
	    char *err, size_t errlen);
/* MINIO_SECRET_LEN characters of [A-Za-z0-9] from the OS CSPRNG. */
int	minio_secret_generate(char out[MINIO_SECRET_LEN + 1], char *err,
	    size_t errlen);

#endif
