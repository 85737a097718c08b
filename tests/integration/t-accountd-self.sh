#!/usr/bin/env bash
# The self.* methods meduse-shell calls for a logged-in user, against the
# Coder and Kubernetes fakes: the user's keys (listed, one added, one
# removed, each change checked against the login's key and audited with
# it; never the last key), and jobs on the user's workspaces (status,
# quota, start, stop, restart) followed with route.job; route.resolve with
# start false only peeks.  Locked accounts, someone else's workspace and
# callers outside the gateway group are refused.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"

start_kube_fake
start_coder_fake --template meduse --template-params \
	namespace,cpu,memory,gpu,home_pvc --build-delay 0.1
sed -i '/^coder:/d' "$CONF"
cat >>"$CONF" <<YAML
kubernetes:
  kubeconfig: $KUBECONFIG_FILE
  reconcile_interval: 0
coder:
  url: $CODER_URL
  token_file: $T/coder-token
  template: meduse
  default_workspace: dev
  start_timeout: 20s
route:
  resolver: coder
YAML
start_accountd
for k in alice alice2 bob; do mkkey "$k"; done
expect_rc 0 ctl add alice --key "$T/keys/alice.pub" --cpu 4
expect_rc 0 ctl add bob --key "$T/keys/bob.pub"
expect_rc 0 ctl workspace add alice gpu
fp() { ssh-keygen -lf "$T/keys/$1.pub" | awk '{print $2}'; }
FP=$(fp alice) FP2=$(fp alice2) FPB=$(fp bob)
KEY2=$(cat "$T/keys/alice2.pub")
SOCK=$T/run/accountd.sock

# call: each stdin line one request as the gateway, one answer a line;
# job JSON: that request, then its job followed with route.job to the end:
# the first answer, then the last route.job answer with every event.
call() { as_user mdgw /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$SOCK"; }
cat >"$T/job.py" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(sys.argv[1])
f = s.makefile("rb")
def ask(method, params):
    s.sendall(json.dumps({"v": 1, "method": method, "params": params}).encode() + b"\n")
    return json.loads(f.readline())
req = json.loads(sys.argv[2])
a = ask(req["method"], req["params"])
print(json.dumps(a))
job = (a.get("result") or {}).get("job")
if job:
    events, since, end = [], 0, time.time() + 60
    while time.time() < end:
        d = ask("route.job", {"job": job, "since": since})
        events += d["result"]["events"]
        since = d["result"]["next"]
        if d["result"]["done"]:
            d["result"]["events"] = events
            print(json.dumps(d))
            break
        time.sleep(0.1)
    else:
        print("TIMEOUT")
PY
job() { as_user mdgw /usr/bin/python3 "$T/job.py" "$SOCK" "$1" >"$T/out" || fail "job.py $1"; }
# check PY: asserts on the answers in $T/out: a (first), d (the job's end, or None).
check() {
	/usr/bin/python3 - "$T/out" "$1" <<'PY' || { cat "$T/out" >&2; fail "check: $1"; }
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
a = lines[0]
d = lines[1].get("result") if len(lines) > 1 else None
exec(sys.argv[2])
PY
}
# audit_has ACTION OUTCOME TEXT: alice's audit log has that row, TEXT in its detail.
audit_has() {
	ctl audit --account alice --json >"$T/audit" 2>&1 || fail "accountctl audit"
	/usr/bin/python3 - "$T/audit" "$@" <<'PY' || { cat "$T/audit" >&2; fail "no audit row $*"; }
import json, sys
rows = json.load(open(sys.argv[1]))
sys.exit(not any(r["action"] == sys.argv[2] and r["outcome"] == sys.argv[3] and
                 sys.argv[4] in r["detail"] for r in rows))
PY
}

# --- keys ---------------------------------------------------------------
call >"$T/out" <<EOF
{"v":1,"method":"self.keys","params":{"name":"alice"}}
EOF
check "assert a['result']['name'] == 'alice' and [k['fingerprint'] for k in a['result']['keys']] == ['$FP'], a"

call >"$T/out" <<EOF
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"$KEY2","by":"$FP"}}
{"v":1,"method":"self.keys","params":{"name":"alice"}}
EOF
check "
r = a['result']
assert (r['name'], r['added'], r['type'], r['comment']) == ('alice', '$FP2', 'ssh-ed25519', 'alice2@test'), r
assert [k['fingerprint'] for k in r['keys']] == ['$FP', '$FP2'], r
assert [k['fingerprint'] for k in lines[1]['result']['keys']] == ['$FP', '$FP2'], lines[1]"
audit_has self.key_add ok "by $FP: added $FP2"

# Refused: a malformed key, one already registered (to alice or to bob:
# whose is not said), a "by" key that is not alice's; nothing changes.
before=$(db_dump)
call >"$T/out" <<EOF
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"ssh-ed25519 AAAAnotakey x","by":"$FP"}}
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"$KEY2","by":"$FP"}}
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"$(cat "$T/keys/bob.pub")","by":"$FP"}}
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"$KEY2","by":"$FPB"}}
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"$KEY2","by":"SHA256:nosuchkey"}}
{"v":1,"method":"self.key_rm","params":{"name":"alice","fingerprint":"$FP2","by":"$FPB"}}
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"$KEY2"}}
EOF
check "
e = [l.get('error', {}) for l in lines]
assert e[0]['code'] == 'invalid', e[0]
assert e[1] == {'code': 'exists', 'message': 'key $FP2 is already registered to you (meduse keys list)'}, e[1]
assert e[2]['code'] == 'exists' and 'another account' in e[2]['message'] and 'bob' not in e[2]['message'], e[2]
assert e[3] == {'code': 'denied', 'message': 'the key used for this login ($FPB) is not registered to alice'}, e[3]
assert e[4]['code'] == 'denied', e[4]
assert e[5]['code'] == 'denied', e[5]
assert e[6]['code'] == 'bad_request', e[6]"
[ "$(db_dump)" = "$before" ] || fail "a refused self.key_add changed the database"
audit_has self.key_add denied "the key used for this login ($FPB) is not registered"

# Removing: not someone else's key, not an unknown one, never the last one;
# the login's own key may go while another remains.
call >"$T/out" <<EOF
{"v":1,"method":"self.key_rm","params":{"name":"alice","fingerprint":"$FPB","by":"$FP"}}
{"v":1,"method":"self.key_rm","params":{"name":"alice","fingerprint":"SHA256:nosuchkey","by":"$FP"}}
{"v":1,"method":"self.key_rm","params":{"name":"alice","fingerprint":"$FP2","by":"$FP"}}
{"v":1,"method":"self.key_rm","params":{"name":"alice","fingerprint":"$FP","by":"$FP"}}
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"$KEY2","by":"$FP"}}
{"v":1,"method":"self.key_rm","params":{"name":"alice","fingerprint":"$FP","by":"$FP"}}
{"v":1,"method":"self.keys","params":{"name":"alice"}}
{"v":1,"method":"self.key_add","params":{"name":"alice","key":"$(cat "$T/keys/alice.pub")","by":"$FP"}}
EOF
check "
assert lines[0]['error'] == {'code': 'not_found', 'message': 'you have no key $FPB (meduse keys list)'}, lines[0]
assert lines[1]['error']['code'] == 'not_found', lines[1]
assert lines[2]['result'] == {'name': 'alice', 'removed': '$FP2', 'keys_left': 1}, lines[2]
assert lines[3]['error'] == {'code': 'conflict', 'message': 'that is your last key: add another first (meduse keys add)'}, lines[3]
assert lines[4]['result']['added'] == '$FP2', lines[4]
assert lines[5]['result'] == {'name': 'alice', 'removed': '$FP', 'keys_left': 1}, lines[5]
assert [k['fingerprint'] for k in lines[6]['result']['keys']] == ['$FP2'], lines[6]
assert lines[7]['error']['code'] == 'denied', lines[7]"
audit_has self.key_rm ok "by $FP: removed $FP2"
audit_has self.key_rm ok "by $FP: removed $FP"
expect_rc 0 ctl key add alice --key "$T/keys/alice.pub"

# Outside the gateway group: refused.
for m in self.keys self.key_add self.key_rm self.job; do
	echo "{\"v\":1,\"method\":\"$m\",\"params\":{\"name\":\"alice\"}}" |
		as_user mdnobody /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$SOCK" >"$T/out"
	expect_in "$T/out" '"code":"denied"'
done

# --- jobs ---------------------------------------------------------------
wait_ws() {	# OWNER/WS STATUS
	for _ in $(seq 1 100); do [ "$(coder_ws "$1" 'w["status"]')" = "$2" ] && return 0; sleep 0.1; done
	fail "$1 is not $2 but $(coder_ws "$1" 'w["status"]')"
}
builds() { coder_ws "$1" 'len(w["builds"])'; }
wait_ws alice/dev running
wait_ws alice/gpu running
for _ in $(seq 1 100); do [ "$(coder_ws alice/dev 'w["agent"] and w["agent"]["lifecycle_state"]')" = ready ] && break; sleep 0.1; done

job '{"method":"self.job","params":{"name":"alice","workspace":"gpu","action":"stop"}}'
check "
assert a['result'] == {'account': 'alice', 'workspace': 'gpu', 'job': a['result']['job']}, a
assert d['done'] and d['action'] == 'stop' and d['result'] == {'workspace': 'gpu', 'state': 'stopped'}, d
assert 'error' not in d, d
assert d['events'][0] == 'workspace gpu: running', d
assert any(e.startswith('stopping workspace gpu (up to 20s)') for e in d['events']), d
assert d['events'][-1] == 'workspace gpu: stopped', d"
wait_ws alice/gpu stopped
job '{"method":"self.job","params":{"name":"alice","workspace":"gpu","action":"stop"}}'
check "assert d['result'] == {'workspace': 'gpu', 'state': 'stopped'} and d['events'] == ['workspace gpu is already stopped'], d"

# status: the database's workspaces, each with Coder's word; one Coder lost.
expect_rc 0 ctl workspace add alice ghost
curl -sS -f -X DELETE "$CODER_CONTROL/fake/workspace/alice/ghost" >/dev/null || fail "delete ghost"
job '{"method":"self.job","params":{"name":"alice","action":"status"}}'
check "
assert a['result']['workspace'] == 'dev', a
r = d['result']
assert (r['account'], r['state'], r['expires']) == ('alice', 'active', None), r
ws = {w['name']: w for w in r['workspaces']}
assert [w['name'] for w in r['workspaces']] == ['dev', 'ghost', 'gpu'], r
assert ws['dev'] == {'name': 'dev', 'default': True, 'template': 'meduse', 'state': 'running', 'agent': 'connected'}, ws
assert ws['gpu']['state'] == 'stopped' and ws['gpu']['agent'] == '' and not ws['gpu']['default'], ws
assert ws['ghost']['state'] == 'missing', ws"
expect_rc 0 ctl workspace rm alice ghost

# route.resolve start false: a stopped workspace is not started.
n=$(builds alice/gpu)
job '{"method":"route.resolve","params":{"name":"alice","workspace":"gpu","start":false}}'
check "
assert d['done'] and d['error'] == 'workspace gpu is stopped' and d['not_running'] is True, d
assert 'action' not in d and 'route' not in d and 'result' not in d, d"
sleep 0.5
[ "$(builds alice/gpu)" = "$n" ] || fail "a peek started a build"
[ "$(coder_ws alice/gpu 'w["status"]')" = stopped ] || fail "a peek started gpu"

# start, then a peek at the running one routes as usual.
job '{"method":"self.job","params":{"name":"alice","workspace":"gpu","action":"start"}}'
check "
assert d['result'] == {'workspace': 'gpu', 'state': 'running'}, d
assert 'starting workspace gpu (up to 20s)' in d['events'], d
assert d['events'][-1] == 'workspace gpu: running, agent connected, ready', d"
[ "$(coder_ws alice/gpu 'w["status"]')" = running ] || fail "gpu did not start"
job '{"method":"route.resolve","params":{"name":"alice","workspace":"gpu","start":false}}'
check "
r = d['route']
assert (r['account'], r['workspace'], r['host'], r['host_key_by_name']) == ('alice', 'gpu', '127.0.1.1', True), d
assert 'not_running' not in d and 'error' not in d and 'action' not in d, d"
call >"$T/out" <<EOF
{"v":1,"method":"route.resolve","params":{"name":"alice","start":"no"}}
EOF
expect_in "$T/out" '"code":"bad_request"'

# restart: stopped, then started, in one job.
n=$(builds alice/dev)
job '{"method":"self.job","params":{"name":"alice","workspace":"","action":"restart"}}'
check "
assert d['result'] == {'workspace': 'dev', 'state': 'running'}, d
ev = d['events']
assert ev.index('workspace dev: stopped') < ev.index('starting workspace dev (up to 20s)'), ev"
[ "$(coder_ws alice/dev '[b["transition"] for b in w["builds"]][-2:]')" = "['stop', 'start']" ] ||
	fail "restart: builds $(coder_ws alice/dev '[b["transition"] for b in w["builds"]]')"
[ "$(builds alice/dev)" = $((n + 2)) ] || fail "restart made other builds"

# quota: the ResourceQuota's status, and the configured quota.
job '{"method":"self.job","params":{"name":"alice","action":"quota"}}'
check "
assert a['result']['quota']['cpu'] == '4', a
r = d['result']
assert r['namespace'] == 'u-alice' and r['quota']['cpu'] == '4', r
assert r['hard']['requests.cpu'] == '4' and r['used']['requests.cpu'] == '0', r
assert set(r['hard']) == set(r['used']), r"
kube_fault down
job '{"method":"self.job","params":{"name":"alice","action":"quota"}}'
kube_fault none
check "
assert a['result']['quota']['cpu'] == '4', a
assert d['error'].startswith('cannot read your quota from Kubernetes: '), d"

# Refused at once: an unknown action, a workspace of someone else, a locked account.
call >"$T/out" <<EOF
{"v":1,"method":"self.job","params":{"name":"alice","action":"reboot"}}
{"v":1,"method":"self.job","params":{"name":"bob","workspace":"gpu","action":"stop"}}
{"v":1,"method":"self.job","params":{"name":"alice","workspace":"Bad_Name","action":"status"}}
{"v":1,"method":"self.job","params":{"name":"alice"}}
EOF
check "
assert lines[0]['error'] == {'code': 'invalid', 'message': 'unknown action \"reboot\": use status, quota, start, stop or restart'}, lines[0]
assert lines[1]['error'] == {'code': 'not_found', 'message': 'bob has no workspace gpu (yours: dev)'}, lines[1]
assert lines[2]['error']['code'] == 'invalid', lines[2]
assert lines[3]['error']['code'] == 'bad_request', lines[3]"
expect_rc 0 ctl lock bob
call >"$T/out" <<EOF
{"v":1,"method":"self.keys","params":{"name":"bob"}}
{"v":1,"method":"self.key_add","params":{"name":"bob","key":"$KEY2","by":"$FPB"}}
{"v":1,"method":"self.key_rm","params":{"name":"bob","fingerprint":"$FPB","by":"$FPB"}}
{"v":1,"method":"self.job","params":{"name":"bob","action":"status"}}
EOF
[ "$(grep -c '"code":"conflict","message":"account bob is locked"' "$T/out")" = 4 ] ||
	{ cat "$T/out"; fail "a locked account was served"; }

# Without route.resolver coder: no start or stop; status knows no states.
stop_accountd
sed -i 's/^  resolver: coder$/  resolver: kubernetes/' "$CONF"
start_accountd
call >"$T/out" <<EOF
{"v":1,"method":"self.job","params":{"name":"alice","action":"start"}}
{"v":1,"method":"self.job","params":{"name":"alice","action":"stop"}}
EOF
check "
assert lines[0]['error'] == {'code': 'conflict', 'message': 'starting workspaces needs route.resolver coder'}, lines[0]
assert lines[1]['error'] == {'code': 'conflict', 'message': 'stopping workspaces needs route.resolver coder'}, lines[1]"
job '{"method":"self.job","params":{"name":"alice","action":"status"}}'
check "assert [(w['name'], w['state'], w['agent']) for w in d['result']['workspaces']] == [('dev', 'unknown', ''), ('gpu', 'unknown', '')], d"
