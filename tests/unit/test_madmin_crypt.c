/*
 * test_madmin_crypt.c: lib/madmin_crypt.c.  The oracle is madmin-go itself:
 * the ciphertexts of its encrypt_test.go (minio/madmin-go, made by Go's
 * EncryptData) must decrypt, and re-encrypting their plaintexts with their
 * salt and nonce must give them back byte for byte.  Then round trips at
 * the fragment edges, and every way of damaging a ciphertext, which must
 * leave no plaintext behind.
 *
 * With MADMIN_VECTORS_DIR set, the files NAME.enc there (made by the Python
 * implementation, tests/fakes/madmin_crypt.py) are decrypted with the
 * password in the file "password" and compared with NAME.plain.  With
 * MADMIN_OUT_DIR set, C ciphertexts are written there for Python to check.
 * With either set, only those two run.  tests/integration/t-madmin-crypt.sh
 * does both.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "madmin_crypt.h"

#define FRAG		MADMIN_CRYPT_FRAG_LEN
#define SEALED		(MADMIN_CRYPT_FRAG_LEN + MADMIN_CRYPT_TAG_LEN)
#define HDR		MADMIN_CRYPT_HEADER_LEN
#define PW		"madmin-test-secret"	/* MADMIN_OUT_DIR's too */

/* madmin-go encrypt_test.go, decryptDataTests; the plaintexts are those of
 * encryptDataTests that the lengths match (all zero bytes). */
static const struct vector {
	const char	*password;
	size_t		 plainlen;
	const char	*hex;
} vectors[] = {
	{ "", 0,
	  "828aa81599df0651c0461adb82283e8b89956baee9f6e719947ef9cddc849028"
	  "001dc9d3ac0938f66b07bacc9751437e1985f8a9763c240e81" },
	{ "", 256,
	  "1793c71df6647860437134073c15688cbb15961dc0758c7ee1225e66e79c724c00d790dba9c671eae89da2c736d858286ac9bd027abacc6443"
	  "0375cd41b63b67c070c7fba475a8dd66ae65ba905176c48cbe6f734fc74df87343d8ccff54bada4aeb0a04bd021633ebe6c4768e23f5dea142"
	  "561d4fe3f90ed59d13dc5fb3a585dadec1742325291b9c81692bdd3420b2428127f8195e0ecd9a1c9237712ed67af7339fbbf7ff3ee1c516e1"
	  "f81e69d933e057b30997e7274a2c9698e07c39f0e8d6818858f34c8191871b5a52bea9061806bd029024bfc1d9c1f230904968d6c9e10fddcb"
	  "c006ba97356ff243570fd96df07dd6894e215a6b24c4ed730369519289ebd877aff6ccbd2265985e4ab1a2b7930bab9cfb767b97348a639ddf"
	  "8db81bf5151da7e8f3d9638a1b86eb1dd78cc6a526f10a414c78638f" },
	{ "xPl.8/rhR\"Q_1xLt", 32,
	  "b5c016e93b84b473fc8a37af94936563630c36d6df1841d23a86ee51ca161f9e00ac19116b32f643ff6a56a212b265d8c56"
	  "195bb0d12ce199e13dfdc5272f80c1564da2c6fc2fa18da91d8062de02af5cdafea491c6f3cae1f" },
	{ "7h5oU4$te{;K}fgqlI^]", 256,
	  "c58edf7cfd557b6b655de6f48b1a3049d8d049dadb3a7bfa9ac9ccbb5baf37ec00f83086a26f43b7d6bc9075ad0"
	  "38bf5741f118d502ebe94165e4072ba7f98535d6b1e3b6ae67a98115d146d9b4d90e4df4ae82df9cfa17ed7cd42"
	  "465181559f7ddf09c98beec521bb4478e0cb73c4e0827af8688ff4e7a07327a10d5a180035e6ddb16d974a85257"
	  "981cd9e0360a20f7b4d653190267dfb241148f018ae180568042e864b9e1b5bc05425a3abc2b0324f50c72d5679"
	  "8f924405dfc0f8523f4bb564ed65af8e1b1c82a7a0640552ecf81985d95d0993d99172592ddc1393dfa63e8f0b3"
	  "d744b2cc4b73384ca4693f0c1aec0e9b00e85f2937e891105d67da8f59c14ca96608e0425c42f9c1e7c2a8b3413"
	  "e1381784f9cfe01de7c47cea1f8d7a7d88f5d4aca783cf55332b47f957a6b9a65269d7eb606b877b" },
};

static const size_t sizes[] = { 0, 1, 16383, 16384, 16385, 40000 };

static uint8_t *
unhex(const char *s, size_t *len)
{
	uint8_t *b;
	size_t i;
	unsigned int v;

	*len = strlen(s) / 2;
	assert_int_equal(strlen(s) % 2, 0);
	assert_non_null(b = malloc(*len + 1));
	for (i = 0; i < *len; i++) {
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		b[i] = (uint8_t)v;
	}
	return b;
}

/* A plaintext that shows a misplaced or repeated fragment. */
static uint8_t *
pattern(size_t len, unsigned seed)
{
	uint8_t *b;
	size_t i;

	assert_non_null(b = malloc(len + 1));
	for (i = 0; i < len; i++)
		b[i] = (uint8_t)((i * 7 + i / 251 + seed) % 256);
	return b;
}

static size_t
expected_len(size_t len)
{
	return len == 0 ? HDR + 16 : HDR + len + 16 * ((len + FRAG - 1) / FRAG);
}

static uint8_t *
seal(const char *pw, int id, const uint8_t *in, size_t len, size_t *outlen)
{
	char err[256] = "";
	uint8_t *out;

	if (madmin_crypt_encrypt(pw, id, in, len, &out, outlen, err,
	    sizeof(err)) != 0)
		fail_msg("encrypt id %d, %zu bytes: %s", id, len, err);
	assert_non_null(out);
	return out;
}

static void
open_ok(const char *pw, const uint8_t *in, size_t inlen, const uint8_t *want,
    size_t wantlen)
{
	char err[256] = "";
	uint8_t *out = NULL;
	size_t outlen = 0;

	if (madmin_crypt_decrypt(pw, in, inlen, &out, &outlen, err,
	    sizeof(err)) != 0)
		fail_msg("decrypt of %zu bytes (id %d) refused: %s", inlen,
		    inlen > 32 ? in[32] : -1, err);
	assert_non_null(out);
	assert_int_equal(outlen, wantlen);
	assert_int_equal(out[outlen], '\0');
	if (wantlen > 0)
		assert_memory_equal(out, want, wantlen);
	free(out);
}

/* Refused, with want in the reason and nothing returned. */
static void
open_bad(const char *what, const char *pw, const uint8_t *in, size_t inlen,
    const char *want)
{
	char err[512] = "";
	uint8_t *out = (uint8_t *)1;
	size_t outlen = 12345;

	if (madmin_crypt_decrypt(pw, in, inlen, &out, &outlen, err,
	    sizeof(err)) != -1) {
		free(out);
		fail_msg("%s: decrypted", what);
	}
	if (out != NULL || outlen != 0)
		fail_msg("%s: refused but returned %zu bytes", what, outlen);
	if (strstr(err, want) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", what, err, want);
}

static void
test_madmin_vectors(void **state)
{
	char err[256] = "";
	uint8_t *ct, *zero, *again, key[MADMIN_CRYPT_KEY_LEN];
	size_t i, len, againlen;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		ct = unhex(vectors[i].hex, &len);
		assert_true(madmin_crypt_is_encrypted(ct, len));
		assert_int_equal(ct[32], MADMIN_CRYPT_ARGON2ID_AESGCM);
		assert_int_equal(len, expected_len(vectors[i].plainlen));
		assert_non_null(zero = calloc(1, vectors[i].plainlen + 1));
		/* Argon2id costs 64 MiB: the whole call for two of them. */
		if (i % 2 == 0)
			open_ok(vectors[i].password, ct, len, zero,
			    vectors[i].plainlen);

		/* Go's bytes exactly, from its salt and nonce. */
		if (madmin_crypt_derive_key(vectors[i].password, ct[32], ct,
		    key, err, sizeof(err)) != 0)
			fail_msg("derive: %s", err);
		if (madmin_crypt_encrypt_key(key, ct[32], ct, ct + 33, zero,
		    vectors[i].plainlen, &again, &againlen, err,
		    sizeof(err)) != 0)
			fail_msg("encrypt_key: %s", err);
		assert_int_equal(againlen, len);
		assert_memory_equal(again, ct, len);
		free(again);

		if (madmin_crypt_decrypt_key(key, ct, len, &again, &againlen,
		    err, sizeof(err)) != 0)
			fail_msg("decrypt_key: %s", err);
		assert_int_equal(againlen, vectors[i].plainlen);
		if (againlen > 0)
			assert_memory_equal(again, zero, againlen);
		free(again);
		free(zero);
		free(ct);
	}

	/* A wrong password, with Argon2id. */
	ct = unhex(vectors[2].hex, &len);
	open_bad("vector 2, one more char", "xPl.8/rhR\"Q_1xLtx", ct, len,
	    "fragment 1 of 1 does not authenticate (Argon2id AES-256-GCM): "
	    "wrong secret key");
	free(ct);
}

/* Through the public calls: a fresh salt and nonce every time. */
static void
round_trip(int id, size_t len)
{
	uint8_t *pt, *ct, *ct2;
	size_t ctlen, ct2len;

	pt = pattern(len, (unsigned)len);
	ct = seal(PW, id, pt, len, &ctlen);
	assert_int_equal(ctlen, expected_len(len));
	assert_int_equal(ctlen, madmin_crypt_sealed_len(len));
	assert_int_equal(ct[32], id);
	assert_true(madmin_crypt_is_encrypted(ct, ctlen));
	open_ok(PW, ct, ctlen, pt, len);
	if (id == MADMIN_CRYPT_PBKDF2_AESGCM) {
		ct2 = seal(PW, id, pt, len, &ct2len);
		assert_int_equal(ct2len, ctlen);
		assert_memory_not_equal(ct, ct2, HDR);
		free(ct2);
	}
	free(ct);
	free(pt);
}

/* With one derived key at every size: Argon2id's 64 MiB once, not twice
 * per size. */
static void
round_trip_key(int id)
{
	char err[256] = "";
	uint8_t salt[MADMIN_CRYPT_SALT_LEN], nonce[MADMIN_CRYPT_NONCE_LEN];
	uint8_t key[MADMIN_CRYPT_KEY_LEN], *pt, *ct, *back;
	size_t i, len, backlen;

	memset(salt, 0x5a, sizeof(salt));
	memset(nonce, 0xa5, sizeof(nonce));
	if (madmin_crypt_derive_key(PW, id, salt, key, err, sizeof(err)) != 0)
		fail_msg("derive: %s", err);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pt = pattern(sizes[i], (unsigned)i);
		if (madmin_crypt_encrypt_key(key, id, salt, nonce, pt, sizes[i],
		    &ct, &len, err, sizeof(err)) != 0)
			fail_msg("encrypt_key: %s", err);
		assert_int_equal(len, expected_len(sizes[i]));
		assert_int_equal(ct[32], id);
		if (madmin_crypt_decrypt_key(key, ct, len, &back, &backlen,
		    err, sizeof(err)) != 0)
			fail_msg("decrypt_key %zu: %s", sizes[i], err);
		assert_int_equal(backlen, sizes[i]);
		if (backlen > 0)
			assert_memory_equal(back, pt, backlen);
		free(back);
		free(ct);
		free(pt);
	}
}

static void
test_round_trip_argon2id_aesgcm(void **state)
{
	(void)state;
	round_trip_key(MADMIN_CRYPT_ARGON2ID_AESGCM);
	round_trip(MADMIN_CRYPT_ARGON2ID_AESGCM, 0);
	round_trip(MADMIN_CRYPT_ARGON2ID_AESGCM, 40000);
}

static void
test_round_trip_chacha(void **state)
{
	(void)state;
	round_trip_key(MADMIN_CRYPT_ARGON2ID_CHACHA);
	round_trip(MADMIN_CRYPT_ARGON2ID_CHACHA, 40000);
}

static void
test_round_trip_pbkdf2_aesgcm(void **state)
{
	size_t i;

	(void)state;
	round_trip_key(MADMIN_CRYPT_PBKDF2_AESGCM);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(MADMIN_CRYPT_PBKDF2_AESGCM, sizes[i]);
}

/*
 * The stream's layout, seen from outside: 40000 bytes make two full
 * fragments and a final one of 7232; 16384 bytes make one final fragment;
 * the first 16400 bytes of a 16385-byte stream are a non-final fragment,
 * which alone does not open as a final one.
 */
static void
test_layout(void **state)
{
	uint8_t *pt, *ct;
	size_t len;

	(void)state;
	pt = pattern(40000, 1);
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, pt, 40000, &len);
	assert_int_equal(len, HDR + 2 * SEALED + 7232 + 16);
	free(ct);
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, pt, 16384, &len);
	assert_int_equal(len, HDR + SEALED);
	free(ct);
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, pt, 16385, &len);
	assert_int_equal(len, HDR + SEALED + 1 + 16);
	open_bad("first fragment alone", PW, ct, HDR + SEALED,
	    "fragment 1 of 1 does not authenticate");
	free(ct);
	free(pt);
}

/* Three fragments with id 0x02, damaged one byte at a time. */
static void
test_tamper(void **state)
{
	static const struct {
		const char	*what;
		size_t		 off;
		const char	*want;
	} flips[] = {
		{ "salt[0]", 0, "fragment 1 of 3" },
		{ "salt[31]", 31, "fragment 1 of 3" },
		{ "nonce[0]", 33, "fragment 1 of 3" },
		{ "nonce[7]", 40, "fragment 1 of 3" },
		{ "first fragment's first byte", HDR, "fragment 1 of 3" },
		{ "first fragment's tag", HDR + SEALED - 1, "fragment 1 of 3" },
		{ "second fragment", HDR + SEALED + 100, "fragment 2 of 3" },
		{ "last fragment's first byte", HDR + 2 * SEALED,
		  "fragment 3 of 3" },
		{ "last fragment's tag (last byte)", HDR + 2 * SEALED + 7232 +
		  15, "fragment 3 of 3" },
	};
	uint8_t *pt, *ct;
	size_t i, len;

	(void)state;
	pt = pattern(40000, 2);
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, pt, 40000, &len);
	assert_int_equal(len, HDR + 2 * SEALED + 7232 + 16);
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		ct[flips[i].off] ^= 0x01;
		open_bad(flips[i].what, PW, ct, len, flips[i].want);
		ct[flips[i].off] ^= 0x01;
	}
	/* The id: unknown ones, then 0x00 (a different key). */
	ct[32] = 0x03;
	open_bad("id 0x03", PW, ct, len, "unknown algorithm id 0x03");
	ct[32] = 0xff;
	open_bad("id 0xff", PW, ct, len, "unknown algorithm id 0xff");
	assert_false(madmin_crypt_is_encrypted(ct, len));
	ct[32] = MADMIN_CRYPT_ARGON2ID_AESGCM;
	open_bad("id 0x00", PW, ct, len, "fragment 1 of 3");
	ct[32] = MADMIN_CRYPT_PBKDF2_AESGCM;
	open_ok(PW, ct, len, pt, 40000);

	open_bad("wrong password", "madmin-test-secreT", ct, len,
	    "wrong secret key");
	open_bad("empty password", "", ct, len, "fragment 1 of 3");
	free(ct);
	free(pt);
}

static void
test_truncate(void **state)
{
	static const struct {
		size_t		 len;
		const char	*want;
	} cuts[] = {
		{ 0, "shorter than its 41-byte header" },
		{ 1, "shorter than its 41-byte header" },
		{ 32, "shorter than its 41-byte header" },
		{ 33, "shorter than its 41-byte header" },
		{ 40, "shorter than its 41-byte header" },
		{ HDR, "cut short" },
		{ HDR + 15, "cut short" },
		{ HDR + 16, "fragment 1 of 1" },
		{ HDR + SEALED - 1, "fragment 1 of 1" },
		{ HDR + SEALED, "fragment 1 of 1" },	/* full, not final */
		{ HDR + SEALED + 1, "cut short" },
		{ HDR + SEALED + 15, "cut short" },
		{ HDR + SEALED + 16, "fragment 2 of 2" },
		{ HDR + 2 * SEALED, "fragment 2 of 2" },
		{ HDR + 2 * SEALED + 15, "cut short" },
		{ HDR + 2 * SEALED + 16, "fragment 3 of 3" },
		{ HDR + 2 * SEALED + 7232 + 15, "fragment 3 of 3" },
	};
	char what[64];
	uint8_t *pt, *ct;
	size_t i, len;

	(void)state;
	pt = pattern(40000, 3);
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, pt, 40000, &len);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		assert_true(cuts[i].len < len);
		snprintf(what, sizeof(what), "cut to %zu", cuts[i].len);
		open_bad(what, PW, ct, cuts[i].len, cuts[i].want);
	}
	free(ct);
	free(pt);
}

static void
test_reorder_and_extend(void **state)
{
	uint8_t *pt, *ct, *mod;
	size_t len;

	(void)state;
	pt = pattern(40000, 4);
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, pt, 40000, &len);
	assert_non_null(mod = malloc(len + SEALED));

	/* Fragments 1 and 2 swapped. */
	memcpy(mod, ct, HDR);
	memcpy(mod + HDR, ct + HDR + SEALED, SEALED);
	memcpy(mod + HDR + SEALED, ct + HDR, SEALED);
	memcpy(mod + HDR + 2 * SEALED, ct + HDR + 2 * SEALED,
	    len - HDR - 2 * SEALED);
	open_bad("fragments 1 and 2 swapped", PW, mod, len,
	    "fragment 1 of 3");

	/* Fragment 1 twice, fragment 2 gone. */
	memcpy(mod, ct, len);
	memcpy(mod + HDR + SEALED, ct + HDR, SEALED);
	open_bad("fragment 1 repeated", PW, mod, len, "fragment 2 of 3");

	/* Fragment 2 dropped. */
	memcpy(mod, ct, HDR + SEALED);
	memcpy(mod + HDR + SEALED, ct + HDR + 2 * SEALED,
	    len - HDR - 2 * SEALED);
	open_bad("fragment 2 dropped", PW, mod, len - SEALED,
	    "fragment 2 of 2");

	/* One byte, a tag's worth, a whole fragment appended. */
	memcpy(mod, ct, len);
	mod[len] = 0;
	open_bad("one byte appended", PW, mod, len + 1, "fragment 3 of 3");
	memset(mod + len, 0, 16);
	open_bad("16 bytes appended", PW, mod, len + 16, "fragment 3 of 3");
	memcpy(mod + len, ct + HDR, SEALED);
	open_bad("fragment 1 appended", PW, mod, len + SEALED,
	    "fragment 3 of 4");

	/* Two ciphertexts spliced: the second's tail under the first's
	 * header and first fragment. */
	free(ct);
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, pt, 40000, &len);
	memcpy(mod + HDR + SEALED, ct + HDR + SEALED, len - HDR - SEALED);
	open_bad("spliced", PW, mod, len, "fragment 2 of 3");
	free(mod);
	free(ct);
	free(pt);
}

static void
test_limits(void **state)
{
	char err[256] = "";
	uint8_t salt[MADMIN_CRYPT_SALT_LEN] = { 0 };
	uint8_t nonce[MADMIN_CRYPT_NONCE_LEN] = { 0 };
	uint8_t *big, *ct, *out = (uint8_t *)1, hdr[HDR + 16] = { 0 };
	char *longpw;
	size_t len, outlen = 1;

	(void)state;
	/* The largest accepted, and one byte more each way. */
	assert_non_null(big = calloc(1, MADMIN_CRYPT_MAX_PLAIN + 1));
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, big, MADMIN_CRYPT_MAX_PLAIN,
	    &len);
	assert_int_equal(len, HDR + MADMIN_CRYPT_MAX_PLAIN + 1024 * 16);
	open_ok(PW, ct, len, big, MADMIN_CRYPT_MAX_PLAIN);
	free(ct);
	assert_int_equal(madmin_crypt_encrypt(PW, MADMIN_CRYPT_PBKDF2_AESGCM,
	    big, MADMIN_CRYPT_MAX_PLAIN + 1, &out, &outlen, err, sizeof(err)),
	    -1);
	assert_null(out);
	assert_int_equal(outlen, 0);
	assert_non_null(strstr(err, "more than"));
	free(big);

	/* A stream longer than the largest: refused before any key work. */
	assert_non_null(big = calloc(1, HDR + MADMIN_CRYPT_MAX_PLAIN + 1025 *
	    16 + 1));
	big[32] = MADMIN_CRYPT_ARGON2ID_AESGCM;
	open_bad("too large", PW, big, HDR + MADMIN_CRYPT_MAX_PLAIN + 1025 *
	    16 + 1, "more than 16777216 bytes of plaintext");
	free(big);

	/* Unknown ids and an overlong password. */
	out = (uint8_t *)1;
	assert_int_equal(madmin_crypt_encrypt(PW, 3, hdr, 1, &out, &outlen,
	    err, sizeof(err)), -1);
	assert_null(out);
	assert_non_null(strstr(err, "unknown algorithm id 0x03"));
	assert_int_equal(madmin_crypt_encrypt_fixed(PW, -1, salt, nonce, hdr,
	    1, &out, &outlen, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown algorithm id 0xff"));
	assert_non_null(longpw = malloc(MADMIN_CRYPT_MAX_PASSWORD + 2));
	memset(longpw, 'x', MADMIN_CRYPT_MAX_PASSWORD + 1);
	longpw[MADMIN_CRYPT_MAX_PASSWORD + 1] = '\0';
	assert_int_equal(madmin_crypt_encrypt(longpw,
	    MADMIN_CRYPT_PBKDF2_AESGCM, hdr, 1, &out, &outlen, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "secret key longer than"));
	longpw[MADMIN_CRYPT_MAX_PASSWORD] = '\0';
	ct = seal(longpw, MADMIN_CRYPT_PBKDF2_AESGCM, hdr, 1, &len);
	open_ok(longpw, ct, len, hdr, 1);
	free(ct);
	free(longpw);

	/* NULL with no bytes encrypts as empty. */
	ct = seal(PW, MADMIN_CRYPT_PBKDF2_AESGCM, NULL, 0, &len);
	assert_int_equal(len, HDR + 16);
	open_ok(PW, ct, len, NULL, 0);
	free(ct);

	assert_false(madmin_crypt_is_encrypted(hdr, 32));
	assert_true(madmin_crypt_is_encrypted(hdr, 33));
}

/* Python's ciphertexts (tests/fakes/madmin_crypt.py) decrypt here. */
static void
test_python_vectors(void **state)
{
	char path[4096], err[256], pw[256];
	const char *dir;
	struct dirent *de;
	DIR *d;
	FILE *f;
	uint8_t *ct, *pt, *out;
	size_t ctlen, ptlen, outlen, n, ids[3] = { 0 };
	long sz;
	int i;

	(void)state;
	if ((dir = getenv("MADMIN_VECTORS_DIR")) == NULL) {
		skip();
		return;	/* not reached: skip() is not noreturn to gcc */
	}
	snprintf(path, sizeof(path), "%s/password", dir);
	assert_non_null(f = fopen(path, "r"));
	n = fread(pw, 1, sizeof(pw) - 1, f);
	pw[n] = '\0';
	fclose(f);
	assert_non_null(d = opendir(dir));
	n = 0;
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		uint8_t **bufs[2] = { &ct, &pt };
		size_t *lens[2] = { &ctlen, &ptlen };

		if (nl < 5 || strcmp(de->d_name + nl - 4, ".enc") != 0)
			continue;
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/%.*s.%s", dir,
			    (int)(nl - 4), de->d_name, i == 0 ? "enc" : "plain");
			if ((f = fopen(path, "rb")) == NULL)
				fail_msg("cannot open %s", path);
			assert_int_equal(fseek(f, 0, SEEK_END), 0);
			assert_true((sz = ftell(f)) >= 0);
			rewind(f);
			assert_non_null(*bufs[i] = malloc((size_t)sz + 1));
			assert_int_equal(fread(*bufs[i], 1, (size_t)sz, f), sz);
			*lens[i] = (size_t)sz;
			fclose(f);
		}
		if (madmin_crypt_decrypt(pw, ct, ctlen, &out, &outlen, err,
		    sizeof(err)) != 0)
			fail_msg("%s: %s", de->d_name, err);
		assert_int_equal(outlen, ptlen);
		if (ptlen > 0)
			assert_memory_equal(out, pt, ptlen);
		if (ct[32] < 3)
			ids[ct[32]]++;
		printf("[ python ] %s: id 0x%02x, %zu bytes, decrypted\n",
		    de->d_name, ct[32], ptlen);
		free(out);
		free(ct);
		free(pt);
		n++;
	}
	closedir(d);
	if (n == 0 || ids[0] == 0 || ids[1] == 0 || ids[2] == 0)
		fail_msg("%s: want ciphertexts of all three ids", dir);
}

/* Ciphertexts for Python: every id, one and several fragments, with a
 * fixed salt and nonce so that Python can also re-encrypt them exactly. */
static void
test_write_for_python(void **state)
{
	static const size_t lens[] = { 0, 16384, 40000 };
	char path[4096], err[256];
	const char *dir;
	uint8_t salt[MADMIN_CRYPT_SALT_LEN], nonce[MADMIN_CRYPT_NONCE_LEN];
	uint8_t *pt, *ct;
	size_t i, len;
	FILE *f;
	int id;

	(void)state;
	if ((dir = getenv("MADMIN_OUT_DIR")) == NULL) {
		skip();
		return;	/* not reached: skip() is not noreturn to gcc */
	}
	for (id = 0; id < 3; id++) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			memset(salt, 0x10 + id, sizeof(salt));
			memset(nonce, 0x20 + (int)i, sizeof(nonce));
			pt = pattern(lens[i], (unsigned)(id * 10 + i));
			if (madmin_crypt_encrypt_fixed(PW, id, salt, nonce, pt,
			    lens[i], &ct, &len, err, sizeof(err)) != 0)
				fail_msg("encrypt: %s", err);
			snprintf(path, sizeof(path), "%s/c-%d-%zu.enc", dir, id,
			    lens[i]);
			assert_non_null(f = fopen(path, "wb"));
			assert_int_equal(fwrite(ct, 1, len, f), len);
			assert_int_equal(fclose(f), 0);
			snprintf(path, sizeof(path), "%s/c-%d-%zu.plain", dir,
			    id, lens[i]);
			assert_non_null(f = fopen(path, "wb"));
			assert_int_equal(fwrite(pt, 1, lens[i], f), lens[i]);
			assert_int_equal(fclose(f), 0);
			free(ct);
			free(pt);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_madmin_vectors),
		cmocka_unit_test(test_round_trip_argon2id_aesgcm),
		cmocka_unit_test(test_round_trip_pbkdf2_aesgcm),
		cmocka_unit_test(test_round_trip_chacha),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_reorder_and_extend),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_python_vectors),
		cmocka_unit_test(test_write_for_python),
	};
	const struct CMUnitTest cross[] = {
		cmocka_unit_test(test_python_vectors),
		cmocka_unit_test(test_write_for_python),
	};

	/* The integration test wants only the cross-check: Argon2id is slow. */
	if (getenv("MADMIN_VECTORS_DIR") != NULL ||
	    getenv("MADMIN_OUT_DIR") != NULL)
		return cmocka_run_group_tests(cross, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
