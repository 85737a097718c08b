/*
 * minio_name.c: what MinIO accepts as a bucket name and an access key, the
 * bucket of an account (minio.bucket_prefix + name), and the secret keys
 * accountd gives its users.  Trust boundary: names come from the
 * configuration and from account names already checked by names.c; the
 * rules here are those of S3 as MinIO applies them strictly, so a name is
 * refused here, with a reason, rather than by the server.  libc only: the
 * configuration check and the statically linked programs use it.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "minio.h"
#include "names.h"
#include "text.h"

/* AWS reserves these; MinIO does not, but a bucket may move to S3 one day. */
static const char *const minio_reserved_prefixes[] = {
	"xn--", "sthree-", "amzn-s3-demo-",
};
static const char *const minio_reserved_suffixes[] = {
	"-s3alias", "--ol-s3", "--x-s3", "--table-s3",
};

static const char minio_base62[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static bool
minio_lower_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* a.b.c.d of digits only: S3 refuses names that look like an IP address. */
static bool
minio_looks_ipv4(const char *s)
{
	int dots = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.')
			dots++;
		else if (*s < '0' || *s > '9')
			return false;
	}
	return dots == 3;
}

int
minio_bucket_check(const char *name, char *err, size_t errlen)
{
	char q[80];
	size_t len = strlen(name), i, n;

	if (len < MINIO_BUCKET_MIN || len > MINIO_BUCKET_MAX) {
		snprintf(err, errlen, "bucket name \"%s\" has %zu characters: "
		    "use %d to %d", text_quote(name, 64, q, sizeof(q)), len,
		    MINIO_BUCKET_MIN, MINIO_BUCKET_MAX);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (!minio_lower_digit(name[i]) && name[i] != '-' &&
		    name[i] != '.')
			goto chars;
	if (!minio_lower_digit(name[0]) || !minio_lower_digit(name[len - 1]))
		goto chars;
	if (strstr(name, "..") != NULL || strstr(name, ".-") != NULL ||
	    strstr(name, "-.") != NULL || minio_looks_ipv4(name))
		goto chars;
	n = sizeof(minio_reserved_prefixes) / sizeof(minio_reserved_prefixes[0]);
	for (i = 0; i < n; i++)
		if (strncmp(name, minio_reserved_prefixes[i],
		    strlen(minio_reserved_prefixes[i])) == 0)
			goto reserved;
	n = sizeof(minio_reserved_suffixes) / sizeof(minio_reserved_suffixes[0]);
	for (i = 0; i < n; i++) {
		size_t sl = strlen(minio_reserved_suffixes[i]);

		if (len > sl && strcmp(name + len - sl,
		    minio_reserved_suffixes[i]) == 0)
			goto reserved;
	}
	return 0;
chars:
	snprintf(err, errlen, "\"%s\" is not a bucket name (use a-z, 0-9, '-' "
	    "and '.', starting and ending with a letter or digit, no \"..\", "
	    "not an IP address)", text_quote(name, 64, q, sizeof(q)));
	return -1;
reserved:
	snprintf(err, errlen, "\"%s\" is not a bucket name: S3 reserves its "
	    "prefix or suffix", text_quote(name, 64, q, sizeof(q)));
	return -1;
}

/*
 * Account names are RFC 1123 labels of 1 to NAME_MAX_LEN characters, so
 * the prefix must leave room for the longest and start the bucket name
 * right.  Prefixes with dots are refused: a name made of labels would be
 * harder to read in policies and in virtual-host URLs.
 */
int
minio_bucket_prefix_check(const char *prefix, char *err, size_t errlen)
{
	char q[80];
	size_t len = strlen(prefix), i, n;

	for (i = 0; i < len; i++)
		if (!minio_lower_digit(prefix[i]) && prefix[i] != '-')
			goto bad;
	if (len > MINIO_BUCKET_MAX - NAME_MAX_LEN || prefix[0] == '-')
		goto bad;
	n = sizeof(minio_reserved_prefixes) / sizeof(minio_reserved_prefixes[0]);
	for (i = 0; i < n; i++)
		if (strncmp(prefix, minio_reserved_prefixes[i],
		    strlen(minio_reserved_prefixes[i])) == 0) {
			snprintf(err, errlen, "\"%s\" is not a bucket name prefix: "
			    "S3 reserves names starting with \"%s\"",
			    text_quote(prefix, 40, q, sizeof(q)),
			    minio_reserved_prefixes[i]);
			return -1;
		}
	return 0;
bad:
	snprintf(err, errlen, "\"%s\" is not a bucket name prefix (use at most "
	    "%d of a-z, 0-9 and '-', not starting with '-')",
	    text_quote(prefix, 40, q, sizeof(q)), MINIO_BUCKET_MAX - NAME_MAX_LEN);
	return -1;
}

int
minio_bucket_name(const char *prefix, const char *account, char *buf,
    size_t len, char *err, size_t errlen)
{
	int n;

	if (names_check_account(account, err, errlen) == -1 ||
	    minio_bucket_prefix_check(prefix, err, errlen) == -1)
		return -1;
	n = snprintf(buf, len, "%s%s", prefix, account);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "bucket name of %s: too long", account);
		return -1;
	}
	if (minio_bucket_check(buf, err, errlen) == -1) {
		/* Say why in terms of the account: it is what the admin chose. */
		snprintf(err, errlen, "account %s cannot have the bucket \"%s\": "
		    "a bucket name has %d to %d characters and S3's form (set "
		    "minio.bucket_prefix, or choose another name)", account, buf,
		    MINIO_BUCKET_MIN, MINIO_BUCKET_MAX);
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
minio_access_key(const char *account, char *buf, size_t len, char *err,
    size_t errlen)
{
	if (names_check_account(account, err, errlen) == -1)
		return -1;
	if (strlen(account) < MINIO_ACCESS_MIN) {
		snprintf(err, errlen, "account %s: MinIO access keys have at "
		    "least %d characters", account, MINIO_ACCESS_MIN);
		return -1;
	}
	if ((size_t)snprintf(buf, len, "%s", account) >= len) {
		snprintf(err, errlen, "account %s: access key too long", account);
		return -1;
	}
	return 0;
}

/*
 * 40 characters of base62, about 238 bits.  Bytes are drawn by rejection
 * (248 = 4 * 62) so that every character is equally likely.
 */
int
minio_secret_generate(char out[MINIO_SECRET_LEN + 1], char *err,
    size_t errlen)
{
	unsigned char rnd[64];
	size_t got = 0, i;
	ssize_t n;

	while (got < MINIO_SECRET_LEN) {
		n = getrandom(rnd, sizeof(rnd), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "getrandom: %s",
			    n == -1 ? strerror(errno) : "no bytes");
			explicit_bzero(out, MINIO_SECRET_LEN + 1);
			explicit_bzero(rnd, sizeof(rnd));
			return -1;
		}
		for (i = 0; i < (size_t)n && got < MINIO_SECRET_LEN; i++)
			if (rnd[i] < 248)
				out[got++] = minio_base62[rnd[i] % 62];
	}
	out[got] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}
