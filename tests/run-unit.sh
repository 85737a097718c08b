#!/usr/bin/env bash
# Runs every cmocka unit test binary of a build: tests/run-unit.sh BUILD
set -u
build=${1:-build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	if "$t"; then
		pass=$((pass + 1))
	else
		echo "FAIL: $t" >&2
		fail=$((fail + 1))
	fi
done
echo "($build)"; echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
