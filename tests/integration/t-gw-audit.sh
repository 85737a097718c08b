#!/usr/bin/env bash
# ssh-audit finds no failure and no warning in the gateway's algorithms; its
# only note is the strict key exchange marker, which ssh-audit 2.5 predates.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

command -v ssh-audit >/dev/null || skip "no ssh-audit (scripts/deps.sh installs it)"
gw_setup
timeout 60 ssh-audit -n -p "$GW_PORT" "$GW_ADDR" >"$T/audit" 2>&1
sed 's/^/    /' "$T/audit"
# ssh-audit 2.5 predates strict kex (2023): its marker is an "unknown algorithm".
grep -E '\((fail|warn)\)|\[(fail|warn)\]|WARNING' "$T/audit" |
	grep -vE 'kex-strict-s-v00@openssh\.com +-- \[warn\] unknown algorithm|unknown algorithm\(s\) found!: kex-strict-s-v00@openssh\.com\.' >"$T/bad" && {
	cat "$T/bad" >&2
	fail "ssh-audit reports failures or warnings"
}
expect_in "$T/audit" 'kex-strict-s-v00@openssh.com'
expect_in "$T/audit" 'curve25519-sha256'
expect_in "$T/audit" 'ssh-ed25519'
expect_not_in "$T/audit" 'ecdh-sha2-nistp|diffie-hellman|hmac-sha1|ssh-rsa |ecdsa-sha2|cbc'
