#!/usr/bin/env bash
# route.resolver kubernetes: the workspace pod is found by its Coder labels
# (com.coder.user.username, com.coder.workspace.name) and reached on its pod
# IP; nothing is started: a stopped workspace (no pod) ends the login with
# its reason, and a pod that is not Ready is never connected to.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"

CODER_YAML=("start_timeout: 2s")
CODER_RESOLVER=kubernetes coder_gw_setup --build-delay 0.2
for _ in $(seq 1 100); do [ "$(coder_ws alice/dev 'w["status"]')" = running ] && break; sleep 0.1; done

GW_LOGLEVEL=INFO expect_rc 0 gw_ssh alice alice echo via-pod
expect_in "$T/out" '^via-pod$'
expect_in "$T/err" '^meduse: pod coder-[^ ]+: ready at 127\.0\.1\.20'
expect_not_in "$T/err" 'starting workspace'

# Again at once: the route is kept briefly, after one look at that pod.
GW_LOGLEVEL=INFO expect_rc 0 gw_ssh alice alice echo via-cache
expect_in "$T/out" '^via-cache$'
expect_in "$T/err" '^meduse: pod coder-[^ ]+: still ready at 127\.0\.1\.20'

pod=$(kube_ctl /fake/objects | /usr/bin/python3 -c 'import json,sys; print([k for k in json.load(sys.stdin) if k.startswith("pods/")][0])')
ns=$(echo "$pod" | cut -d/ -f2)
name=$(echo "$pod" | cut -d/ -f3)
ready_pod() {	# ready_pod NAME READY: a workspace pod at 127.0.1.20
	curl -sS -f -X POST "$KUBE_CONTROL/fake/pods" -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$1\",\"namespace\":\"$ns\",\"labels\":{\"com.coder.user.username\":\"alice\",\"com.coder.workspace.name\":\"dev\"}},\"status\":{\"phase\":\"Running\",\"podIP\":\"127.0.1.20\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"$2\"}]}}" >/dev/null ||
		fail "cannot post pod $1"
}

# The pod was replaced (a new name): the kept route is dropped, the new
# pod found by its labels.
curl -sS -f -X DELETE "$KUBE_CONTROL/fake/pods/$ns/$name" >/dev/null || fail "cannot delete the pod"
ready_pod "$name-moved" True
GW_LOGLEVEL=INFO expect_rc 0 gw_ssh alice alice echo via-new-pod
expect_in "$T/out" '^via-new-pod$'
expect_in "$T/err" "^meduse: pod $name-moved: ready at"
expect_not_in "$T/err" 'still ready'
curl -sS -f -X DELETE "$KUBE_CONTROL/fake/pods/$ns/$name-moved" >/dev/null || fail "cannot delete the pod"

# The pod is there but not Ready: refused after start_timeout, not used.
curl -sS -f -X POST "$KUBE_CONTROL/fake/pods" -d "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"$name\",\"namespace\":\"$ns\",\"labels\":{\"com.coder.user.username\":\"alice\",\"com.coder.workspace.name\":\"dev\"}},\"status\":{\"phase\":\"Running\",\"podIP\":\"127.0.1.20\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}" >/dev/null ||
	fail "cannot post an unready pod"
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice echo should-not-run
expect_not_in "$T/out" should-not-run
expect_in "$T/err" 'cannot reach your workspace: no running, ready pod for workspace dev in u-alice'

# No pod at all (the workspace is stopped): nothing is started.
curl -sS -f -X DELETE "$KUBE_CONTROL/fake/pods/$ns/$name" >/dev/null || fail "cannot delete the pod"
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice echo should-not-run
expect_in "$T/err" 'cannot reach your workspace: workspace dev has no pod in u-alice: is it started\?'
