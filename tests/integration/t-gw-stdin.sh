#!/usr/bin/env bash
# Data round-trips through the gateway intact and flow control holds: 1 MiB
# and then 24 MiB (several times the SSH window) of stdin come back as stdout
# with the same checksum.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
for size in 1 24; do
	head -c "${size}M" /dev/urandom >"$T/in"
	gw_ssh alice alice 'cat' <"$T/in" >"$T/back" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "cat of $size MiB failed"; }
	want=$(sha256sum <"$T/in")
	got=$(sha256sum <"$T/back")
	[ "$want" = "$got" ] || fail "$size MiB: checksum differs ($(stat -c %s "$T/back") bytes back)"
done
# The workspace sees the same bytes: count them there.
expect_rc 0 gw_ssh alice alice 'wc -c' <"$T/in"
expect_in "$T/out" "^$((24 * 1024 * 1024))\$"
