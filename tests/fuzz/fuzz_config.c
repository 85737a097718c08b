/*
 * fuzz_config.c: arbitrary bytes as meduse.yaml.  config_load_buffer must
 * neither crash nor leak, and what it accepts must hold the invariants the
 * programs rely on (every string set, lists NULL-terminated, home within
 * storage).  Seeds: tests/fuzz/corpus/config/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void
fuzz_check_list(const struct config_strings *l)
{
	size_t i;

	if (l->v == NULL || l->v[l->n] != NULL)
		abort();
	for (i = 0; i < l->n; i++)
		if (l->v[i] == NULL)
			abort();
}

static void
fuzz_check(const struct config *c)
{
	const char *const strs[] = {
		c->state_dir, c->accountd.socket, c->accountd.admin_group,
		c->accountd.gateway_group, c->gateway.pam_service,
		c->route.resolver, c->route.static_host, c->route.static_user,
		c->route.transport, c->kubernetes.kubeconfig,
		c->kubernetes.namespace_prefix, c->kubernetes.storage_class,
		c->coder.url, c->coder.token_file, c->coder.template_name,
		c->coder.default_workspace, c->minio.endpoint,
		c->minio.credentials_file, c->minio.bucket_prefix,
	};
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strs[i] == NULL)
			abort();
	fuzz_check_list(&c->gateway.listen);
	fuzz_check_list(&c->gateway.host_keys);
	fuzz_check_list(&c->route.command);
	fuzz_check_list(&c->minio.shared_read);
	if (c->state_dir[0] != '/' || c->accountd.socket[0] != '/')
		abort();
	if (c->default_quota.home_bytes > c->default_quota.storage_bytes)
		abort();
	if (c->gateway.max_startups_start > c->gateway.max_startups_full ||
	    c->gateway.max_startups_rate < 1 || c->gateway.max_startups_rate > 100)
		abort();
	if (c->route.static_port < 1 || c->route.static_port > 65535)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs;
	struct config *cfg;
	size_t i;

	if (config_load_buffer("fuzz.yaml", (const char *)data, size, &cfg,
	    &errs) == 0) {
		if (errs.n != 0)
			abort();
		fuzz_check(cfg);
	} else {
		if (cfg != NULL || errs.n == 0)
			abort();
		for (i = 0; i < errs.n; i++)
			if (strncmp(errs.msg[i], "fuzz.yaml", 9) != 0)
				abort();
	}
	config_free(cfg);
	config_errors_free(&errs);
	return 0;
}
