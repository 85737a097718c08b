# Shared helpers for the integration scripts (sourced).  Each t-*.sh proves
# one behaviour the way a user sees it: it runs the built programs in the
# foreground on loopback inside a temp dir, and fails if a log shows a crash.
#
#   T        the test's temp dir (removed on success, kept on failure)
#   BIN      the built binaries; CONF the test's meduse.yaml
set -u
: "${MEDUSE_BUILD:?run through tests/run-integration.sh}"
BIN=$MEDUSE_BUILD/bin
LIBDIR=$MEDUSE_BUILD/lib
TOP=$MEDUSE_TOP
# /run is root-owned and not group/world-writable: sshd accepts helper and
# config paths below it (StrictModes, AuthorizedKeysCommand checks).
T=$(mktemp -d /run/meduse-it.XXXXXX)
chmod 0755 "$T"
CONF=$T/meduse.yaml
export MEDUSE_CONFIG=$CONF
_pids=()
_failed=0

mkdir -p "$T/state" "$T/run" "$T/keys"
cat >"$CONF" <<YAML
state_dir: $T/state
accountd:
  socket: $T/run/accountd.sock
  admin_group: meduse-admin
  gateway_group: meduse
coder: {default_workspace: dev}
YAML

fail() {
	echo "FAIL: $*" >&2
	_failed=1
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

# Runs at exit: stops what the test started, checks server logs for crashes
# and sanitizer reports, keeps $T when something failed.
_cleanup() {
	local rc=$? p f
	for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do wait "$p" 2>/dev/null; done
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation fault|core dumped' "$f"; then
			echo "FAIL: crash or sanitizer report in $f:" >&2
			sed 's/^/    /' "$f" | tail -n 40 >&2
			rc=1
		fi
	done
	if [ "$rc" -eq 77 ] && [ "$_failed" -eq 0 ]; then
		rm -rf "$T"
	elif [ "$rc" -ne 0 ] || [ "$_failed" -ne 0 ]; then
		echo "(test files kept in $T)" >&2
		[ "$rc" -eq 0 ] && rc=1
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap _cleanup EXIT

# Starts accountd in the foreground (backgrounded by the shell), logging to
# $T/accountd.log, and waits until it answers.
start_accountd() {
	"$BIN/accountd" -c "$CONF" "$@" >>"$T/accountd.log" 2>&1 &
	ACCOUNTD_PID=$!
	_pids+=("$ACCOUNTD_PID")
	wait_for_socket "$T/run/accountd.sock" || { cat "$T/accountd.log" >&2; fail "accountd did not start"; }
}

stop_accountd() {
	kill "$ACCOUNTD_PID" 2>/dev/null
	wait "$ACCOUNTD_PID" 2>/dev/null
	return 0
}

# wait_listening PID ADDR PORT: waits until PID listens on ADDR:PORT (0), or
# stops it when it dies or never listens (1: the caller may retry a port).
wait_listening() {
	local pid=$1 addr=$2 port=$3 i
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		ss -Htln "src $addr:$port" | grep -q . && return 0
		sleep 0.05
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 1
}

wait_for_socket() {
	local i
	for i in $(seq 1 100); do
		[ -S "$1" ] && "$BIN/accountctl" -c "$CONF" list >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

ctl() {
	"$BIN/accountctl" -c "$CONF" "$@"
}

# as_user USER CMD...: runs CMD with USER's uid, gid and groups.
as_user() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"
}

# mkkey NAME [ssh-keygen args...]: makes $T/keys/NAME and NAME.pub.
mkkey() {
	local n=$1
	shift
	[ $# -gt 0 ] || set -- -t ed25519
	ssh-keygen -q -N '' -C "$n@test" -f "$T/keys/$n" "$@" </dev/null >/dev/null ||
		fail "ssh-keygen $n"
}

# expect_rc RC CMD...: runs CMD, output to $T/out and $T/err, checks its exit code.
expect_rc() {
	local want=$1 got
	shift
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "--- stdout" >&2; cat "$T/out" >&2
		echo "--- stderr" >&2; cat "$T/err" >&2
		fail "'$*' exited $got, expected $want"
	fi
}

# expect_in FILE REGEX: FILE ($T/out, $T/err) must match the extended regex.
expect_in() {
	grep -qE -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 does not match /$2/"; }
}

# expect_has FILE STRING: FILE contains STRING literally (fingerprints hold '+').
expect_has() {
	grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 does not contain '$2'"; }
}

expect_not_in() {
	! grep -qE -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "$1 matches /$2/"; }
}

# db_dump: a stable text dump of the account database, to prove that a refused
# command changed nothing.  A failing query prints a unique line, so that two
# failed dumps never compare equal.
db_dump() {
	sqlite3 -bail "$T/state/meduse.db" \
	  "SELECT 'a',name,display_name,email,state,expires,updated_at,deleted_at FROM accounts ORDER BY name;
	   SELECT 'k',fingerprint,account_id,comment,last_used_at FROM keys ORDER BY fingerprint;
	   SELECT 'q',* FROM quotas ORDER BY account_id;
	   SELECT 'w',account_id,name,is_default FROM workspaces ORDER BY account_id,name;" ||
		echo "db_dump failed $RANDOM$RANDOM"
}
