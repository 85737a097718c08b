#!/usr/bin/env bash
# Usage errors exit 2 with a pointer to --help; --help works for every
# command, even without a configuration or a daemon.
. "$MEDUSE_TOP/tests/integration/lib.sh"
export MEDUSE_CONFIG=$T/does-not-exist.yaml

expect_rc 0 "$BIN/accountctl" --help
expect_in "$T/out" '^usage: accountctl'
for cmd in add del list show lock unlock quota expire audit "key add" "key list" "key rm"; do
	# shellcheck disable=SC2086
	expect_rc 0 "$BIN/accountctl" $cmd --help
	expect_in "$T/out" "^usage: accountctl $cmd"
done
expect_rc 0 "$BIN/accountctl" key --help
expect_rc 0 "$BIN/accountd" --help
expect_in "$T/out" '^usage: accountd'

expect_rc 2 "$BIN/accountctl"
expect_rc 2 "$BIN/accountctl" frobnicate
expect_in "$T/err" "unknown command 'frobnicate'"
expect_rc 2 "$BIN/accountctl" add
expect_in "$T/err" 'missing argument'
expect_rc 2 "$BIN/accountctl" show a b
expect_in "$T/err" 'too many arguments'
expect_rc 2 "$BIN/accountctl" list --bogus
expect_in "$T/err" "unknown option or missing value: '--bogus'"
expect_rc 2 "$BIN/accountctl" key
expect_rc 2 "$BIN/accountctl" key frob x
expect_rc 2 "$BIN/accountctl" audit --limit zero
expect_rc 2 "$BIN/accountd" --bogus
# A missing configuration named explicitly is an error, not silent defaults.
expect_rc 1 "$BIN/accountctl" list
expect_in "$T/err" 'does-not-exist.yaml'
# The scripts a user runs explain themselves too.
for s in scripts/demo.sh scripts/deps.sh bench/keys.sh; do
	expect_rc 0 "$TOP/$s" --help
	[ -s "$T/out" ] || fail "$s --help printed nothing"
done
expect_in "$T/out" 'LOOKUPS'
