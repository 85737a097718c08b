/*
 * madmin_crypt.c: MinIO admin API body encryption, as minio/madmin-go
 * encrypt.go (EncryptData, DecryptData) with secure-io/sio-go v0.3.1
 * (sio.go, writer.go, reader.go) builds it:
 *
 *	salt[32] | id[1] | nonce[8] | fragment 1 | ... | fragment n
 *
 * The key is derived from the password and salt as id says.  Fragment k
 * (k >= 1) is the AEAD sealing of up to 16384 plaintext bytes under the
 * 12-byte nonce nonce[8] || LE32(k), with associated data flag || T0, where
 * T0 = Seal(nonce[8] || LE32(0), "", "") binds the stream to its nonce and
 * flag is 0x80 on the last fragment and 0x00 before.  Every fragment but the
 * last holds exactly 16384 bytes; the last holds 1..16384, or 0 when the
 * plaintext is empty.  A reader splits the stream as sio's DecReader does:
 * what follows the last full 16400-byte fragment is the final one, and when
 * nothing follows, that full fragment is final.
 *
 * Trust boundary: decryption input comes from the network (a MinIO server,
 * or whoever sits between); it is bounded in size and parsed before any key
 * is derived, and the plaintext is handed over only once every fragment has
 * authenticated.  The password is the admin secret key: it is never quoted
 * in errors, and derived keys are wiped.
 *
 * Argon2id takes 64 MiB and four threads per call (madmin serialises its
 * calls with a mutex for that reason); callers should not run several at once.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/evp.h>

#include "madmin_crypt.h"
#include "text.h"

#define MADMIN_NONCE_FULL	12	/* AEAD nonce: stream nonce + LE32 seq */
#define MADMIN_FRAG_SEALED	(MADMIN_CRYPT_FRAG_LEN + MADMIN_CRYPT_TAG_LEN)
#define MADMIN_AD_LEN		(1 + MADMIN_CRYPT_TAG_LEN)	/* flag, T0 */
#define MADMIN_AD_FINAL		0x80
#define MADMIN_AD_MORE		0x00

#define MADMIN_ARGON2_TIME	1	/* passes */
#define MADMIN_ARGON2_MEMORY	(64 * 1024)	/* KiB */
#define MADMIN_ARGON2_LANES	4
#define MADMIN_PBKDF2_ITER	8192

static int	madmin_kdf_argon2id(const char *, size_t, const uint8_t *,
		    uint8_t *, char *, size_t);
static int	madmin_kdf_pbkdf2(const char *, size_t, const uint8_t *,
		    uint8_t *, char *, size_t);

/* The algorithm ids madmin defines (encrypt.go); any other id is refused. */
static const struct madmin_alg {
	int		  id;
	const char	 *name;
	int		(*kdf)(const char *, size_t, const uint8_t *, uint8_t *,
			    char *, size_t);
	const EVP_CIPHER *(*cipher)(void);
} madmin_algs[] = {
	{ MADMIN_CRYPT_ARGON2ID_AESGCM, "Argon2id AES-256-GCM",
	    madmin_kdf_argon2id, EVP_aes_256_gcm },
	{ MADMIN_CRYPT_ARGON2ID_CHACHA, "Argon2id ChaCha20-Poly1305",
	    madmin_kdf_argon2id, EVP_chacha20_poly1305 },
	{ MADMIN_CRYPT_PBKDF2_AESGCM, "PBKDF2 AES-256-GCM",
	    madmin_kdf_pbkdf2, EVP_aes_256_gcm },
};

static const struct madmin_alg *
madmin_alg_find(int id)
{
	size_t i;

	for (i = 0; i < sizeof(madmin_algs) / sizeof(madmin_algs[0]); i++)
		if (madmin_algs[i].id == id)
			return &madmin_algs[i];
	return NULL;
}

static int
madmin_kdf_argon2id(const char *pw, size_t pwlen, const uint8_t *salt,
    uint8_t *key, char *err, size_t errlen)
{
	int rc;

	rc = argon2id_hash_raw(MADMIN_ARGON2_TIME, MADMIN_ARGON2_MEMORY,
	    MADMIN_ARGON2_LANES, pw, pwlen, salt, MADMIN_CRYPT_SALT_LEN, key,
	    MADMIN_CRYPT_KEY_LEN);
	if (rc != ARGON2_OK) {
		text_seterr(err, errlen, "madmin: Argon2id failed: %s",
		    argon2_error_message(rc));
		return -1;
	}
	return 0;
}

static int
madmin_kdf_pbkdf2(const char *pw, size_t pwlen, const uint8_t *salt,
    uint8_t *key, char *err, size_t errlen)
{
	if (PKCS5_PBKDF2_HMAC(pw, (int)pwlen, salt, MADMIN_CRYPT_SALT_LEN,
	    MADMIN_PBKDF2_ITER, EVP_sha256(), MADMIN_CRYPT_KEY_LEN,
	    key) != 1) {
		text_seterr(err, errlen, "madmin: PBKDF2 failed");
		return -1;
	}
	return 0;
}

/*
 * One AEAD operation under nonce8 || LE32(seq).  Sealing reads len plaintext
 * bytes and writes len ciphertext bytes and the tag; opening reads len
 * ciphertext bytes and the tag after them and writes len plaintext bytes,
 * which are worthless unless it returns 0.
 */
static int
madmin_aead(EVP_CIPHER_CTX *ctx, const struct madmin_alg *alg, int seal,
    const uint8_t *key, const uint8_t *nonce8, uint32_t seq,
    const uint8_t *ad, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t iv[MADMIN_NONCE_FULL], tag[MADMIN_CRYPT_TAG_LEN];
	int n;

	memcpy(iv, nonce8, MADMIN_CRYPT_NONCE_LEN);
	iv[8] = seq & 0xff;
	iv[9] = (seq >> 8) & 0xff;
	iv[10] = (seq >> 16) & 0xff;
	iv[11] = (seq >> 24) & 0xff;

	/* Both ciphers default to 12-byte nonces, sio's NonceSize() + 4. */
	if (EVP_CipherInit_ex(ctx, alg->cipher(), NULL, key, iv, seal) != 1)
		return -1;
	if (ad != NULL &&
	    EVP_CipherUpdate(ctx, NULL, &n, ad, MADMIN_AD_LEN) != 1)
		return -1;
	if (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		return -1;
	if (!seal) {
		memcpy(tag, in + len, sizeof(tag));
		if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
		    sizeof(tag), tag) != 1)
			return -1;
	}
	if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1)
		return -1;
	if (seal && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    MADMIN_CRYPT_TAG_LEN, out + len) != 1)
		return -1;
	return 0;
}

/* The associated data of every fragment: a flag byte, then T0. */
static int
madmin_stream_ad(EVP_CIPHER_CTX *ctx, const struct madmin_alg *alg,
    const uint8_t *key, const uint8_t *nonce8, uint8_t ad[MADMIN_AD_LEN])
{
	ad[0] = MADMIN_AD_MORE;
	return madmin_aead(ctx, alg, 1, key, nonce8, 0, NULL, NULL, 0, ad + 1);
}

int
madmin_crypt_is_encrypted(const uint8_t *in, size_t len)
{
	return len > MADMIN_CRYPT_SALT_LEN &&
	    madmin_alg_find(in[MADMIN_CRYPT_SALT_LEN]) != NULL;
}

size_t
madmin_crypt_sealed_len(size_t len)
{
	size_t nfrag;

	nfrag = len == 0 ? 1 :
	    (len + MADMIN_CRYPT_FRAG_LEN - 1) / MADMIN_CRYPT_FRAG_LEN;
	return MADMIN_CRYPT_HEADER_LEN + len + nfrag * MADMIN_CRYPT_TAG_LEN;
}

int
madmin_crypt_derive_key(const char *password, int id,
    const uint8_t salt[MADMIN_CRYPT_SALT_LEN],
    uint8_t key[MADMIN_CRYPT_KEY_LEN], char *err, size_t errlen)
{
	const struct madmin_alg *alg;
	size_t pwlen;

	if ((alg = madmin_alg_find(id)) == NULL) {
		text_seterr(err, errlen, "madmin: unknown algorithm id 0x%02x",
		    (unsigned)id & 0xff);
		return -1;
	}
	pwlen = strnlen(password, MADMIN_CRYPT_MAX_PASSWORD + 1);
	if (pwlen > MADMIN_CRYPT_MAX_PASSWORD) {
		text_seterr(err, errlen, "madmin: secret key longer than %d "
		    "bytes", MADMIN_CRYPT_MAX_PASSWORD);
		return -1;
	}
	if (alg->kdf(password, pwlen, salt, key, err, errlen) == -1) {
		explicit_bzero(key, MADMIN_CRYPT_KEY_LEN);
		return -1;
	}
	return 0;
}

int
madmin_crypt_encrypt_key(const uint8_t key[MADMIN_CRYPT_KEY_LEN], int id,
    const uint8_t salt[MADMIN_CRYPT_SALT_LEN],
    const uint8_t nonce[MADMIN_CRYPT_NONCE_LEN], const uint8_t *in,
    size_t inlen, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	const struct madmin_alg *alg;
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t ad[MADMIN_AD_LEN], *buf = NULL, *p;
	size_t len, off, chunk;
	uint32_t seq;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if (in == NULL)		/* no arithmetic on a null pointer below */
		in = (const uint8_t *)"";
	if ((alg = madmin_alg_find(id)) == NULL) {
		text_seterr(err, errlen, "madmin: unknown algorithm id 0x%02x",
		    (unsigned)id & 0xff);
		goto out;
	}
	if (inlen > MADMIN_CRYPT_MAX_PLAIN) {
		text_seterr(err, errlen, "madmin: %zu bytes to encrypt, more "
		    "than %d", inlen, MADMIN_CRYPT_MAX_PLAIN);
		goto out;
	}
	len = madmin_crypt_sealed_len(inlen);
	if ((buf = malloc(len)) == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL) {
		text_seterr(err, errlen, "madmin: out of memory");
		goto out;
	}
	memcpy(buf, salt, MADMIN_CRYPT_SALT_LEN);
	buf[MADMIN_CRYPT_SALT_LEN] = (uint8_t)id;
	memcpy(buf + MADMIN_CRYPT_SALT_LEN + 1, nonce, MADMIN_CRYPT_NONCE_LEN);
	if (madmin_stream_ad(ctx, alg, key, nonce, ad) == -1)
		goto fail;

	/*
	 * As sio's EncWriter: a full fragment is sealed as non-final only when
	 * more plaintext follows it, so an exact multiple of 16384 bytes ends
	 * with a full final fragment.
	 */
	p = buf + MADMIN_CRYPT_HEADER_LEN;
	for (off = 0, seq = 1;; seq++) {
		chunk = inlen - off;
		if (chunk > MADMIN_CRYPT_FRAG_LEN)
			chunk = MADMIN_CRYPT_FRAG_LEN;
		else
			ad[0] = MADMIN_AD_FINAL;
		if (madmin_aead(ctx, alg, 1, key, nonce, seq, ad, in + off,
		    chunk, p) == -1)
			goto fail;
		p += chunk + MADMIN_CRYPT_TAG_LEN;
		off += chunk;
		if (ad[0] == MADMIN_AD_FINAL)
			break;
	}
	if ((size_t)(p - buf) != len)
		goto fail;
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
	goto out;
 fail:
	text_seterr(err, errlen, "madmin: %s encryption failed", alg->name);
 out:
	explicit_bzero(ad, sizeof(ad));
	EVP_CIPHER_CTX_free(ctx);
	free(buf);
	return rc;
}

int
madmin_crypt_encrypt_fixed(const char *password, int id,
    const uint8_t salt[MADMIN_CRYPT_SALT_LEN],
    const uint8_t nonce[MADMIN_CRYPT_NONCE_LEN], const uint8_t *in,
    size_t inlen, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	uint8_t key[MADMIN_CRYPT_KEY_LEN];
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	/* Refuse what encryption would refuse before spending the KDF on it. */
	if (inlen > MADMIN_CRYPT_MAX_PLAIN) {
		text_seterr(err, errlen, "madmin: %zu bytes to encrypt, more "
		    "than %d", inlen, MADMIN_CRYPT_MAX_PLAIN);
		return -1;
	}
	if (madmin_crypt_derive_key(password, id, salt, key, err,
	    errlen) == -1)
		goto out;
	rc = madmin_crypt_encrypt_key(key, id, salt, nonce, in, inlen, out,
	    outlen, err, errlen);
 out:
	explicit_bzero(key, sizeof(key));
	return rc;
}

int
madmin_crypt_encrypt(const char *password, int id, const uint8_t *in,
    size_t inlen, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	uint8_t rnd[MADMIN_CRYPT_SALT_LEN + MADMIN_CRYPT_NONCE_LEN];
	size_t got = 0;
	ssize_t n;

	*out = NULL;
	*outlen = 0;
	while (got < sizeof(rnd)) {
		n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			text_seterr(err, errlen, "madmin: getrandom: %s",
			    n == -1 ? strerror(errno) : "no bytes");
			return -1;
		}
		got += (size_t)n;
	}
	return madmin_crypt_encrypt_fixed(password, id, rnd,
	    rnd + MADMIN_CRYPT_SALT_LEN, in, inlen, out, outlen, err, errlen);
}

/*
 * Checks the header and the stream's length before any key is derived, and
 * splits the stream as sio's DecReader does: every fragment but the last is
 * a full 16400 bytes, the last holds 16..16400.  Sets the algorithm, the
 * number of fragments and the plaintext length.
 */
static int
madmin_parse(const uint8_t *in, size_t inlen, const struct madmin_alg **alg,
    size_t *nfrag, size_t *plainlen, char *err, size_t errlen)
{
	size_t slen, full;

	if (inlen < MADMIN_CRYPT_HEADER_LEN) {
		text_seterr(err, errlen, "madmin: encrypted data of %zu "
		    "bytes is shorter than its %d-byte header", inlen,
		    MADMIN_CRYPT_HEADER_LEN);
		return -1;
	}
	if ((*alg = madmin_alg_find(in[MADMIN_CRYPT_SALT_LEN])) == NULL) {
		text_seterr(err, errlen, "madmin: unknown algorithm id 0x%02x",
		    in[MADMIN_CRYPT_SALT_LEN]);
		return -1;
	}
	slen = inlen - MADMIN_CRYPT_HEADER_LEN;
	full = slen == 0 ? 0 : (slen - 1) / MADMIN_FRAG_SEALED;
	if (slen - full * MADMIN_FRAG_SEALED < MADMIN_CRYPT_TAG_LEN) {
		text_seterr(err, errlen, "madmin: encrypted data is cut "
		    "short (%zu bytes)", inlen);
		return -1;
	}
	*nfrag = full + 1;
	*plainlen = slen - *nfrag * MADMIN_CRYPT_TAG_LEN;
	if (*plainlen > MADMIN_CRYPT_MAX_PLAIN) {
		text_seterr(err, errlen, "madmin: encrypted data of %zu "
		    "bytes, more than %d bytes of plaintext", inlen,
		    MADMIN_CRYPT_MAX_PLAIN);
		return -1;
	}
	return 0;
}

/* Opens every fragment into a private buffer; hands it over only whole. */
static int
madmin_open(const struct madmin_alg *alg, const uint8_t *key,
    const uint8_t *in, size_t nfrag, size_t plainlen, uint8_t **out,
    size_t *outlen, char *err, size_t errlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *nonce, *c;
	uint8_t ad[MADMIN_AD_LEN], *buf = NULL;
	size_t i, chunk, off;
	int rc = -1;

	if ((buf = malloc(plainlen + 1)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL) {
		text_seterr(err, errlen, "madmin: out of memory");
		goto out;
	}
	nonce = in + MADMIN_CRYPT_SALT_LEN + 1;
	if (madmin_stream_ad(ctx, alg, key, nonce, ad) == -1) {
		text_seterr(err, errlen, "madmin: %s failed", alg->name);
		goto out;
	}
	c = in + MADMIN_CRYPT_HEADER_LEN;
	for (i = 0, off = 0; i < nfrag; i++) {
		chunk = MADMIN_CRYPT_FRAG_LEN;
		if (i == nfrag - 1) {
			chunk = plainlen - off;
			ad[0] = MADMIN_AD_FINAL;
		}
		/* i < nfrag <= 1025: the sequence number cannot wrap. */
		if (madmin_aead(ctx, alg, 0, key, nonce, (uint32_t)(i + 1), ad,
		    c, chunk, buf + off) == -1) {
			text_seterr(err, errlen, "madmin: fragment %zu of %zu "
			    "does not authenticate (%s): wrong secret key, or "
			    "the data was altered, cut short, extended or "
			    "reordered", i + 1, nfrag, alg->name);
			goto out;
		}
		c += chunk + MADMIN_CRYPT_TAG_LEN;
		off += chunk;
	}
	buf[plainlen] = '\0';
	*out = buf;
	*outlen = plainlen;
	buf = NULL;
	rc = 0;
 out:
	if (buf != NULL) {
		explicit_bzero(buf, plainlen + 1);
		free(buf);
	}
	explicit_bzero(ad, sizeof(ad));
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
madmin_crypt_decrypt_key(const uint8_t key[MADMIN_CRYPT_KEY_LEN],
    const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen,
    char *err, size_t errlen)
{
	const struct madmin_alg *alg;
	size_t nfrag, plainlen;

	*out = NULL;
	*outlen = 0;
	if (madmin_parse(in, inlen, &alg, &nfrag, &plainlen, err,
	    errlen) == -1)
		return -1;
	return madmin_open(alg, key, in, nfrag, plainlen, out, outlen, err,
	    errlen);
}

int
madmin_crypt_decrypt(const char *password, const uint8_t *in, size_t inlen,
    uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	const struct madmin_alg *alg;
	uint8_t key[MADMIN_CRYPT_KEY_LEN];
	size_t nfrag, plainlen;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if (madmin_parse(in, inlen, &alg, &nfrag, &plainlen, err,
	    errlen) == -1)
		return -1;
	if (madmin_crypt_derive_key(password, alg->id, in, key, err,
	    errlen) == -1)
		goto out;
	rc = madmin_open(alg, key, in, nfrag, plainlen, out, outlen, err,
	    errlen);
 out:
	explicit_bzero(key, sizeof(key));
	return rc;
}
