#!/usr/bin/env bash
# An exec through the gateway runs in the workspace, prints there, and its
# exit status reaches the client.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
expect_rc 42 gw_ssh alice alice 'echo "hi from $(id -un) in $HOME"; exit 42'
expect_in "$T/out" "^hi from alice in $ALICE_HOME\$"
expect_in "$T/gateway.log" "auth: user alice from 127\.0\.0\.1 key SHA256:[^ ]+: accepted"
expect_in "$T/upstream.log" "Accepted publickey for alice from 127\.0\.0\.1"
