#!/usr/bin/env bash
# The fake Kubernetes API that the provisioning tests run against is strict
# the way the real one is: TLS with its own CA, bearer token, server-side
# apply with field managers and conflicts, objects checked against the
# official client's models, and faults (500, 429, down, slow) on request.
# Driven with curl only, so a lenient fake cannot hide a client's mistake.
# Runs none of meduse's binaries: the sanitizer pass (MEDUSE_SAN) skips it.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"

# shellcheck disable=SC2119  # no extra arguments
start_kube_fake

Q='fieldManager=meduse&force=true&fieldValidation=Strict'
# apply URL-PATH QUERY JSON: server-side apply; body in $T/out, code in $code.
napply=0
apply() {
	napply=$((napply + 1))
	kube_api -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
		--data-binary "$3" "$1${2:+?$2}" >"$T/resp" || fail "curl failed: $1"
	code=$(tail -n 1 "$T/resp")
	sed '$d' "$T/resp" >"$T/out"
}
get() {
	kube_api "$1" >"$T/resp" || fail "curl failed: $1"
	code=$(tail -n 1 "$T/resp")
	sed '$d' "$T/resp" >"$T/out"
}
want() {	# want CODE WHAT
	[ "$code" = "$1" ] || { cat "$T/out" >&2; fail "$2: got HTTP $code, expected $1"; }
}
jget() {	# jget PY-EXPR: evaluates EXPR with o = the JSON in $T/out
	/usr/bin/python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/out" "$1"
}

NS='{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"u-alice","labels":{"app.kubernetes.io/managed-by":"meduse","team":"a"}}}'
RQ='{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"quota","namespace":"u-alice","labels":{"app.kubernetes.io/managed-by":"meduse"}},"spec":{"hard":{"requests.cpu":"8","limits.memory":"32Gi","requests.nvidia.com/gpu":"1"}}}'
RQURL=/api/v1/namespaces/u-alice/resourcequotas/quota

# --- TLS and authentication
curl -sS --cacert "$KUBE_CA" -o "$T/out" -w '%{http_code}' "$KUBE_URL/api/v1/namespaces" >"$T/code"
[ "$(cat "$T/code")" = 401 ] || fail "no token: got $(cat "$T/code"), expected 401"
expect_in "$T/out" '"kind": "Status".*"reason": "Unauthorized".*"code": 401'
curl -sS --cacert "$KUBE_CA" -H 'Authorization: Bearer wrong' -o /dev/null -w '%{http_code}' \
	"$KUBE_URL/api/v1/namespaces" >"$T/code"
[ "$(cat "$T/code")" = 401 ] || fail "wrong token: got $(cat "$T/code"), expected 401"
bash "$TOP/tests/fakes/make-ca.sh" "$T/other-ca" || fail "make-ca.sh"
expect_rc 60 curl -sS --cacert "$T/other-ca/ca.crt" -H "Authorization: Bearer $KUBE_TOKEN" \
	"$KUBE_URL/api/v1/namespaces"
expect_in "$T/err" 'certificate'
expect_has "$KUBECONFIG_FILE" "server: $KUBE_URL"
expect_has "$KUBECONFIG_FILE" "certificate-authority: $KUBE_CA"

# --- namespaces must exist first; then create, read, no-op re-apply
apply "$RQURL" "$Q" "$RQ"; want 404 "quota in a missing namespace"
expect_in "$T/out" 'namespaces \\"u-alice\\" not found'
apply /api/v1/namespaces/u-alice "$Q" "$NS"; want 201 "namespace create"
apply "$RQURL" "$Q" "$RQ"; want 201 "quota create"
get "$RQURL"; want 200 "quota get"
rv=$(jget 'o["metadata"]["resourceVersion"]')
[ "$(jget 'o["spec"]["hard"]["limits.memory"]')" = 32Gi ] || fail "quota not stored"
[ -n "$rv" ] || fail "no resourceVersion"
apply "$RQURL" "$Q" "$RQ"; want 200 "identical re-apply"
[ "$(jget 'o["metadata"]["resourceVersion"]')" = "$rv" ] || fail "no-op apply changed resourceVersion"
apply "$RQURL" "$Q" "${RQ/\"8\"/\"16\"}"; want 200 "changing apply"
[ "$(jget 'o["metadata"]["resourceVersion"]')" -gt "$rv" ] || fail "change kept resourceVersion"
rv=$(jget 'o["metadata"]["resourceVersion"]')
apply "$RQURL" "$Q" "${RQ/,\"requests.nvidia.com\/gpu\":\"1\"/}"; want 200 "apply without gpu"
[ "$(jget '"requests.nvidia.com/gpu" in o["spec"]["hard"]')" = False ] || fail "dropped field kept"
apply "$RQURL" "$Q" "${RQ/\"8\"/\"16\"}"; want 200 "gpu back"

# --- strict validation
apply "$RQURL" "$Q" "${RQ/\"spec\":\{/\"spec\":\{\"foo\":1,}"; want 400 "unknown spec.foo"
expect_has "$T/out" '.spec.foo: field not declared in schema'
PVC='{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"home","namespace":"u-alice"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"50Gi"}}}}'
PVCURL=/api/v1/namespaces/u-alice/persistentvolumeclaims/home
apply "$PVCURL" "$Q" "${PVC/\"requests\"/\"requestz\"}"; want 400 "unknown spec.resources.requestz"
expect_has "$T/out" '.spec.resources.requestz: field not declared in schema'
apply "$RQURL" "$Q" "${RQ/\"8\"/8}"; want 400 "number for a quantity"
expect_has "$T/out" 'expected string'
apply "$PVCURL" "$Q" "${PVC/\[\"ReadWriteOnce\"\]/\"ReadWriteOnce\"}"; want 400 "string for a list"
apply "$PVCURL" "$Q" "${PVC/50Gi/50 GB}"; want 400 "bad quantity"
apply "$PVCURL" "$Q" "$PVC"; want 201 "pvc create"
apply "$PVCURL" "$Q" "${PVC/50Gi/10Gi}"; want 422 "pvc shrink"
RB='{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"alice-edit","namespace":"u-alice"},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}]}'
RBURL=/apis/rbac.authorization.k8s.io/v1/namespaces/u-alice/rolebindings/alice-edit
apply "$RBURL" "$Q" "$RB"; want 422 "rolebinding without roleRef"
expect_has "$T/out" 'roleRef: Required value'
apply "$RBURL" "$Q" "${RB%\}},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"edit\"}}"
want 201 "rolebinding"
apply /api/v1/namespaces/U_Bad "$Q" "${NS//u-alice/U_Bad}"; want 422 "invalid namespace name"
apply /api/v1/namespaces/u-bob "$Q" "$NS"; want 400 "name differs from URL"
apply /api/v1/namespaces/u-alice/limitranges/quota "$Q" "$RQ"; want 400 "kind differs from URL"
apply "$RQURL" 'force=true' "$RQ"; want 400 "apply without fieldManager"
expect_has "$T/out" 'fieldManager: Required value'
Qu='{"apiVersion":"scheduling.volcano.sh/v1beta1","kind":"Queue","metadata":{"name":"u-alice"},"spec":{"weight":1,"reclaimable":true,"capability":{"cpu":"8","nvidia.com/gpu":"1"}}}'
apply /apis/scheduling.volcano.sh/v1beta1/queues/u-alice "$Q" "${Qu/\"weight\":1/\"weight\":\"1\"}"; want 400 "queue weight as a string"
apply /apis/scheduling.volcano.sh/v1beta1/queues/u-alice "$Q" "${Qu/reclaimable/reclaimabel}"; want 400 "queue unknown field"
apply /apis/scheduling.volcano.sh/v1beta1/queues/u-alice "$Q" "$Qu"; want 201 "queue"

# --- managers: conflict without force, take-over with force
apply "$RQURL" 'fieldManager=kubectl&fieldValidation=Strict' "${RQ/\"8\"/\"2\"}"; want 409 "conflict"
expect_in "$T/out" 'Apply failed with 1 conflict: conflict with \\"meduse\\": .spec.hard.requests.cpu'
get "$RQURL"
[ "$(jget 'o["spec"]["hard"]["requests.cpu"]')" = 16 ] || fail "conflicting apply was stored"
apply "$RQURL" 'fieldManager=kubectl&force=true&fieldValidation=Strict' "${RQ/\"8\"/\"2\"}"; want 200 "forced apply"
[ "$(jget 'o["spec"]["hard"]["requests.cpu"]')" = 2 ] || fail "forced apply not stored"

# --- dry run changes nothing
apply "$RQURL" "$Q&dryRun=All" "${RQ/32Gi/64Gi}"; want 200 "dry run"
[ "$(jget 'o["spec"]["hard"]["limits.memory"]')" = 64Gi ] || fail "dry run answer"
get "$RQURL"
[ "$(jget 'o["spec"]["hard"]["limits.memory"]')" = 32Gi ] || fail "dry run persisted"
apply /api/v1/namespaces/u-dry "$Q&dryRun=All" "${NS//u-alice/u-dry}"; want 201 "dry-run create"
get /api/v1/namespaces/u-dry; want 404 "dry-run create persisted"

# --- lists with label selectors, cluster-wide and per namespace
apply /api/v1/namespaces/u-bob "$Q" "${NS//u-alice/u-bob}"; want 201 "u-bob"
apply /api/v1/namespaces/u-bob/resourcequotas/quota "$Q" "${RQ//u-alice/u-bob}"; want 201 "bob quota"
apply /api/v1/namespaces/other "$Q" '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"other"}}'
get '/api/v1/namespaces?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmeduse'; want 200 "list"
[ "$(jget '" ".join(i["metadata"]["name"] for i in o["items"])')" = "u-alice u-bob" ] || fail "selector list"
[ -n "$(jget 'o["metadata"]["resourceVersion"]')" ] || fail "list resourceVersion"
get '/api/v1/namespaces?labelSelector=team'; want 200 "exists list"
[ "$(jget 'len(o["items"])')" = 2 ] || fail "existence selector"
get '/api/v1/namespaces?labelSelector=!team'; want 200 "not-exists list"
[ "$(jget '" ".join(i["metadata"]["name"] for i in o["items"])')" = other ] || fail "!team selector"
get '/api/v1/resourcequotas?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmeduse'
[ "$(jget 'len(o["items"])')" = 2 ] || fail "cluster-wide quota list"
get /api/v1/namespaces/u-bob/resourcequotas
[ "$(jget 'len(o["items"])')" = 1 ] || fail "per-namespace quota list"

# --- delete: a namespace takes its contents with it
kube_api -X DELETE /api/v1/namespaces/u-bob >"$T/resp"; [ "$(tail -n 1 "$T/resp")" = 200 ] || fail "delete ns"
get /api/v1/namespaces/u-bob/resourcequotas/quota; want 404 "quota of deleted namespace"
kube_api -X DELETE "$PVCURL" >"$T/resp"; [ "$(tail -n 1 "$T/resp")" = 200 ] || fail "delete pvc"
get "$PVCURL"; want 404 "deleted pvc"

# --- the audit records every request with its query, e.g. the apply options
kube_ctl /fake/audit >"$T/out"
[ "$(jget 'sum(1 for e in o if e["method"] == "PATCH")')" = "$napply" ] || fail "audit incomplete"
[ "$(jget 'sum(1 for e in o if e["method"] == "PATCH" and e["query"].get("fieldManager") == "kubectl" and e["code"] == 409)')" = 1 ] ||
	fail "audit lacks the conflict"

# --- faults
curl -sS -X DELETE "$KUBE_CONTROL/fake/stats" >/dev/null
kube_fault 500 '"count":1'
get /api/v1/namespaces; want 500 "fault 500"
expect_in "$T/out" '"reason": "InternalError"'
get /api/v1/namespaces; want 200 "after count=1 fault"
kube_fault 429 '"count":1,"retry_after":7'
kube_api -D "$T/hdr" /api/v1/namespaces >"$T/resp"
[ "$(tail -n 1 "$T/resp")" = 429 ] || fail "fault 429"
expect_in "$T/hdr" '^Retry-After: 7'
kube_fault down
expect_rc 35 kube_api /api/v1/namespaces
kube_fault none
get /api/v1/namespaces; want 200 "after fault cleared"
kube_fault slow '"count":1,"delay":1'
s=$(date +%s%N); get /api/v1/namespaces; want 200 "slow"
[ $(( ($(date +%s%N) - s) / 1000000 )) -ge 900 ] || fail "slow fault was not slow"
kube_ctl /fake/stats >"$T/out"
[ "$(jget 'o["list namespaces"]')" = 3 ] || fail "stats: $(cat "$T/out")"
[ "$(jget 'o["requests"]')" = 6 ] || fail "stats requests: $(cat "$T/out")"

# --- stops on SIGTERM
kill -TERM "$KUBE_FAKE_PID"
for _ in $(seq 1 50); do kill -0 "$KUBE_FAKE_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$KUBE_FAKE_PID" 2>/dev/null || fail "kube_fake ignored SIGTERM"
wait "$KUBE_FAKE_PID" || fail "kube_fake exited $? on SIGTERM"
echo "ok"
