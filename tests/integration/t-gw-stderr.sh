#!/usr/bin/env bash
# stderr (extended data) stays separate from stdout through the gateway.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
expect_rc 3 gw_ssh alice alice 'echo to-stdout; echo to-stderr >&2; exit 3'
expect_in "$T/out" '^to-stdout$'
expect_not_in "$T/out" 'to-stderr'
expect_in "$T/err" '^to-stderr$'
expect_not_in "$T/err" 'to-stdout'
