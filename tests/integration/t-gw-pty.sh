#!/usr/bin/env bash
# ssh -tt through the gateway gets a terminal in the workspace, with the
# client's terminal type and size.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

command -v script >/dev/null || skip "no script(1) (util-linux)"
gw_setup
# script(1) gives ssh a terminal of its own, of a known size.
cmd="stty cols 101 rows 37; TERM=xterm-256color $(printf '%q ' ssh $(gw_ssh_opts alice) -p "$GW_PORT" -tt alice@$GW_ADDR 'tty; stty size; echo TERM=$TERM; exit 5')"
timeout 30 script -qec "$cmd" /dev/null >"$T/out" 2>&1 </dev/null
rc=$?
tr -d '\r\000' <"$T/out" >"$T/out.txt"
[ "$rc" -eq 5 ] || { cat "$T/out.txt" >&2; fail "ssh -tt exited $rc, expected 5"; }
# (a terminal echo of the client's input may precede the first line)
expect_in "$T/out.txt" '/dev/pts/[0-9]+$'
expect_in "$T/out.txt" '^37 101$'
expect_in "$T/out.txt" '^TERM=xterm-256color$'
