#!/usr/bin/env bash
# ssh -A through the gateway: ssh-add -l inside the workspace lists the keys
# of the client's agent; without -A there is no agent there.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
eval "$(ssh-agent -s -a "$T/agent.sock")" >/dev/null || fail "cannot start ssh-agent"
_pids+=("$SSH_AGENT_PID")
mkkey agentkey
ssh-add -q "$T/keys/agentkey" 2>/dev/null || fail "ssh-add"
fp=$(ssh-keygen -lf "$T/keys/agentkey.pub" | awk '{print $2}')
expect_rc 0 gw_ssh alice alice -A -- "ssh-add -l"
expect_has "$T/out" "$fp"
expect_in "$T/gateway.log" 'agent forwarding'
expect_rc 2 gw_ssh alice alice -a -- 'ssh-add -l'
