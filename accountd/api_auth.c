/*
 * api_auth.c: the gateway's record of logins.  auth.login marks the key used
 * and audits the login in one transaction; auth.refused audits a connection
 * that ended without a login.  auth.lookup (api_key.c) stays a plain read.
 *
 * Trust boundary: the gateway is trusted to tell the truth, but what it
 * forwards (the login name, the address) came from an unauthenticated
 * client, so every string is checked and bounded before it reaches a row
 * that `accountctl audit` prints on an admin's terminal.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accountd.h"
#include "log.h"

#define AUTH_SOURCE_MAX		64	/* "[v6%zone]:port" */
#define AUTH_REFUSED_SOURCE	10	/* rows a minute per source address */
#define AUTH_REFUSED_ALL	100	/* rows a minute in all */
#define AUTH_REFUSED_SLOTS	64	/* source addresses remembered */

/* What the gateway may report; "unregistered" is refined here (below). */
static const char *const auth_reasons[] = {
	"unregistered", "unknown-user", "deleted", "wrong-key", "other-account",
	"locked", "expired", "pam", "bad-signature", "invalid-name", "error",
};

/* A fingerprint as auth.lookup takes it: SHA256: and base64, or "" (none). */
static int
auth_check_fingerprint(struct call *c, const char *fp)
{
	const char *p;

	if (*fp == '\0')
		return 0;
	if (strncmp(fp, "SHA256:", 7) != 0 || fp[7] == '\0')
		return api_fail(c, API_ERR_INVALID, "\"fingerprint\" must be "
		    "SHA256:... as ssh-keygen -l prints it, or \"\"");
	for (p = fp + 7; *p != '\0'; p++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/=", *p) == NULL)
			return api_fail(c, API_ERR_INVALID, "\"fingerprint\" has "
			    "a character outside base64");
	return 0;
}

/*
 * The client's address: an IP literal, optionally with a port ("ADDR:PORT"
 * for IPv4, "[ADDR]:PORT" for IPv6) and an IPv6 zone ("fe80::1%eth0").
 * Copies the address alone into addr (AUTH_SOURCE_MAX bytes).
 */
static int
auth_check_source(struct call *c, const char *src, char *addr)
{
	unsigned char bin[sizeof(struct in6_addr)];
	const char *end = NULL, *port = NULL, *p;
	char *zone;
	size_t n;

	if (src[0] == '[') {
		if ((end = strchr(src, ']')) == NULL || end[1] != ':')
			goto bad;
		port = end + 2;
		src++;
	} else if ((end = strchr(src, ':')) != NULL && strchr(end + 1, ':') == NULL)
		port = end + 1;		/* one colon: IPv4 with a port */
	else
		end = src + strlen(src);
	n = (size_t)(end - src);
	if (n == 0 || n >= AUTH_SOURCE_MAX)
		goto bad;
	memcpy(addr, src, n);
	addr[n] = '\0';
	if (port != NULL) {
		for (p = port; *p >= '0' && *p <= '9'; p++)
			;
		if (p == port || *p != '\0' || p - port > 5 || atoi(port) > 65535)
			goto bad;
	}
	if ((zone = strchr(addr, '%')) != NULL) {
		for (p = zone + 1; *p != '\0'; p++)
			if (strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p) == NULL)
				goto bad;
		if (p == zone + 1)
			goto bad;
		*zone = '\0';
	}
	if (inet_pton(AF_INET, addr, bin) != 1 &&
	    (strchr(addr, ':') == NULL || inet_pton(AF_INET6, addr, bin) != 1))
		goto bad;
	if (zone != NULL)
		*zone = '%';
	return 0;
bad:
	return api_fail(c, API_ERR_INVALID, "\"source\" must be an IP address, "
	    "optionally with a port (192.0.2.7, 192.0.2.7:50022, [2001:db8::7]:"
	    "50022)");
}

/* The login name as the client sent it: printable ASCII, no quote games. */
static int
auth_check_login(struct call *c, const char *login)
{
	const char *p;

	for (p = login; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return api_fail(c, API_ERR_INVALID, "\"user\" has a "
			    "character that is not printable ASCII at position %zu: "
			    "replace it (the gateway sends '?')", (size_t)(p - login) + 1);
	return 0;
}

/* Writes s between double quotes, with " and \ escaped, into buf. */
static void
auth_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	buf[o++] = '"';
	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

/*
 * "unregistered" is all the gateway can see (auth.lookup gives one answer
 * for every key that is not the user's); the audit log says which case it
 * was.  Writes the key's owner into owner for other-account.
 */
static const char *
auth_refine(struct call *c, const char *account, const char *fp, char *owner,
    size_t ownerlen)
{
	struct account a;
	const char *why;
	int r;

	owner[0] = '\0';
	if (account[0] == '\0')
		return "invalid-name";
	r = db_account_get(c->ad->db, account, &a);
	if (r == DB_NOTFOUND)
		return "unknown-user";
	if (r != 0)
		return "unregistered";
	why = a.deleted ? "deleted" : "wrong-key";
	account_clear(&a);
	if (*fp != '\0' && db_key_owner(c->ad->db, fp, owner, ownerlen) == 0 &&
	    strcmp(owner, account) != 0)
		return "other-account";
	owner[0] = '\0';
	return why;
}

/*
 * Whether a refusal from addr may have its row: at most AUTH_REFUSED_SOURCE
 * a minute per address and AUTH_REFUSED_ALL in all, so that a client that
 * reconnects in a loop with wrong keys grows the table by a bounded amount
 * (the gateway log still has every refusal).  Addresses beyond the table's
 * size evict the oldest, so the global bound is the one that always holds.
 */
static bool
auth_refused_due(const char *addr)
{
	static struct {
		char	 addr[AUTH_SOURCE_MAX];
		int64_t	 start;
		int	 n;
	} slot[AUTH_REFUSED_SLOTS];
	static int64_t all_start;
	static int all_n;
	int64_t now = db_now();
	size_t i, use = 0;

	if (now - all_start >= 60) {
		all_start = now;
		all_n = 0;
	}
	for (i = 0; i < AUTH_REFUSED_SLOTS; i++) {
		if (strcmp(slot[i].addr, addr) == 0)
			break;
		if (slot[i].start < slot[use].start)
			use = i;
	}
	if (i == AUTH_REFUSED_SLOTS) {
		i = use;
		snprintf(slot[i].addr, sizeof(slot[i].addr), "%s", addr);
		slot[i].start = now;
		slot[i].n = 0;
	}
	if (now - slot[i].start >= 60) {
		slot[i].start = now;
		slot[i].n = 0;
	}
	if (slot[i].n >= AUTH_REFUSED_SOURCE || all_n >= AUTH_REFUSED_ALL)
		return false;
	slot[i].n++;
	all_n++;
	return true;
}

int
api_auth_refused(struct call *c)
{
	static unsigned long suppressed;	/* rows not written since the last */
	const char *login, *fp, *src, *reason;
	char addr[AUTH_SOURCE_MAX], account[NAME_MAX_LEN + 1];
	char ws[NAME_MAX_LEN + 1], owner[NAME_MAX_LEN + 1], err[256];
	char quoted[2 * (2 * NAME_MAX_LEN + 1) + 3], detail[512];
	json_t *attempts = json_object_get(c->params, "attempts");
	json_int_t tries = 1;
	bool recorded;
	size_t i;

	if (api_get_string(c, "user", true, 2 * NAME_MAX_LEN + 1, &login) == -1 ||
	    api_get_string(c, "fingerprint", true, KEY_FP_LEN - 1, &fp) == -1 ||
	    api_get_string(c, "source", true, AUTH_SOURCE_MAX - 1, &src) == -1 ||
	    api_get_string(c, "reason", true, 32, &reason) == -1)
		return -1;
	if (attempts != NULL) {
		if (!json_is_integer(attempts) || json_integer_value(attempts) < 1 ||
		    json_integer_value(attempts) > 1000)
			return api_fail(c, API_ERR_BAD_REQUEST, "\"attempts\" must "
			    "be 1 to 1000");
		tries = json_integer_value(attempts);
	}
	if (auth_check_login(c, login) == -1 ||
	    auth_check_fingerprint(c, fp) == -1 ||
	    auth_check_source(c, src, addr) == -1)
		return -1;
	for (i = 0; i < sizeof(auth_reasons) / sizeof(auth_reasons[0]); i++)
		if (strcmp(reason, auth_reasons[i]) == 0)
			break;
	if (i == sizeof(auth_reasons) / sizeof(auth_reasons[0]))
		return api_fail(c, API_ERR_INVALID, "unknown \"reason\" \"%s\" (see "
		    "the accountd API reference for the list)", reason);
	/* The target is the account part when the login is well formed, so
	 * that `accountctl audit --account zed` finds attempts on zed. */
	if (names_split_login(login, account, ws, err, sizeof(err)) == -1)
		account[0] = '\0';
	owner[0] = '\0';
	if (strcmp(reason, "unregistered") == 0)
		reason = auth_refine(c, account, fp, owner, sizeof(owner));
	snprintf(c->target, sizeof(c->target), "%s", account);
	auth_quote(login, quoted, sizeof(quoted));
	snprintf(detail, sizeof(detail), "key=%s source=%s login=%s attempts=%lld%s%s",
	    *fp ? fp : "-", src, quoted, (long long)tries, *owner ? " key_owner=" : "",
	    owner);
	if ((recorded = auth_refused_due(addr))) {
		if (suppressed > 0)
			snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			    " suppressed=%lu", suppressed);
		/* detail holds at most about 400 bytes: it fits. */
		if (db_audit_add(c->ad->db, c->peer, "auth.refused", c->target,
		    reason, detail) == -1)
			return api_db_fail(c);
		suppressed = 0;
	} else
		suppressed++;
	log_info("peer=%s uid=%u pid=%d method=auth.refused target=%s outcome=%s "
	    "%s%s", c->peer->name, (unsigned)c->peer->uid, (int)c->peer->pid,
	    *c->target ? c->target : "-", reason, detail,
	    recorded ? "" : " (not audited: rate limit)");
	c->result = json_pack("{s:s, s:b}", "reason", reason, "recorded", recorded);
	return 0;
}

/*
 * A completed login: the key must still be the user's and the account
 * active (a lock between the signature and now wins), then the key's last
 * use is set.  api.c commits it with its audit row.
 */
int
api_auth_login(struct call *c)
{
	struct account a;
	const char *user, *fp, *src, *ws;
	char addr[AUTH_SOURCE_MAX], err[256];
	json_t *key = NULL;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	if (api_get_string(c, "user", true, NAME_MAX_LEN, &user) == -1 ||
	    api_get_string(c, "fingerprint", true, KEY_FP_LEN - 1, &fp) == -1 ||
	    api_get_string(c, "source", true, AUTH_SOURCE_MAX - 1, &src) == -1 ||
	    api_get_string(c, "workspace", false, NAME_MAX_LEN, &ws) == -1)
		goto out;
	if (names_check_account(user, err, sizeof(err)) == -1) {
		api_fail(c, API_ERR_INVALID, "%s", err);
		goto out;
	}
	snprintf(c->target, sizeof(c->target), "%s", user);
	if (auth_check_fingerprint(c, fp) == -1 ||
	    auth_check_source(c, src, addr) == -1)
		goto out;
	if (*fp == '\0') {
		api_fail(c, API_ERR_INVALID, "\"fingerprint\" is required");
		goto out;
	}
	if (ws != NULL && *ws != '\0' &&
	    names_check_workspace(ws, err, sizeof(err)) == -1) {
		api_fail(c, API_ERR_INVALID, "%s", err);
		goto out;
	}
	if (api_key_lookup(c, fp, user, &a, &key) == -1)
		goto out;
	if (account_state(&a) != ACCOUNT_ACTIVE) {
		api_fail(c, API_ERR_CONFLICT, "account %s is %s", a.name,
		    account_state_name(account_state(&a)));
		goto out;
	}
	if (db_key_touch(c->ad->db, fp) != 0) {
		api_db_fail(c);
		goto out;
	}
	json_object_set_new(key, "last_used", dates_json(db_now()));
	snprintf(c->detail, sizeof(c->detail), "key=%s source=%s workspace=%s", fp,
	    src, ws != NULL && *ws != '\0' ? ws : "-");
	c->result = json_pack("{s:s, s:s, s:O}", "account", a.name, "state",
	    "active", "key", key);
	rc = 0;
out:
	json_decref(key);
	account_clear(&a);
	return rc;
}
