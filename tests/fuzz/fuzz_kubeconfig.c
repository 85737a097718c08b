/*
 * fuzz_kubeconfig.c: arbitrary bytes as a kubeconfig.  The reader must not
 * crash or leak, must give an error message whenever it refuses, and must
 * hand back a server URL whenever it accepts.  It reads no other file and
 * runs no plugin, so any input is safe here.
 * Seeds: tests/fuzz/corpus/kubeconfig/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kubeconfig.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_creds *c;
	char err[1024];
	const char *ctx[] = { NULL, "dev" };
	size_t i;

	for (i = 0; i < 2; i++) {
		err[0] = '\0';
		if (kubeconfig_load_buffer("fuzz.kubeconfig", "/nonexistent",
		    (const char *)data, size, ctx[i], &c, err,
		    sizeof(err)) == 0) {
			if (c == NULL || c->server == NULL ||
			    strncmp(c->server, "http", 4) != 0)
				abort();
			kube_creds_free(c);
		} else if (c != NULL || err[0] == '\0')
			abort();
	}
	return 0;
}
