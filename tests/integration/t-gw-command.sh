#!/usr/bin/env bash
# route.transport command: the gateway runs route.command (no shell of its
# own; {user} and {workspace} substituted by accountd) and speaks SSH over
# its stdin and stdout, as OpenSSH's ProxyCommand.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

# The command is a relay to the upstream's TCP port; its arguments show that
# the placeholders were replaced.
cat >"$T/relay.sh" <<'R'
#!/bin/bash
# relay.sh HOST PORT USER WORKSPACE: records its arguments, then relays.
echo "$*" >"$(dirname "$0")/relay.args"
exec 3<>"/dev/tcp/$1/$2" || exit 1
cat <&3 &
exec cat >&3
R
chmod 0755 "$T/relay.sh"
touch "$T/relay.args"
chown mdgw "$T/relay.args"
GW_ROUTE=("transport: command")
gw_upstream_start
GW_ROUTE+=("command: [\"$T/relay.sh\", \"$UP_ADDR\", \"$UP_PORT\", \"{user}\", \"{workspace}\"]")
gw_upstream_start() { :; }	# already running
gw_setup
expect_rc 4 gw_ssh alice alice 'echo via-command; exit 4'
expect_in "$T/out" '^via-command$'
expect_in "$T/relay.args" "^$UP_ADDR $UP_PORT alice dev\$"
expect_in "$T/gateway.log" 'connected to workspace dev \(command .*relay\.sh, as alice\)'
# The workspace's host key is recorded under the workspace's name.
expect_in "$T/state/sshd/known_hosts" '^dev\.alice\.meduse '
