#!/usr/bin/env bash
# Runs every libFuzzer target of a build over its seed corpus and then for a
# bounded time on new inputs: tests/run-fuzz.sh BUILD [SECONDS]
# The time bound keeps `make check` short; run longer by hand with SECONDS.
# Targets run as many at a time as there are CPUs (MEDUSE_JOBS), each in a
# scratch copy of its corpus: the committed seeds are never written to.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
secs=${2:-${FUZZ_SECONDS:-10}}
jobs=${MEDUSE_JOBS:-$(nproc)}
pass=0 fail=0 running=0
declare -A names works
report() {	# report PID RC
	local name=${names[$1]} work=${works[$1]}
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok   $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | awk '{print $2}') runs)"
	else
		fail=$((fail + 1))
		echo "FAIL $name:"
		tail -n 30 "$work.log" | sed 's/^/    | /'
	fi
	rm -rf "$work" "$work.log"
	unset "names[$1]" "works[$1]"
}
for f in "$build"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	if [ "$running" -ge "$jobs" ]; then
		wait -n -p done_pid
		report "$done_pid" $?
		running=$((running - 1))
	fi
	name=$(basename "$f")
	corpus=$top/tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
	"$f" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 "$work" >"$work.log" 2>&1 &
	names[$!]=$name
	works[$!]=$work
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n -p done_pid
	report "$done_pid" $?
	running=$((running - 1))
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
