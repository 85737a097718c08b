#!/usr/bin/env bash
# pam_meduse is clean under valgrind in a real libpam host (pamtester): no
# invalid access and no definite leak, for an admitted and a refused account,
# across the account and session stages.

# Checked before lib.sh makes its temp dir, so the reason is the last line.
case "${MEDUSE_BUILD:-}" in *san)
	echo "valgrind cannot run the ASan-instrumented module of a sanitizer build"
	exit 77 ;;
esac
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

[ "$PAM_SAN" = 1 ] && skip "valgrind cannot run the ASan-instrumented module of a sanitizer build"
command -v valgrind >/dev/null || skip "valgrind is not installed (scripts/deps.sh installs it)"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
pam_service valgrind "config=$CONF"

# Exit 99 is valgrind's: a memory error or a definite leak.  Its report goes
# to $T/valgrind-*.txt (not *.log: lib.sh only scans those for crashes).
vg() {
	local out=$1
	shift
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --keep-debuginfo=yes \
	    --error-exitcode=99 --log-file="$T/valgrind-$out.txt" pamtester "$@"
}
check_vg() {
	if [ -s "$T/valgrind-$1.txt" ]; then
		cat "$T/valgrind-$1.txt" >&2
		fail "valgrind reported problems for $1"
	fi
}

expect_rc 0 vg active "$PAM_SERVICE" alice acct_mgmt open_session close_session
expect_in "$T/out" "$PAM_MSG_OK"
check_vg active

expect_rc 1 vg unknown "$PAM_SERVICE" nobody-here acct_mgmt
expect_in "$T/err" "$PAM_MSG_USER_UNKNOWN"
check_vg unknown

expect_rc 1 vg invalid "$PAM_SERVICE" Not-A-Name acct_mgmt
expect_in "$T/err" "$PAM_MSG_USER_UNKNOWN"
check_vg invalid

stop_accountd
expect_rc 1 vg down "$PAM_SERVICE" alice acct_mgmt
expect_in "$T/err" "$PAM_MSG_AUTHINFO_UNAVAIL"
check_vg down
