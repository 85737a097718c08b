/*
 * fuzz_keys.c: libFuzzer target for lib/keys.c, the parser of public key text
 * from admins and from sshd's %t %k.  The input is tried whole as one line,
 * then split at its first space as sshd's separate type and key arguments.
 * Any key accepted must have a well-formed fingerprint and a policy-abiding
 * size; a crash, leak or sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

static void
fuzz_keys_check(const struct pubkey *k)
{
	if (strncmp(k->fingerprint, "SHA256:", 7) != 0 ||
	    strlen(k->fingerprint) != 7 + 43 || k->bits < 256 ||
	    (strcmp(k->type, "ssh-rsa") == 0 && k->bits < 2048) ||
	    strcmp(k->type, "ssh-dss") == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pubkey k;
	char err[512], *type, *sp;

	if (keys_parse_line((const char *)data, size, &k, err, sizeof(err)) == 0) {
		fuzz_keys_check(&k);
		keys_free(&k);
	}
	if ((type = malloc(size + 1)) == NULL)
		return 0;
	memcpy(type, data, size);
	type[size] = '\0';
	if ((sp = strchr(type, ' ')) != NULL) {
		*sp = '\0';
		if (keys_parse_parts(type, sp + 1, &k, err, sizeof(err)) == 0) {
			fuzz_keys_check(&k);
			keys_free(&k);
		}
	}
	free(type);
	return 0;
}
