#!/usr/bin/env bash
# make demo's script, as a user meets it: it starts accountd, a workspace
# sshd and the gateway, prints an ssh command that lands in the workspace as
# the invoking user without any prompt, refuses a second demo on its port or
# folder, and stops everything it started on SIGTERM.  Run again, it starts
# from a fresh database with the same keys; run by a non-root user, every
# part runs as that user.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/akeys-lib.sh"

DEMO=$T/demo
unset SUDO_USER

# Two free ports in a row: the gateway's and the workspace's (port + 1).
demo_port() {
	local p
	for _ in $(seq 1 20); do
		p=$(akeys_free_port) || return 1
		ss -Htln "sport = :$((p + 1))" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# The invoking user's own keys: one good, one accountctl refuses (garbage).
mkdir -p "$T/home/.ssh"
ssh-keygen -q -N '' -t ed25519 -C own@test -f "$T/home/.ssh/id_ed25519" </dev/null || fail "ssh-keygen"
echo "ssh-ed25519 not-a-key broken@test" >"$T/home/.ssh/broken.pub"

PORT=$(demo_port) || fail "no free port"
HOME=$T/home DEMO_DIR=$DEMO DEMO_PORT=$PORT \
    "$TOP/scripts/demo.sh" --no-build "$MEDUSE_BUILD" >"$T/demo.out" 2>&1 &
DEMO_PID=$!
_pids+=("$DEMO_PID")
for _ in $(seq 1 600); do
	grep -q 'Press Ctrl-C to stop' "$T/demo.out" && break
	kill -0 "$DEMO_PID" 2>/dev/null || break
	sleep 0.1
done
grep -q 'Press Ctrl-C to stop' "$T/demo.out" || { cat "$T/demo.out" >&2; fail "the demo did not start"; }
expect_in "$T/demo.out" '^==> starting meduse-sshd on 127\.0\.0\.1:'"$PORT"
expect_in "$T/demo.out" "ok: landed as root in /root"
expect_has "$T/demo.out" "==> accountctl key add demo --key $T/home/.ssh/id_ed25519.pub"
expect_has "$T/demo.out" "(skipped $T/home/.ssh/broken.pub: "
read -r _ _ _ PID_ACCOUNTD _ PID_SSHD _ PID_GW < <(grep '^==> pids:' "$T/demo.out" | tr -d ,) ||
	fail "no pids line"

# The printed command, run as printed: no host key prompt (stdin is not a
# terminal, so a prompt would fail), and it lands in the workspace as root.
CMD=$(sed -n 's/^  \(ssh -p .*\)$/\1/p' "$T/demo.out")
[ -n "$CMD" ] || { cat "$T/demo.out" >&2; fail "no ssh command printed"; }
case "$CMD" in *"-p $PORT "*"-i $DEMO/id_ed25519 "*"demo@127.0.0.1") ;; *) fail "unexpected command: $CMD" ;; esac
demo_ssh() { eval "timeout 30 $CMD \"\$@\"" </dev/null; }
expect_rc 0 demo_ssh 'echo "hello from $(id -un)"'
expect_in "$T/out" '^hello from root$'
expect_in "$DEMO/workspace-sshd.log" 'Accepted publickey for root from 127\.0\.0\.1'
expect_in "$DEMO/gateway.log" 'auth: user demo from 127\.0\.0\.1 key SHA256:[^ ]+: accepted'
# The invoking user's own key works too.
expect_rc 0 timeout 30 ssh -F none -o BatchMode=yes -o IdentitiesOnly=yes \
    -o UserKnownHostsFile="$DEMO/known_hosts" -i "$T/home/.ssh/id_ed25519" \
    -p "$PORT" demo@127.0.0.1 whoami
expect_in "$T/out" '^root$'
# The written ssh_config serves scp.
head -c 100k /dev/urandom >"$T/a.bin"
expect_rc 0 timeout 30 scp -F "$DEMO/ssh_config" -o BatchMode=yes "$T/a.bin" "meduse-demo:$T/b.bin"
cmp -s "$T/a.bin" "$T/b.bin" || fail "scp through the demo changed the file"

# Locked: refused; unlocked: in again.
dctl() { "$BIN/accountctl" -c "$DEMO/meduse.yaml" "$@"; }
expect_rc 0 dctl lock demo
expect_rc 255 demo_ssh true
expect_in "$T/err" 'Permission denied \(publickey\)'
expect_rc 0 dctl unlock demo
expect_rc 0 demo_ssh true

# A second demo on the same port stops at once with a clear message; so does
# a second demo in the same folder; the running demo is untouched.
expect_rc 1 env DEMO_DIR="$T/demo2" DEMO_PORT="$PORT" "$TOP/scripts/demo.sh" --no-build "$MEDUSE_BUILD"
expect_in "$T/err" "^demo: port $PORT is in use \(another demo\?\)"
[ ! -e "$T/demo2" ] || fail "the refused demo made $T/demo2"
expect_rc 1 env DEMO_DIR="$DEMO" DEMO_PORT="$(demo_port)" "$TOP/scripts/demo.sh" --no-build "$MEDUSE_BUILD"
expect_in "$T/err" "^demo: another demo is running in $DEMO"
expect_rc 0 demo_ssh true
# Nor does it take over a folder it did not make.
mkdir -p "$T/notdemo" && touch "$T/notdemo/precious"
expect_rc 1 env DEMO_DIR="$T/notdemo" DEMO_PORT="$(demo_port)" "$TOP/scripts/demo.sh" --no-build "$MEDUSE_BUILD"
expect_in "$T/err" "is not a demo folder"
[ -f "$T/notdemo/precious" ] || fail "the demo touched $T/notdemo"

# SIGTERM with a session open: the demo exits 0, its servers and the session
# in the workspace are gone, the client is disconnected.
# (The client's command line says 'sleep ${S}42': only the workspace's
# process is "sleep 4242".)
demo_ssh 'S=42; sleep ${S}42' >/dev/null 2>&1 &
SESS_PID=$!
_pids+=("$SESS_PID")
for _ in $(seq 1 100); do pgrep -fx 'sleep 4242' >/dev/null && break; sleep 0.1; done
pgrep -fx 'sleep 4242' >/dev/null || fail "the long session did not start"
kill -TERM "$DEMO_PID"
for _ in $(seq 1 150); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DEMO_PID" 2>/dev/null && fail "the demo did not stop within 15 s of SIGTERM"
wait "$DEMO_PID"
rc=$?
[ "$rc" -eq 0 ] || { cat "$T/demo.out" >&2; fail "the demo exited $rc after SIGTERM"; }
expect_in "$T/demo.out" '^==> demo stopped'
for p in "$PID_ACCOUNTD" "$PID_SSHD" "$PID_GW"; do
	kill -0 "$p" 2>/dev/null && fail "process $p ($(ps -o args= -p "$p")) outlived the demo"
done
for _ in $(seq 1 50); do kill -0 "$SESS_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SESS_PID" 2>/dev/null && fail "the ssh client is still connected"
pgrep -fx 'sleep 4242' >/dev/null && fail "the workspace session outlived the demo"
pgrep -f -- "$DEMO/" >/dev/null && fail "left over: $(pgrep -af -- "$DEMO/")"
ss -Htln "sport = :$PORT" | grep -q . && fail "port $PORT still listened on"
for f in "$DEMO"/*.log; do
	grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$f" && { cat "$f" >&2; fail "sanitizer report in $f"; }
done

# Again, --once: the same keys, a fresh database (the audit log is new).
fp=$(ssh-keygen -lf "$DEMO/id_ed25519.pub")
expect_rc 0 env HOME="$T/home" DEMO_DIR="$DEMO" DEMO_PORT="$(demo_port)" \
    "$TOP/scripts/demo.sh" --once --no-build "$MEDUSE_BUILD"
expect_in "$T/out" 'ok: landed as root'
expect_in "$T/out" '^==> demo stopped'
[ "$(ssh-keygen -lf "$DEMO/id_ed25519.pub")" = "$fp" ] || fail "the client key changed"
actions=$(sqlite3 -bail "$DEMO/state/meduse.db" 'SELECT action FROM audit') || fail "cannot read the audit log"
case "$actions" in
*account.lock*) fail "the second run kept the first run's database" ;;
*account.add*) ;;
*) fail "no account.add in the second run's audit log: $actions" ;;
esac

# Run by a non-root user (alice), every part runs as alice.
mkdir -p "$T/alice"
chown alice:alice "$T/alice"
expect_rc 0 setpriv --reuid=alice --regid=alice --init-groups -- \
    env HOME="$T/alice" DEMO_DIR="$T/alice/demo" DEMO_PORT="$(demo_port)" \
    "$TOP/scripts/demo.sh" --once --no-build "$MEDUSE_BUILD"
expect_in "$T/out" 'ok: landed as alice'
expect_in "$T/alice/demo/workspace-sshd.log" 'Accepted publickey for alice'
