#!/usr/bin/env bash
# The restricted prompt: an interactive login (ssh -tt) whose workspace
# fails to start lands at "meduse> " with the reason instead of being
# disconnected; the built-ins work there (typed with or without "meduse",
# with line editing); `start` there takes the user into the workspace once
# it runs; a login without a pty still gets the reason and 255.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"

coder_gw_setup --build-delay 0.3
ws_status() { coder_ws "alice/$1" 'w["status"]'; }
for _ in $(seq 1 100); do [ "$(ws_status dev)" = running ] && break; sleep 0.1; done
id=$(coder_ws alice/dev 'w["id"]')
coder_api -X POST -H 'Content-Type: application/json' -d '{"transition":"stop"}' \
	"/api/v2/workspaces/$id/builds" >/dev/null
for _ in $(seq 1 100); do [ "$(ws_status dev)" = stopped ] && break; sleep 0.1; done
coder_fault alice/dev fail '"message":"insufficient GPUs on the node"'

# An interactive session typed through a fifo, so that each line can wait
# for what the previous one printed.
session_start() {
	rm -f "$T/in"; mkfifo "$T/in"
	gw_ssh alice "$1" -tt -- <"$T/in" >"$T/out" 2>"$T/err" &
	SESSION=$!
	exec 3>"$T/in"
}
type_line() { printf '%s\r' "$1" >&3; }
wait_out() {
	local f=$1 re=$2
	for _ in $(seq 1 300); do grep -qE -- "$re" "$f" && return 0; sleep 0.1; done
	echo "--- out" >&2; cat "$T/out" >&2; echo "--- err" >&2; cat "$T/err" >&2
	fail "$f never matched /$re/"
}
session_end() {
	local want=$1 rc
	exec 3>&-
	wait "$SESSION"; rc=$?
	[ "$rc" = "$want" ] || { cat "$T/out" "$T/err" >&2; fail "the session exited $rc, expected $want"; }
}

# The start fails: the prompt, with the reason.
session_start alice
wait_out "$T/err" 'cannot reach your workspace: workspace dev failed to start: insufficient GPUs'
wait_out "$T/out" "This is meduse's restricted prompt"
wait_out "$T/out" 'meduse> '
type_line help
wait_out "$T/out" 'keys rm FINGERPRINT'
# Line editing: "stXX" erased back to "st", then "atus": status.
printf 'stXX\177\177atus\r' >&3
wait_out "$T/out" 'dev \* +failed'
type_line 'meduse quota'
wait_out "$T/out" 'RESOURCE +USED +HARD'
type_line 'frobnicate'
wait_out "$T/err" 'unknown command "frobnicate"'
type_line exit
session_end 2		# the status of the last command, as a shell's
[ "$(ws_status dev)" = failed ] || fail "the prompt changed the workspace ($(ws_status dev))"

# The login's start fails again (a fault injected lasts one build); then
# `start` at the prompt works and the shell is the workspace's.
coder_fault alice/dev fail '"message":"insufficient GPUs on the node"'
session_start alice
wait_out "$T/out" 'meduse> '
type_line start
wait_out "$T/err" 'meduse: starting workspace dev'
wait_out "$T/out" 'workspace dev: running'
sleep 1
type_line 'echo "in-$((6*7))-ws"'
wait_out "$T/out" 'in-42-ws'
type_line 'exit 3'
session_end 3
[ "$(ws_status dev)" = running ] || fail "start at the prompt left dev $(ws_status dev)"

# No pty (a script): the reason and 255, no prompt.
id=$(coder_ws alice/dev 'w["id"]')
coder_api -X POST -H 'Content-Type: application/json' -d '{"transition":"stop"}' \
	"/api/v2/workspaces/$id/builds" >/dev/null
for _ in $(seq 1 100); do [ "$(ws_status dev)" = stopped ] && break; sleep 0.1; done
coder_fault alice/dev fail '"message":"insufficient GPUs on the node"'
expect_rc 255 gw_ssh alice alice -T -- </dev/null
expect_in "$T/err" 'cannot reach your workspace: workspace dev failed to start'
expect_not_in "$T/out" 'meduse> '

# A workspace that does not exist: the prompt too, naming what exists.
session_start alice+nope
wait_out "$T/err" 'cannot reach your workspace: .*nope'
wait_out "$T/out" 'meduse> '
printf '\004' >&3
session_end 0
