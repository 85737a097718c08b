#!/usr/bin/env bash
# bench/reconcile.sh [OPTIONS] [BUILD]: what a reconcile pass costs, in time
# and in Kubernetes API requests, for N accounts.
#
# For each N, against a fresh strict fake API server (tests/fakes/kube_fake.py)
# and a fresh accountd (temp state dir and socket):
#   - N accounts are added with accountctl while accountd has no Kubernetes
#     configuration (so that each add costs no reconcile); accountd stops;
#   (1) accountd starts again with the fake's kubeconfig and
#       reconcile_interval 0: its start-up full pass applies every object of
#       every account.  Timed from the start of accountd until accountctl
#       status reports the pass finished (polled every 0.1 s);
#   (2) `accountctl sync` with nothing changed, timed by the caller;
#   (3) `accountctl sync` again after one object was edited behind
#       meduse's back (another field manager), which re-applies that one.
# API requests are the fake's own count (/fake/stats "requests", cleared
# before each step), checked against what accountd reports.  The goal
# (docs/explanation/performance.md): requests of an unchanged pass do not
# depend on N (one list per kind: 7 without Volcano).
#
# Options (defaults in brackets):
#   --accounts LIST  comma-separated account counts [1000,100]
#   BUILD            build dir with bin/ [build]; nothing is built here
#
# Runs as root (accountctl's admin check: root is always admin), on loopback
# only; needs /usr/bin/python3 with python3-kubernetes and python3-yaml (the
# fake), ssh-keygen and curl.  Everything it starts is stopped and its temp
# dir removed at exit; the run is killed after BENCH_TIMEOUT seconds (1800).
set -u
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
top=$(cd "$(dirname "$0")/.." && pwd)

counts=1000,100 build=build
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--accounts) counts=${2:?}; shift ;;
	-*) echo "bench/reconcile.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) build=$1 ;;
	esac
	shift
done
for v in ${counts//,/ }; do
	case "$v" in ''|*[!0-9]*|0) echo "bench/reconcile.sh: '$v' is not a count" >&2; exit 2 ;; esac
done
case "$build" in /*) ;; *) build="$top/$build" ;; esac

if [ -z "${MEDUSE_BENCH_TIMED:-}" ]; then
	exec timeout --foreground -k 10 "${BENCH_TIMEOUT:-1800}" \
	    env MEDUSE_BENCH_TIMED=1 "$0" --accounts "$counts" "$build"
fi

die() { echo "bench/reconcile.sh: $*" >&2; exit 1; }
note() { echo "$*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (accountctl's admin)"
for b in accountd accountctl; do
	[ -x "$build/bin/$b" ] || die "$build/bin/$b is missing: run make first"
done
/usr/bin/python3 -c 'import kubernetes, yaml' 2>/dev/null ||
	die "python3-kubernetes/python3-yaml missing (scripts/deps.sh)"
command -v ssh-keygen >/dev/null || die "no ssh-keygen (install openssh-client)"
command -v curl >/dev/null || die "no curl"

T=$(mktemp -d /run/meduse-bench-rc.XXXXXX) || die "mktemp"
chmod 0755 "$T"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# One run's files live in $R; its processes are FAKE_PID and ACCOUNTD_PID.
ctl() { "$build/bin/accountctl" -c "$R/meduse.yaml" "$@"; }

start_fake() {
	/usr/bin/python3 "$top/tests/fakes/kube_fake.py" --certs "$R/certs" \
	    --token bench-token --kubeconfig "$R/kubeconfig" \
	    --ready-file "$R/kube-ready" >>"$R/kube-fake.log" 2>&1 &
	FAKE_PID=$!
	pids+=("$FAKE_PID")
	for _ in $(seq 1 400); do
		[ -s "$R/kube-ready" ] && break
		kill -0 "$FAKE_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$R/kube-ready" ] || { cat "$R/kube-fake.log" >&2; die "kube_fake did not start"; }
	# shellcheck disable=SC1091
	. "$R/kube-ready"
}

start_accountd() {
	"$build/bin/accountd" -c "$R/meduse.yaml" >>"$R/accountd.log" 2>&1 &
	ACCOUNTD_PID=$!
	pids+=("$ACCOUNTD_PID")
	for _ in $(seq 1 200); do
		[ -S "$R/run/accountd.sock" ] && ctl list >/dev/null 2>&1 && return 0
		kill -0 "$ACCOUNTD_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$R/accountd.log" >&2
	die "accountd did not start"
}

stop_accountd() {
	kill "$ACCOUNTD_PID" 2>/dev/null
	wait "$ACCOUNTD_PID" 2>/dev/null
	return 0
}

clear_stats() { curl -sS -f -X DELETE "$KUBE_CONTROL/fake/stats" >/dev/null || die "fake stats"; }
fake_requests() {
	curl -sS -f "$KUBE_CONTROL/fake/stats" |
	    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("requests", 0))'
}

# The last full pass as "seconds calls applied pending failed", or nothing.
last_full() {
	ctl status "$1" --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
l = json.load(sys.stdin)["reconciler"].get("last_full")
if l:
    print(l["seconds"], l["calls"], l["applied"], l["pending"], l["failed"])'
}

# sync_step NAME: `accountctl sync`, timed; prints "seconds requests".
sync_step() {
	local t0 t1 n
	clear_stats
	t0=$(now)
	ctl sync --timeout 1800 >"$R/$1.out" 2>"$R/$1.err" ||
	    { cat "$R/$1.out" "$R/$1.err" >&2; die "accountctl sync ($1) failed"; }
	t1=$(now)
	n=$(fake_requests)
	grep -q "($n API requests)" "$R/$1.out" ||
	    { cat "$R/$1.out" >&2; die "$1: the fake served $n requests, accountd says otherwise"; }
	echo "$(secs "$t0" "$t1") $n"
}

# run N: sets ROW, one line of the table: "N first-s first-req unchanged-s
# unchanged-req one-edit-s one-edit-req".
run() {
	local n=$1 i name t0 t1 lf first unchanged edited
	R=$T/n$n
	mkdir -p "$R/state" "$R/run" "$R/keys"
	cat >"$R/meduse.yaml" <<YAML
state_dir: $R/state
accountd:
  socket: $R/run/accountd.sock
  admin_group: meduse-admin
  gateway_group: meduse
coder: {default_workspace: dev}
YAML
	start_fake
	note "N=$n: adding $n accounts (no Kubernetes configured) ..."
	start_accountd
	for i in $(seq -f %04g 0 $((n - 1))); do
		name=bench$i
		ssh-keygen -q -N '' -t ed25519 -C "$name@bench" -f "$R/keys/$name" </dev/null >/dev/null ||
		    die "ssh-keygen"
		ctl add "$name" --key "$R/keys/$name.pub" >/dev/null 2>"$R/add.err" ||
		    { cat "$R/add.err" >&2; die "accountctl add $name failed"; }
	done
	stop_accountd

	{
		echo "kubernetes:"
		echo "  kubeconfig: $R/kubeconfig"
		echo "  reconcile_interval: 0"
	} >>"$R/meduse.yaml"
	note "N=$n: first full pass (accountd start) ..."
	clear_stats
	t0=$(now)
	start_accountd
	lf=
	while [ -z "$lf" ]; do
		sleep 0.1
		kill -0 "$ACCOUNTD_PID" 2>/dev/null || { cat "$R/accountd.log" >&2; die "accountd died"; }
		lf=$(last_full bench0000)
	done
	t1=$(now)
	# shellcheck disable=SC2086
	set -- $lf
	if [ "$4" != 0 ] || [ "$5" != 0 ]; then
		die "N=$n: first pass left $4 pending, $5 failed"
	fi
	[ "$3" = $((7 * n)) ] || die "N=$n: first pass applied $3, not $((7 * n))"
	[ "$(fake_requests)" = "$2" ] || die "N=$n: the fake and accountd disagree on requests"
	first="$(secs "$t0" "$t1") $2"

	note "N=$n: unchanged pass ..."
	unchanged=$(sync_step unchanged)
	grep -q "0 applied, $((7 * n)) unchanged" "$R/unchanged.out" ||
	    { cat "$R/unchanged.out" >&2; die "N=$n: the unchanged pass changed something"; }

	note "N=$n: one object edited by hand, then a pass ..."
	curl -sS -f --cacert "$R/certs/ca.crt" -H "Authorization: Bearer bench-token" \
	    -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
	    --data-binary '{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"meduse-quota","namespace":"u-bench0000"},"spec":{"hard":{"requests.cpu":"99"}}}' \
	    "$KUBE_URL/api/v1/namespaces/u-bench0000/resourcequotas/meduse-quota?fieldManager=kubectl&force=true" \
	    >/dev/null || die "could not edit the quota by hand"
	edited=$(sync_step edited)
	grep -q "1 applied, $((7 * n - 1)) unchanged" "$R/edited.out" ||
	    { cat "$R/edited.out" >&2; die "N=$n: the pass after one edit did not re-apply just it"; }

	stop_accountd
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	ROW="$n $first $unchanged $edited"
}

rows=()
for n in ${counts//,/ }; do
	run "$n"
	rows+=("$ROW")
done

echo
echo "| accounts | objects | first full pass | requests | unchanged pass | requests | one object edited | requests |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${rows[@]}"; do
	# shellcheck disable=SC2086
	set -- $r
	echo "| $1 | $((7 * $1)) | $2 s | $3 | $4 s | $5 | $6 s | $7 |"
done
echo
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(uname -sr)"
