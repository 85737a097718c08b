#!/usr/bin/env bash
# rsync over ssh through the gateway copies a tree into the workspace and
# back, and a second run transfers nothing.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

command -v rsync >/dev/null || skip "no rsync"
gw_setup
mkdir -p "$T/tree/sub"
head -c 3M /dev/urandom >"$T/tree/sub/big"
echo small >"$T/tree/small"
chmod -R a+rX "$T/tree"
rsh="ssh $(gw_ssh_opts alice) -p $GW_PORT"
expect_rc 0 timeout 60 rsync -a -e "$rsh" "$T/tree/" "alice@$GW_ADDR:tree/"
diff -r "$T/tree" "$ALICE_HOME/tree" || fail "the tree differs in the workspace"
expect_rc 0 timeout 60 rsync -a --stats -e "$rsh" "$T/tree/" "alice@$GW_ADDR:tree/"
expect_in "$T/out" 'Number of regular files transferred: 0'
expect_rc 0 timeout 60 rsync -a -e "$rsh" "alice@$GW_ADDR:tree/" "$T/back/"
diff -r "$T/tree" "$T/back" || fail "the tree differs after the way back"
