/*
 * keys.c: SSH public keys as meduse accepts them.  libssh decodes the key and
 * computes the fingerprint; this file adds what libssh 0.10 does not check:
 * the type word must name the blob's own type (libssh trusts the caller's
 * type), the blob must be exactly one key with nothing after it, and the
 * policy (no DSA, RSA of at least 2048 bits, no certificates).
 *
 * Trust boundary: every byte here is untrusted.  The text comes from admins
 * (.pub files, stdin) and from sshd's %t %k, which are whatever the SSH
 * client offered.  Untrusted text quoted back in an error is cut short and
 * stripped of control characters, since errors reach terminals and logs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "keys.h"
#include "text.h"

#define KEYS_MAX_PER_FILE	100000	/* keys_read_file refuses more */
#define KEYS_QUOTE_MAX		40	/* untrusted text quoted in errors */
#define KEYS_MAX_FIELDS		4	/* wire strings of the longest key blob */

/*
 * The key types accepted.  nfields is the number of SSH wire strings that
 * make up the blob (RFC 4253 6.6, RFC 5656 3.1, PROTOCOL.u2f); curve is the
 * curve name the blob repeats as its second string; bits is the key size,
 * 0 when it is read from the blob (RSA).
 */
static const struct keys_type {
	const char		*name;
	enum ssh_keytypes_e	 type;
	int			 nfields;
	const char		*curve;
	int			 bits;
} keys_types[] = {
	{ "ssh-ed25519", SSH_KEYTYPE_ED25519, 2, NULL, 256 },
	{ "ecdsa-sha2-nistp256", SSH_KEYTYPE_ECDSA_P256, 3, "nistp256", 256 },
	{ "ecdsa-sha2-nistp384", SSH_KEYTYPE_ECDSA_P384, 3, "nistp384", 384 },
	{ "ecdsa-sha2-nistp521", SSH_KEYTYPE_ECDSA_P521, 3, "nistp521", 521 },
	{ "ssh-rsa", SSH_KEYTYPE_RSA, 3, NULL, 0 },
	{ "sk-ssh-ed25519@openssh.com", SSH_KEYTYPE_SK_ED25519, 3, NULL, 256 },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", SSH_KEYTYPE_SK_ECDSA, 4,
	    "nistp256", 256 },
};

#define KEYS_RSA_MIN_BITS	2048
#define KEYS_ADVICE		"generate a new key with: ssh-keygen -t ed25519"

/* Key types that exist but are refused, each with its reason. */
static const struct {
	const char	*name;
	const char	*why;
} keys_refused[] = {
	{ "ssh-dss", "DSA keys are refused (too weak, and OpenSSH disabled "
	    "them): " KEYS_ADVICE },
	{ "ssh-rsa1", "SSH protocol 1 keys are refused: " KEYS_ADVICE },
};

#define KEYS_CERT_SUFFIX	"-cert-v01@openssh.com"

/* Copies untrusted text into dst for quoting in an error: cut at
 * KEYS_QUOTE_MAX bytes, non-printable bytes shown as '?'. */
static void
keys_quote(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t i, n;

	n = len < KEYS_QUOTE_MAX ? len : KEYS_QUOTE_MAX;
	if (n >= dstlen)
		n = dstlen - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (n < len) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

static const struct keys_type *
keys_type_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(keys_types) / sizeof(keys_types[0]); i++)
		if (strlen(keys_types[i].name) == len &&
		    memcmp(keys_types[i].name, name, len) == 0)
			return &keys_types[i];
	return NULL;
}

/* Returns the reason a known but refused type is refused, or NULL. */
static const char *
keys_type_refused(const char *name, size_t len)
{
	size_t i, sl = strlen(KEYS_CERT_SUFFIX);

	for (i = 0; i < sizeof(keys_refused) / sizeof(keys_refused[0]); i++)
		if (strlen(keys_refused[i].name) == len &&
		    memcmp(keys_refused[i].name, name, len) == 0)
			return keys_refused[i].why;
	if (len > sl && memcmp(name + len - sl, KEYS_CERT_SUFFIX, sl) == 0)
		return "OpenSSH certificates are not accepted: register the "
		    "plain public key (the .pub file without -cert)";
	return NULL;
}

/* Whether a word looks like a key type at all: used to tell options before a
 * key ("restrict ssh-ed25519 AAAA...") from an unknown type. */
static int
keys_is_type_word(const char *w, size_t len)
{
	return keys_type_find(w, len) != NULL || keys_type_refused(w, len) != NULL;
}

/*
 * Decodes canonical base64 (RFC 4648, padded, no whitespace) into dst, which
 * holds at least len / 4 * 3 bytes.  libssh 0.10 exports no decoder, and the
 * blob must be read here to check its type name and its length.  Returns the
 * decoded length, or -1 on any character or padding that is not canonical.
 */
static long
keys_b64_decode(const char *s, size_t len, unsigned char *dst)
{
	uint32_t acc;
	size_t i, j, o = 0, pad = 0;
	int v;

	if (len == 0 || len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)s[i + j];

			if (c >= 'A' && c <= 'Z')
				v = c - 'A';
			else if (c >= 'a' && c <= 'z')
				v = c - 'a' + 26;
			else if (c >= '0' && c <= '9')
				v = c - '0' + 52;
			else if (c == '+')
				v = 62;
			else if (c == '/')
				v = 63;
			else if (c == '=' && i + 4 == len && j >= 2 &&
			    (j == 3 || s[i + 3] == '=')) {
				v = 0;
				pad++;
			} else
				return -1;
			if (c != '=' && pad > 0)
				return -1;
			acc = (acc << 6) | (uint32_t)v;
		}
		dst[o++] = (unsigned char)(acc >> 16);
		if (pad < 2)
			dst[o++] = (unsigned char)(acc >> 8);
		if (pad < 1)
			dst[o++] = (unsigned char)acc;
	}
	/* Bits hidden under the padding must be zero in canonical base64. */
	if ((pad == 1 && (acc & 0xff) != 0) || (pad == 2 && (acc & 0xffff) != 0))
		return -1;
	return (long)o;
}

/*
 * Splits a key blob into its SSH wire strings (uint32 length + bytes).  The
 * blob must be exactly nfields strings, nothing more, as OpenSSH's
 * sshkey_from_blob requires.  Returns 0 or -1.
 */
static int
keys_blob_fields(const unsigned char *b, size_t len, int nfields,
    const unsigned char **f, size_t *flen)
{
	size_t off = 0, n;
	int i;

	for (i = 0; i < nfields; i++) {
		if (len - off < 4)
			return -1;
		n = (size_t)b[off] << 24 | (size_t)b[off + 1] << 16 |
		    (size_t)b[off + 2] << 8 | (size_t)b[off + 3];
		off += 4;
		if (n > len - off)
			return -1;
		f[i] = b + off;
		flen[i] = n;
		off += n;
	}
	return off == len ? 0 : -1;
}

/* The first wire string of a blob: its type name. */
static int
keys_blob_prefix(const unsigned char *b, size_t len, const unsigned char **f,
    size_t *flen)
{
	size_t n;

	if (len < 4)
		return -1;
	n = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 |
	    (size_t)b[3];
	if (n > len - 4)
		return -1;
	f[0] = b + 4;
	flen[0] = n;
	return 0;
}

/* The size in bits of an RSA modulus given as an SSH mpint. */
static int
keys_mpint_bits(const unsigned char *p, size_t len)
{
	int bits;
	unsigned char top;

	while (len > 0 && *p == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	if (len > (size_t)(INT32_MAX / 8))
		return INT32_MAX;
	bits = (int)(len - 1) * 8;
	for (top = *p; top != 0; top >>= 1)
		bits++;
	return bits;
}

/*
 * The common path of keys_parse_line and keys_parse_parts: type and blob are
 * single words, comment is the rest of the line (maybe empty).  Fills out on
 * success.
 */
static int
keys_parse_fields(const char *type, size_t typelen, const char *blob,
    size_t bloblen, const char *comment, size_t commentlen, struct pubkey *out,
    char *err, size_t errlen)
{
	const struct keys_type *kt;
	const unsigned char *f[KEYS_MAX_FIELDS];
	size_t flen[KEYS_MAX_FIELDS];
	unsigned char *raw = NULL, *hash = NULL;
	char *b64 = NULL, *fp = NULL, q[KEYS_QUOTE_MAX + 8], q2[KEYS_QUOTE_MAX + 8];
	const char *why;
	ssh_key key = NULL;
	size_t hashlen = 0;
	long rawlen;
	int bits, rc = -1;

	keys_quote(q, sizeof(q), type, typelen);
	if ((kt = keys_type_find(type, typelen)) == NULL) {
		if ((why = keys_type_refused(type, typelen)) != NULL)
			text_seterr(err, errlen, "%s", why);
		else
			text_seterr(err, errlen, "unknown key type '%s': use "
			    "ssh-ed25519 (ssh-keygen -t ed25519), "
			    "ecdsa-sha2-nistp256/384/521, or ssh-rsa of at "
			    "least %d bits", q, KEYS_RSA_MIN_BITS);
		goto out;
	}
	if (bloblen == 0) {
		text_seterr(err, errlen, "the line has the key type '%s' but no "
		    "key data: copy the whole line of the .pub file", q);
		goto out;
	}
	if ((raw = malloc(bloblen / 4 * 3 + 3)) == NULL) {
		text_seterr(err, errlen, "out of memory");
		goto out;
	}
	rawlen = keys_b64_decode(blob, bloblen, raw);
	if (rawlen < 0) {
		text_seterr(err, errlen, "the key data is not valid base64: copy "
		    "the line of the .pub file unchanged");
		goto out;
	}
	/* The blob's own type name first, to name it in the error. */
	if (keys_blob_prefix(raw, (size_t)rawlen, f, flen) == -1) {
		text_seterr(err, errlen, "the key data is damaged (it does not "
		    "start with a key type): copy the .pub file again");
		goto out;
	}
	if (flen[0] != typelen || memcmp(f[0], type, typelen) != 0) {
		keys_quote(q2, sizeof(q2), (const char *)f[0], flen[0]);
		text_seterr(err, errlen, "the key type '%s' does not match the "
		    "key data, which holds a '%s' key: copy the line of the "
		    ".pub file unchanged", q, q2);
		goto out;
	}
	if (keys_blob_fields(raw, (size_t)rawlen, kt->nfields, f, flen) == -1 ||
	    (kt->curve != NULL && (flen[1] != strlen(kt->curve) ||
	    memcmp(f[1], kt->curve, flen[1]) != 0))) {
		text_seterr(err, errlen, "the %s key data is damaged (wrong "
		    "length or curve): copy the .pub file again", kt->name);
		goto out;
	}
	/* The blob is exactly one well-formed key: let libssh decode it. */
	if ((b64 = malloc(bloblen + 1)) == NULL) {
		text_seterr(err, errlen, "out of memory");
		goto out;
	}
	memcpy(b64, blob, bloblen);
	b64[bloblen] = '\0';
	if (ssh_pki_import_pubkey_base64(b64, kt->type, &key) != SSH_OK ||
	    ssh_key_type(key) != kt->type) {
		text_seterr(err, errlen, "the %s key data does not decode as a "
		    "public key: the key is damaged; copy the .pub file again",
		    kt->name);
		goto out;
	}
	bits = kt->bits;
	if (kt->type == SSH_KEYTYPE_RSA) {
		bits = keys_mpint_bits(f[2], flen[2]);
		if (bits < KEYS_RSA_MIN_BITS) {
			text_seterr(err, errlen, "this RSA key has %d bits, "
			    "fewer than the %d required: " KEYS_ADVICE, bits,
			    KEYS_RSA_MIN_BITS);
			goto out;
		}
	}
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hashlen) != 0 ||
	    (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
	    hashlen)) == NULL || strlen(fp) >= sizeof(out->fingerprint)) {
		text_seterr(err, errlen, "cannot compute the key's fingerprint "
		    "(out of memory?)");
		goto out;
	}
	out->type = strdup(kt->name);
	out->blob = b64;
	b64 = NULL;
	out->comment = strndup(comment, commentlen);
	if (out->type == NULL || out->comment == NULL) {
		keys_free(out);
		text_seterr(err, errlen, "out of memory");
		goto out;
	}
	memcpy(out->fingerprint, fp, strlen(fp) + 1);
	out->bits = bits;
	rc = 0;
out:
	if (hash != NULL)
		ssh_clean_pubkey_hash(&hash);
	free(fp);
	ssh_key_free(key);
	free(b64);
	free(raw);
	return rc;
}

static int
keys_is_space(char c)
{
	return c == ' ' || c == '\t';
}

int
keys_parse_line(const char *line, size_t len, struct pubkey *out, char *err,
    size_t errlen)
{
	const char *w[3], *p, *end;
	size_t wl[3], nw;
	char q[KEYS_QUOTE_MAX + 8];

	memset(out, 0, sizeof(*out));
	if (len > KEY_MAX_LINE) {
		text_seterr(err, errlen, "the line is longer than %d bytes: this "
		    "is not a public key line", KEY_MAX_LINE);
		return -1;
	}
	if (memchr(line, '\0', len) != NULL) {
		text_seterr(err, errlen, "the line holds a NUL byte: this is not "
		    "a text public key; pass the .pub file");
		return -1;
	}
	/* One trailing newline (CRLF too) is part of the line, not the key. */
	end = line + len;
	if (end > line && end[-1] == '\n')
		end--;
	if (end > line && end[-1] == '\r')
		end--;
	if (memchr(line, '\n', (size_t)(end - line)) != NULL) {
		text_seterr(err, errlen, "the text holds more than one line: give "
		    "one key per line");
		return -1;
	}
	for (p = line; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			text_seterr(err, errlen, "the line holds a control "
			    "character (byte %zu): copy the line of the .pub "
			    "file unchanged", (size_t)(p - line) + 1);
			return -1;
		}
	}
	p = line;
	while (p < end && keys_is_space(*p))
		p++;
	while (end > p && keys_is_space(end[-1]))
		end--;
	if (p == end) {
		text_seterr(err, errlen, "the line is empty: give a public key "
		    "line such as the content of ~/.ssh/id_ed25519.pub");
		return -1;
	}
	if ((size_t)(end - p) >= 10 && memcmp(p, "-----BEGIN", 10) == 0) {
		text_seterr(err, errlen, "this is a private key: pass the .pub "
		    "file (the public half) instead, and keep the private key "
		    "secret");
		return -1;
	}
	if ((size_t)(end - p) >= 21 &&
	    memcmp(p, "PuTTY-User-Key-File-", 20) == 0) {
		text_seterr(err, errlen, "this is a PuTTY private key: export "
		    "the public key in OpenSSH format (puttygen -L FILE) and "
		    "pass that");
		return -1;
	}
	if ((size_t)(end - p) >= 10 && memcmp(p, "---- BEGIN", 10) == 0) {
		text_seterr(err, errlen, "this is an RFC 4716 (SSH2) public key: "
		    "convert it with ssh-keygen -i -f FILE and pass the output");
		return -1;
	}
	/* Type and blob are words; the comment is the rest, maybe empty. */
	for (nw = 0; nw < 2 && p < end; nw++) {
		w[nw] = p;
		while (p < end && !keys_is_space(*p))
			p++;
		wl[nw] = (size_t)(p - w[nw]);
		while (p < end && keys_is_space(*p))
			p++;
	}
	if (nw < 2) {
		w[1] = end;
		wl[1] = 0;
	}
	w[2] = p;
	wl[2] = (size_t)(end - p);
	if (!keys_is_type_word(w[0], wl[0])) {
		/*
		 * authorized_keys options come before the type; a type word
		 * further on means the admin pasted such a line.  Options
		 * would be silently lost, so the line is refused.
		 */
		for (p = w[0]; p < end; ) {
			const char *s = p;

			while (p < end && !keys_is_space(*p))
				p++;
			if (s != w[0] && keys_is_type_word(s, (size_t)(p - s))) {
				keys_quote(q, sizeof(q), w[0], wl[0]);
				text_seterr(err, errlen, "authorized_keys options "
				    "('%s') are not accepted: give the key as "
				    "in the .pub file, starting with its type",
				    q);
				return -1;
			}
			while (p < end && keys_is_space(*p))
				p++;
		}
	}
	return keys_parse_fields(w[0], wl[0], w[1], wl[1], w[2], wl[2], out,
	    err, errlen);
}

int
keys_parse_parts(const char *type, const char *blob, struct pubkey *out,
    char *err, size_t errlen)
{
	size_t tl, bl, i;

	memset(out, 0, sizeof(*out));
	if (type == NULL || blob == NULL) {
		text_seterr(err, errlen, "missing key type or key data");
		return -1;
	}
	tl = strnlen(type, KEY_MAX_LINE + 1);
	bl = strnlen(blob, KEY_MAX_LINE + 1);
	if (tl + bl > KEY_MAX_LINE) {
		text_seterr(err, errlen, "the key is longer than %d bytes: this "
		    "is not a public key", KEY_MAX_LINE);
		return -1;
	}
	/* Each part is one word; anything else would smuggle a comment in. */
	for (i = 0; i < tl; i++)
		if (!isgraph((unsigned char)type[i]))
			goto bad;
	for (i = 0; i < bl; i++)
		if (!isgraph((unsigned char)blob[i]))
			goto bad;
	return keys_parse_fields(type, tl, blob, bl, "", 0, out, err, errlen);
bad:
	text_seterr(err, errlen, "the key type or key data holds a space or "
	    "control character: pass them as sshd's %%t and %%k give them");
	return -1;
}

/*
 * Reads one line of at most KEY_MAX_LINE bytes (newline excluded) into buf,
 * which holds KEY_MAX_LINE + 1 bytes.  Returns the length, -1 at EOF, -2 on a
 * read error, -3 when the line is too long (the rest of it is not read).
 */
static long
keys_read_line(FILE *fp, char *buf, int *eof)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = getc_unlocked(fp);
		if (c == EOF) {
			if (ferror(fp))
				return -2;
			*eof = 1;
			return n == 0 ? -1 : (long)n;
		}
		if (c == '\n')
			return (long)n;
		if (n == KEY_MAX_LINE)
			return -3;
		buf[n++] = (char)c;
	}
}

/* Whether a line holds only blanks, or a '#' comment. */
static int
keys_line_is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '#')
			return 1;
		if (!keys_is_space(s[i]) && s[i] != '\r')
			return 0;
	}
	return 1;
}

int
keys_read_file(const char *path, struct pubkey **out, char *err, size_t errlen)
{
	struct pubkey *keys = NULL, *tmp;
	FILE *fp = NULL;
	const char *name;
	char *buf = NULL, why[512];
	size_t n = 0, cap = 0, lineno = 0;
	long len;
	int eof = 0, rc = -1;

	*out = NULL;
	if (strcmp(path, "-") == 0) {
		fp = stdin;
		name = "stdin";
	} else {
		name = path;
		if ((fp = fopen(path, "re")) == NULL) {
			text_seterr(err, errlen, "%s: cannot open: %s", path,
			    strerror(errno));
			goto out;
		}
	}
	if ((buf = malloc(KEY_MAX_LINE + 1)) == NULL) {
		text_seterr(err, errlen, "%s: out of memory", name);
		goto out;
	}
	while (!eof) {
		len = keys_read_line(fp, buf, &eof);
		lineno++;
		if (len == -1)
			break;
		if (len == -2) {
			text_seterr(err, errlen, "%s:%zu: cannot read: %s", name,
			    lineno, strerror(errno));
			goto out;
		}
		if (len == -3) {
			text_seterr(err, errlen, "%s:%zu: the line is longer than "
			    "%d bytes: this is not a public key file", name,
			    lineno, KEY_MAX_LINE);
			goto out;
		}
		if (memchr(buf, '\0', (size_t)len) == NULL &&
		    keys_line_is_blank(buf, (size_t)len))
			continue;
		if (n == KEYS_MAX_PER_FILE) {
			text_seterr(err, errlen, "%s:%zu: more than %d keys in "
			    "one file: split the file", name, lineno,
			    KEYS_MAX_PER_FILE);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			tmp = reallocarray(keys, cap, sizeof(*keys));
			if (tmp == NULL) {
				text_seterr(err, errlen, "%s: out of memory", name);
				goto out;
			}
			keys = tmp;
		}
		if (keys_parse_line(buf, (size_t)len, &keys[n], why,
		    sizeof(why)) == -1) {
			text_seterr(err, errlen, "%s:%zu: %s", name, lineno, why);
			goto out;
		}
		n++;
	}
	if (n == 0) {
		text_seterr(err, errlen, "%s: no public key found: pass a .pub "
		    "file such as ~/.ssh/id_ed25519.pub", name);
		goto out;
	}
	*out = keys;
	keys = NULL;
	rc = (int)n;
out:
	keys_free_array(keys, n);
	if (fp != NULL && fp != stdin)
		fclose(fp);
	free(buf);
	return rc;
}

void
keys_free(struct pubkey *k)
{
	if (k == NULL)
		return;
	free(k->type);
	free(k->blob);
	free(k->comment);
	k->type = k->blob = k->comment = NULL;
}

void
keys_free_array(struct pubkey *k, size_t n)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < n; i++)
		keys_free(&k[i]);
	free(k);
}
