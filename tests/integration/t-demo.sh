#!/usr/bin/env bash
# make demo's script sets up, shows the demo account, and is idempotent.
. "$MEDUSE_TOP/tests/integration/lib.sh"
cp -r "$MEDUSE_BUILD/bin" "$T/bin"
expect_rc 0 "$TOP/scripts/demo.sh" "$T" --once
expect_in "$T/out" 'Created account demo'
expect_in "$T/out" '^State: +active'
expect_in "$T/out" '^restrict ssh-ed25519 '
expect_in "$T/out" 'meduse demo is running'
expect_rc 0 "$TOP/scripts/demo.sh" "$T" --once
expect_in "$T/out" 'account demo exists already'
expect_not_in "$T/err" 'error'
