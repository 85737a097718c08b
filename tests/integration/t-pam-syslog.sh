#!/usr/bin/env bash
# pam_meduse logs each account decision exactly once to syslog, facility
# authpriv, with the user, the remote host, the outcome and the reason; and
# logs session open and close.  A private /dev/log captures what it sends.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey alice
mkkey bob
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
ctl add bob --key "$T/keys/bob.pub" >/dev/null || fail "accountctl add bob"
ctl lock bob >/dev/null || fail "accountctl lock bob"
pam_service syslog "config=$CONF"

SYSLOG=$T/syslog.txt
# with_syslog RC ARGS...: runs pamtester ARGS with syslog captured to $SYSLOG
# (emptied first) and checks its exit code.
with_syslog() {
	local rc=$1
	shift
	: >"$SYSLOG"
	"$TOP/tests/integration/with-syslog.sh" "$SYSLOG" "${PT[@]}" "$@" >"$T/out" 2>"$T/err"
	local got=$?
	[ "$got" -eq 125 ] && skip "cannot capture syslog here (private /dev/log): $(cat "$T/err")"
	cat "$T/err" >>"$T/pamtester.log"
	[ "$got" -eq "$rc" ] || { cat "$T/out" "$T/err" >&2; fail "pamtester $* exited $got, expected $rc"; }
}
# one_line REGEX: exactly one pam_meduse line, and it matches REGEX.
one_line() {
	local n
	n=$(grep -c 'pam_meduse(' "$SYSLOG")
	[ "$n" -eq 1 ] || { cat "$SYSLOG" >&2; fail "expected one pam_meduse line, got $n"; }
	expect_in "$SYSLOG" "$1"
}
# authpriv is facility 10: priorities <80> to <87>.
AP='^<8[0-7]>'

with_syslog 0 -I rhost=192.0.2.7 "$PAM_SERVICE" alice acct_mgmt
one_line "$AP.*pam_meduse\\($PAM_SERVICE:account\\): account alice from 192\\.0\\.2\\.7: allowed: account is active"

with_syslog 1 "$PAM_SERVICE" bob acct_mgmt
one_line "$AP.*pam_meduse\\($PAM_SERVICE:account\\): account bob from local: denied: account is locked"

with_syslog 1 "$PAM_SERVICE" carol acct_mgmt
one_line "$AP.*account carol from local: denied: no such account"

# A hostile name is logged printable, on one line.
with_syslog 1 -I rhost=192.0.2.7 "$PAM_SERVICE" $'eve\nfake: allowed' acct_mgmt
one_line "$AP.*account eve\\?fake:\\?allowed from 192\\.0\\.2\\.7: denied: not a meduse account name"

with_syslog 0 -I rhost=192.0.2.8 "$PAM_SERVICE" alice open_session close_session
expect_in "$SYSLOG" "$AP.*pam_meduse\\($PAM_SERVICE:session\\): session opened for alice from 192\\.0\\.2\\.8"
expect_in "$SYSLOG" "$AP.*pam_meduse\\($PAM_SERVICE:session\\): session closed for alice from 192\\.0\\.2\\.8"

# A host program accountd does not trust: the log says what to fix.
pt_root=("${PT[@]}")
PT=(setpriv --reuid=mdnobody --regid=mdnobody --init-groups -- "${PT[@]}")
with_syslog 1 "$PAM_SERVICE" alice acct_mgmt
PT=("${pt_root[@]}")
one_line "$AP.*account alice from local: denied: accountd denied the request: this program \\(uid 61302\\) must run as root or in the group named by accountd.gateway_group"

stop_accountd
with_syslog 1 "$PAM_SERVICE" alice acct_mgmt
one_line "$AP.*account alice from local: denied: accountd unavailable at $T/run/accountd.sock"
