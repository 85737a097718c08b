# shellcheck shell=bash disable=SC2034  # the MINIO_* variables are for callers
# Helpers to run the strict fake MinIO (tests/fakes/minio_fake.py) from an
# integration test (sourced after tests/integration/lib.sh).
#
#   start_minio_fake [ARGS...]  starts it on 127.0.0.1 (any free ports) with a
#       fresh root credential: MINIO_ACCESS_KEY, MINIO_SECRET_KEY, also in
#       $T/minio-credentials as ACCESS:SECRET (mode 0600, the s3fs form that
#       minio.credentials_file takes).  Sets MINIO_URL, MINIO_CONTROL,
#       MINIO_FAKE_PID and MINIO_KEY (ACCESS:SECRET, for minio_call).  Its log
#       is $T/minio-fake.log.  ARGS go to minio_fake.py (e.g. --region eu-1).
#   minio_conf [LINE...]         appends to $CONF a minio: section for the fake
#       (endpoint, credentials_file, bucket_prefix lab-) with each LINE added
#       to it, e.g. minio_conf "shared_read: [datasets]" "region: eu-1"
#   minio_ctl PATH               GET a control path (/fake/state, /fake/audit)
#   minio_post PATH JSON         POST JSON to a control path (fails the test on error)
#   minio_fault MODE [JSON-EXTRA]  down|error|hang|slow|none, e.g.
#       minio_fault error '"count":2,"error":"InternalError"'
#   minio_state PY-EXPR          evaluates EXPR on the control state ("s":
#       users, policies, buckets, response_ids_sent ...) and prints it
#   minio_call ARGS...           tests/fakes/minio_call.py with MINIO_URL and
#       MINIO_KEY (admin, raw and s3 calls; --key USER:SECRET for a user)
#   minio_do ARGS...             the same call made by one long-lived
#       "minio_call.py serve" (a coprocess started by start_minio_fake): no
#       Python start-up per call.  Prints the same output, plus "EXIT N"
#       when the call failed (no answer: EXIT 2); returns 0.

MINIO_FAKE=$TOP/tests/fakes/minio_fake.py
MINIO_CALL=$TOP/tests/fakes/minio_call.py

start_minio_fake() {
	if ! /usr/bin/python3 -c 'import botocore, cryptography, argon2' 2>/dev/null; then
		skip "python3-botocore/python3-cryptography/python3-argon2 missing (run scripts/deps.sh)"
	fi
	MINIO_ACCESS_KEY=admin$(LC_ALL=C tr -dc 'a-z0-9' </dev/urandom | head -c 8)
	MINIO_SECRET_KEY=$(LC_ALL=C tr -dc 'a-zA-Z0-9' </dev/urandom | head -c 32)
	MINIO_KEY=$MINIO_ACCESS_KEY:$MINIO_SECRET_KEY
	(umask 077; printf '%s\n' "$MINIO_KEY" >"$T/minio-credentials")
	rm -f "$T/minio-ready"
	/usr/bin/python3 "$MINIO_FAKE" --access-key "$MINIO_ACCESS_KEY" \
		--secret-key "$MINIO_SECRET_KEY" --ready-file "$T/minio-ready" "$@" \
		>>"$T/minio-fake.log" 2>&1 &
	MINIO_FAKE_PID=$!
	_pids+=("$MINIO_FAKE_PID")
	for _ in $(seq 1 200); do
		[ -s "$T/minio-ready" ] && break
		kill -0 "$MINIO_FAKE_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -s "$T/minio-ready" ] || { cat "$T/minio-fake.log" >&2; fail "minio_fake did not start"; }
	# shellcheck disable=SC1091
	. "$T/minio-ready"
	export MINIO_URL MINIO_KEY
	coproc MINIO_DO { /usr/bin/python3 "$MINIO_CALL" serve 2>>"$T/minio-call.log"; }
	_pids+=("$MINIO_DO_PID")
}

minio_conf() {
	local l
	{
		printf 'minio:\n  endpoint: %s\n  credentials_file: %s\n  bucket_prefix: lab-\n' \
			"$MINIO_URL" "$T/minio-credentials"
		for l in "$@"; do printf '  %s\n' "$l"; done
	} >>"$CONF"
}

minio_ctl() {
	curl -sS -f "$MINIO_CONTROL$1" || fail "minio_ctl $1"
}

minio_post() {
	curl -sS -f -X POST "$MINIO_CONTROL$1" -d "$2" >/dev/null || fail "minio_post $1 $2"
}

minio_fault() {
	local mode=$1 extra=${2:-}
	minio_post /fake/fault "{\"mode\":\"$mode\"${extra:+,$extra}}"
}

minio_state() {
	minio_ctl /fake/state | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

minio_call() {
	/usr/bin/python3 "$MINIO_CALL" "$@"
}

minio_do() {
	local line
	printf '%s\0' $# "$@" >&"${MINIO_DO[1]}" || fail "minio_call serve is gone"
	while IFS= read -r line <&"${MINIO_DO[0]}"; do
		[ "$line" = "@@END@@" ] && return 0
		printf '%s\n' "$line"
	done
	cat "$T/minio-call.log" >&2
	fail "minio_call serve ended"
}
