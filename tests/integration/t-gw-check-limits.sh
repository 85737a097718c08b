#!/usr/bin/env bash
# meduse-sshd -t on the keys of the gateway's limits and trust: good values
# pass, each bad one is reported as file:line with what to write instead.
. "$MEDUSE_TOP/tests/integration/lib.sh"

GW=$BIN/meduse-sshd
cp "$CONF" "$T/base.yaml"
cat >>"$CONF" <<'YAML'
gateway:
  keepalive: 5s
  keepalive_count_max: 4
  idle_timeout: 1h
  drain_grace: 10s
  env_allow: ["LANG", "LC_*", "FOO_?"]
  upstream_host_keys: pinned
  upstream_known_hosts: /etc/meduse/workspaces.known_hosts
YAML
expect_rc 0 "$GW" -t -c "$CONF"
expect_in "$T/out" 'configuration OK'

cp "$T/base.yaml" "$CONF"
cat >>"$CONF" <<'YAML'
gateway:
  keepalive: 5
  keepalive_count_max: 0
  idle_timeout: forever
  drain_grace: 2h
  env_allow: ["LANG", "LC_[A-Z]*", ""]
  upstream_host_keys: strict
  upstream_known_hosts: known_hosts
YAML
expect_rc 1 "$GW" -t -c "$CONF"
expect_in "$T/err" 'meduse\.yaml:8: gateway\.keepalive: "5" has no unit'
expect_in "$T/err" 'meduse\.yaml:9: gateway\.keepalive_count_max: "0" is out of range: use 1 to 1000'
expect_in "$T/err" 'meduse\.yaml:10: gateway\.idle_timeout: "forever" is not a duration'
expect_in "$T/err" 'meduse\.yaml:11: gateway\.drain_grace: "2h" is out of range: use 0 to 1h'
expect_in "$T/err" 'meduse\.yaml:12: gateway\.env_allow\[1\]: "LC_\[A-Z\]\*" is not a variable name pattern'
expect_in "$T/err" 'meduse\.yaml:12: gateway\.env_allow\[2\]: "" is not a variable name pattern'
expect_in "$T/err" 'meduse\.yaml:13: gateway\.upstream_host_keys: "strict" is not a host key policy: use tofu'
expect_in "$T/err" 'meduse\.yaml:14: gateway\.upstream_known_hosts: "known_hosts" is not an absolute path'
[ "$(wc -l <"$T/err")" -eq 8 ] || fail "expected exactly 8 errors"
