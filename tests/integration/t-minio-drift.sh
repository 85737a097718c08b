#!/usr/bin/env bash
# What an admin changes by hand in MinIO is put back by the next sync: the
# policy meduse-NAME edited (MinIO writes a policy back with its sets in
# any order: that alone is no change), the bucket's quota changed or made
# soft, the policy detached from the user or deleted, the user of an
# active account disabled (or of a locked one enabled).  Each is restored
# with an event that says it was changed outside meduse ("restored"), in
# accountctl's output, accountctl status and accountd's log; meduse's own
# changes (a lock) are not called that.  accountctl plan reports the same
# without changing anything.  MinIO going away in the middle of the checks
# leaves the part pending, changes nothing half-way, and the next sync
# still restores it and says why.  An unchanged account costs three reads
# (user-info, get-bucket-quota, info-canned-policy) and no write; a full
# pass one list-users and two reads an account.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/minio-lib.sh"
# shellcheck disable=SC2119  # no extra arguments
start_minio_fake
minio_call s3 create_bucket '{"Bucket":"datasets"}' >/dev/null
minio_conf "shared_read: [datasets]"
kube_accountd "reconcile_interval: 0"
mkkey alice

madmin() {	# madmin ARGS...: an admin call as MinIO's root, as an admin makes it
	minio_do admin "$@" >"$T/resp"
	grep -q '^HTTP 200$' "$T/resp" || { cat "$T/resp" >&2; fail "admin call $*"; }
}
detach() {
	madmin POST idp/builtin/policy/detach --content-type application/octet-stream \
		--json '{"policies":["meduse-alice"],"user":"alice"}' --encrypt 2
}
audit_len() { minio_ctl /fake/audit | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
audit_since() {	# audit_since N: "METHOD op" of the requests after the first N
	minio_ctl /fake/audit | /usr/bin/python3 -c '
import json, sys
print(" ".join("%s:%s" % (e["method"], e["path"].rsplit("/", 1)[-1]) for e in json.load(sys.stdin)[int(sys.argv[1]):]))' "$1"
}
policy() { minio_state 'json.dumps(s["policies"]["meduse-alice"]["doc"], sort_keys=True)'; }
attached() { minio_state 's["users"]["alice"]["policies"]'; }
quota() { minio_state 's["buckets"]["lab-alice"]["hard_quota"]'; }
ustatus() { minio_state 's["users"]["alice"]["status"]'; }
sk() { kube_obj secrets/u-alice/meduse-minio \
	"__import__('base64').b64decode(o['data']['AWS_SECRET_ACCESS_KEY']).decode()"; }
OUTSIDE='\(changed outside meduse\)'
ALL='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::*"}]}'
plans() {	# plans ACTION KIND OBJECT WHAT: plan shows a change made outside meduse
	expect_rc 0 ctl plan alice
	expect_in "$T/err" "$1 +$2 +$3: $4 $OUTSIDE\$"
	expect_not_in "$T/err" 'restored'
}
restores() {	# restores KIND OBJECT WHAT DONE: sync undoes it and says so
	expect_rc 0 ctl sync alice
	expect_in "$T/err" "restored +$1 +$2: $3 $OUTSIDE: $4\$"
}

expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
expect_in "$T/err" 'created +MinioPolicy +meduse-alice$'
expect_in "$T/err" ' 0 pending, 0 failed'
good=$(policy)
q=$(quota)
[ "$q" -gt 0 ] || fail "no quota on lab-alice"

# Unchanged: MinIO gave the policy back with its sets in another order,
# which is no change.  Three reads, no write.
n=$(audit_len)
expect_rc 0 ctl sync alice
expect_in "$T/err" 'unchanged +MinioUser +alice$'
expect_in "$T/err" 'unchanged +MinioBucket +lab-alice$'
expect_in "$T/err" 'unchanged +MinioPolicy +meduse-alice$'
[ "$(audit_since "$n")" = "GET:user-info GET:get-bucket-quota GET:info-canned-policy" ] ||
	fail "an unchanged sync: $(audit_since "$n")"

# The policy edited by hand: the user can write anywhere.  plan says so and
# changes nothing; sync restores it.
madmin PUT add-canned-policy name=meduse-alice --json "$ALL"
minio_call --key "alice:$(sk)" s3 put_object '{"Bucket":"datasets","Key":"x","Body":"x"}' >"$T/out"
expect_in "$T/out" 'HTTP 200'
n=$(audit_len)
plans update MinioPolicy meduse-alice "policy meduse-alice differed from meduse's"
[ "$(audit_since "$n")" = "GET:user-info GET:get-bucket-quota GET:info-canned-policy" ] ||
	fail "plan sent more than reads: $(audit_since "$n")"
[ "$(policy)" != "$good" ] || fail "plan changed the policy"
restores MinioPolicy meduse-alice "policy meduse-alice differed from meduse's" restored
expect_in "$T/err" 'unchanged +MinioBucket'
[ "$(policy)" = "$good" ] || fail "policy not restored: $(policy)"
minio_call --key "alice:$(sk)" s3 put_object '{"Bucket":"datasets","Key":"y","Body":"y"}' >"$T/out"
expect_in "$T/out" 'AccessDenied'
expect_rc 0 ctl status alice
expect_in "$T/out" "MinioPolicy .*policy meduse-alice differed from meduse's $OUTSIDE: restored"
expect_in "$T/accountd.log" "minio: alice: policy meduse-alice differed from meduse's $OUTSIDE: restored"
expect_rc 0 ctl sync alice
expect_in "$T/err" 'unchanged +MinioPolicy +meduse-alice$'

# The quota: smaller, then the right size but not "hard" (not enforced).
madmin PUT set-bucket-quota bucket=lab-alice --json '{"size":1024,"quotatype":"hard"}'
plans update MinioBucket lab-alice "the hard quota of bucket lab-alice was 1Ki, meduse's is [0-9]+[KMGT]i"
[ "$(quota)" = 1024 ] || fail "plan changed the quota"
restores MinioBucket lab-alice "the hard quota of bucket lab-alice was 1Ki, .*" restored
[ "$(quota)" = "$q" ] || fail "quota not restored: $(quota)"
madmin PUT set-bucket-quota bucket=lab-alice --json "{\"size\":$q}"
[ "$(quota)" = 0 ] || fail "a quota without quotatype hard is enforced?"
restores MinioBucket lab-alice "the hard quota of bucket lab-alice was none, .*" restored
[ "$(minio_state 's["buckets"]["lab-alice"]["quota"]["quotatype"]')" = hard ] || fail "quotatype not restored"

# Detached from the user.
detach
[ "$(attached)" = "[]" ] || fail "not detached"
plans update MinioPolicy meduse-alice "policy meduse-alice was detached from user alice"
[ "$(attached)" = "[]" ] || fail "plan attached the policy"
restores MinioPolicy meduse-alice "policy meduse-alice was detached from user alice" restored
[ "$(attached)" = "['meduse-alice']" ] || fail "policy not attached again"

# The user of an active account disabled; of a locked one, enabled.  A lock
# is meduse's own change.
madmin PUT set-user-status accessKey=alice status=disabled
plans update MinioUser alice "user alice was disabled"
[ "$(ustatus)" = disabled ] || fail "plan enabled the user"
restores MinioUser alice "user alice was disabled" "enabled again"
[ "$(ustatus)" = enabled ] || fail "user not enabled again"
expect_rc 0 ctl lock alice
expect_in "$T/err" 'disabled +MinioUser +alice$'
madmin PUT set-user-status accessKey=alice status=enabled
restores MinioUser alice "user alice was enabled" "disabled again"
[ "$(ustatus)" = disabled ] || fail "locked user not disabled again"
expect_rc 0 ctl unlock alice
expect_in "$T/err" 'enabled +MinioUser +alice$'
expect_not_in "$T/err" 'outside meduse'
expect_in "$T/accountd.log" "minio: alice: user alice was disabled $OUTSIDE: enabled again"

# The policy deleted (MinIO wants it detached first).
detach
madmin DELETE remove-canned-policy name=meduse-alice
plans create MinioPolicy meduse-alice "policy meduse-alice was deleted"
[ "$(minio_state '"meduse-alice" in s["policies"]')" = False ] || fail "plan made the policy"
restores MinioPolicy meduse-alice "policy meduse-alice was deleted" restored
[ "$(policy)" = "$good" ] || fail "policy not made again"
[ "$(attached)" = "['meduse-alice']" ] || fail "policy not attached again"

# MinIO goes away during the checks: after the user's info (answered
# slowly), before the bucket's quota is read.  The part is pending, the
# Secret kept, nothing changed; the next sync restores and says why.
outage_after() {	# outage_after OP: MinIO down once OP was answered, for ctl sync alice
	minio_fault slow '"delay":3'
	ctl sync alice >"$T/out" 2>"$T/err" &
	local pid=$! _
	for _ in $(seq 1 100); do
		minio_ctl /fake/audit | /usr/bin/python3 -c '
import json, sys
sys.exit(not any(e.get("fault") == "slow" and e["path"].endswith(sys.argv[1]) for e in json.load(sys.stdin)))' "$1" && break
		sleep 0.05
	done
	minio_fault down
	wait "$pid"
	rc=$?
	minio_fault none
}
madmin PUT add-canned-policy name=meduse-alice --json "$ALL"
madmin PUT set-bucket-quota bucket=lab-alice --json '{"size":1024,"quotatype":"hard"}'
sk0=$(sk)
outage_after user-info
[ "$rc" = 1 ] || { cat "$T/err" >&2; fail "sync during an outage exited $rc"; }
expect_in "$T/err" 'pending +MinioBucket +lab-alice: GET /minio/admin/v3/get-bucket-quota'
expect_not_in "$T/err" 'restored'
{ [ "$(quota)" = 1024 ] && [ "$(policy)" != "$good" ]; } || fail "changed during the outage"
[ "$(sk)" = "$sk0" ] || fail "the Secret changed"
expect_rc 0 ctl status alice
expect_in "$T/out" 'MinioBucket .*pending'
restores MinioBucket lab-alice "the hard quota of bucket lab-alice was 1Ki, .*" restored
expect_in "$T/err" "restored +MinioPolicy +meduse-alice: policy meduse-alice differed from meduse's $OUTSIDE: restored\$"
{ [ "$(quota)" = "$q" ] && [ "$(policy)" = "$good" ]; } || fail "not restored after the outage"

# ... and after the quota was read, before the policy was.
madmin PUT add-canned-policy name=meduse-alice --json "$ALL"
outage_after get-bucket-quota
[ "$rc" = 1 ] || { cat "$T/err" >&2; fail "sync during an outage exited $rc"; }
expect_in "$T/err" 'unchanged +MinioBucket +lab-alice$'
expect_in "$T/err" 'pending +MinioPolicy +meduse-alice: GET /minio/admin/v3/info-canned-policy'
[ "$(policy)" != "$good" ] || fail "changed during the outage"
restores MinioPolicy meduse-alice "policy meduse-alice differed from meduse's" restored
[ "$(policy)" = "$good" ] || fail "policy not restored after the outage"

# MinIO down for a whole sync: the user's key is set again at the next one
# (its row is pending), which still says why its status changed.
madmin PUT set-user-status accessKey=alice status=disabled
minio_fault down
expect_rc 1 ctl sync alice
expect_in "$T/err" 'pending +MinioUser +alice'
minio_fault none
[ "$(ustatus)" = disabled ] || fail "changed during the outage"
restores MinioUser alice "user alice was disabled" "enabled again"
{ [ "$(ustatus)" = enabled ] && [ "$(sk)" = "$(minio_state 's["users"]["alice"]["secret_key"]')" ]; } ||
	fail "user not restored with its Secret's key"

# A full pass: one listing, then two reads an account.
mkkey bob
expect_rc 0 ctl add bob --key "$T/keys/bob.pub"
n=$(audit_len)
expect_rc 0 ctl sync
[ "$(audit_since "$n")" = "GET:list-users GET:get-bucket-quota GET:info-canned-policy GET:get-bucket-quota GET:info-canned-policy" ] ||
	fail "a full unchanged pass: $(audit_since "$n")"
