/*
 * keys.h: SSH public keys as meduse accepts them.  Parsing is libssh's; this
 * module adds the policy (no DSA, RSA of at least 2048 bits) and the SHA256
 * fingerprint OpenSSH prints ("SHA256:" + unpadded base64).
 *
 * Trust boundary: the text comes from admins (files, stdin) and from sshd
 * (%t %k); all of it is untrusted until keys_parse_line() accepted it.
 */
#ifndef MEDUSE_KEYS_H
#define MEDUSE_KEYS_H

#include <stddef.h>

#define KEY_MAX_LINE		16384	/* longest authorized_keys line accepted */
#define KEY_FP_LEN		64	/* room for "SHA256:" + 43 chars + NUL */

struct pubkey {
	char	*type;			/* "ssh-ed25519", "ssh-rsa", ... (owned) */
	char	*blob;			/* base64 of the key blob, as in .pub (owned) */
	char	*comment;		/* "" when absent (owned) */
	char	 fingerprint[KEY_FP_LEN];	/* "SHA256:..." */
	int	 bits;			/* key size in bits */
};

/*
 * Parses one public key line "TYPE BASE64 [COMMENT]" (OpenSSH .pub format;
 * leading options as in authorized_keys are refused).  Checks the type names
 * the blob, the key decodes with libssh, and the policy holds.  Returns 0 and
 * fills *out (free with keys_free), or -1 with a reason in err that says what
 * is wrong and what to do ("DSA keys are refused: generate one with
 * ssh-keygen -t ed25519").  Embedded NULs and over-long lines are refused.
 */
int	keys_parse_line(const char *line, size_t len, struct pubkey *out,
	    char *err, size_t errlen);

/* Same, from a type and base64 blob given separately (sshd's %t %k). */
int	keys_parse_parts(const char *type, const char *blob, struct pubkey *out,
	    char *err, size_t errlen);

/*
 * Reads every key of a .pub or authorized_keys-style file (blank lines and
 * '#' comments skipped; "-" reads stdin).  Returns the number of keys (>= 1)
 * with *out an array to free with keys_free_array, or -1 with a reason naming
 * the file and line in err.  A file with no key is an error.
 */
int	keys_read_file(const char *path, struct pubkey **out, char *err, size_t errlen);

void	keys_free(struct pubkey *k);		/* frees the members, not k */
void	keys_free_array(struct pubkey *k, size_t n);

#endif
