#!/usr/bin/env bash
# meduse-authorized-keys run with the wrong arguments prints its usage on
# stderr, nothing on stdout, and exits 2; --help prints it on stdout.
. "$MEDUSE_TOP/tests/integration/lib.sh"

H=$BIN/meduse-authorized-keys
key=AAAAC3NzaC1lZDI1NTE5AAAAICCNK48wKSl4+JmQLyeaeSG//VxkLuuhDlulz9a7BRXT
for args in "" "alice" "alice ssh-ed25519" "alice ssh-ed25519 $key extra" \
    "-f alice" "-f alice ssh-ed25519 $key" "--bogus alice ssh-ed25519 $key" \
    "-t alice"; do
	# shellcheck disable=SC2086
	expect_rc 2 "$H" -c "$CONF" $args
	[ ! -s "$T/out" ] || fail "'$args' printed on stdout"
	expect_in "$T/err" "^usage: meduse-authorized-keys \[-c CONFIG\] \[-s SHELL\] USER TYPE KEY"
done
expect_rc 2 "$H" -c "$CONF" alice
expect_in "$T/err" "expected 3 \(USER TYPE KEY\) arguments, got 1: refusing every key"

# -s: the forced command must be an absolute path sshd can quote.
for shell in relative/meduse-shell '/usr/bin/x"y' '/usr/bin/a\b'; do
	expect_rc 2 "$H" -c "$CONF" -s "$shell" alice ssh-ed25519 "$key"
	[ ! -s "$T/out" ] || fail "-s '$shell' printed a key line"
	expect_in "$T/err" "the shell must be an absolute path"
done

expect_rc 0 "$H" --help
expect_in "$T/out" "^usage: meduse-authorized-keys"
expect_in "$T/out" "AuthorizedKeysCommand .*meduse-authorized-keys %u %t %k"
[ ! -s "$T/err" ] || fail "--help wrote to stderr"
