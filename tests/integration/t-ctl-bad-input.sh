#!/usr/bin/env bash
# Every kind of bad input is refused with a clear message, and the database
# is exactly as it was before the refused command.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice
mkkey bob
mkkey carol
mkkey dave
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
before=$(db_dump)
case "$before" in *"a|alice|"*"k|SHA256:"*"q|"*"w|"*) ;; *) fail "unexpected dump: $before" ;; esac

refused() {	# refused RC REGEX CMD...: refused with that exit code and message, nothing changed
	local rc=$1 re=$2
	shift 2
	expect_rc "$rc" "$@"
	expect_in "$T/err" "$re"
	[ "$(db_dump)" = "$before" ] || fail "'$*' changed the database"
}

# Bad names.
refused 1 'uppercase' ctl add Bob --key "$T/keys/bob.pub"
refused 1 'reserved' ctl add root --key "$T/keys/bob.pub"
refused 1 'reserved' ctl add kube-bob --key "$T/keys/bob.pub"
refused 1 'reserved' ctl add system-x --key "$T/keys/bob.pub"
refused 1 'longer than 32' ctl add abcdefghijabcdefghijabcdefghijabc --key "$T/keys/bob.pub"
refused 1 "invalid character" ctl add 'bo_b' --key "$T/keys/bob.pub"
refused 1 "starts or ends" ctl add 'bob-' --key "$T/keys/bob.pub"
refused 1 'empty' ctl add '' --key "$T/keys/bob.pub"

# Bad keys: garbage, a private key, a short RSA key, a DSA key, no file, empty file.
echo "ssh-ed25519 AAAAnotbase64!!" >"$T/keys/garbage.pub"
refused 1 'garbage.pub:1' ctl add bob --key "$T/keys/garbage.pub"
refused 1 'private key' ctl add bob --key "$T/keys/bob"
ssh-keygen -q -N '' -t rsa -b 1024 -f "$T/keys/short" </dev/null >/dev/null
refused 1 '2048' ctl add bob --key "$T/keys/short.pub"
if ssh-keygen -q -N '' -t dsa -f "$T/keys/dsa" </dev/null >/dev/null 2>&1; then
	refused 1 'DSA' ctl add bob --key "$T/keys/dsa.pub"
fi
refused 1 'No such file' ctl add bob --key "$T/keys/missing.pub"
: >"$T/keys/empty.pub"
refused 1 'empty.pub' ctl add bob --key "$T/keys/empty.pub"
refused 2 'needs a public key' ctl add bob
# A key already registered to another account, alone or second in a list:
# the whole add is refused, not half done.
refused 1 'already registered to account alice' ctl add bob --key "$T/keys/alice.pub"
refused 1 'already registered to account alice' ctl add bob --key "$T/keys/bob.pub" --key "$T/keys/alice.pub"
expect_rc 0 ctl add carol --key "$T/keys/carol.pub"; before=$(db_dump)
refused 1 'already registered to account alice' ctl key add carol --key "$T/keys/alice.pub"

# Bad values.
refused 1 'quota memory' ctl add bob --key "$T/keys/bob.pub" --memory 32GB
refused 1 'quota gpu' ctl add bob --key "$T/keys/bob.pub" --gpu 1.5
refused 1 'quota home .* larger than storage' ctl add bob --key "$T/keys/bob.pub" --home 1Ti
refused 1 'not a date' ctl add bob --key "$T/keys/bob.pub" --expires 2026-02-30
refused 1 'not a date' ctl add bob --key "$T/keys/bob.pub" --expires tomorrow
refused 1 'not an email' ctl add bob --key "$T/keys/bob.pub" --email 'bob at lab'

# Unknown accounts and keys.
refused 1 'no account named dave' ctl show dave
refused 1 'no account named dave' ctl lock dave
refused 1 'no account named dave' ctl key add dave --key "$T/keys/dave.pub"
refused 1 'has no key SHA256:' ctl key rm alice "$(ssh-keygen -lf "$T/keys/bob.pub" | awk '{print $2}')"
refused 1 'not a fingerprint' ctl key rm alice alice.pub
