#!/usr/bin/env bash
# route.resolver coder, end to end with real parts: `ssh alice@gateway`
# finds alice's stopped workspace in (fake) Coder, starts it, follows the
# build and the agent, finds its pod in (fake) Kubernetes by label, and lands
# on the pod's IP, where a real OpenSSH sshd runs (127.0.1.20).  Each step is
# shown on the client's stderr as it comes (on the session's stderr: the
# login only looked, the session started it), stdout stays the session's.  A failed build and an unknown workspace each end
# the login with a one-line reason.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"

coder_gw_setup --build-delay 0.6
ctl workspace add alice gpu >/dev/null 2>&1 || fail "workspace add gpu"

# Stop dev (Coder started it when it was created): the login must start it.
for _ in $(seq 1 100); do [ "$(coder_ws alice/dev 'w["status"]')" = running ] && break; sleep 0.1; done
id=$(coder_ws alice/dev 'w["id"]')
coder_api -X POST -H 'Content-Type: application/json' -d '{"transition":"stop"}' \
	"/api/v2/workspaces/$id/builds" >/dev/null
for _ in $(seq 1 100); do [ "$(coder_ws alice/dev 'w["status"]')" = stopped ] && break; sleep 0.1; done
[ "$(coder_ws alice/dev 'w["status"]')" = stopped ] || fail "dev did not stop"

# The session's stdin, sent while the workspace starts (VS Code's way: a
# shell fed a script), reaches it once it runs.
printf 'echo in-ws\nexit 0\n' >"$T/script"
GW_LOGLEVEL=INFO expect_rc 0 gw_ssh alice alice bash <"$T/script"
expect_in "$T/out" '^in-ws$'
expect_not_in "$T/out" 'meduse:'
expect_in "$T/err" '^meduse: workspace dev: stopped'
expect_in "$T/err" '^meduse: starting workspace dev \(up to 20s\)'
expect_in "$T/err" '^meduse: workspace dev: (pending|starting|running, agent (connecting|connected, (created|starting)))'
expect_in "$T/err" '^meduse: workspace dev: running, agent connected, ready'
expect_in "$T/err" '^meduse: pod coder-[0-9a-f-]+-[a-z0-9-]+: ready at 127\.0\.1\.20'
[ "$(coder_ws alice/dev 'w["status"]')" = running ] || fail "dev is not running"

# The workspace's host key is known by its name, not by the pod's IP,
# which the next pod (or someone else's) may get.
grep -q 'dev\.alice\.meduse' "$T/state/sshd/known_hosts" || fail "no known_hosts entry for dev.alice.meduse"
grep -q '127\.0\.1\.20' "$T/state/sshd/known_hosts" && fail "known_hosts keyed by the pod IP"

# Running already: straight in, no start.
GW_LOGLEVEL=INFO expect_rc 0 gw_ssh alice alice echo again
expect_in "$T/out" '^again$'
expect_not_in "$T/err" 'starting workspace'

# NAME+WS reaches that workspace (gpu was created running).
for _ in $(seq 1 100); do [ "$(coder_ws alice/gpu 'w["status"]')" = running ] && break; sleep 0.1; done
GW_LOGLEVEL=INFO expect_rc 0 gw_ssh alice alice+gpu echo in-gpu
expect_in "$T/out" '^in-gpu$'
expect_in "$T/err" 'workspace gpu: running'

# A build that fails: its reason, and no session.
id=$(coder_ws alice/gpu 'w["id"]')
coder_api -X POST -H 'Content-Type: application/json' -d '{"transition":"stop"}' \
	"/api/v2/workspaces/$id/builds" >/dev/null
for _ in $(seq 1 100); do [ "$(coder_ws alice/gpu 'w["status"]')" = stopped ] && break; sleep 0.1; done
coder_fault alice/gpu fail '"message":"insufficient GPUs on the node"'
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice+gpu echo should-not-run
expect_not_in "$T/out" should-not-run
expect_in "$T/err" 'meduse: cannot reach your workspace: workspace gpu failed to start: insufficient GPUs on the node'

# In the database but not in Coder: the reason lists what exists.
coder_post /fake/fault '{"mode":"none"}'
ctl workspace add alice ghost >/dev/null 2>&1
curl -sS -f -X DELETE "$CODER_CONTROL/fake/workspace/alice/ghost" >/dev/null ||
	fail "cannot delete ghost in the fake"
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice+ghost echo should-not-run
expect_in "$T/err" 'cannot reach your workspace: you have no workspace "ghost" \(yours: dev \(running\), gpu \(failed\)\)'

# Not even in the database: the reason names the user's workspaces too.
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice+nope echo should-not-run
expect_in "$T/err" 'cannot reach your workspace: no such workspace \(alice has no workspace nope \(yours: dev, ghost, gpu\)\)'
