#!/usr/bin/env bash
# accountd -t reports every configuration error as FILE:LINE: message.
. "$MEDUSE_TOP/tests/integration/lib.sh"
expect_rc 0 "$BIN/accountd" -t -c "$CONF"
expect_in "$T/out" 'configuration OK'
cat >"$T/bad.yaml" <<'YAML'
state_dir: /tmp/x
gateway:
  login_grace_time: 30x
  max_sessions: lots
  colour: blue
defaults:
  quota: {memory: 32GB}
YAML
expect_rc 1 "$BIN/accountd" -t -c "$T/bad.yaml"
expect_in "$T/err" "^$T/bad.yaml:3: .*login_grace_time"
expect_in "$T/err" "^$T/bad.yaml:4: .*max_sessions"
expect_in "$T/err" "^$T/bad.yaml:5: .*colour"
expect_in "$T/err" "^$T/bad.yaml:7: .*memory"
# Also through MEDUSE_CONFIG, and a missing file is named.
MEDUSE_CONFIG=$T/bad.yaml expect_rc 1 "$BIN/accountd" -t
expect_in "$T/err" "bad.yaml:3:"
expect_rc 1 "$BIN/accountd" -t -c "$T/nope.yaml"
expect_in "$T/err" "nope.yaml"
# An unreadable config for accountctl: a clear error, exit 1.
printf 'state_dir: [\n' >"$T/broken.yaml"
expect_rc 1 "$BIN/accountctl" -c "$T/broken.yaml" list
expect_in "$T/err" "broken.yaml:"
expect_in "$T/err" 'cannot use the configuration'
# A configuration the caller may not read: named, with the reason.
cp "$CONF" "$T/private.yaml"
chmod 0600 "$T/private.yaml"
expect_rc 1 as_user mdadmin "$BIN/accountctl" -c "$T/private.yaml" list
expect_in "$T/err" "private.yaml.*Permission denied"
