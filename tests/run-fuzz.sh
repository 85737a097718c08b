#!/usr/bin/env bash
# Runs every libFuzzer target of a build over its seed corpus and then for a
# bounded time on new inputs: tests/run-fuzz.sh BUILD [SECONDS]
# The time bound keeps `make check` short; run longer by hand with SECONDS.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
secs=${2:-${FUZZ_SECONDS:-10}}
pass=0 fail=0
for f in "$build"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus=$top/tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
	if "$f" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    "$work" >"$work.log" 2>&1; then
		pass=$((pass + 1))
		echo "ok   $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | awk '{print $2}') runs)"
	else
		fail=$((fail + 1))
		echo "FAIL $name:"
		tail -n 30 "$work.log" | sed 's/^/    | /'
	fi
	rm -rf "$work" "$work.log"
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
