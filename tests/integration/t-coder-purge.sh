#!/usr/bin/env bash
# del --purge also deletes the account's Coder workspaces (a delete build
# each, followed until Coder has deleted them), then its Coder user, and
# only then the namespace; --keep-namespace too.  The name can be added
# again and gets a fresh Coder user.  Coder down leaves the purge pending
# (the namespace waits for Coder, the user's access goes at once) and the
# next pass finishes it; a delete build that fails fails the purge with
# Coder's message until a pass gets it through.  A Coder user with a site
# role is left alone.  del without --purge keeps the user, stopped.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"
coder_accountd "reconcile_interval: 0"
for u in alice bob carol dave erin frank gina; do mkkey $u; done

has() { kube_objects >"$T/objs.has"; grep -qx "$1" "$T/objs.has"; }
# coder_uid NAME: the id of Coder's live user NAME, "" when none.
coder_uid() {
	coder_ctl /fake/state | /usr/bin/python3 -c '
import json, sys
print("".join(u["id"] for u in json.load(sys.stdin)["users"] if u["username"] == sys.argv[1]))' "$1"
}
# coder_gone ID: whether Coder deleted the user with that id.
coder_gone() {
	coder_ctl /fake/state | /usr/bin/python3 -c '
import json, sys
print(any(u["id"] == sys.argv[1] for u in json.load(sys.stdin)["deleted_users"]))' "$1"
}
# coder_all_deleted OWNER: every workspace OWNER ever had is deleted, each
# by a delete build.
coder_all_deleted() {
	coder_ctl /fake/state | /usr/bin/python3 -c '
import json, sys
ws = [w for w in json.load(sys.stdin)["workspaces"] if w["owner"] == sys.argv[1]]
print(bool(ws) and all(w["deleted"] and w["builds"][-1]["transition"] == "delete" and
                       w["builds"][-1]["status"] == "deleted" for w in ws))' "$1"
}
wait_status() {
	for _ in $(seq 1 100); do [ "$(coder_ws "$1" 'w["status"]')" = "$2" ] && return; sleep 0.1; done
	fail "$1 never $2: $(coder_ws "$1" 'w and w["status"]')"
}
kpurge() { sqlite3 "$T/state/meduse.db" 'SELECT account, state FROM kpurge ORDER BY account;'; }
coder_rows() { sqlite3 "$T/state/meduse.db" "SELECT count(*) FROM kobjects WHERE path LIKE 'coder:/users/$1%';"; }

# A purge deletes the workspaces, then the user, then the namespace.
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
expect_rc 0 ctl workspace add alice gpu
wait_status alice/dev running
wait_status alice/gpu running
[ "$(coder_rows alice)" = 3 ] || fail "alice's Coder rows: $(coder_rows alice)"
old=$(coder_uid alice)
[ -n "$old" ] || fail "no Coder user alice"
coder_ctl /fake/audit >/dev/null
curl -sS -f -X DELETE "$CODER_CONTROL/fake/audit" >/dev/null || fail "clear the audit"
expect_rc 0 ctl del alice --purge --yes --confirm-pvcs home
expect_in "$T/out" 'Purged account alice'
expect_in "$T/err" 'deleted +CoderWorkspace +alice/dev'
expect_in "$T/err" 'deleted +CoderWorkspace +alice/gpu'
expect_in "$T/err" 'deleted +CoderUser +alice$'
expect_in "$T/err" 'deleted +Namespace +u-alice'
expect_in "$T/err" ' 0 pending, 0 failed'
grep -E 'deleted +(CoderWorkspace|CoderUser|Namespace) ' "$T/err" | awk '{print $2}' | uniq | tr '\n' ' ' >"$T/order"
[ "$(cat "$T/order")" = "CoderWorkspace CoderUser Namespace " ] || fail "purge order: $(cat "$T/order")"
[ "$(coder_uid alice)" = "" ] || fail "Coder user alice kept"
[ "$(coder_gone "$old")" = True ] || fail "alice not deleted in Coder"
[ "$(coder_all_deleted alice)" = True ] || fail "alice's workspaces not deleted by delete builds"
kube_objects >"$T/objs.now"
expect_not_in "$T/objs.now" 'u-alice'
[ -z "$(kpurge)" ] || fail "kpurge: $(kpurge)"
[ "$(coder_rows alice)" = 0 ] || fail "alice's Coder rows kept"
# Coder was asked once to delete the user, and never refused it.
coder_ctl /fake/audit | /usr/bin/python3 -c '
import json, sys
a = json.load(sys.stdin)
d = [e for e in a if e["method"] == "DELETE"]
assert [(e["path"], e["code"]) for e in d] == [("/api/v2/users/alice", 200)], d
b = [e for e in a if e["method"] == "POST" and e["path"].endswith("/builds")]
assert len(b) == 2 and all(e["code"] == 201 for e in b), b
' || fail "Coder requests of the purge"

# The name comes back with a fresh Coder user.
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
expect_in "$T/err" 'created +CoderUser +alice'
expect_in "$T/err" 'created +CoderWorkspace +alice/dev'
new=$(coder_uid alice)
if [ -z "$new" ] || [ "$new" = "$old" ]; then fail "alice's Coder user: '$new' (was '$old')"; fi
[ "$(coder_ws alice/gpu 'w is None')" = True ] || fail "alice/gpu came back"

# del without --purge keeps the user and stops the workspace; a purge of
# the deleted account with --keep-namespace then deletes them, and keeps
# the data.
expect_rc 0 ctl add erin --key "$T/keys/erin.pub"
wait_status erin/dev running
expect_rc 0 ctl del erin
expect_in "$T/err" 'stopped +CoderWorkspace +erin/dev'
expect_not_in "$T/err" 'deleted +Coder'
wait_status erin/dev stopped
[ -n "$(coder_uid erin)" ] || fail "del removed erin's Coder user"
expect_rc 0 ctl del erin --purge --keep-namespace --yes
expect_in "$T/err" 'deleted +CoderWorkspace +erin/dev'
expect_in "$T/err" 'deleted +CoderUser +erin$'
expect_in "$T/err" 'stripped +Namespace +u-erin'
[ "$(coder_uid erin)" = "" ] || fail "Coder user erin kept"
has namespaces//u-erin || fail "--keep-namespace removed u-erin"
has persistentvolumeclaims/u-erin/home || fail "--keep-namespace removed erin's home"
[ -z "$(kpurge)" ] || fail "kpurge: $(kpurge)"

# Coder down: the purges wait.  --keep-namespace takes the access away at
# once; a namespace is deleted only after Coder let go of its workspaces.
expect_rc 0 ctl add bob --key "$T/keys/bob.pub"
expect_rc 0 ctl add carol --key "$T/keys/carol.pub"
wait_status bob/dev running
wait_status carol/dev running
coder_api_fault down
expect_rc 0 ctl del bob --purge --keep-namespace --yes
expect_in "$T/err" 'pending +Namespace +u-bob: Coder: GET /users/bob: .*(Empty reply|Recv failure|Connection reset)'
has rolebindings/u-bob/meduse-edit && fail "bob's RoleBinding waited for Coder"
expect_rc 0 ctl del carol --purge --yes --confirm-pvcs home
expect_in "$T/err" 'pending +Namespace +u-carol: the namespace waits for Coder: GET /users/carol'
has namespaces//u-carol || fail "u-carol deleted while Coder was down"
[ "$(kpurge)" = "$(printf 'bob|pending\ncarol|pending')" ] || fail "kpurge: $(kpurge)"
expect_rc 1 ctl add carol --key "$T/keys/carol.pub"
expect_in "$T/err" 'still to be deleted'
coder_api_fault none
if [ -z "$(coder_uid bob)" ] || [ -z "$(coder_uid carol)" ]; then fail "Coder users gone while Coder was down"; fi
expect_rc 0 ctl sync
expect_in "$T/err" 'deleted +bob: CoderWorkspace +bob/dev'
expect_in "$T/err" 'deleted +bob: CoderUser +bob$'
expect_in "$T/err" 'stripped +bob: Namespace +u-bob'
expect_in "$T/err" 'deleted +carol: CoderWorkspace +carol/dev'
expect_in "$T/err" 'deleted +carol: CoderUser +carol$'
expect_in "$T/err" 'deleted +carol: Namespace +u-carol'
expect_in "$T/out" ' 0 pending, 0 failed'
[ "$(coder_uid bob)$(coder_uid carol)" = "" ] || fail "Coder users of bob or carol kept"
has namespaces//u-bob || fail "--keep-namespace removed u-bob"
has namespaces//u-carol && fail "u-carol kept"
[ -z "$(kpurge)" ] || fail "kpurge: $(kpurge)"
expect_rc 0 ctl add carol --key "$T/keys/carol.pub"
expect_in "$T/err" 'created +CoderUser +carol'

# A delete build that fails: the purge fails with Coder's message, the
# namespace waits, and a later pass gets it through.
expect_rc 0 ctl add dave --key "$T/keys/dave.pub"
wait_status dave/dev running
coder_fault dave/dev fail '"transition":"delete","message":"terraform destroy: injected"'
expect_rc 0 ctl del dave --purge --yes --confirm-pvcs home
expect_in "$T/err" 'failed +Namespace +u-dave: the namespace waits for Coder: could not delete workspace dave/dev: terraform destroy: injected'
has namespaces//u-dave || fail "u-dave deleted although dave/dev was not"
[ "$(kpurge)" = "dave|failed" ] || fail "kpurge: $(kpurge)"
expect_rc 0 ctl status
expect_in "$T/out" 'purge of dave: .*failed: .*terraform destroy: injected'
expect_rc 0 ctl plan dave
expect_in "$T/err" 'delete +CoderWorkspace +dave/dev'
expect_in "$T/err" 'delete +CoderUser +dave$'
expect_rc 0 ctl sync dave
expect_in "$T/err" 'deleted +CoderWorkspace +dave/dev'
expect_in "$T/err" 'deleted +CoderUser +dave$'
expect_in "$T/err" 'deleted +Namespace +u-dave'
[ -z "$(kpurge)" ] || fail "kpurge: $(kpurge)"

# A Coder user with a site role, adopted by name, is a person's: left alone.
coder_post /fake/user '{"username":"frank","roles":["user-admin"]}'
expect_rc 0 ctl add frank --key "$T/keys/frank.pub"
expect_in "$T/err" 'created +CoderWorkspace +frank/dev'
expect_rc 0 ctl del frank --purge --yes --confirm-pvcs home
expect_in "$T/err" "kept +CoderUser +frank: has Coder's site role user-admin"

expect_in "$T/err" 'deleted +Namespace +u-frank'
[ -n "$(coder_uid frank)" ] || fail "frank's Coder user deleted"
[ "$(coder_ws frank/dev 'w is not None')" = True ] || fail "frank's workspace deleted"
[ -z "$(kpurge)" ] || fail "kpurge: $(kpurge)"
grep -q 'Coder user frank has the site role user-admin' "$T/accountd.log" ||
	fail "no warning about frank in the log"

# A delete that outlasts coder.start_timeout: the pass stops following it
# and the purge stays pending, also across a restart; a pass that has
# nothing to send only looks; the purge ends once Coder is done.
stop_accountd
echo "  start_timeout: 1s" >>"$CONF"
start_accountd
expect_rc 0 ctl add gina --key "$T/keys/gina.pub"
wait_status gina/dev running
coder_fault gina/dev hang '"transition":"delete"'
expect_rc 0 ctl del gina --purge --yes --confirm-pvcs home
expect_in "$T/err" 'pending +Namespace +u-gina: the namespace waits for Coder: still deleting the workspaces of gina \(dev\): the next pass looks again'
[ "$(coder_ws gina/dev 'w["status"]')" = deleting ] || fail "gina/dev: $(coder_ws gina/dev 'w["status"]')"
has namespaces//u-gina || fail "u-gina deleted before gina/dev"
stop_accountd
start_accountd
expect_rc 1 ctl sync gina
expect_in "$T/err" 'pending +Namespace +u-gina: the namespace waits for Coder: still deleting'
[ "$(kpurge)" = "gina|pending" ] || fail "kpurge: $(kpurge)"
# Coder gets past it: the hung build is canceled, the next delete goes through.
bid=$(coder_ws gina/dev 'w["builds"][-1]["id"]')
coder_api -X PATCH "/api/v2/workspacebuilds/$bid/cancel" >"$T/cancel"
[ "$(tail -n 1 "$T/cancel")" = 200 ] || { cat "$T/cancel" >&2; fail "cancel $bid"; }
wait_status gina/dev canceled
expect_rc 0 ctl sync gina
expect_in "$T/err" 'deleted +CoderWorkspace +gina/dev'
expect_in "$T/err" 'deleted +CoderUser +gina$'
expect_in "$T/err" 'deleted +Namespace +u-gina'
[ -z "$(kpurge)" ] || fail "kpurge: $(kpurge)"
