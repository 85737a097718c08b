#!/usr/bin/env bash
# A locked account cannot log in with its registered key; unlocking it
# restores the login without touching the key.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/akeys-lib.sh"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
akeys_sshd_start
expect_login alice alice

ctl lock alice >/dev/null || fail "accountctl lock alice"
expect_refused alice alice
expect_in "$T/sshd.log" "refused: account alice is locked"

ctl unlock alice >/dev/null || fail "accountctl unlock alice"
expect_login alice alice
