# shellcheck shell=bash disable=SC2034  # the KUBE_* variables are for callers
# Helpers to run the strict fake Kubernetes API (tests/fakes/kube_fake.py)
# from an integration test (sourced after tests/integration/lib.sh).
#
#   start_kube_fake [ARGS...]  starts it on 127.0.0.1 (any free ports) with a
#       fresh test CA in $T/kube-certs and the token in $KUBE_TOKEN (default
#       "test-token"); sets KUBE_URL, KUBE_CONTROL, KUBE_CA, KUBECONFIG_FILE
#       ($T/kubeconfig) and KUBE_FAKE_PID.  Its log is $T/kube-fake.log.
#   kube_fault MODE [JSON-EXTRA]   e.g. kube_fault 429 '"count":2,"retry_after":1'
#   kube_ctl PATH                  GET a control path (/fake/stats, /fake/audit ...)
#   kube_api [CURL ARGS...] URL-PATH  an authenticated curl to the API
#       (prints the body, then the HTTP status on the last line)

KUBE_FAKE=$TOP/tests/fakes/kube_fake.py
: "${KUBE_TOKEN:=test-token}"

start_kube_fake() {
	if ! /usr/bin/python3 -c 'import kubernetes, yaml' 2>/dev/null; then
		skip "python3-kubernetes/python3-yaml missing (run scripts/deps.sh)"
	fi
	rm -f "$T/kube-ready"
	/usr/bin/python3 "$KUBE_FAKE" --certs "$T/kube-certs" --token "$KUBE_TOKEN" \
		--kubeconfig "$T/kubeconfig" --ready-file "$T/kube-ready" "$@" \
		>>"$T/kube-fake.log" 2>&1 &
	KUBE_FAKE_PID=$!
	_pids+=("$KUBE_FAKE_PID")
	for _ in $(seq 1 200); do
		[ -s "$T/kube-ready" ] && break
		kill -0 "$KUBE_FAKE_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$T/kube-ready" ] || { cat "$T/kube-fake.log" >&2; fail "kube_fake did not start"; }
	# shellcheck disable=SC1091
	. "$T/kube-ready"
	KUBE_CA=$T/kube-certs/ca.crt
	KUBECONFIG_FILE=$T/kubeconfig
}

kube_fault() {
	local mode=$1 extra=${2:-}
	curl -sS -f -X POST "$KUBE_CONTROL/fake/fault" \
		-d "{\"mode\":\"$mode\"${extra:+,$extra}}" >/dev/null || fail "kube_fault $mode"
}

kube_ctl() {
	curl -sS -f "$KUBE_CONTROL$1" || fail "kube_ctl $1"
}

kube_api() {
	local n=$#
	local path=${!n}
	curl -sS --cacert "$KUBE_CA" -H "Authorization: Bearer $KUBE_TOKEN" \
		-w '\n%{http_code}\n' "${@:1:n-1}" "$KUBE_URL$path"
}

# kube_accountd [YAML...]: starts the fake, then accountd with its kubeconfig
# ($KUBECONFIG_FILE) and the extra kubernetes: lines given (e.g.
# "reconcile_interval: 0"), the fake's stats cleared.
kube_accountd() {
	local line
	start_kube_fake
	{
		echo "kubernetes:"
		echo "  kubeconfig: $KUBECONFIG_FILE"
		echo "  ingress_namespaces: [meduse, coder]"
		for line in "$@"; do echo "  $line"; done
	} >>"$CONF"
	start_accountd
}

# kube_objects: "resource/namespace/name" of every object in the fake, sorted.
kube_objects() {
	kube_ctl /fake/objects | /usr/bin/python3 -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin))))'
}

# kube_obj KEY EXPR: evaluates the Python EXPR on object KEY ("o"), prints it.
kube_obj() {
	kube_ctl /fake/objects | /usr/bin/python3 -c '
import json, sys
o = json.load(sys.stdin).get(sys.argv[1])
print(eval(sys.argv[2]))' "$1" "$2"
}

# kube_calls: API requests the fake has served since its stats were cleared.
kube_calls() {
	kube_ctl /fake/stats | /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin); print(s.get("requests", sum(v for v in s.values() if isinstance(v, int))))'
}
