#!/usr/bin/env bash
# gateway.upstream_host_keys pinned: a workspace whose host key is not
# already in the known_hosts file is refused (nothing is recorded), the
# client is told in one line and the log gives the fingerprint and the line
# to add; once that line is in the file, or in a file named by
# gateway.upstream_known_hosts, the login works.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup "upstream_host_keys: pinned"
known=$T/state/sshd/known_hosts
fp=$(ssh-keygen -lf "$T/up_host_ed25519_key.pub" | awk '{print $2}')
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice echo should-not-run
expect_not_in "$T/out" should-not-run
expect_in "$T/err" 'meduse: cannot reach your workspace: its host key is not pinned on the gateway; ask an admin'
expect_has "$T/gateway.log" "upstream $UP_ADDR:$UP_PORT: host key $fp is not in $known (no such file) and gateway.upstream_host_keys is pinned: refusing to connect"
[ ! -e "$known" ] || fail "pinned mode recorded the key in $known"

# The admin adds the line the log gives.
line=$(sed -n 's/.*add this line to the file: //p' "$T/gateway.log" | head -n 1)
[ -n "$line" ] || fail "the log does not give the line to add"
printf '%s\n' "$line" >"$known"
chown mdgw "$known"
expect_rc 0 gw_ssh alice alice echo pinned-ok
expect_in "$T/out" '^pinned-ok$'
expect_not_in "$T/gateway.log" 'trusted on first use'

# An admin-managed file elsewhere, holding another key: refused as changed;
# with the workspace's key: accepted.  The state_dir file is not used.
rm -f "$known"
ssh-keygen -q -N '' -t ed25519 -f "$T/other_key" </dev/null || fail "ssh-keygen"
printf '[%s]:%s %s\n' "$UP_ADDR" "$UP_PORT" "$(cut -d' ' -f1,2 "$T/other_key.pub")" >"$T/pinned_hosts"
chmod 0644 "$T/pinned_hosts"
gw_stop
gw_start "upstream_host_keys: pinned" "upstream_known_hosts: $T/pinned_hosts"
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice echo should-not-run
expect_in "$T/err" 'cannot reach your workspace: its host key changed'
# expect_has: a fingerprint may hold '+'.
expect_has "$T/gateway.log" "HOST KEY CHANGED: refusing to connect (it now offers $fp).  If the workspace was rebuilt, remove its line from $T/pinned_hosts"
printf '[%s]:%s %s\n' "$UP_ADDR" "$UP_PORT" "$(cut -d' ' -f1,2 "$T/up_host_ed25519_key.pub")" >"$T/pinned_hosts"
expect_rc 0 gw_ssh alice alice echo custom-file-ok
expect_in "$T/out" '^custom-file-ok$'
[ ! -e "$known" ] || fail "the gateway wrote $known although upstream_known_hosts names another file"
