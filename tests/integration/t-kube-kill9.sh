#!/usr/bin/env bash
# accountd is killed (-9) in the middle of a reconcile pass over 25
# accounts.  The next start handles the stale socket and lock, and its
# startup pass converges: every account has exactly its 7 objects, nothing
# is labelled for an account that does not exist, status shows every object
# applied, and a further sync applies nothing.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
N=25
start_kube_fake

# The accounts first, with provisioning off: nothing is sent yet.
start_accountd
for i in $(seq 1 $N); do
	mkkey "u$i"
	ctl add "u$i" --key "$T/keys/u$i.pub" >/dev/null 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "add u$i"; }
done
stop_accountd
[ "$(kube_objects | grep -c .)" = 0 ] || fail "objects in the fake before provisioning"

# Provisioning on, the API slow: the startup pass applies 175 objects one by
# one; kill accountd once some but not all of them exist.
{
	echo "kubernetes:"
	echo "  kubeconfig: $KUBECONFIG_FILE"
	echo "  reconcile_interval: 0"
} >>"$CONF"
kube_fault slow '"delay":0.05'
start_accountd
for _ in $(seq 1 200); do
	n=$(kube_objects | grep -c .)
	[ "$n" -ge 40 ] && break
	sleep 0.05
done
kill -9 "$ACCOUNTD_PID"
wait "$ACCOUNTD_PID" 2>/dev/null
n=$(kube_objects | grep -c .)
if [ "$n" -lt 40 ] || [ "$n" -ge $((N * 7)) ]; then
	fail "accountd was not killed in the middle of its pass ($n objects)"
fi
[ -S "$T/run/accountd.sock" ] || fail "kill -9 left no stale socket (test assumption)"

kube_fault none
start_accountd
for _ in $(seq 1 100); do
	ctl status >"$T/status" 2>&1
	[ "$(grep -cE '^u[0-9]+ .* applied ' "$T/status")" = $((N * 7)) ] && break
	sleep 0.2
done
[ "$(grep -cE '^u[0-9]+ .* applied ' "$T/status")" = $((N * 7)) ] ||
	{ cat "$T/status" >&2; fail "the startup pass did not converge in 20 s"; }
expect_not_in "$T/status" ' (pending|failed) '

# Exactly 7 objects per account, each labelled for its own account.
kube_ctl /fake/objects >"$T/objects.json"
/usr/bin/python3 - "$T/objects.json" "$N" >"$T/check" 2>&1 <<'PY' || { cat "$T/check" >&2; fail "objects in the fake"; }
import collections, json, sys
objs = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
accounts = {"u%d" % i for i in range(1, n + 1)}
want = {"namespaces//u-{a}", "resourcequotas/u-{a}/meduse-quota",
        "limitranges/u-{a}/meduse-defaults", "persistentvolumeclaims/u-{a}/home",
        "rolebindings/u-{a}/meduse-edit", "networkpolicies/u-{a}/meduse-isolate",
        "secrets/u-{a}/meduse-ssh"}
per = collections.defaultdict(set)
bad = []
for key, o in objs.items():
    owner = (o["metadata"].get("labels") or {}).get("meduse.io/account")
    if owner not in accounts:
        bad.append("%s labelled for %r" % (key, owner))
        continue
    per[owner].add(key)
for a in sorted(accounts):
    exp = {w.format(a=a) for w in want}
    if per[a] != exp:
        bad.append("%s: missing %s, extra %s" % (a, sorted(exp - per[a]), sorted(per[a] - exp)))
if len(objs) != 7 * n:
    bad.append("%d objects, expected %d" % (len(objs), 7 * n))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY

# accountd's own record: one applied row per object, nothing else.
rows=$(sqlite3 "$T/state/meduse.db" \
	"SELECT count(*), sum(state = 'applied') FROM kobjects;") || fail "sqlite3 kobjects"
[ "$rows" = "$((N * 7))|$((N * 7))" ] || fail "kobjects rows (count|applied): $rows"

expect_rc 0 ctl sync
expect_in "$T/out" "kubernetes: 0 applied, $((N * 7)) unchanged, 0 deleted, 0 pending, 0 failed"
