#!/usr/bin/env bash
# While a session through the gateway is open, Coder is told the workspace
# is in use (POST /workspaces/ID/usage, app ssh, every
# coder.activity_interval), so that its auto-stop leaves it running under a
# working user; once the last session closes the reports stop and auto-stop
# takes over.  The fake stops a running workspace after 5 s without a report.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/coder-lib.sh"

CODER_YAML=("activity_interval: 1s")
coder_gw_setup --build-delay 0.2 --autostop 5
usage() { coder_ctl /fake/usage | /usr/bin/python3 -c 'import json,sys; print(len([u for u in json.load(sys.stdin) if u.get("app_name") == "ssh"]))'; }

# 9 s of work, longer than auto-stop: the workspace must stay up.
expect_rc 0 gw_ssh alice alice 'sleep 9; echo alive'
expect_in "$T/out" '^alive$'
n=$(usage)
[ "$n" -ge 4 ] || fail "only $n usage reports during a 9 s session"
[ "$(coder_ws alice/dev 'w["status"]')" = running ] ||
	fail "auto-stop stopped the workspace under an open session"

# No session: no report, and auto-stop stops it.
for _ in $(seq 1 150); do [ "$(coder_ws alice/dev 'w["status"]')" = stopped ] && break; sleep 0.1; done
[ "$(coder_ws alice/dev 'w["status"]')" = stopped ] || fail "reports went on after the session closed"
[ "$(usage)" -le $((n + 1)) ] || fail "usage reported with no session open"
