#!/usr/bin/env bash
# bench/keys.sh [BUILD [LOOKUPS [LOGINS]]]: the cost of key lookup at login.
#
# With 10,000 ed25519 keys registered in accountd (the measured user's key
# registered last), it measures, in one run on this machine:
#   (a) one meduse-authorized-keys lookup, spawned as the gateway user the way
#       sshd spawns it, in both forms (%u %t %k and %u %f): median, p90, p99
#       and max over LOOKUPS runs (1000) each;
#   (b) the wall time of a real `ssh alice@... true` through a real OpenSSH
#       sshd whose keys come from meduse-authorized-keys (both forms),
#       against the same sshd reading a 10,000-line authorized_keys file with
#       the same key last, LOGINS logins each (50), in turn.
#
# Runs as root, only on loopback (127.0.1.11), inside a private mount
# namespace with the test users of tests/integration/users.sh; every process
# it starts is stopped and its temp dir removed at exit.  Bounded: each
# login has a timeout, and the whole run is killed after BENCH_TIMEOUT
# seconds (900).  Results are printed as a table; see
# docs/explanation/performance.md for figures and how to read them.
set -u
case "${1:-}" in -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
lookups=${2:-1000}
logins=${3:-50}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
nkeys=10000
addr=127.0.1.11

if [ -z "${MEDUSE_BENCH_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/keys.sh needs root (private mount namespace, sshd)" >&2; exit 1; }
	exec timeout --foreground -k 10 "${BENCH_TIMEOUT:-900}" unshare --mount \
	    --propagation private env MEDUSE_BENCH_IN_NS=1 "$0" "$build" \
	    "$lookups" "$logins"
fi

die() { echo "bench/keys.sh: $*" >&2; exit 1; }

for b in accountd accountctl meduse-authorized-keys; do
	[ -x "$build/bin/$b" ] || die "$build/bin/$b is missing: run make first"
done
[ -x /usr/sbin/sshd ] || die "no /usr/sbin/sshd (install openssh-server)"
/usr/bin/python3 -c 'import cryptography' 2>/dev/null ||
	die "/usr/bin/python3 with the cryptography module is needed (apt-get install python3-cryptography)"

# shellcheck source=../tests/integration/users.sh
. "$top/tests/integration/users.sh"
T=$(mktemp -d /run/meduse-bench.XXXXXX) || die "mktemp"
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
mkdir -p "$T/etc" "$T/state" "$T/run" "$T/keys"
users_install "$T/etc" || die "cannot install the test users"
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd || die "cannot create /run/sshd"

CONF=$T/meduse.yaml
cat >"$CONF" <<YAML
state_dir: $T/state
accountd:
  socket: $T/run/accountd.sock
  admin_group: $TEST_ADMIN_GROUP
  gateway_group: $TEST_GATEWAY_GROUP
YAML
chmod 0644 "$CONF"
ctl() { "$build/bin/accountctl" -c "$CONF" "$@"; }

"$build/bin/accountd" -c "$CONF" >"$T/accountd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	ctl list >/dev/null 2>&1 && break
	sleep 0.05
done
ctl list >/dev/null 2>&1 || { cat "$T/accountd.log" >&2; die "accountd did not start"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)

# --- keys ----------------------------------------------------------------
# ssh-keygen takes ~5 ms a key; the cryptography module makes 10,000 in
# about a second.  Filler keys go 1000 to an account (accountd's limit for
# one request); alice's key, made by ssh-keygen, is registered last.
echo "generating $((nkeys - 1)) filler keys..." >&2
/usr/bin/python3 - "$T/keys" "$((nkeys - 1))" <<'PY' || die "key generation failed"
import base64, struct, sys
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization
out, n = sys.argv[1], int(sys.argv[2])
def s(b): return struct.pack(">I", len(b)) + b
files = {}
for i in range(n):
    pk = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    blob = base64.b64encode(s(b"ssh-ed25519") + s(pk)).decode()
    acct = i // 1000
    if acct not in files:
        files[acct] = open("%s/filler%02d.pub" % (out, acct), "w")
    files[acct].write("ssh-ed25519 %s bench-%d\n" % (blob, i))
for f in files.values():
    f.close()
PY
ssh-keygen -q -N '' -t ed25519 -C alice@bench -f "$T/keys/alice" </dev/null || die "ssh-keygen"
ssh-keygen -q -N '' -t ed25519 -f "$T/host_key" </dev/null || die "ssh-keygen"

echo "registering $nkeys keys..." >&2
reg_start=$(date +%s%N)
for f in "$T"/keys/filler*.pub; do
	n=$(basename "$f" .pub)
	ctl add "bench-${n#filler}" --key "$f" >/dev/null || die "accountctl add with $f"
done
ctl add alice --key "$T/keys/alice.pub" >/dev/null || die "accountctl add alice"
reg_ms=$(( ($(date +%s%N) - reg_start) / 1000000 ))
# The same keys, in the same order, as one authorized_keys file.
cat "$T"/keys/filler*.pub "$T/keys/alice.pub" >"$T/authorized_keys"
chmod 0644 "$T/authorized_keys"
[ "$(wc -l <"$T/authorized_keys")" -eq "$nkeys" ] || die "authorized_keys is not $nkeys lines"
fp=$(ssh-keygen -lf "$T/keys/alice.pub" | awk '{print $2}')

# sshd wants the helper and its parents root-owned, not group/world-writable.
install -m 0755 -o root -g root "$build/bin/meduse-authorized-keys" "$T/meduse-authorized-keys"

# --- (a) lookup latency -------------------------------------------------------
# One process running as the gateway user spawns each command in turn,
# LOOKUPS times, reading its stdout through a pipe as sshd does, and times
# spawn-to-exit.  Taking turns spreads the machine's noise evenly.
read -r ktype kblob _ <"$T/keys/alice.pub"
H=$T/meduse-authorized-keys
# name, expected output prefix, command.  The baselines: the cost of any
# process here, and of loading the helper's libraries (libssh, OpenSSL,
# jansson, libyaml) without doing anything.
cat >"$T/lookups.json" <<JSON
[["spawn-true", "", ["/bin/true"]],
 ["spawn-help", "usage:", ["$H", "--help"]],
 ["lookup-key", "restrict ", ["$H", "-c", "$CONF", "alice", "$ktype", "$kblob"]],
 ["lookup-fp", "restrict ", ["$H", "-c", "$CONF", "alice", "$fp"]]]
JSON
echo "timing $lookups runs each of /bin/true, helper --help and both lookup forms..." >&2
setpriv --reuid=mdgw --regid=mdgw --init-groups -- /usr/bin/python3 - \
    "$lookups" "$T/lookups.json" >"$T/lookups.out" <<'PY' || die "lookup timing failed"
import json, os, sys, time
n, spec = int(sys.argv[1]), json.load(open(sys.argv[2]))
times = {name: [] for name, _, _ in spec}
for i in range(n):
    for name, want, argv in spec:
        r, w = os.pipe()
        fa = [(os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_CLOSE, r),
              (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)]
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, {}, file_actions=fa)
        os.close(w)
        out = b""
        while True:
            b = os.read(r, 65536)
            if not b:
                break
            out += b
        _, st = os.waitpid(pid, 0)
        t1 = time.perf_counter_ns()
        os.close(r)
        if st != 0 or not out.startswith(want.encode()):
            sys.exit("%s, run %d: status %d, output %r" % (name, i, st, out))
        times[name].append(t1 - t0)
for name, v in times.items():
    for t in v:
        print(name, t)
PY
# The gateway user cannot write to $T: split its output here.
awk -v d="$T" '{ print $2 > (d "/" $1 ".ns") }' "$T/lookups.out"

# --- (b) logins through sshd ------------------------------------------------
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((30000 + RANDOM % 10000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# start_sshd NAME KEYSOURCE-LINES...: starts sshd from $T/NAME.conf, sets PORT_NAME.
start_sshd() {
	local name=$1 port pid
	shift
	port=$(free_port) || die "no free port"
	{
		echo "ListenAddress $addr:$port"
		echo "HostKey $T/host_key"
		echo "PidFile none"
		echo "LogLevel ERROR"
		echo "PrintMotd no"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "UsePAM no"
		echo "StrictModes no"
		printf '%s\n' "$@"
	} >"$T/$name.conf"
	/usr/sbin/sshd -t -f "$T/$name.conf" || die "sshd -t $name"
	/usr/sbin/sshd -D -e -f "$T/$name.conf" >>"$T/$name.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 1 100); do
		ss -Htln "src $addr:$port" | grep -q . && { eval "PORT_$name=$port"; return 0; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$T/$name.log" >&2
	die "sshd $name did not start"
}

start_sshd helper "AuthorizedKeysFile none" \
    "AuthorizedKeysCommand $T/meduse-authorized-keys -c $CONF %u %t %k" \
    "AuthorizedKeysCommandUser mdgw"
start_sshd helperfp "AuthorizedKeysFile none" \
    "AuthorizedKeysCommand $T/meduse-authorized-keys -c $CONF %u %f" \
    "AuthorizedKeysCommandUser mdgw"
start_sshd file "AuthorizedKeysFile $T/authorized_keys"

login() {	# login PORT: one `ssh alice@ true`, prints its wall time in ns
	local t0 t1
	t0=$(date +%s%N)
	env -u SSH_AUTH_SOCK timeout 30 ssh -F none -o BatchMode=yes \
	    -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	    -o ControlMaster=no -i "$T/keys/alice" -p "$1" "alice@$addr" true \
	    </dev/null 2>"$T/ssh.err" ||
		{ cat "$T/ssh.err" "$T"/*.log >&2; die "login on port $1 failed"; }
	t1=$(date +%s%N)
	echo $((t1 - t0))
}

echo "timing $logins logins through each sshd, in turn..." >&2
# One untimed login each warms the page cache and the sshd binaries.
for s in helper helperfp file; do
	port=PORT_$s
	login "${!port}" >/dev/null
	: >"$T/$s.ns"
done
for _ in $(seq 1 "$logins"); do
	for s in helper helperfp file; do
		port=PORT_$s
		login "${!port}" >>"$T/$s.ns"
	done
done

# --- report -----------------------------------------------------------------
stats() {	# stats FILE: count median p90 p99 max mean, in ms
	sort -n "$1" | awk '
	    { v[NR] = $1; s += $1 }
	    function q(p,   i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; return v[i] / 1e6 }
	    END { printf "%6d %9.2f %9.2f %9.2f %9.2f %9.2f\n", NR, q(0.5), q(0.9), q(0.99), v[NR] / 1e6, s / NR / 1e6 }'
}

echo
echo "meduse key lookup benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r), load average $load0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
echo "$(ssh -V 2>&1); keys registered: $nkeys (alice's last, $fp), registration took ${reg_ms} ms"
echo
printf '%-44s %6s %9s %9s %9s %9s %9s\n' "measure (ms)" n median p90 p99 max mean
printf '%-44s ' "(a) baseline: spawn /bin/true"; stats "$T/spawn-true.ns"
printf '%-44s ' "(a) baseline: helper --help (libraries only)"; stats "$T/spawn-help.ns"
printf '%-44s ' "(a) helper lookup, %u %t %k"; stats "$T/lookup-key.ns"
printf '%-44s ' "(a) helper lookup, %u %f"; stats "$T/lookup-fp.ns"
printf '%-44s ' "(b) ssh login, sshd + helper %u %t %k"; stats "$T/helper.ns"
printf '%-44s ' "(b) ssh login, sshd + helper %u %f"; stats "$T/helperfp.ns"
printf '%-44s ' "(b) ssh login, sshd + 10,000-line file"; stats "$T/file.ns"
