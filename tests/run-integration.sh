#!/usr/bin/env bash
# Runs every integration script of tests/integration/ against a build:
#   tests/run-integration.sh BUILD [NAME-PATTERN]
#
# The whole run happens inside a private mount namespace in which /etc/passwd,
# /etc/group and /etc/pam.d are test copies (tests/integration/users.sh adds
# the test users and groups).  Tests can then log in as "alice" through a real
# sshd and ask real PAM, without touching the machine's own accounts.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
pattern=${2:-}
case "$build" in /*) ;; *) build="$top/$build" ;; esac

if [ -z "${MEDUSE_IN_NS:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "integration tests need root (for a private mount namespace)" >&2
		exit 1
	fi
	exec unshare --mount --propagation private env MEDUSE_IN_NS=1 "$0" "$build" "$pattern"
fi

# shellcheck source=integration/users.sh
. "$top/tests/integration/users.sh"
ns_etc=$(mktemp -d /run/meduse-etc.XXXXXX)
users_install "$ns_etc" || { echo "cannot set up test users" >&2; exit 1; }

export MEDUSE_BUILD="$build" MEDUSE_TOP="$top"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 skip=0
logs=${MEDUSE_TEST_LOGS:-$top/build/test-logs}
mkdir -p "$logs"
# Tests run MEDUSE_JOBS at a time (default: the number of CPUs plus one),
# each in a mount namespace of its own so that the ones that bind over
# /etc/passwd (gw-lib.sh) cannot see each other's.  Most of a test's time
# is spent waiting on daemons (a workspace's build, a poll), so one more
# than the CPUs keeps them busy without making the tests' timing tight.
jobs=${MEDUSE_JOBS:-$(( $(nproc) + 1 ))}
declare -A started names
report() {	# report PID RC
	local name=${names[$1]} secs out
	out="$logs/$name.log"
	secs=$(( $(date +%s) - started[$1] ))
	case $2 in
	0)  pass=$((pass + 1)); echo "ok   $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "skip $name: $(tail -n 1 "$out")" ;;
	*)  fail=$((fail + 1)); echo "FAIL $name (${secs}s), log: $out"; sed 's/^/    | /' "$out" | tail -n 40 ;;
	esac
	unset "names[$1]" "started[$1]"
}
# The long tests first (tests/integration/slow-first), then the rest: a
# long one started last would hold up the end of the run.
order=()
while read -r name; do
	case $name in '#'* | '') continue ;; esac
	[ -f "$top/tests/integration/$name.sh" ] && order+=("$top/tests/integration/$name.sh")
done <"$top/tests/integration/slow-first"
for t in "$top"/tests/integration/t-*.sh; do
	case " ${order[*]} " in *" $t "*) ;; *) order+=("$t") ;; esac
done
running=0
for t in "${order[@]}"; do
	name=$(basename "$t" .sh)
	case "$name" in *"$pattern"*) ;; *) continue ;; esac
	# A test of the doubles alone runs none of meduse's code: the
	# sanitizer pass (MEDUSE_SAN=1, make check-san) would only repeat it.
	if [ -n "${MEDUSE_SAN:-}" ] && grep -q '^# Runs none of meduse' "$t"; then
		skip=$((skip + 1))
		echo "skip $name: it tests the doubles only (run in the plain pass)"
		continue
	fi
	if [ "$running" -ge "$jobs" ]; then
		wait -n -p done_pid
		report "$done_pid" $?
		running=$((running - 1))
	fi
	unshare --mount --propagation private bash "$t" >"$logs/$name.log" 2>&1 &
	names[$!]=$name
	started[$!]=$(date +%s)
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n -p done_pid
	report "$done_pid" $?
	running=$((running - 1))
done
rm -rf "$ns_etc"
echo "($(basename "$build"))"; echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
