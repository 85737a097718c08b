/*
 * api_fixture.h: the fixture the in-process accountd API tests share: a
 * real sqlite database and gateway-key directory in a temporary folder, and
 * three peers (root, an outsider, a gateway-group member) to call methods
 * as.  Included by one test file each, so its functions are static.
 */
#ifndef API_FIXTURE_H
#define API_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "accountd.h"

struct fixture {
	char		 dir[64];
	struct accountd	 ad;
	struct peer	 root, stranger, gateway;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/meduse-test-api.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->ad.cfg = config_defaults();
	if (f->ad.cfg == NULL || db_open(f->dir, &f->ad.db) == -1)
		return -1;
	free(f->ad.cfg->state_dir);
	f->ad.cfg->state_dir = strdup(f->dir);
	f->ad.admin_gid = 5000;
	f->ad.gateway_gid = 5001;
	if (gwkey_dir_init(&f->ad) == -1 || chdir(f->dir) == -1)
		return -1;
	f->root.uid = 0;
	snprintf(f->root.name, sizeof(f->root.name), "root");
	f->stranger.uid = f->stranger.gid = 1234;
	snprintf(f->stranger.name, sizeof(f->stranger.name), "eve");
	f->gateway.uid = f->gateway.gid = 1235;
	f->gateway.groups[0] = 5001;
	f->gateway.ngroups = 1;
	snprintf(f->gateway.name, sizeof(f->gateway.name), "gw");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	db_close(f->ad.db);
	config_free(f->ad.cfg);
	if (chdir("/") == -1)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Calls a method as peer p; returns the decoded answer's code, *res its result. */
static enum api_err
call(struct fixture *f, const struct peer *p, const char *frame, json_t **res)
{
	char *resp, err[512];
	enum api_err code;
	json_t *r = NULL;

	resp = api_handle(&f->ad, p, frame, strlen(frame));
	assert_int_equal(proto_decode_response(resp, strlen(resp) - 1, &code, &r,
	    err, sizeof(err)), 0);
	free(resp);
	if (res)
		*res = r;
	else
		json_decref(r);
	return code;
}

#endif
