# Helpers for the t-pam-*.sh scripts, sourced after lib.sh.  They drive the
# built pam_meduse.so through real libpam with pamtester, from a PAM service
# file of their own in the private /etc/pam.d of the test run.
#
#   PAM_MODULE    the module under test
#   PAM_SAN       1 when the module is built with AddressSanitizer
#   pam_service NAME [ARGS...]   writes /etc/pam.d/meduse-test-NAME-PID with
#                 account and session lines, and sets PAM_SERVICE
#   PT            the pamtester command (ASan runtime preloaded when needed)
#   expect_pam [-u USER] RC REGEX ARGS...  pamtester ARGS must exit RC and
#                 print REGEX

PAM_MODULE=$LIBDIR/pam_meduse.so
[ -f "$PAM_MODULE" ] || fail "$PAM_MODULE is missing: run make first"
command -v pamtester >/dev/null || skip "pamtester is not installed (scripts/deps.sh installs it)"

# The strings pam_strerror(3) gives for each code, as pamtester prints them.
PAM_MSG_OK='account management done'
PAM_MSG_PERM_DENIED='pamtester: Permission denied$'
PAM_MSG_ACCT_EXPIRED='pamtester: User account has expired$'
PAM_MSG_USER_UNKNOWN='pamtester: User not known to the underlying authentication module$'
PAM_MSG_AUTHINFO_UNAVAIL='pamtester: Authentication service cannot retrieve authentication info$'
PAM_MSG_SERVICE_ERR='pamtester: Error in service module$'

# A sanitizer build's module needs the ASan runtime loaded first in the
# uninstrumented pamtester.  The build name says so (build/san), and so does
# the module itself; either is enough.
PAM_SAN=0
case "$MEDUSE_BUILD" in *san) PAM_SAN=1 ;; esac
readelf -d "$PAM_MODULE" 2>/dev/null | grep -q 'NEEDED.*libasan' && PAM_SAN=1
if [ "$PAM_SAN" = 1 ]; then
	PAM_ASAN_LIB=$(gcc -print-file-name=libasan.so)
	[ -f "$PAM_ASAN_LIB" ] || fail "sanitizer build but no libasan.so ($PAM_ASAN_LIB)"
fi

pam_service() {
	local name=$1
	shift
	PAM_SERVICE=meduse-test-$name-$$
	cat >"/etc/pam.d/$PAM_SERVICE" <<-EOF || fail "cannot write /etc/pam.d/$PAM_SERVICE"
	account required $PAM_MODULE $*
	session required $PAM_MODULE $*
	EOF
}

# The pamtester command line: a sanitizer build's module needs the ASan
# runtime preloaded into the uninstrumented pamtester.  Leaks are still
# checked then, since every allocation goes through ASan's malloc.
if [ "$PAM_SAN" = 1 ]; then
	PT=(env LD_PRELOAD="$PAM_ASAN_LIB"
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" pamtester)
else
	PT=(pamtester)
fi

# expect_pam [-u USER] RC REGEX PAMTESTER-ARGS...: runs pamtester (as USER
# when given), checks its exit code and that its output matches REGEX.  Its
# stderr is kept in $T/pamtester.log, so that lib.sh's cleanup fails the test
# on any sanitizer report from the module.
expect_pam() {
	local run=()
	if [ "$1" = -u ]; then
		run=(as_user "$2")
		shift 2
	fi
	local rc=$1 re=$2
	shift 2
	expect_rc "$rc" "${run[@]}" "${PT[@]}" "$@"
	cat "$T/err" >>"$T/pamtester.log"
	cat "$T/out" "$T/err" >"$T/pam-out"
	expect_in "$T/pam-out" "$re"
}
