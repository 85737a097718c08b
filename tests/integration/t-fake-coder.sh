#!/usr/bin/env bash
# The fake Coder API that the workspace tests run against is strict the way
# coderd is: session token header, codersdk shapes and status codes (401, 400
# with validations, 404, 409, 410), builds that move pending -> starting ->
# running with the agent connecting, failing and hanging builds on request,
# a workspace pod that appears in the Kubernetes fake with the official
# template's labels while the workspace runs, and recorded usage reports.
# Driven with curl only, so a lenient fake cannot hide a client's mistake.
# Runs none of meduse's binaries: the sanitizer pass (MEDUSE_SAN) skips it.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"

# shellcheck disable=SC2119  # no extra arguments
start_kube_fake
start_coder_fake --build-delay 1.0

# call [CURL ARGS...] PATH: authenticated request; body in $T/out, code in $code.
call() {
	coder_api "$@" >"$T/resp" || fail "curl failed: ${*: -1}"
	code=$(tail -n 1 "$T/resp")
	sed '$d' "$T/resp" >"$T/out"
}
post() {	# post PATH JSON
	call -X POST -H 'Content-Type: application/json' --data-binary "$2" "$1"
}
want() {	# want CODE WHAT
	[ "$code" = "$1" ] || { cat "$T/out" >&2; fail "$2: got HTTP $code, expected $1"; }
}
jget() {	# jget PY-EXPR: evaluates EXPR with o = the JSON in $T/out
	/usr/bin/python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/out" "$1"
}
# wait_ws ID PY-COND: polls GET /workspaces/ID until COND (on o) holds.
wait_ws() {
	for _ in $(seq 1 200); do
		call "/api/v2/workspaces/$1"
		[ "$code" = 200 ] && [ "$(jget "$2")" = True ] && return 0
		sleep 0.05
	done
	cat "$T/out" >&2
	fail "workspace $1 never satisfied: $2"
}
# pods SELECTOR: names and IPs of the pods the Kubernetes fake lists for SELECTOR.
pods() {
	kube_api "/api/v1/pods?labelSelector=$1" >"$T/kresp" || fail "kube list pods"
	[ "$(tail -n 1 "$T/kresp")" = 200 ] || { cat "$T/kresp" >&2; fail "kube list pods"; }
	sed '$d' "$T/kresp" | /usr/bin/python3 -c '
import json, sys
for p in json.load(sys.stdin)["items"]:
    print(p["metadata"]["namespace"], p["metadata"]["name"], p["status"]["podIP"])'
}
AGENT='o["latest_build"]["resources"][0]["agents"][0]'

# --- authentication: Coder-Session-Token, coderd's 401 body
curl -sS -o "$T/out" -w '%{http_code}' "$CODER_URL/api/v2/buildinfo" >"$T/code"
[ "$(cat "$T/code")" = 200 ] || fail "buildinfo needs no token"
expect_in "$T/out" '"version": "v2\.'
curl -sS -o "$T/out" -w '%{http_code}' "$CODER_URL/api/v2/users/me" >"$T/code"
[ "$(cat "$T/code")" = 401 ] || fail "no token: got $(cat "$T/code"), expected 401"
expect_has "$T/out" '"message": "You are signed out or your session has expired.'
expect_has "$T/out" '"detail": "Cookie \"coder_session_token\" or query parameter must be provided."'
curl -sS -o "$T/out" -w '%{http_code}' -H "Coder-Session-Token: ${CODER_TOKEN:0:10}-0000000000000000000000" \
	"$CODER_URL/api/v2/users/me" >"$T/code"
[ "$(cat "$T/code")" = 401 ] || fail "wrong token: got $(cat "$T/code"), expected 401"
curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CODER_TOKEN" \
	"$CODER_URL/api/v2/users/me" >"$T/code"
[ "$(cat "$T/code")" = 401 ] || fail "bearer token accepted"
[ "$(stat -c %a "$T/coder-token")" = 600 ] || fail "token file mode"
call /api/v2/users/me; want 200 "me"
[ "$(jget 'o["username"]')" = admin ] || fail "me is admin"

# --- organization and template
call /api/v2/organizations/default; want 200 "default org"
ORG=$(jget 'o["id"]')
[ "$(jget 'o["is_default"]')" = True ] || fail "default org flag"
call "/api/v2/organizations/$ORG/templates/nope"; want 404 "unknown template"
expect_has "$T/out" '"message": "Resource not found or you do not have access to this resource"'
call /api/v2/organizations/default/templates/meduse; want 200 "template by name"
TPL=$(jget 'o["id"]')
VER=$(jget 'o["active_version_id"]')
call "/api/v2/templateversions/$VER/rich-parameters"; want 200 "rich parameters"
[ "$(jget '",".join(p["name"] for p in o)')" = namespace,cpu,memory,gpu,home_pvc ] ||
	fail "template parameters: $(cat "$T/out")"

# --- users: create, 409 on repeat, 400 with validations
U='{"username":"alice","email":"alice@example.com","name":"Alice","login_type":"oidc","user_status":"active","organization_ids":["'$ORG'"]}'
post /api/v2/users "$U"; want 201 "create alice"
ALICE=$(jget 'o["id"]')
[ "$(jget '(o["username"], o["status"], o["login_type"], o["organization_ids"])')" = \
	"('alice', 'active', 'oidc', ['$ORG'])" ] || fail "user shape: $(cat "$T/out")"
post /api/v2/users "$U"; want 409 "repeated user"
expect_has "$T/out" '"message": "User already exists."'
post /api/v2/users "${U/\"alice\"/\"alice2\"}"; want 409 "same email, other username"
post /api/v2/users "${U/alice@example.com/a2@example.com}"; want 409 "same username, other email"
post /api/v2/users "${U/\"username\":\"alice\",/}"; want 400 "no username"
[ "$(jget 'o["validations"][0]["field"]')" = username ] || fail "username validation"
post /api/v2/users "${U/\"alice\"/\"Bad_Name\"}"; want 400 "invalid username"
[ "$(jget 'o["validations"][0]["field"]')" = username ] || fail "username validation"
post /api/v2/users "${U/alice@example.com/not-an-email}"; want 400 "invalid email"
[ "$(jget 'o["validations"][0]["field"]')" = email ] || fail "email validation"
# (coderd checks the login type and the organization after the 409 check)
Z=${U//alice/zed}
post /api/v2/users "${Z/oidc/kerberos}"; want 400 "unknown login_type"
[ "$(jget 'o["validations"][0]["field"]')" = login_type ] || fail "login_type validation"
post /api/v2/users "${U/\"oidc\"/\"none\",\"password\":\"secret1\"}"; want 400 "password with login_type none"
post /api/v2/users "${U/\[\"$ORG\"\]/[]}"; want 400 "no organization"
[ "$(jget 'o["validations"][0]["field"]')" = organization_ids ] || fail "organization_ids validation"
post /api/v2/users "${U/\[\"$ORG\"\]/\"$ORG\"}"; want 400 "organization_ids not a list"
expect_has "$T/out" '"message": "Request body must be valid JSON."'
post /api/v2/users "${U/$ORG/not-a-uuid}"; want 400 "organization id not a UUID"
post /api/v2/users "${Z/$ORG/8a0cfb4f-ddc9-436d-91bb-75133c583767}"; want 404 "unknown organization"
call /api/v2/users/alice; want 200 "user by name"
call "/api/v2/users/$ALICE"; want 200 "user by id"
[ "$(jget 'o["username"]')" = alice ] || fail "user by id"
call /api/v2/users/nobody; want 404 "unknown user"
post /api/v2/users '{"username":"bob","email":"bob@example.com","login_type":"oidc","organization_ids":["'"$ORG"'"]}'
want 201 "create bob"
[ "$(jget 'o["status"]')" = dormant ] || fail "user_status defaults to dormant"

# --- workspace creation is validated against the template
W='{"template_id":"'$TPL'","name":"dev","rich_parameter_values":[{"name":"namespace","value":"u-alice"},{"name":"cpu","value":"2"}],"automatic_updates":"never"}'
post /api/v2/users/alice/workspaces "${W/\"cpu\"/\"cpus\"}"; want 400 "undeclared parameter"
expect_has "$T/out" 'cpus'
post /api/v2/users/alice/workspaces "${W/\"name\":\"dev\"/\"name\":\"dev_1\"}"; want 400 "invalid name"
[ "$(jget 'o["validations"][0]["field"]')" = name ] || fail "name validation"
post /api/v2/users/alice/workspaces "${W/\{/\{\"template_version_id\":\"$VER\",}"; want 400 "both template ids"
post /api/v2/users/alice/workspaces "${W/$TPL/8a0cfb4f-ddc9-436d-91bb-75133c583767}"; want 400 "unknown template"
[ "$(jget 'o["validations"][0]["field"]')" = template_id ] || fail "template_id validation"
post /api/v2/users/nobody/workspaces "$W"; want 404 "workspace for an unknown user"
coder_ctl /fake/state >"$T/out"
[ "$(jget 'len(o["workspaces"])')" = 0 ] || fail "a refused request created a workspace"

# --- create starts a build: pending -> starting -> running, agent connecting -> connected -> ready
post /api/v2/users/alice/workspaces "$W"; want 201 "create alice/dev"
cp "$T/out" "$T/created"
WS=$(jget 'o["id"]')
# At once, while the first build is surely still active.
post "/api/v2/workspaces/$WS/builds" '{"transition":"stop"}'; want 409 "build during a build"
expect_has "$T/out" '"message": "A workspace build is already active."'
cp "$T/created" "$T/out"
# The answer is the first observation of the build; polling gives the rest.
STEPS='" ".join([o["latest_build"]["status"]] + ([a["status"] + "/" + a["lifecycle_state"] for r in o["latest_build"]["resources"] for a in r["agents"]] or ["-"]))'
jget "$STEPS" >"$T/seen"
[ "$(jget '(o["owner_name"], o["name"], o["template_id"], o["latest_build"]["transition"])')" = \
	"('alice', 'dev', '$TPL', 'start')" ] || fail "workspace shape: $(cat "$T/out")"
post /api/v2/users/alice/workspaces "$W"; want 409 "same workspace name again"
expect_has "$T/out" '"message": "Workspace \"dev\" already exists."'
# Polled from one Python process: a curl and a python per look could take
# longer than a step on a loaded machine and miss it.
/usr/bin/python3 - "$CODER_URL/api/v2/workspaces/$WS" "$CODER_TOKEN" "$STEPS" \
    >>"$T/seen" <<'PY' || fail "poll workspace"
import json, sys, time, urllib.request
url, token, steps = sys.argv[1:4]
end = time.time() + 30
while time.time() < end:
    req = urllib.request.Request(url, headers={"Coder-Session-Token": token})
    o = json.load(urllib.request.urlopen(req, timeout=5))
    line = eval(steps)
    print(line, flush=True)
    if line == "running connected/ready":
        break
    time.sleep(0.02)
PY
call "/api/v2/workspaces/$WS"; want 200 "get workspace"
uniq "$T/seen" >"$T/steps"
[ "$(tail -n 1 "$T/steps")" = "running connected/ready" ] || { cat "$T/steps" >&2; fail "never ready"; }
[ "$(cut -d' ' -f1 "$T/steps" | uniq | tr '\n' ' ')" = "pending starting running " ] ||
	{ cat "$T/steps" >&2; fail "build status order"; }
[ "$(cut -d' ' -f2 "$T/steps" | uniq | tr '\n' ' ')" = "- connecting/created connected/starting connected/ready " ] ||
	{ cat "$T/steps" >&2; fail "agent status order"; }
[ "$(jget 'o["latest_build"]["job"]["status"]')" = succeeded ] || fail "job status"
[ "$(jget 'o["health"]["healthy"]')" = True ] || fail "health"
AG=$(jget "${AGENT}[\"id\"]")

# --- the pod: found by labels (its name has a Deployment suffix), Running and Ready
pods "com.coder.workspace.id%3D$WS" >"$T/pods"
[ "$(wc -l <"$T/pods")" = 1 ] || { cat "$T/pods" >&2; fail "one pod by workspace id"; }
read -r PNS PNAME PIP <"$T/pods"
{ [ "$PNS" = u-alice ] && [ "$PIP" = 127.0.1.1 ]; } || fail "pod namespace/IP: $(cat "$T/pods")"
case $PNAME in "coder-$WS-"*) ;; *) fail "pod name $PNAME" ;; esac
pods "com.coder.user.username%3Dalice,com.coder.workspace.name%3Ddev" | grep -qF "$PNAME" ||
	fail "pod by owner and name"
kube_api "/api/v1/namespaces/u-alice/pods/$PNAME" >"$T/kresp"
sed '$d' "$T/kresp" >"$T/out"
[ "$(jget '(o["status"]["phase"], [c["status"] for c in o["status"]["conditions"] if c["type"] == "Ready"])')" = \
	"('Running', ['True'])" ] || fail "pod phase/ready"
[ "$(jget 'sorted(o["metadata"]["labels"].items())')" = \
	"$(/usr/bin/python3 -c 'import sys; print(sorted({"app.kubernetes.io/name": "coder-workspace", "app.kubernetes.io/instance": "coder-workspace-" + sys.argv[1], "app.kubernetes.io/part-of": "coder", "com.coder.resource": "true", "com.coder.workspace.id": sys.argv[1], "com.coder.workspace.name": "dev", "com.coder.user.id": sys.argv[2], "com.coder.user.username": "alice", "pod-template-hash": "7c9d8f6b5"}.items()))' "$WS" "$ALICE")" ] ||
	fail "pod labels: $(jget 'o["metadata"]["labels"]')"
[ "$(jget 'o["metadata"]["annotations"]["com.coder.user.email"]')" = alice@example.com ] || fail "email annotation"
kube_api -X DELETE "/api/v1/namespaces/u-alice/pods/$PNAME" >"$T/kresp"
[ "$(tail -n 1 "$T/kresp")" = 405 ] || fail "pods are read-only in the kube fake"
pods "com.coder.workspace.id%3Dnot-this" >"$T/pods"
[ ! -s "$T/pods" ] || fail "selector matched another pod"

# --- lookups by owner and name, by id, and the search query
call /api/v2/users/alice/workspace/dev; want 200 "workspace by owner/name"
[ "$(jget 'o["id"]')" = "$WS" ] || fail "workspace by name id"
call /api/v2/users/alice/workspace/nope; want 404 "unknown workspace name"
call /api/v2/users/bob/workspace/dev; want 404 "someone else's workspace name"
call '/api/v2/workspaces?q=owner:alice'; want 200 "list alice"
[ "$(jget '(o["count"], [w["name"] for w in o["workspaces"]])')" = "(1, ['dev'])" ] || fail "list alice"
call '/api/v2/workspaces?q=owner:bob'; want 200 "list bob"
[ "$(jget 'o["count"]')" = 0 ] || fail "list bob"
call '/api/v2/workspaces?q=colour:blue'; want 400 "bad query"

# --- usage (activity) reports are recorded
post "/api/v2/workspaces/$WS/usage" '{"agent_id":"'"$AG"'","app_name":"ssh"}'; want 204 "usage"
post "/api/v2/workspaces/$WS/usage" '{"agent_id":"'"$AG"'","app_name":"telnet"}'; want 400 "usage app_name"
post "/api/v2/workspaces/$WS/usage" '{"app_name":"ssh"}'; want 400 "usage without agent"
post "/api/v2/workspaces/$WS/usage" '{"agent_id":"8a0cfb4f-ddc9-436d-91bb-75133c583767","app_name":"ssh"}'
want 404 "usage for another agent"
coder_ctl /fake/usage >"$T/out"
[ "$(jget '[(u["workspace"], u["agent_id"], u["app_name"]) for u in o]')" = "[('alice/dev', '$AG', 'ssh')]" ] ||
	fail "usage record: $(cat "$T/out")"

# --- stop: the pod goes away
post "/api/v2/workspaces/$WS/builds" '{"transition":"stop"}'; want 201 "stop"
[ "$(jget '(o["transition"], o["status"], o["build_number"])')" = "('stop', 'pending', 2)" ] || fail "stop build"
STOPB=$(jget 'o["id"]')
wait_ws "$WS" 'o["latest_build"]["status"] == "stopped"'
[ "$(jget 'o["latest_build"]["resources"]')" = "[]" ] || fail "stopped workspace has agents"
pods "com.coder.workspace.id%3D$WS" >"$T/pods"
[ ! -s "$T/pods" ] || { cat "$T/pods" >&2; fail "pod left after stop"; }
call "/api/v2/workspacebuilds/$STOPB"; want 200 "build by id"
[ "$(jget 'o["status"]')" = stopped ] || fail "build by id status"
post "/api/v2/workspaces/$WS/builds" '{"transition":"restart"}'; want 400 "unknown transition"

# --- a failing build: status failed, the job's error, no pod
coder_fault alice/dev fail '"message":"pods \"coder\" is forbidden: exceeded quota"'
post "/api/v2/workspaces/$WS/builds" '{"transition":"start"}'; want 201 "start (to fail)"
wait_ws "$WS" 'o["latest_build"]["status"] == "failed"'
[ "$(jget 'o["latest_build"]["job"]["status"]')" = failed ] || fail "failed job"
expect_has "$T/out" 'exceeded quota'
pods "com.coder.workspace.id%3D$WS" >"$T/pods"
[ ! -s "$T/pods" ] || fail "pod of a failed build"

# --- a hanging build stays active (409) until canceled
coder_fault alice/dev hang
post "/api/v2/workspaces/$WS/builds" '{"transition":"start"}'; want 201 "start (to hang)"
HB=$(jget 'o["id"]')
wait_ws "$WS" 'o["latest_build"]["status"] == "starting"'
post "/api/v2/workspaces/$WS/builds" '{"transition":"stop"}'; want 409 "stop a hanging build"
call -X PATCH "/api/v2/workspacebuilds/$HB/cancel"; want 200 "cancel"
wait_ws "$WS" 'o["latest_build"]["status"] == "canceled"'

# --- the next start is clean (faults are one-shot) and uses its own pod IP
coder_post /fake/pod-ip '{"workspace":"alice/dev","ip":"127.0.1.7"}'
post "/api/v2/workspaces/$WS/builds" '{"transition":"start"}'; want 201 "start again"
wait_ws "$WS" "bool(o[\"latest_build\"][\"resources\"]) and ${AGENT}[\"lifecycle_state\"] == \"ready\""
[ "$(jget 'o["latest_build"]["build_number"]')" = 5 ] || fail "build numbers"
pods "com.coder.workspace.id%3D$WS" >"$T/pods"
[ "$(cut -d' ' -f3 "$T/pods")" = 127.0.1.7 ] || fail "per-workspace pod IP: $(cat "$T/pods")"

# --- control: a workspace made directly in a state, and removed behind the client's back
coder_post /fake/workspace '{"owner":"bob","name":"gpu","state":"running","params":{"namespace":"u-bob"}}'
[ "$(coder_ws bob/gpu 'w["status"], w["agent"]["lifecycle_state"]')" = "('running', 'ready')" ] ||
	fail "control-made workspace"
pods "com.coder.user.username%3Dbob" >"$T/pods"
[ "$(cut -d' ' -f1 "$T/pods")" = u-bob ] || fail "control-made pod: $(cat "$T/pods")"
curl -sS -f -X DELETE "$CODER_CONTROL/fake/workspace/bob/gpu" >/dev/null || fail "control delete"
call /api/v2/users/bob/workspace/gpu; want 404 "removed workspace"
pods "com.coder.user.username%3Dbob" >"$T/pods"
[ ! -s "$T/pods" ] || fail "pod of a removed workspace"
coder_post /fake/workspace '{"owner":"bob","name":"old","state":"stopped"}'
[ "$(coder_ws bob/old 'w["status"]')" = stopped ] || fail "stopped control workspace"

# --- delete: 410 by id, 404 by name unless include_deleted
post "/api/v2/workspaces/$WS/builds" '{"transition":"delete"}'; want 201 "delete"
for _ in $(seq 1 200); do
	call "/api/v2/workspaces/$WS"
	[ "$code" = 410 ] && break
	sleep 0.05
done
want 410 "deleted workspace by id"
call /api/v2/users/alice/workspace/dev; want 404 "deleted workspace by name"
call '/api/v2/users/alice/workspace/dev?include_deleted=true'; want 200 "include_deleted"
[ "$(jget 'o["latest_build"]["status"]')" = deleted ] || fail "deleted status"
pods "com.coder.workspace.id%3D$WS" >"$T/pods"
[ ! -s "$T/pods" ] || fail "pod of a deleted workspace"

# --- the audit shows every API request and whether it carried the token
coder_ctl /fake/audit >"$T/out"
[ "$(jget 'sum(1 for e in o if not e["token"] and e["code"] == 401)')" = 2 ] || fail "audit 401"
[ "$(jget 'sum(1 for e in o if e["method"] == "POST" and e["path"] == "/api/v2/users" and e["code"] == 409)')" = 3 ] ||
	fail "audit 409"

# --- API-wide faults
coder_api_fault 500 '"count":1'
call /api/v2/users/me; want 500 "fault 500"
call /api/v2/users/me; want 200 "after a count=1 fault"
coder_api_fault down
# The connection is closed unanswered: curl 52 (empty reply) or 56 (reset).
curl -sS -H "Coder-Session-Token: $CODER_TOKEN" "$CODER_URL/api/v2/users/me" >"$T/out" 2>"$T/err"
case $? in 52|56) ;; *) cat "$T/err" >&2; fail "down: curl did not see a dropped connection" ;; esac
coder_api_fault none
call /api/v2/users/me; want 200 "after the fault was cleared"
coder_ctl /fake/state >"$T/out"
[ "$(jget 'o["kube_errors"]')" = "[]" ] || fail "kube control errors: $(jget 'o["kube_errors"]')"

# --- SIGTERM
kill -TERM "$CODER_FAKE_PID"
for _ in $(seq 1 50); do kill -0 "$CODER_FAKE_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$CODER_FAKE_PID" 2>/dev/null || fail "coder_fake ignored SIGTERM"
wait "$CODER_FAKE_PID" || fail "coder_fake exited $? on SIGTERM"

# --- autostop: without usage reports a running workspace is stopped (reason autostop)
start_coder_fake --build-delay 0.05 --autostop 1
coder_post /fake/user '{"username":"carol"}'
coder_post /fake/workspace '{"owner":"carol","name":"dev","state":"running"}'
pods "com.coder.user.username%3Dcarol" | grep -q . || fail "carol's pod"
for _ in $(seq 1 100); do
	[ "$(coder_ws carol/dev 'w["status"]')" = stopped ] && break
	sleep 0.1
done
[ "$(coder_ws carol/dev 'w["status"], w["builds"][-1]["reason"]')" = "('stopped', 'autostop')" ] ||
	fail "autostop: $(coder_ws carol/dev 'w["builds"]')"
pods "com.coder.user.username%3Dcarol" >"$T/pods"
[ ! -s "$T/pods" ] || fail "pod left after autostop"
echo "ok"
