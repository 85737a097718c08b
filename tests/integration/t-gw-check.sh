#!/usr/bin/env bash
# meduse-sshd's command line: --help, -V, -t on a good and a bad config, and
# a host key file others may read is refused with the fix.
. "$MEDUSE_TOP/tests/integration/lib.sh"

GW=$BIN/meduse-sshd
expect_rc 0 "$GW" --help
expect_in "$T/out" '^usage: meduse-sshd'
expect_rc 0 "$GW" -V
expect_in "$T/out" '^meduse-sshd [0-9.]+ \(libssh 0\.10'
expect_rc 2 "$GW" -x
expect_rc 0 "$GW" -t -c "$CONF"
expect_in "$T/out" 'configuration OK'
printf 'gateway:\n  max_sessions: many\n' >>"$CONF"
expect_rc 1 "$GW" -t -c "$CONF"
expect_in "$T/err" 'meduse\.yaml:[0-9]+: gateway\.max_sessions'
sed -i '/^gateway:/,$d' "$CONF"
ssh-keygen -q -N '' -t ed25519 -f "$T/hk" </dev/null || fail "ssh-keygen"
printf 'gateway:\n  host_keys: ["%s"]\n  listen: ["127.0.0.1:1"]\n' "$T/missing" >>"$CONF"
expect_rc 1 "$GW" -t -c "$CONF"
expect_in "$T/err" "gateway\.host_keys: cannot read private key $T/missing"
