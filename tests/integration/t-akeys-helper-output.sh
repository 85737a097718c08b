#!/usr/bin/env bash
# meduse-authorized-keys prints exactly one "restrict TYPE KEY COMMENT" line
# for a registered key of an active account, and fails closed (nothing on
# stdout, exit 1, one line on stderr) when it cannot ask accountd: a caller
# outside the gateway group, a broken configuration, accountd stopped.
. "$MEDUSE_TOP/tests/integration/lib.sh"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
H=$BIN/meduse-authorized-keys
read -r type blob comment <"$T/keys/alice.pub"
fp=$(ssh-keygen -lf "$T/keys/alice.pub" | awk '{print $2}')

expect_rc 0 as_user mdgw "$H" -c "$CONF" alice "$type" "$blob"
[ "$(cat "$T/out")" = "restrict $type $blob $comment" ] ||
	fail "unexpected output: $(cat "$T/out")"
# The fingerprint form prints the same line, from accountd's copy of the key.
expect_rc 0 as_user mdgw "$H" -c "$CONF" alice "$fp"
[ "$(cat "$T/out")" = "restrict $type $blob $comment" ] ||
	fail "unexpected output for %f: $(cat "$T/out")"
expect_rc 0 as_user mdgw "$H" -c "$CONF" -f alice "$fp"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "-f did not print one line"
# The printed line is one sshd accepts: ssh-keygen reads it back to the key.
sed 's/^restrict //' "$T/out" >"$T/printed.pub"
[ "$(ssh-keygen -lf "$T/printed.pub" | awk '{print $2}')" = "$fp" ] ||
	fail "the printed key does not have the fingerprint asked for"

# Not in the gateway group: accountd denies the lookup.
expect_rc 1 as_user mdnobody "$H" -c "$CONF" alice "$type" "$blob"
[ ! -s "$T/out" ] || fail "printed a key for a caller outside the gateway group"
expect_in "$T/err" "refused: cannot ask accountd \(denied\)"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one line on stderr"

# A broken configuration refuses every key.
cp "$CONF" "$T/broken.yaml"
echo "accountd: [oops" >>"$T/broken.yaml"
expect_rc 1 as_user mdgw "$H" -c "$T/broken.yaml" alice "$type" "$blob"
[ ! -s "$T/out" ] || fail "printed a key with a broken configuration"
expect_in "$T/err" "cannot use the configuration $T/broken.yaml: .*refusing every key"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one line on stderr"
expect_rc 1 "$H" -c "$T/broken.yaml" -t
expect_rc 1 as_user mdgw "$H" -c "$T/missing.yaml" alice "$type" "$blob"
[ ! -s "$T/out" ] || fail "printed a key with a missing configuration"
expect_rc 0 "$H" -c "$CONF" -t
expect_in "$T/out" "OK \(accountd socket $T/run/accountd.sock\)"

# accountd stopped.
stop_accountd
expect_rc 1 as_user mdgw "$H" -c "$CONF" alice "$type" "$blob"
[ ! -s "$T/out" ] || fail "printed a key with accountd stopped"
expect_in "$T/err" "cannot ask accountd \(unavailable\)"
