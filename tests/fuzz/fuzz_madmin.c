/*
 * fuzz_madmin.c: arbitrary bytes as a madmin encrypted body (a MinIO admin
 * API response) through lib/madmin_crypt.c.  A refusal must leave no
 * plaintext and give a reason; an acceptance must be a real ciphertext:
 * re-encrypting the plaintext with the same key, id, salt and nonce gives
 * the input back byte for byte.
 *
 * Every input is opened with a fixed key (madmin_crypt_decrypt_key), which
 * covers the header checks, the fragment split and both ciphers without a
 * key derivation.  Inputs with id 0x02 also go through the whole call with
 * a fixed password (PBKDF2, a few ms).  Ids 0x00 and 0x01 never do: their
 * Argon2id takes 64 MiB and ~0.4 s per call, which would make the fuzzer
 * crawl and trip its RSS and time limits; their key derivation is
 * libargon2's, not ours.
 *
 * Seeds (tests/fuzz/corpus/madmin/) were made with tests/fakes/madmin_crypt.py:
 * p2-* are encrypt(FUZZ_PASSWORD, data, 0x02); k0-*, k1-*, k2-* are sealed
 * under FUZZ_KEY with ids 0x00, 0x01, 0x02 (sio stream as in encrypt(), the
 * key given instead of derived); e-* are edge cases (short header, header
 * only, unknown id, a cut tag, a madmin-go test vector).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "madmin_crypt.h"

#define FUZZ_PASSWORD	"fuzz-secret"
#define FUZZ_KEY	"meduse-fuzz-madmin-key-32-bytes!"

/* Refused: nothing returned, and a reason. */
static void
check_refused(const uint8_t *out, size_t outlen, const char *err)
{
	if (out != NULL || outlen != 0 || err[0] == '\0')
		abort();
}

/*
 * Accepted: the input is exactly what encrypting the plaintext makes.  (sio's
 * reader would also take a full last fragment sealed as non-final followed
 * by an empty final one, which no writer makes; no seed holds one, and the
 * fuzzer cannot forge one.)
 */
static void
check_accepted(const uint8_t *key, const uint8_t *data, size_t size,
    const uint8_t *out, size_t outlen)
{
	char err[256];
	uint8_t *again = NULL;
	size_t againlen = 0;

	if (out == NULL || out[outlen] != '\0' ||
	    madmin_crypt_sealed_len(outlen) != size ||
	    !madmin_crypt_is_encrypted(data, size))
		abort();
	if (madmin_crypt_encrypt_key(key, data[32], data, data + 33, out,
	    outlen, &again, &againlen, err, sizeof(err)) != 0 ||
	    againlen != size || memcmp(again, data, size) != 0)
		abort();
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	uint8_t key[MADMIN_CRYPT_KEY_LEN], *out = NULL;
	size_t outlen = 0;

	memcpy(key, FUZZ_KEY, sizeof(key));
	if (madmin_crypt_decrypt_key(key, data, size, &out, &outlen, err,
	    sizeof(err)) == 0)
		check_accepted(key, data, size, out, outlen);
	else
		check_refused(out, outlen, err);
	free(out);

	if (size < MADMIN_CRYPT_HEADER_LEN ||
	    data[32] != MADMIN_CRYPT_PBKDF2_AESGCM)
		return 0;
	out = NULL;
	outlen = 0;
	err[0] = '\0';
	if (madmin_crypt_decrypt(FUZZ_PASSWORD, data, size, &out, &outlen,
	    err, sizeof(err)) == 0) {
		if (madmin_crypt_derive_key(FUZZ_PASSWORD, data[32], data, key,
		    err, sizeof(err)) != 0)
			abort();
		check_accepted(key, data, size, out, outlen);
	} else
		check_refused(out, outlen, err);
	free(out);
	return 0;
}
