#!/usr/bin/env bash
# When the workspace cannot be reached, the client is told why in one line
# and fails at once instead of hanging.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
kill "$UP_PID"
wait "$UP_PID" 2>/dev/null
start=$(date +%s)
# LogLevel INFO: OpenSSH's client prints the server's disconnect reason at INFO.
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice echo should-not-run
secs=$(( $(date +%s) - start ))
[ "$secs" -le 5 ] || fail "the refusal took ${secs}s"
expect_not_in "$T/out" should-not-run
expect_in "$T/err" 'meduse: cannot reach your workspace: cannot connect to 127\.0\.1\.20:[0-9]+'
expect_in "$T/gateway.log" 'user alice from 127\.0\.0\.1: workspace unreachable'
# The built-ins still answer: `meduse status` is how a user finds out more.
expect_rc 0 gw_ssh alice alice meduse help
expect_in "$T/out" '^meduse commands'
# An interactive login gets the restricted prompt with the reason.
printf 'exit\r' | GW_LOGLEVEL=ERROR gw_ssh alice alice -tt -- >"$T/out" 2>"$T/err"
expect_in "$T/out" "This is meduse's restricted prompt"
expect_in "$T/err" 'cannot reach your workspace: cannot connect to 127\.0\.1\.20'
