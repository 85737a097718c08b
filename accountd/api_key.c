/*
 * api_key.c: the key methods and the login lookup.  Key text from the peer
 * is parsed by lib/keys.c (libssh) before anything is stored; a key is stored
 * under its SHA256 fingerprint, which is what sshd and the gateway look up.
 */
#include <stdio.h>
#include <string.h>

#include "accountd.h"
#include "log.h"

/*
 * The account and key row of fingerprint fp, which must belong to user when
 * user is not NULL.  Unknown and someone else's get one answer: the caller
 * learns nothing about other users.
 */
int
api_key_lookup(struct call *c, const char *fp, const char *user,
    struct account *a, json_t **key)
{
	int r;

	r = db_key_lookup(c->ad->db, fp, a, key);
	if (r == DB_NOTFOUND || (r == 0 && user && strcmp(user, a->name) != 0))
		return api_fail(c, API_ERR_NOT_FOUND, "key %s is not registered "
		    "to this user", fp);
	if (r != 0)
		return api_db_fail(c);
	return 0;
}

/*
 * Parses and stores every key line of the JSON array keys for account a.  A
 * key the account already has is left as it is, so a repeated command
 * converges; a key of another account is refused.  *added counts new keys.
 */
int
api_keys_insert(struct call *c, const struct account *a, json_t *keys, int *added)
{
	struct pubkey k;
	char err[256], owner[NAME_MAX_LEN + 1];
	size_t i, used = 0;
	json_t *v;
	int r;

	*added = 0;
	if (!json_is_array(keys) || json_array_size(keys) == 0)
		return api_fail(c, API_ERR_INVALID, "no public key given");
	if (json_array_size(keys) > 1000)
		return api_fail(c, API_ERR_INVALID, "more than 1000 keys in one "
		    "request: add them in several steps");
	json_array_foreach(keys, i, v) {
		if (!json_is_string(v))
			return api_fail(c, API_ERR_BAD_REQUEST, "key %zu is not a "
			    "string", i + 1);
		if (keys_parse_line(json_string_value(v), json_string_length(v), &k,
		    err, sizeof(err)) == -1)
			return api_fail(c, API_ERR_INVALID, "key %zu: %s", i + 1, err);
		r = db_key_owner(c->ad->db, k.fingerprint, owner, sizeof(owner));
		if (r == 0 && strcmp(owner, a->name) != 0) {
			api_fail(c, API_ERR_EXISTS, "key %zu (%s) is already "
			    "registered to account %s: a key belongs to one "
			    "account; remove it there first (accountctl key rm "
			    "%s %s)", i + 1, k.fingerprint, owner, owner,
			    k.fingerprint);
			keys_free(&k);
			return -1;
		}
		if (r == DB_NOTFOUND) {
			if (db_key_insert(c->ad->db, a->id, &k) != 0) {
				keys_free(&k);
				return api_db_fail(c);
			}
			if (used < sizeof(c->detail) - 80)
				used += (size_t)snprintf(c->detail + used,
				    sizeof(c->detail) - used, "%s%s",
				    used ? " " : "", k.fingerprint);
			(*added)++;
		} else if (r != 0) {
			keys_free(&k);
			return api_db_fail(c);
		}
		keys_free(&k);
	}
	return 0;
}

int
api_key_add(struct call *c)
{
	struct account a;
	int added, rc = -1;

	if (api_get_account(c, &a) == -1)
		goto out;
	if (a.deleted) {
		api_fail(c, API_ERR_CONFLICT, "account %s was deleted: unlock it "
		    "first (accountctl unlock %s) if it should come back", a.name,
		    a.name);
		goto out;
	}
	if (api_keys_insert(c, &a, json_object_get(c->params, "keys"),
	    &added) == -1)
		goto out;
	if (added && db_account_touch(c->ad->db, a.id) != 0) {
		api_db_fail(c);
		goto out;
	}
	c->result = json_pack("{s:s, s:i, s:o}", "name", a.name, "added", added,
	    "keys", db_key_list(c->ad->db, a.id));
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

int
api_key_list(struct call *c)
{
	struct account a;

	if (api_get_account(c, &a) == -1)
		return -1;
	c->result = json_pack("{s:s, s:o}", "name", a.name, "keys",
	    db_key_list(c->ad->db, a.id));
	account_clear(&a);
	return 0;
}

int
api_key_rm(struct call *c)
{
	struct account a;
	const char *fp;
	int64_t left;
	int r, rc = -1;

	if (api_get_account(c, &a) == -1 ||
	    api_get_string(c, "fingerprint", true, KEY_FP_LEN, &fp) == -1)
		goto out;
	r = db_key_delete(c->ad->db, a.id, fp);
	if (r == DB_NOTFOUND) {
		api_fail(c, API_ERR_NOT_FOUND, "account %s has no key %s (see "
		    "accountctl key list %s)", a.name, fp, a.name);
		goto out;
	}
	if (r != 0 || db_key_count(c->ad->db, a.id, &left) != 0 ||
	    db_account_touch(c->ad->db, a.id) != 0) {
		api_db_fail(c);
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "%s", fp);
	c->result = json_pack("{s:s, s:s, s:I}", "name", a.name, "removed", fp,
	    "keys_left", (json_int_t)left);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

int
api_auth_lookup(struct call *c)
{
	struct account a;
	struct pubkey k;
	const char *fp, *user, *type, *blob;
	char err[256];
	json_t *key = NULL, *touch;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	memset(&k, 0, sizeof(k));
	if (api_get_string(c, "fingerprint", false, KEY_FP_LEN, &fp) == -1 ||
	    api_get_string(c, "type", false, 64, &type) == -1 ||
	    api_get_string(c, "blob", false, KEY_MAX_LINE, &blob) == -1 ||
	    api_get_string(c, "user", false, NAME_MAX_LEN, &user) == -1)
		goto out;
	if ((fp == NULL) == (type == NULL || blob == NULL)) {
		api_fail(c, API_ERR_BAD_REQUEST, "give either \"fingerprint\" "
		    "or \"type\" and \"blob\"");
		goto out;
	}
	/*
	 * The key as offered (sshd's %t %k): decoded here so that the helper
	 * on every login needs no crypto library.  A key that does not parse,
	 * or that policy refuses, is simply not registered.
	 */
	if (fp == NULL) {
		if (keys_parse_parts(type, blob, &k, err, sizeof(err)) == -1) {
			api_fail(c, API_ERR_NOT_FOUND, "the key offered is not "
			    "one meduse accepts: %s", err);
			goto out;
		}
		fp = k.fingerprint;
	}
	touch = json_object_get(c->params, "touch");
	if (api_key_lookup(c, fp, user, &a, &key) == -1)
		goto out;
	if (json_is_true(touch)) {
		if (db_key_touch(c->ad->db, fp) != 0) {
			api_db_fail(c);
			goto out;
		}
		json_object_set_new(key, "last_used", dates_json(db_now()));
	}
	c->result = json_pack("{s:s, s:s, s:O}", "account", a.name, "state",
	    account_state_name(account_state(&a)), "key", key);
	rc = 0;
out:
	keys_free(&k);
	json_decref(key);
	account_clear(&a);
	return rc;
}
