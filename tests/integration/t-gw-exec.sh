#!/usr/bin/env bash
# An exec through the gateway runs in the workspace, prints there, and its
# exit status reaches the client.  Also through a shared connection
# (ControlMaster, as VS Code and many ssh_configs use): the master closes a
# session as soon as both sides sent EOF, and sshd sends its EOF before the
# exit status when the command closes its output first; the gateway must
# hold the close until the status is relayed (it used to give 255).
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
expect_rc 42 gw_ssh alice alice 'echo "hi from $(id -un) in $HOME"; exit 42'
expect_in "$T/out" "^hi from alice in $ALICE_HOME\$"
expect_in "$T/gateway.log" "auth: user alice from 127\.0\.0\.1 key SHA256:[^ ]+: accepted"
expect_in "$T/upstream.log" "Accepted publickey for alice from 127\.0\.0\.1"

gw_ssh alice alice -M -S "$T/cm" -o ControlPersist=30 -- true </dev/null ||
	fail "cannot start the master connection"
for i in 1 2 3; do
	expect_rc 3 gw_ssh alice alice -S "$T/cm" -- 'exec >&- 2>&-; sleep 0.3; exit 3' </dev/null
done
expect_rc 5 gw_ssh alice alice -S "$T/cm" -- 'echo shared; exit 5' </dev/null
expect_in "$T/out" '^shared$'
gw_ssh alice alice -S "$T/cm" -O exit -- 2>/dev/null || fail "the master did not exit"
