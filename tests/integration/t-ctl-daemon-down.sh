#!/usr/bin/env bash
# With accountd not running, accountctl says so and what to check.
. "$MEDUSE_TOP/tests/integration/lib.sh"
mkkey alice
expect_rc 1 ctl list
expect_in "$T/err" "cannot reach accountd at $T/run/accountd.sock: No such file or directory \(is accountd running\?"
expect_rc 1 ctl add alice --key "$T/keys/alice.pub"
expect_in "$T/err" 'is accountd running'
# A daemon that stops between two commands is reported the same way.
start_accountd
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
stop_accountd
expect_rc 1 ctl show alice
expect_in "$T/err" 'cannot reach accountd'
