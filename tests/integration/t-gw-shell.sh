#!/usr/bin/env bash
# meduse's built-ins through the gateway, with real ssh, the strict Coder and
# Kubernetes fakes and a real sshd as the workspace:
#   `ssh alice@gw meduse status` on a stopped workspace shows it stopped and
#   leaves it stopped (the login only looked); start, stop and restart move
#   it in Coder, with progress on stderr; `meduse keys add` (stdin) is
#   followed by a login with the new key and is audited with the key that
#   authorised it; the last key cannot be removed; `meduse quota` reads the
#   ResourceQuota; bad input gets a clear error and changes nothing; another
#   account's workspace is refused.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"

coder_gw_setup --build-delay 0.3
ws_status() { coder_ws "alice/$1" 'w["status"]'; }
wait_status() {
	for _ in $(seq 1 150); do [ "$(ws_status "$1")" = "$2" ] && return 0; sleep 0.1; done
	fail "workspace $1 is $(ws_status "$1"), not $2"
}
builds() { coder_ws alice/dev 'len(w["builds"])'; }
wait_status dev running

# Running: the built-in answers, the workspace runs nothing.
expect_rc 0 gw_ssh alice alice meduse help
expect_in "$T/out" '^meduse commands'
expect_in "$T/out" '^  keys add +add the public key given on stdin'
expect_rc 0 gw_ssh alice alice meduse status
expect_in "$T/out" '^account alice: active'
expect_in "$T/out" '^dev \* +running +connected'

# Stop it, then look: `meduse status` must not start it again.
expect_rc 0 gw_ssh alice alice meduse stop
expect_in "$T/err" '^meduse: workspace dev: stop'
expect_in "$T/out" '^workspace dev: stopped$'
[ "$(ws_status dev)" = stopped ] || fail "meduse stop left dev $(ws_status dev)"
n=$(builds)
expect_rc 0 gw_ssh alice alice meduse status
expect_in "$T/out" '^dev \* +stopped'
expect_rc 0 gw_ssh alice alice meduse workspaces
expect_in "$T/out" $'^dev\tstopped$'
[ "$(builds)" = "$n" ] || fail "looking at the workspace started a build"
[ "$(ws_status dev)" = stopped ] || fail "meduse status started dev"

# start: progress on stderr, the result on stdout.
expect_rc 0 gw_ssh alice alice meduse start
expect_in "$T/err" '^meduse: starting workspace dev'
expect_in "$T/out" '^workspace dev: running$'
[ "$(ws_status dev)" = running ] || fail "meduse start left dev $(ws_status dev)"
n=$(builds)
expect_rc 0 gw_ssh alice alice meduse restart dev
[ "$(coder_ws alice/dev '" ".join(b["transition"] for b in w["builds"][-2:])')" = "stop start" ] ||
	fail "restart did not stop and start ($n builds before, $(builds) after)"
[ "$(ws_status dev)" = running ] || fail "restart left dev $(ws_status dev)"
# A quota changed meanwhile: the next start builds with it.
ctl quota alice --cpu 12 --gpu 2 >/dev/null 2>&1 || fail "accountctl quota alice"
expect_rc 0 gw_ssh alice alice meduse restart
[ "$(coder_ws alice/dev 'w["params"]["cpu"] + "/" + w["params"]["gpu"]')" = 12/2 ] ||
	fail "the restart did not build with the new quota ($(coder_ws alice/dev 'w["params"]'))"

# A shared connection (ControlMaster, VS Code's way): a second session
# opened while the first is starting the workspace goes in too.
expect_rc 0 gw_ssh alice alice meduse stop
gw_ssh alice alice -M -S "$T/cm" -o ControlPersist=no -- 'sleep 2; echo first' \
	>"$T/first" 2>&1 &
master=$!
for _ in $(seq 1 50); do [ -S "$T/cm" ] && break; sleep 0.1; done
[ -S "$T/cm" ] || fail "the master connection did not start"
expect_rc 0 gw_ssh alice alice -S "$T/cm" -- echo second
expect_in "$T/out" '^second$'
wait "$master" || { cat "$T/first" >&2; fail "the first session failed"; }
grep -q '^first$' "$T/first" || { cat "$T/first" >&2; fail "the first session lost its output"; }
grep -q 'starting workspace dev' "$T/first" || fail "the first session did not start the workspace"

# Unknown and malformed commands: usage status 2, the workspace untouched.
expect_rc 2 gw_ssh alice alice meduse frobnicate
expect_in "$T/err" 'unknown command "frobnicate": type "meduse help"'
expect_rc 2 gw_ssh alice alice meduse keys rm
expect_in "$T/err" 'usage: meduse keys rm FINGERPRINT'
expect_rc 2 gw_ssh alice alice "meduse status 'unterminated"
expect_in "$T/err" 'cannot read that command'
expect_rc 1 gw_ssh alice alice meduse start ../x
expect_in "$T/err" '^meduse: .*workspace'
# A command that only starts with the word is the workspace's.
expect_rc 127 gw_ssh alice alice meduse-train
expect_in "$T/err" 'meduse-train: (command )?not found'

# keys: add from stdin, then log in with the new key.
mkkey alice2
expect_rc 0 gw_ssh alice alice meduse keys add <"$T/keys/alice2.pub"
fp2=$(ssh-keygen -lf "$T/keys/alice2.pub" | awk '{print $2}')
fp1=$(ssh-keygen -lf "$T/keys/alice.pub" | awk '{print $2}')
expect_in "$T/out" "^added $(printf '%s' "$fp2" | sed 's/[+.]/\\&/g') ssh-ed25519"
expect_rc 0 gw_ssh alice2 alice echo with-new-key
expect_in "$T/out" '^with-new-key$'
ctl audit --account alice >"$T/audit" 2>&1 || fail "accountctl audit"
grep -F "self.key_add" "$T/audit" | grep -qF "$fp1" ||
	{ cat "$T/audit" >&2; fail "the audit log does not name the key that added $fp2"; }
expect_rc 0 gw_ssh alice2 alice meduse keys list
expect_in "$T/out" "$(printf '%s' "$fp2" | sed 's/[+.]/\\&/g') ssh-ed25519 .*\[this login\]"
expect_in "$T/out" "$(printf '%s' "$fp1" | sed 's/[+.]/\\&/g') "

# Bad keys: a clear error, nothing added.
before=$(ctl key list alice --json | grep -c fingerprint)
echo "ssh-ed25519 AAAAnotakey" >"$T/bad.pub"
expect_rc 1 gw_ssh alice alice meduse keys add <"$T/bad.pub"
expect_in "$T/err" '^meduse: '
expect_rc 1 gw_ssh alice alice meduse keys add </dev/null
expect_in "$T/err" 'no key given'
cat "$T/keys/alice2.pub" "$T/keys/alice.pub" >"$T/two.pub"
expect_rc 1 gw_ssh alice alice meduse keys add <"$T/two.pub"
expect_in "$T/err" 'one key at a time'
expect_rc 1 gw_ssh alice alice meduse keys add <"$T/keys/alice2.pub"
expect_in "$T/err" 'already'
[ "$(ctl key list alice --json | grep -c fingerprint)" = "$before" ] || fail "a refused key changed the key list"

# rm: the new key goes; the last one stays.
expect_rc 0 gw_ssh alice alice meduse keys rm "$fp2"
expect_in "$T/out" '\(1 key left\)'
expect_rc 255 gw_ssh alice2 alice echo should-not-login
expect_rc 1 gw_ssh alice alice meduse keys rm "$fp1"
expect_in "$T/err" 'last key'
expect_rc 0 gw_ssh alice alice echo still-in
expect_in "$T/out" '^still-in$'

# Under a pty (ssh -t) the client sends no EOF: the line is the key.
mkkey alice3
fp3=$(ssh-keygen -lf "$T/keys/alice3.pub" | awk '{print $2}')
printf '%s\r' "$(cat "$T/keys/alice3.pub")" >"$T/typed"
expect_rc 0 gw_ssh alice alice -tt -- meduse keys add <"$T/typed"
expect_in "$T/out" 'Paste your new public key'
expect_in "$T/out" "added $(printf '%s' "$fp3" | sed 's/[+.]/\\&/g')"
expect_rc 0 gw_ssh alice alice meduse keys rm "$fp3"

# quota: the ResourceQuota's hard limits and use.
expect_rc 0 gw_ssh alice alice meduse quota
expect_in "$T/out" '^namespace '
expect_in "$T/out" '^RESOURCE +USED +HARD'
expect_in "$T/out" '^requests\.cpu +[0-9]'

# Someone else's workspace: refused at login, whatever the command.
mkkey bob
ctl add bob --key "$T/keys/bob.pub" >/dev/null 2>&1 || fail "accountctl add bob"
expect_rc 255 gw_ssh alice bob+dev meduse status
expect_not_in "$T/out" 'account bob'
expect_rc 255 gw_ssh alice bob meduse stop
[ "$(coder_ws bob/dev 'w["status"]' 2>/dev/null || echo none)" != stopped ] ||
	fail "alice stopped bob's workspace"
