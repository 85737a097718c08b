#!/usr/bin/env bash
# sftp through the gateway: put and get of a 20 MiB file keep the checksum,
# and sftp exits 0.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
head -c 20M /dev/urandom >"$T/up.bin"
chmod 0644 "$T/up.bin"
cat >"$T/batch" <<B
put $T/up.bin up.bin
get up.bin $T/down.bin
B
# shellcheck disable=SC2046
expect_rc 0 timeout 60 sftp $(gw_ssh_opts alice) -P "$GW_PORT" -b "$T/batch" "alice@$GW_ADDR"
[ "$(sha256sum <"$T/up.bin")" = "$(sha256sum <"$ALICE_HOME/up.bin")" ] ||
	fail "the uploaded file differs in the workspace"
[ "$(sha256sum <"$T/up.bin")" = "$(sha256sum <"$T/down.bin")" ] ||
	fail "the downloaded file differs"
expect_in "$T/gateway.log" 'subsystem sftp'
