#!/usr/bin/env bash
# A key registered with accountctl logs in through a stock OpenSSH sshd whose
# only key source is meduse-authorized-keys; the login records the key's use.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/akeys-lib.sh"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
fp=$(ssh-keygen -lf "$T/keys/alice.pub" | awk '{print $2}')
fp_re=$(printf '%s' "$fp" | sed 's/[+.]/\\&/g')
# last_used: null until the key is used.
last_used() {
	ctl key list alice --json | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
keys = r["keys"] if isinstance(r, dict) else r
print([k for k in keys if k["fingerprint"] == sys.argv[1]][0]["last_used"])' "$fp"
}
[ "$(last_used)" = None ] || fail "the key is marked used before any login"

akeys_sshd_start
expect_login alice alice
# sshd logs the helper's decision, then accepts the key it printed.
expect_in "$T/sshd.log" "user alice key $fp_re: accepted"
expect_in "$T/sshd.log" "Accepted publickey for alice from 127\.0\.0\.1 .*ED25519 $fp_re"
# touch:true: accountd records when the key was last used.
used=$(last_used)
[ -n "$used" ] && [ "$used" != None ] || fail "the login did not update the key's last use ($used)"
