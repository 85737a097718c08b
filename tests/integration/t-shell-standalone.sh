#!/usr/bin/env bash
# meduse-shell for stock OpenSSH: a real sshd with meduse-authorized-keys -s,
# whose key lines force meduse-shell (setgid to the gateway group, as
# installed).
# Built-ins run there; commands, stdin, exit statuses, a pty and sftp are
# carried into the workspace (a second real sshd); `meduse keys add` is
# followed by a login with the new key; an unreachable workspace is told;
# while setgid, -c and MEDUSE_CONFIG are refused.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
# As installed: root-owned, group = accountd.gateway_group, setgid.
install -m 2755 -o root -g meduse "$BIN/meduse-shell" "$T/meduse-shell" ||
	fail "cannot install meduse-shell"
# Setgid, it reads only the system's configuration: this test's, on a tmpfs
# over /etc/meduse inside the test's own mount namespace.
mkdir -p /etc/meduse && mount -t tmpfs -o mode=0755 meduse-etc /etc/meduse ||
	fail "cannot mount a tmpfs on /etc/meduse"
trap '_gw_rc=$?; gw_stop; umount /etc/meduse 2>/dev/null; umount /etc/passwd 2>/dev/null; (exit $_gw_rc); _cleanup' EXIT
install -m 0644 "$CONF" /etc/meduse/meduse.yaml
# Trust on first use of the workspace's host key: the group writes it.
chown mdgw:meduse "$T/state/sshd" && chmod 2770 "$T/state/sshd"

# The helper's -s: each key line forces meduse-shell and allows a pty.
# sshd checks that a subsystem exists before it forces the command.
AKEYS_SSHD_EXTRA="ExposeAuthInfo yes
Subsystem sftp internal-sftp -l INFO"
akeys_sshd_start "-s $T/meduse-shell %u %t %k"
# st KEY USER [SSH-OPTS... --] CMD...: ssh to the stock sshd.
st() {
	local key=$1 user=$2 a opts=()
	shift 2
	for a in "$@"; do
		if [ "$a" = -- ]; then
			while [ "$1" != -- ]; do opts+=("$1"); shift; done
			shift
			break
		fi
	done
	timeout 30 ssh $(gw_ssh_opts "$key") -p "$SSHD_PORT" "${opts[@]}" \
	    "$user@$SSHD_ADDR" "$@"
}

expect_rc 0 st alice alice meduse status
expect_in "$T/out" '^account alice: active'
expect_in "$T/out" '^dev \* '
expect_rc 0 st alice alice meduse help
expect_in "$T/out" '^  quota '

# Into the workspace: the command, its stdin, its exit status.
expect_rc 0 st alice alice echo in-ws
expect_in "$T/out" '^in-ws$'
expect_in "$T/upstream.log" 'Accepted publickey for alice from 127\.'
printf 'line one\nline two\n' >"$T/stdin"
expect_rc 0 st alice alice 'wc -l' <"$T/stdin"
expect_in "$T/out" '^2$'
expect_rc 7 st alice alice 'echo to-stderr >&2; exit 7'
expect_in "$T/err" '^to-stderr$'

# A pty: the remote shell sees a terminal.
expect_rc 0 st alice alice -tt -- 'tty; echo pty-$((20+22))'
expect_in "$T/out" '^/dev/pts/'
expect_in "$T/out" 'pty-42'

# sftp: sshd hands the subsystem's command ("internal-sftp -l INFO") to
# the forced command, which asks the workspace for its sftp subsystem.
head -c 100000 /dev/urandom >"$T/blob"
printf 'put %s blob\nget blob %s\n' "$T/blob" "$T/blob.back" >"$T/batch"
timeout 60 sftp -b "$T/batch" $(gw_ssh_opts alice) -P "$SSHD_PORT" alice@"$SSHD_ADDR" \
	>"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "sftp through meduse-shell"; }
cmp -s "$T/blob" "$ALICE_HOME/blob" || fail "sftp put did not land in the workspace"
cmp -s "$T/blob" "$T/blob.back" || fail "sftp get gave other bytes"

# keys add: the login key (ExposeAuthInfo) authorises it.
mkkey alice2
expect_rc 0 st alice alice meduse keys add <"$T/keys/alice2.pub"
expect_in "$T/out" '^added SHA256:'
expect_rc 0 st alice2 alice echo new-key-in
expect_in "$T/out" '^new-key-in$'

# Without ExposeAuthInfo the login's key is unknown: keys add says so.
expect_rc 1 env -u MEDUSE_CONFIG SSH_ORIGINAL_COMMAND='meduse keys add' setpriv --reuid=alice \
    --regid=alice --clear-groups -- "$T/meduse-shell" <"$T/keys/alice2.pub"
expect_in "$T/err" 'sshd needs ExposeAuthInfo yes'

# Setgid: no other configuration.
expect_rc 2 setpriv --reuid=alice --regid=alice --clear-groups -- "$T/meduse-shell" -c /tmp/x.yaml
expect_in "$T/err" 'setgid: it reads only the system'
expect_rc 2 env MEDUSE_CONFIG=/tmp/x.yaml setpriv --reuid=alice --regid=alice --clear-groups -- "$T/meduse-shell"
expect_rc 0 "$T/meduse-shell" --help
expect_in "$T/out" 'ForceCommand'
expect_in "$T/sshd.log" "forced-command \(key-option\) '$T/meduse-shell'"

# The workspace down: the reason, 255.
kill "$UP_PID"; wait "$UP_PID" 2>/dev/null
expect_rc 255 st alice alice echo should-not-run
expect_in "$T/err" 'meduse: cannot reach your workspace'
# An interactive login gets the restricted prompt; ^C drops the line and
# does not end the session.  Typed through a fifo, each key after what it
# answers.
rm -f "$T/in"; mkfifo "$T/in"
st alice alice -tt -- <"$T/in" >"$T/out" 2>"$T/err" &
session=$!
exec 3>"$T/in"
wait_out() {
	for _ in $(seq 1 300); do grep -qE -- "$1" "$T/out" && return 0; sleep 0.1; done
	cat "$T/out" "$T/err" >&2; fail "the prompt never showed /$1/"
}
wait_out "This is meduse's restricted prompt"
printf 'help\r' >&3
wait_out 'meduse commands'
printf 'sta\003' >&3
for _ in $(seq 1 300); do [ "$(grep -o 'meduse> ' "$T/out" | wc -l)" -ge 3 ] && break; sleep 0.1; done
[ "$(grep -o 'meduse> ' "$T/out" | wc -l)" -ge 3 ] || { cat "$T/out" >&2; fail "no new prompt after ^C"; }
printf 'exit\r' >&3
exec 3>&-
wait "$session"; rc=$?
[ "$rc" = 0 ] || { cat "$T/out" "$T/err" >&2; fail "the prompt session exited $rc"; }
