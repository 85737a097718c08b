#!/usr/bin/env bash
# Key text that is not an acceptable public key makes meduse-authorized-keys
# print nothing (sshd then refuses the key), with the reason on stderr.  The
# key parts come from the SSH client, so they are never trusted: the helper
# checks their shape, accountd decodes them.
. "$MEDUSE_TOP/tests/integration/lib.sh"

start_accountd
mkkey alice
mkkey dsa -t dsa
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
H=$BIN/meduse-authorized-keys
read -r type blob _ <"$T/keys/alice.pub"
read -r dtype dblob _ <"$T/keys/dsa.pub"

# The real key first: the helper can print it, so silence below means refusal.
expect_rc 0 as_user mdgw "$H" -c "$CONF" alice "$type" "$blob"
expect_in "$T/out" "^restrict $type "

check() {	# check REASON-REGEX TYPE BLOB
	expect_rc 0 as_user mdgw "$H" -c "$CONF" alice "$2" "$3"
	[ ! -s "$T/out" ] || { cat "$T/out" >&2; fail "printed a key for '$2' '${3:0:40}'"; }
	expect_in "$T/err" "refused.*$1"
}
shape="not a key type and base64 key data"
check "not valid base64" "$type" "${blob}x"
check "$shape" "$type" "AAAA!!!!"
check "$shape" "$type" ""
check "does not match the key data" ssh-rsa "$blob"
check "unknown key type" "ssh-foo" "$blob"
check "DSA keys are refused" "$dtype" "$dblob"
check "$shape" "$type" "$blob comment"
check "damaged" "$type" "${blob:0:40}AAAA"
# A fingerprint that is not SHA256 is a configuration error: exit 1.
expect_rc 1 as_user mdgw "$H" -c "$CONF" -f alice MD5:00:11:22
[ ! -s "$T/out" ] || fail "printed a key for an MD5 fingerprint"
expect_in "$T/err" "is not a SHA256 fingerprint"
# Names that are not meduse accounts are not looked up at all.
expect_rc 0 as_user mdgw "$H" -c "$CONF" root "$type" "$blob"
[ ! -s "$T/out" ] || fail "printed a key for root"
expect_in "$T/err" "user root: refused: not a meduse account"
