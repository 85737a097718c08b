#!/usr/bin/env bash
# scp through the gateway, both ways, in SFTP mode (the default) and in the
# legacy scp protocol (-O, an exec of scp upstream): checksums equal, exit 0.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
head -c 5M /dev/urandom >"$T/a.bin"
chmod 0644 "$T/a.bin"
sum=$(sha256sum <"$T/a.bin")
for mode in "" -O; do
	rm -f "$ALICE_HOME/a.bin" "$T/b.bin"
	# shellcheck disable=SC2046,SC2086
	expect_rc 0 timeout 60 scp $mode $(gw_ssh_opts alice) -P "$GW_PORT" "$T/a.bin" "alice@$GW_ADDR:a.bin"
	[ "$(sha256sum <"$ALICE_HOME/a.bin")" = "$sum" ] || fail "scp $mode to the workspace: file differs"
	# shellcheck disable=SC2046,SC2086
	expect_rc 0 timeout 60 scp $mode $(gw_ssh_opts alice) -P "$GW_PORT" "alice@$GW_ADDR:a.bin" "$T/b.bin"
	[ "$(sha256sum <"$T/b.bin")" = "$sum" ] || fail "scp $mode from the workspace: file differs"
done
