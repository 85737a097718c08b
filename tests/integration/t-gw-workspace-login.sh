#!/usr/bin/env bash
# The login NAME+WORKSPACE: an existing workspace is reached, an unknown one
# is refused before the session starts with a reason, and a malformed login
# is refused like any unknown user.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
expect_rc 0 gw_ssh alice alice+dev echo in-dev
expect_in "$T/out" '^in-dev$'
expect_in "$T/gateway.log" 'user alice\+dev from 127\.0\.0\.1: connected to workspace dev'
expect_rc 255 gw_ssh alice alice+gpu echo should-not-run
expect_not_in "$T/out" should-not-run
expect_in "$T/err" 'meduse: cannot reach your workspace: no such workspace'
expect_rc 255 gw_ssh alice 'alice+Bad_WS' echo should-not-run
expect_in "$T/err" 'Permission denied \(publickey\)'
expect_in "$T/gateway.log" 'user \(invalid login name\) from 127\.0\.0\.1 key SHA256:[^ ]+: refused'
# A client that opens no session (ssh -N) is told by the disconnect message.
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice+gpu -N --
expect_in "$T/err" 'Received disconnect from .*meduse: cannot reach your workspace: no such workspace'
