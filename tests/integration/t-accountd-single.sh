#!/usr/bin/env bash
# One daemon per database; a crashed daemon's socket does not block a
# restart; the socket and database get safe permissions.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"

# A second daemon on the same state_dir refuses to run.
expect_rc 1 timeout 10 "$BIN/accountd" -c "$CONF"
expect_in "$T/err" "another accountd \(pid $ACCOUNTD_PID\) already uses $T/state"
# ... and on the same socket with another state_dir too.
sed "s|state_dir: .*|state_dir: $T/state2|" "$CONF" >"$T/other.yaml"
expect_rc 1 timeout 10 "$BIN/accountd" -c "$T/other.yaml"
expect_in "$T/err" "another accountd is already listening on $T/run/accountd.sock"
expect_rc 0 ctl show alice

[ "$(stat -c %a "$T/state/meduse.db")" = 600 ] || fail "database mode $(stat -c %a "$T/state/meduse.db")"
[ "$(stat -c %a "$T/run/accountd.sock")" = 666 ] || fail "socket mode"
sqlite3 "$T/state/meduse.db" 'PRAGMA journal_mode' | grep -qx wal || fail "not WAL"
[ "$(sqlite3 "$T/state/meduse.db" 'PRAGMA user_version')" = 3 ] || fail "schema version"
sqlite3 "$T/state/meduse.db" "EXPLAIN QUERY PLAN SELECT a.name FROM keys k JOIN accounts a ON a.id = k.account_id WHERE k.fingerprint = 'x'" |
	grep -q 'USING INDEX sqlite_autoindex_keys' || fail "fingerprint lookup is not indexed"

# kill -9 leaves a stale socket; the next start removes it and serves.
kill -9 "$ACCOUNTD_PID"
wait "$ACCOUNTD_PID" 2>/dev/null
[ -S "$T/run/accountd.sock" ] || fail "expected a stale socket"
start_accountd
expect_in "$T/accountd.log" 'removing stale socket'
expect_rc 0 ctl show alice

# Something that is not a socket where the socket goes: refuse, don't delete it.
stop_accountd
echo precious >"$T/run/accountd.sock"
expect_rc 1 timeout 10 "$BIN/accountd" -c "$CONF"
expect_in "$T/err" 'exists and is not a socket'
[ "$(cat "$T/run/accountd.sock")" = precious ] || fail "file was clobbered"
