#!/usr/bin/env bash
# The shipped Coder template (scripts/deploy/coder) gives meduse what it
# relies on.  Terraform is not in Debian, so main.tf is read with
# python3-pyhcl and its Deployment rendered (tests/fakes/render_template.py)
# with the parameter values accountd sends, then applied to the strict fake
# Kubernetes API with fieldValidation=Strict: the names, types and
# quantities must be the real API's.  The pod it would make must be found by
# the resolver's label selectors.  The sshd configuration the container
# writes (start.sh) runs in a real OpenSSH sshd: the gateway key logs in,
# passwords and other keys do not, and MinIO variables reach the session.
# The Secret meduse-minio gives the AWS_* variables (AWS_DEFAULT_REGION too)
# and, optionally, DVC's system config at /etc/xdg/dvc/config.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"

TPL=$TOP/scripts/deploy/coder
RENDER=$TOP/tests/fakes/render_template.py
/usr/bin/python3 -c 'import hcl' 2>/dev/null ||
	skip "python3-pyhcl missing (run scripts/deps.sh)"
/usr/bin/python3 -c 'import platformdirs' 2>/dev/null ||
	skip "python3-platformdirs missing (run scripts/deps.sh)"
for f in main.tf start.sh README.md; do
	[ -f "$TPL/$f" ] || fail "scripts/deploy/coder/$f is missing"
done

WSID=0b7ac9c4-3e4f-4f4b-9a43-6a5d9e0e3c11
OWNER=5c3f3b62-1d9a-4a7e-8d4e-2f0c9c1b7a55
render() {	# render OUT NAME=VALUE...: the Deployment as JSON into OUT
	local out=$1
	shift
	/usr/bin/python3 "$RENDER" "$TPL/main.tf" deployment workspace_id=$WSID \
		workspace_name=dev owner_id=$OWNER owner_name=alice "$@" >"$out" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "cannot render main.tf"; }
}
pyj() {	# pyj FILE PY-EXPR: prints EXPR with d = the JSON in FILE
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
want_eq() {	# want_eq GOT EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# --- the parameters: exactly those accountd sends, with fitting types
/usr/bin/python3 "$RENDER" "$TPL/main.tf" params >"$T/params.json" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "cannot read the parameters of main.tf"; }
# The names accountd sends, read from its source (kdesired_coder_params()).
/usr/bin/python3 - "$TOP/accountd/kdesired.c" >"$T/sent" <<'PY' || fail "cannot read kdesired_coder_params()"
import re, sys
src = open(sys.argv[1]).read()
body = src[src.index("\nkdesired_coder_params("):]
body = body[:body.index("\n}\n")]
print(" ".join(sorted(re.findall(r'"name", "([a-z_]+)"', body))))
PY
want_eq "$(pyj "$T/params.json" '" ".join(sorted(d))')" "$(cat "$T/sent")" \
	"parameters of main.tf vs accountd's"
want_eq "$(cat "$T/sent")" "cpu gpu home_pvc memory namespace" "accountd's parameters"
want_eq "$(pyj "$T/params.json" '" ".join(d[k]["type"] for k in sorted(d))')" \
	"string number string string string" "parameter types"
want_eq "$(pyj "$T/params.json" '" ".join(str(d[k]["mutable"]) for k in sorted(d))')" \
	"True True False True False" "mutable (cpu gpu home_pvc memory namespace)"
# The validations accept what accountd sends and refuse what Kubernetes would.
/usr/bin/python3 - "$T/params.json" <<'PY' || fail "parameter validation"
import json, re, sys
d = json.load(open(sys.argv[1]))
cases = {"cpu": (["4", "1500m", "0.5", "16"], ["4 cores", "1.5 m", "", "-1"]),
         "memory": (["32Gi", "512Mi", "1G", "1073741824"], ["32GB", "32 Gi", "Gi", ""]),
         "namespace": (["u-alice", "u-bob2"], ["U-Alice", "u_alice", "-u", ""])}
for name, (good, bad) in cases.items():
    rx = d[name]["validation"]["regex"]
    for v in good:
        if not re.search(rx, v):
            sys.exit("%s: %r refused by %s" % (name, v, rx))
    for v in bad:
        if re.search(rx, v):
            sys.exit("%s: %r accepted by %s" % (name, v, rx))
g = d["gpu"]["validation"]
if g["min"] != 0:
    sys.exit("gpu: min %r, want 0" % g["min"])
PY

# --- the Deployment, with what accountd sends for alice
render "$T/dep.json" namespace=u-alice cpu=1500m memory=32Gi gpu=2 home_pvc=home
D='d["spec"]["template"]'
C='d["spec"]["template"]["spec"]["containers"][0]'
want_eq "$(pyj "$T/dep.json" 'd["metadata"]["namespace"]')" u-alice "namespace"
want_eq "$(pyj "$T/dep.json" 'd["metadata"]["name"]')" "coder-$WSID" "name"
# The labels the resolver selects on (accountd/route_job.c), on the pod.
for l in app.kubernetes.io/name=coder-workspace com.coder.workspace.id=$WSID \
	com.coder.workspace.name=dev com.coder.user.id=$OWNER \
	com.coder.user.username=alice com.coder.resource=true; do
	want_eq "$(pyj "$T/dep.json" "${D}[\"metadata\"][\"labels\"].get(\"${l%%=*}\")")" \
		"${l#*=}" "pod label ${l%%=*}"
done
# meduse's reconciler owns what is labelled managed-by=meduse: not this.
want_eq "$(pyj "$T/dep.json" "'app.kubernetes.io/managed-by' in str(d)")" False \
	"managed-by label"
want_eq "$(pyj "$T/dep.json" "all(${D}['metadata']['labels'].get(k) == v for k, v in d['spec']['selector']['matchLabels'].items())")" \
	True "selector matches the pod labels"
want_eq "$(pyj "$T/dep.json" "${C}['resources']")" \
	"{'limits': {'cpu': '1500m', 'memory': '32Gi', 'nvidia.com/gpu': '2'}, 'requests': {'cpu': '1500m', 'memory': '32Gi', 'nvidia.com/gpu': '2'}}" \
	"resources"
want_eq "$(pyj "$T/dep.json" "[(m['name'], m['mountPath'], m['readOnly']) for m in ${C}['volumeMounts']]")" \
	"[('home', '/home/alice', False), ('meduse-ssh', '/etc/meduse-ssh', True), ('meduse-minio', '/etc/xdg/dvc', True)]" "mounts"
want_eq "$(pyj "$T/dep.json" "[(v['name'], v.get('persistentVolumeClaim', v.get('secret'))) for v in ${D}['spec']['volumes']]")" \
	"[('home', {'claimName': 'home', 'readOnly': False}), ('meduse-ssh', {'defaultMode': 292, 'items': [{'key': 'authorized_keys', 'path': 'authorized_keys'}], 'secretName': 'meduse-ssh'}), ('meduse-minio', {'defaultMode': 292, 'items': [{'key': 'dvc-config', 'path': 'config'}], 'optional': True, 'secretName': 'meduse-minio'})]" \
	"volumes"
# DVC reads its system level from platformdirs.site_config_dir("dvc",
# "iterative") + "/config" (DVC is not in Debian; platformdirs is); no
# DVC_* variable (DVC_SYSTEM_CONFIG_DIR is also read for the global level
# by some DVC versions).
want_eq "$(env -u XDG_CONFIG_DIRS /usr/bin/python3 -c 'import platformdirs; print(platformdirs.site_config_dir("dvc", "iterative"))')" \
	/etc/xdg/dvc "DVC's system config directory"
want_eq "$(pyj "$T/dep.json" "[e['name'] for e in ${C}['env'] if e['name'].startswith('DVC')]")" \
	"[]" "no DVC_* variable"
want_eq "$(pyj "$T/dep.json" "[(p['containerPort'], p['protocol']) for p in ${C}['ports']]")" \
	"[(22, 'TCP')]" "container port"
want_eq "$(pyj "$T/dep.json" "${C}['readinessProbe']['tcpSocket']")" "{'port': 22}" "readiness probe"
want_eq "$(pyj "$T/dep.json" "${C}['securityContext']")" "{'runAsUser': 0}" "runs as root (sshd)"
want_eq "$(pyj "$T/dep.json" "[e['name'] for e in ${C}['env'] if 'valueFrom' in e]")" \
	"['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL', 'MLFLOW_S3_ENDPOINT_URL', 'AWS_DEFAULT_REGION']" \
	"variables from Secrets"
for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL MLFLOW_S3_ENDPOINT_URL AWS_DEFAULT_REGION; do
	want_eq "$(pyj "$T/dep.json" "[e['valueFrom']['secretKeyRef'] for e in ${C}['env'] if e['name'] == '$v']")" \
		"[{'key': '$v', 'name': 'meduse-minio', 'optional': True}]" "env $v"
done
want_eq "$(pyj "$T/dep.json" "[e['value'] for e in ${C}['env'] if e['name'] == 'MEDUSE_USER']")" \
	"['alice']" "env MEDUSE_USER"
want_eq "$(pyj "$T/dep.json" "${C}['command'][:2] + [${C}['command'][2] == open('$TPL/start.sh').read()]")" \
	"['/bin/bash', '-c', True]" "command runs start.sh"
want_eq "$(pyj "$T/dep.json" "${D}['spec']['tolerations']")" \
	"[{'effect': 'NoSchedule', 'key': 'nvidia.com/gpu', 'operator': 'Exists'}]" "GPU toleration"

# --- the strict fake accepts it
# shellcheck disable=SC2119  # no extra arguments
start_kube_fake
Q='fieldManager=coder-terraform&force=true&fieldValidation=Strict'
apply() {	# apply PATH FILE: server-side apply; body in $T/out, code in $code
	kube_api -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
		--data-binary "@$2" "$1?$Q" >"$T/resp" || fail "curl failed: $1"
	code=$(tail -n 1 "$T/resp")
	sed '$d' "$T/resp" >"$T/out"
}
echo '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"u-alice"}}' >"$T/ns.json"
apply /api/v1/namespaces/u-alice "$T/ns.json"
want_eq "$code" 201 "namespace create"
DEP=/apis/apps/v1/namespaces/u-alice/deployments/coder-$WSID
apply "$DEP" "$T/dep.json"
[ "$code" = 201 ] || { cat "$T/out" >&2; fail "Deployment refused: HTTP $code"; }
expect_has "$T/out" "\"com.coder.workspace.id\": \"$WSID\""
kube_api "$DEP" >"$T/resp"
want_eq "$(tail -n 1 "$T/resp")" 200 "Deployment get"
# Strict means strict for this kind too: a misspelt field is refused.
pyj "$T/dep.json" "json.dumps(dict(d, spec=dict(d['spec'], template=dict($D, spec=dict(${D}['spec'], containers=[dict($C, readinesProbe={})])))))" >"$T/bad.json"
apply "$DEP" "$T/bad.json"
want_eq "$code" 400 "misspelt field"
expect_has "$T/out" 'readinesProbe: field not declared in schema'
# ... and in a Secret volume (where the optional flag lives).
pyj "$T/dep.json" "json.dumps(dict(d, spec=dict(d['spec'], template=dict($D, spec=dict(${D}['spec'], volumes=${D}['spec']['volumes'][:2] + [{'name': 'meduse-minio', 'secret': {'secretName': 'meduse-minio', 'optinal': True}}])))))" >"$T/bad.json"
apply "$DEP" "$T/bad.json"
want_eq "$code" 400 "misspelt optional"
expect_has "$T/out" 'optinal: field not declared in schema'
# A quantity the API refuses (what a bad parameter would give).
render "$T/badq.json" namespace=u-alice cpu=1500m memory=32GB gpu=2 home_pvc=home
apply "$DEP" "$T/badq.json"
want_eq "$code" 400 "memory 32GB"
expect_has "$T/out" 'quantities must match'

# No GPU: no toleration, no node selector, and still valid.
render "$T/dep0.json" namespace=u-alice cpu=4 memory=8Gi gpu=0 home_pvc=home \
	'var.gpu_node_selector={"nvidia.com/gpu.present": "true"}'
want_eq "$(pyj "$T/dep0.json" "'tolerations' in ${D}['spec'] or 'nodeSelector' in ${D}['spec']")" \
	False "no GPU: toleration or node selector"
want_eq "$(pyj "$T/dep0.json" "${C}['resources']['limits']['nvidia.com/gpu']")" 0 "no GPU: limit"
apply "$DEP" "$T/dep0.json"
want_eq "$code" 200 "Deployment update (no GPU)"

# --- the pod it makes is the one the resolver finds
pyj "$T/dep.json" "json.dumps({'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'coder-$WSID-5d8f7c9b4-x2x7q', 'namespace': 'u-alice', 'labels': dict(${D}['metadata']['labels'], **{'pod-template-hash': '5d8f7c9b4'})}, 'spec': ${D}['spec'], 'status': {'phase': 'Running', 'podIP': '10.1.2.3', 'conditions': [{'type': 'Ready', 'status': 'True'}]}})" >"$T/pod.json"
curl -sS -o "$T/out" -w '%{http_code}' -X POST --data-binary "@$T/pod.json" \
	"$KUBE_CONTROL/fake/pods" >"$T/code" || fail "POST /fake/pods"
[ "$(cat "$T/code")" = 201 ] || { cat "$T/out" >&2; fail "the pod template is not a valid V1Pod spec"; }
for sel in "com.coder.workspace.id=$WSID" "com.coder.user.username=alice,com.coder.workspace.name=dev"; do
	kube_api -G --data-urlencode "labelSelector=$sel" /api/v1/namespaces/u-alice/pods >"$T/resp"
	sed '$d' "$T/resp" >"$T/out"
	want_eq "$(pyj "$T/out" '[(p["metadata"]["name"], p["status"]["podIP"]) for p in d["items"]]')" \
		"[('coder-$WSID-5d8f7c9b4-x2x7q', '10.1.2.3')]" "pods selected by $sel"
done

# --- start.sh: the sshd it runs trusts the gateway key only
bash -n "$TPL/start.sh" || fail "start.sh: syntax"
if command -v shellcheck >/dev/null; then
	shellcheck -s bash "$TPL/start.sh" >&2 || fail "start.sh: shellcheck"
fi
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip "no $SSHD (install openssh-server)"
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd || fail "cannot create /run/sshd"
mkkey gw
mkkey other
# As the Secret volume holds it: a read-only file (defaultMode 0444).
install -m 0444 "$T/keys/gw.pub" "$T/authorized_keys"
ADDR=127.0.1.21
start_sshd() {
	for _ in 1 2 3 4 5; do
		PORT=$((20000 + RANDOM % 10000))
		MEDUSE_USER=alice MEDUSE_SSH_PORT=$PORT MEDUSE_SSHD_DIR=$T/sshd \
			MEDUSE_AUTHORIZED_KEYS=$T/authorized_keys \
			AWS_ENDPOINT_URL=http://minio.example:9000 AWS_ACCESS_KEY_ID=AKIDEXAMPLE \
			AWS_SECRET_ACCESS_KEY='se"cret' AWS_DEFAULT_REGION=eu-lab-1 \
			MLFLOW_S3_ENDPOINT_URL=http://minio.example:9000 \
			bash "$TPL/start.sh" --sshd-config 2>"$T/start.err" || fail "start.sh --sshd-config"
		[ -f "$T/sshd/ssh_host_ed25519_key" ] ||
			ssh-keygen -q -N '' -t ed25519 -f "$T/sshd/ssh_host_ed25519_key" </dev/null
		"$SSHD" -t -f "$T/sshd/sshd_config" -o "ListenAddress=$ADDR" 2>"$T/err" ||
			{ cat "$T/err" >&2; fail "sshd -t refuses start.sh's config"; }
		"$SSHD" -D -e -f "$T/sshd/sshd_config" -o "ListenAddress=$ADDR" >>"$T/sshd.log" 2>&1 &
		SSHD_PID=$!
		_pids+=("$SSHD_PID")
		wait_listening "$SSHD_PID" "$ADDR" "$PORT" && return 0
	done
	cat "$T/sshd.log" >&2
	fail "sshd did not start on $ADDR"
}
start_sshd
expect_has "$T/start.err" 'AWS_SECRET_ACCESS_KEY has a quote'
want_eq "$(stat -c %a "$T/sshd/sshd_config")" 600 "sshd_config mode"
wssh() {	# wssh KEY USER [SSH-OPTS...] -- CMD...
	local key=$1 user=$2
	shift 2
	timeout 30 ssh -F none -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=10 -i "$T/keys/$key" -p "$PORT" \
		-l "$user" "$@"
}
# shellcheck disable=SC2016  # expanded in the workspace
expect_rc 0 wssh gw alice "$ADDR" 'echo "user=$(id -un) s3=$AWS_ENDPOINT_URL id=$AWS_ACCESS_KEY_ID secret=${AWS_SECRET_ACCESS_KEY-unset} region=${AWS_DEFAULT_REGION-unset} mlflow=${MLFLOW_S3_ENDPOINT_URL-unset}"'
expect_has "$T/out" "user=alice s3=http://minio.example:9000 id=AKIDEXAMPLE secret=unset region=eu-lab-1 mlflow=http://minio.example:9000"
expect_rc 255 wssh other alice "$ADDR" true
expect_in "$T/err" 'Permission denied \(publickey\)'
expect_rc 255 wssh gw bob "$ADDR" true
expect_in "$T/err" 'Permission denied \(publickey\)'
# Only publickey is offered: no password or keyboard-interactive prompt.
expect_rc 255 wssh gw alice -o PubkeyAuthentication=no \
	-o PreferredAuthentications=password,keyboard-interactive "$ADDR" true
expect_in "$T/err" 'Permission denied \(publickey\)\.'
# A new gateway key in the Secret is used at the next login, no restart.
install -m 0444 "$T/keys/other.pub" "$T/authorized_keys"
expect_rc 0 wssh other alice "$ADDR" true
expect_rc 255 wssh gw alice "$ADDR" true
echo "ok"
