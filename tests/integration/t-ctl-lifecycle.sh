#!/usr/bin/env bash
# lock, unlock, expire, quota, key rm, del and del --purge, each audited.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice
mkkey alice2
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"

expect_rc 0 ctl lock alice
expect_in "$T/out" 'state locked'
expect_rc 0 ctl unlock alice
expect_in "$T/out" 'state active'
expect_rc 0 ctl expire alice 2020-01-01
expect_in "$T/out" 'state expired'
expect_rc 0 ctl expire alice never
expect_in "$T/out" 'state active'

expect_rc 0 ctl quota alice --gpu 3 --home 100Gi
expect_in "$T/out" 'gpu 3, storage 200Gi, home 100Gi'
expect_rc 0 ctl quota alice --json
/usr/bin/python3 -c 'import json,sys; q=json.load(open(sys.argv[1])); assert q["gpu"]==3 and q["home"]=="100Gi"' "$T/out" ||
	fail "quota --json"

expect_rc 0 ctl key add alice --key "$T/keys/alice2.pub"
fp=$(ssh-keygen -lf "$T/keys/alice2.pub" | awk '{print $2}')
expect_rc 0 ctl key rm alice "$fp"
expect_has "$T/out" "Removed key $fp"
expect_rc 0 ctl key list alice --json
/usr/bin/python3 -c 'import json,sys; k=json.load(open(sys.argv[1])); assert len(k)==1' "$T/out" || fail "key rm"

# del keeps the record, locked and without keys.
expect_rc 0 ctl del alice
expect_rc 0 ctl show alice --json
/usr/bin/python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["state"]=="locked" and a["keys"]==[] and a["deleted"]' "$T/out" ||
	fail "del kept the wrong record"
expect_rc 0 ctl list
expect_in "$T/out" '^alice +deleted +0'

# --purge without a terminal and without --yes changes nothing.
expect_rc 1 ctl del alice --purge </dev/null
expect_in "$T/err" 'not confirmed, nothing changed'
expect_rc 0 ctl show alice
expect_rc 0 ctl del alice --purge --yes
expect_rc 1 ctl show alice
expect_in "$T/err" 'no account named alice'
[ "$(sqlite3 "$T/state/meduse.db" 'SELECT count(*) FROM keys; SELECT count(*) FROM quotas; SELECT count(*) FROM workspaces')" = "$(printf '0\n0\n0')" ] ||
	fail "purge left rows behind"
# The name and the key are free again.
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"

expect_rc 0 ctl audit --account alice --json
/usr/bin/python3 - "$T/out" <<'PY' || fail "audit log"
import json, sys
rows = json.load(open(sys.argv[1]))
acts = [(r["action"], r["outcome"]) for r in rows]
for want in [("account.add", "ok"), ("account.lock", "ok"), ("account.unlock", "ok"),
             ("account.expire", "ok"), ("account.quota", "ok"), ("key.add", "ok"),
             ("key.rm", "ok"), ("account.del", "ok")]:
    assert want in acts, (want, acts)
assert all(r["peer"] == "root" and r["peer_uid"] == 0 for r in rows)
PY
expect_rc 0 ctl audit --since 1h
expect_in "$T/out" 'account.del +alice +ok +purged'
expect_rc 0 ctl audit --since 2099-01-01
expect_not_in "$T/out" 'account'
