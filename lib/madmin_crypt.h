/*
 * madmin_crypt.h: the body encryption of MinIO's admin API, madmin-go's
 * EncryptData and DecryptData.  The admin API encrypts request and response
 * bodies that carry secrets with a key derived from the signing credential's
 * secret key:
 *
 *	salt[32] | id[1] | nonce[8] | sio stream (secure-io/sio-go, 16 KiB
 *	                                          fragments, 16-byte tags)
 *
 * id 0x00: Argon2id (1 pass, 64 MiB, 4 lanes) + AES-256-GCM
 * id 0x01: Argon2id + ChaCha20-Poly1305
 * id 0x02: PBKDF2-HMAC-SHA256 (8192 iterations) + AES-256-GCM
 *
 * MinIO decrypts all three.  It encrypts its responses with 0x00 or 0x01,
 * picked by its own CPU, so a client must read both; a client may send any
 * of them, and 0x02 costs it no 64 MiB Argon2id run.  All three are
 * supported both ways here (0x01 for encryption costs nothing more and lets
 * the tests and the fake MinIO use it).
 *
 * Decryption is all-or-nothing: on any failure no plaintext is returned.
 */
#ifndef MEDUSE_MADMIN_CRYPT_H
#define MEDUSE_MADMIN_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#define MADMIN_CRYPT_ARGON2ID_AESGCM	0x00
#define MADMIN_CRYPT_ARGON2ID_CHACHA	0x01
#define MADMIN_CRYPT_PBKDF2_AESGCM	0x02

#define MADMIN_CRYPT_SALT_LEN	32
#define MADMIN_CRYPT_NONCE_LEN	8
#define MADMIN_CRYPT_HEADER_LEN	41	/* salt, id, nonce */
#define MADMIN_CRYPT_KEY_LEN	32
#define MADMIN_CRYPT_FRAG_LEN	16384	/* sio BufSize: plaintext per fragment */
#define MADMIN_CRYPT_TAG_LEN	16
#define MADMIN_CRYPT_MAX_PLAIN	(16 * 1024 * 1024)	/* bytes, both ways */
#define MADMIN_CRYPT_MAX_PASSWORD	4096	/* bytes */

/* madmin's IsEncrypted: longer than a salt, and a known id after it. */
int	madmin_crypt_is_encrypted(const uint8_t *in, size_t len);

/* The size of the encryption of len bytes (len <= MADMIN_CRYPT_MAX_PLAIN). */
size_t	madmin_crypt_sealed_len(size_t len);

/*
 * Encrypts in[0..inlen) for password with algorithm id, with a fresh salt and
 * nonce from the OS CSPRNG.  Returns 0 and sets *out (malloc'd, the caller
 * frees) and *outlen, or -1 with a reason in err and *out NULL, *outlen 0.
 */
int	madmin_crypt_encrypt(const char *password, int id, const uint8_t *in,
	    size_t inlen, uint8_t **out, size_t *outlen, char *err,
	    size_t errlen);

/* As madmin_crypt_encrypt with the caller's salt and nonce: for tests only,
 * since a nonce used twice under one key gives the plaintexts away. */
int	madmin_crypt_encrypt_fixed(const char *password, int id,
	    const uint8_t salt[MADMIN_CRYPT_SALT_LEN],
	    const uint8_t nonce[MADMIN_CRYPT_NONCE_LEN], const uint8_t *in,
	    size_t inlen, uint8_t **out, size_t *outlen, char *err,
	    size_t errlen);

/*
 * Decrypts madmin EncryptData output for password.  Returns 0 and sets *out
 * (malloc'd, one NUL byte past *outlen so text can be used as a string; the
 * plaintext itself may hold NULs; the caller wipes and frees it) and
 * *outlen.  Returns -1 with a reason in err and *out NULL, *outlen 0 when the
 * input is too short or too large, has an unknown id, or does not
 * authenticate (wrong password; tampered, truncated, extended or reordered
 * data).
 */
int	madmin_crypt_decrypt(const char *password, const uint8_t *in,
	    size_t inlen, uint8_t **out, size_t *outlen, char *err,
	    size_t errlen);

/*
 * The same in two steps, for a caller that keeps a derived key, and for the
 * tests and the fuzz target, which would otherwise spend 64 MiB of Argon2id
 * on every input.  madmin_crypt_derive_key derives id's key from password
 * and salt.  The _key variants skip the derivation: encrypt_key writes salt
 * into the header as given, decrypt_key checks the header's id but ignores
 * its salt.
 */
int	madmin_crypt_derive_key(const char *password, int id,
	    const uint8_t salt[MADMIN_CRYPT_SALT_LEN],
	    uint8_t key[MADMIN_CRYPT_KEY_LEN], char *err, size_t errlen);
int	madmin_crypt_encrypt_key(const uint8_t key[MADMIN_CRYPT_KEY_LEN],
	    int id, const uint8_t salt[MADMIN_CRYPT_SALT_LEN],
	    const uint8_t nonce[MADMIN_CRYPT_NONCE_LEN], const uint8_t *in,
	    size_t inlen, uint8_t **out, size_t *outlen, char *err,
	    size_t errlen);
int	madmin_crypt_decrypt_key(const uint8_t key[MADMIN_CRYPT_KEY_LEN],
	    const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen,
	    char *err, size_t errlen);

#endif
