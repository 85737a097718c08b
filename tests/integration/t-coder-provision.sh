#!/usr/bin/env bash
# accountctl add gives the account a Coder user and its default workspace,
# from the configured template with the account's namespace and quota as
# parameters; a second pass adopts them and sends nothing; extra workspaces
# come and go with `accountctl workspace`; lock stops the running ones; an
# existing Coder user is adopted, not duplicated; Coder down leaves the
# Coder part pending, and the next sync converges.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"
coder_accountd "reconcile_interval: 0"
mkkey alice
mkkey bob
mkkey carol

expect_rc 0 ctl add alice --key "$T/keys/alice.pub" --gpu 2 --cpu 4
expect_in "$T/err" 'created +CoderUser +alice'
expect_in "$T/err" 'created +CoderWorkspace +alice/dev'
expect_in "$T/err" ' 0 pending, 0 failed'
[ "$(coder_users | grep -cx alice)" = 1 ] || fail "no Coder user alice"
[ "$(coder_ctl /fake/state | /usr/bin/python3 -c 'import json,sys; u=[u for u in json.load(sys.stdin)["users"] if u["username"]=="alice"][0]; print(u["login_type"], u["status"])')" = "none active" ] ||
	fail "alice's login type or status"
[ "$(coder_ws alice/dev 'w["params"]')" = "{'namespace': 'u-alice', 'cpu': '4', 'memory': '32Gi', 'gpu': '2', 'home_pvc': 'home'}" ] ||
	fail "workspace parameters: $(coder_ws alice/dev 'w["params"]')"

# Nothing changed: nothing is created again.
n=$(coder_ctl /fake/audit | /usr/bin/python3 -c 'import json,sys; print(sum(1 for a in json.load(sys.stdin) if a["method"]=="POST"))')
expect_rc 0 ctl sync alice
expect_in "$T/out" ' 0 applied, 9 unchanged'
[ "$(coder_ctl /fake/audit | /usr/bin/python3 -c 'import json,sys; print(sum(1 for a in json.load(sys.stdin) if a["method"]=="POST"))')" = "$n" ] ||
	fail "an unchanged sync POSTed to Coder"

# Extra workspaces.
expect_rc 0 ctl workspace add alice gpu
expect_in "$T/err" 'created +CoderWorkspace +alice/gpu'
expect_rc 0 ctl workspace list alice
expect_in "$T/out" '^dev +yes'
expect_in "$T/out" '^gpu '
expect_rc 1 ctl workspace add alice gpu
expect_in "$T/err" 'already has a workspace gpu'
expect_rc 1 ctl workspace add alice 'Bad_Name'
expect_rc 1 ctl workspace rm alice dev
expect_in "$T/err" "default workspace"
expect_rc 0 ctl workspace add alice big --template nosuch
expect_in "$T/err" 'failed +CoderWorkspace +alice/big: Coder has no template "nosuch"'
expect_in "$T/err" 'warning: kubernetes: 1 objects failed'
expect_rc 0 ctl workspace rm alice big
expect_rc 0 ctl workspace rm alice gpu
expect_in "$T/err" 'deleted +CoderWorkspace +alice/gpu'
[ "$(coder_ws alice/gpu 'w is None')" = True ] || fail "gpu still in Coder"

# lock stops the running workspace at once; unlock starts nothing; a
# workspace added while locked waits for the unlock (it would start at once).
for _ in $(seq 1 50); do [ "$(coder_ws alice/dev 'w["status"]')" = running ] && break; sleep 0.1; done
[ "$(coder_ws alice/dev 'w["status"]')" = running ] || fail "dev never ran"
expect_rc 0 ctl lock alice
expect_in "$T/err" 'stopped +CoderWorkspace +alice/dev'
for _ in $(seq 1 50); do [ "$(coder_ws alice/dev 'w["status"]')" = stopped ] && break; sleep 0.1; done
[ "$(coder_ws alice/dev 'w["status"]')" = stopped ] || fail "lock did not stop dev"
expect_rc 0 ctl workspace add alice late
[ "$(coder_ws alice/late 'w is None')" = True ] || fail "a workspace was created for a locked account"
expect_rc 0 ctl unlock alice
expect_in "$T/err" 'created +CoderWorkspace +alice/late'
sleep 0.5
[ "$(coder_ws alice/dev 'w["status"]')" = stopped ] || fail "unlock started dev"

# An existing Coder user is adopted.
coder_post /fake/user '{"username":"carol","email":"carol@lab.example","login_type":"oidc"}'
expect_rc 0 ctl add carol --key "$T/keys/carol.pub"
expect_not_in "$T/err" 'created +CoderUser'
expect_in "$T/err" 'created +CoderWorkspace +carol/dev'
[ "$(coder_users | grep -cx carol)" = 1 ] || fail "carol duplicated"

# Coder down: the account and its cluster objects are made, Coder waits.
coder_api_fault down
expect_rc 0 ctl add bob --key "$T/keys/bob.pub"
expect_in "$T/err" 'pending +CoderUser'
expect_in "$T/err" 'warning: kubernetes: 1 objects pending'
expect_rc 0 ctl status bob
expect_in "$T/out" '^bob +CoderUser .* pending '
coder_api_fault none
expect_rc 0 ctl sync bob
expect_in "$T/err" 'created +CoderUser +bob'
expect_in "$T/err" 'created +CoderWorkspace +bob/dev'
