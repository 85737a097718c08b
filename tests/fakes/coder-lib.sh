# shellcheck shell=bash disable=SC2034  # the CODER_* variables are for callers
# Helpers to run the strict fake Coder API (tests/fakes/coder_fake.py) from an
# integration test (sourced after tests/integration/lib.sh and, for workspace
# pods, tests/fakes/kube-lib.sh).
#
#   start_coder_fake [ARGS...]  starts it on 127.0.0.1 (any free ports) with a
#       fresh session token in $CODER_TOKEN, also written to $T/coder-token
#       (mode 0600); passes --kube-control "$KUBE_CONTROL" when the Kubernetes
#       fake runs.  Sets CODER_URL, CODER_CONTROL, CODER_FAKE_PID.  Its log is
#       $T/coder-fake.log.  ARGS go to coder_fake.py (e.g. --build-delay 0.2).
#   coder_ctl PATH                  GET a control path (/fake/state, /fake/usage ...)
#   coder_post PATH JSON            POST JSON to a control path (fails the test on error)
#   coder_fault WORKSPACE MODE [JSON-EXTRA]
#       a fault for the next build of OWNER/NAME: fail|hang|agent-timeout|no-pod|none,
#       e.g. coder_fault alice/dev fail '"message":"quota exceeded"'
#   coder_api_fault MODE [JSON-EXTRA]   down|500|slow|none for the whole API
#   coder_api [CURL ARGS...] URL-PATH  an authenticated curl to the API
#       (prints the body, then the HTTP status on the last line)
#   coder_ws OWNER/NAME PY-EXPR      evaluates EXPR on the workspace's control
#       state ("w": status, agent, pod, builds, params ...) and prints it

CODER_FAKE=$TOP/tests/fakes/coder_fake.py

start_coder_fake() {
	local kube=()
	[ -n "${KUBE_CONTROL:-}" ] && kube=(--kube-control "$KUBE_CONTROL")
	# Coder session tokens are ID-SECRET: 10 and 22 alphanumerics.
	CODER_TOKEN=$(LC_ALL=C tr -dc 'a-zA-Z0-9' </dev/urandom | head -c 32)
	CODER_TOKEN=${CODER_TOKEN:0:10}-${CODER_TOKEN:10:22}
	(umask 077; printf '%s\n' "$CODER_TOKEN" >"$T/coder-token")
	rm -f "$T/coder-ready"
	/usr/bin/python3 "$CODER_FAKE" --token-file "$T/coder-token" \
		--ready-file "$T/coder-ready" "${kube[@]}" "$@" >>"$T/coder-fake.log" 2>&1 &
	CODER_FAKE_PID=$!
	_pids+=("$CODER_FAKE_PID")
	for _ in $(seq 1 200); do
		[ -s "$T/coder-ready" ] && break
		kill -0 "$CODER_FAKE_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$T/coder-ready" ] || { cat "$T/coder-fake.log" >&2; fail "coder_fake did not start"; }
	# shellcheck disable=SC1091
	. "$T/coder-ready"
}

coder_ctl() {
	curl -sS -f "$CODER_CONTROL$1" || fail "coder_ctl $1"
}

coder_post() {
	curl -sS -f -X POST "$CODER_CONTROL$1" -d "$2" >/dev/null || fail "coder_post $1 $2"
}

coder_fault() {
	local ws=$1 mode=$2 extra=${3:-}
	coder_post /fake/fault "{\"workspace\":\"$ws\",\"mode\":\"$mode\"${extra:+,$extra}}"
}

coder_api_fault() {
	local mode=$1 extra=${2:-}
	coder_post /fake/fault "{\"mode\":\"$mode\"${extra:+,$extra}}"
}

coder_api() {
	local n=$#
	local path=${!n}
	curl -sS -H "Coder-Session-Token: $CODER_TOKEN" -w '\n%{http_code}\n' \
		"${@:1:n-1}" "$CODER_URL$path"
}

coder_ws() {
	coder_ctl /fake/state | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
owner, name = sys.argv[1].split("/", 1)
w = [w for w in s["workspaces"] if w["owner"] == owner and w["name"] == name and not w["deleted"]]
w = w[0] if w else None
print(eval(sys.argv[2]))' "$1" "$2"
}

# coder_accountd [YAML...]: the Kubernetes fake, the Coder fake (template
# "meduse" declaring the shipped template's parameters) and accountd with
# both configured, plus the extra kubernetes: lines given.
coder_accountd() {
	local line
	start_kube_fake
	start_coder_fake --template meduse --template-params \
		namespace,cpu,memory,gpu,home_pvc --build-delay 0.1
	sed -i '/^coder:/d' "$CONF"
	{
		echo "kubernetes:"
		echo "  kubeconfig: $KUBECONFIG_FILE"
		for line in "$@"; do echo "  $line"; done
		echo "coder:"
		echo "  url: $CODER_URL"
		echo "  token_file: $T/coder-token"
		echo "  template: meduse"
		echo "  default_workspace: dev"
	} >>"$CONF"
	start_accountd
}

# coder_users: the fake's usernames, one a line, sorted.
coder_users() {
	coder_ctl /fake/state | /usr/bin/python3 -c 'import json,sys; print("\n".join(sorted(u["username"] for u in json.load(sys.stdin)["users"])))'
}

# coder_gw_setup [CODER-FAKE-ARGS...]: the gateway in front of alice's Coder
# workspace, every part real but Coder and Kubernetes (sourced after
# gw-lib.sh): both fakes (workspace pods at $UP_ADDR, where the upstream
# sshd runs), accountd with route.resolver coder, account alice (whose
# default workspace dev Coder starts when it is made), meduse-sshd.  Extra
# lines for the coder: section go in the array CODER_YAML; CODER_RESOLVER
# (default coder) is route.resolver.
coder_gw_setup() {
	local line
	start_kube_fake
	start_coder_fake --template meduse --template-params \
		namespace,cpu,memory,gpu,home_pvc --pod-ip "$UP_ADDR" "$@"
	gw_upstream_start
	sed -i '/^coder:/d' "$CONF"
	{
		echo "kubernetes:"
		echo "  kubeconfig: $KUBECONFIG_FILE"
		echo "  reconcile_interval: 0"
		echo "  workspace_port: $UP_PORT"
		echo "coder:"
		echo "  url: $CODER_URL"
		echo "  token_file: $T/coder-token"
		echo "  template: meduse"
		echo "  default_workspace: dev"
		case " ${CODER_YAML[*]} " in *" start_timeout:"*) ;; *) echo "  start_timeout: 20s" ;; esac
		for line in "${CODER_YAML[@]}"; do echo "  $line"; done
	} >>"$CONF"
	cp "$CONF" "$T/meduse.base.yaml"
	GW_ROUTE=("resolver: ${CODER_RESOLVER:-coder}")
	GW_PORT=22
	gw_conf
	start_accountd
	mkkey alice
	ctl add alice --key "$T/keys/alice.pub" >/dev/null 2>&1 || fail "accountctl add alice"
	ctl show alice --json | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["gateway_public_key"])' >"$T/up_authorized_keys" ||
		fail "no gateway key"
	gw_start
}
CODER_YAML=()
