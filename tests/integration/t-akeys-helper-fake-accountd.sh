#!/usr/bin/env bash
# meduse-authorized-keys prints only what is safe for sshd even when the
# socket answers wrongly (a wrong socket path, a broken accountd): a key that
# would break the line, an answer for another account, or an answer without
# a key print nothing and exit 1.  A sound answer is printed as one line.
. "$MEDUSE_TOP/tests/integration/lib.sh"

sock=$T/run/fake.sock
cat >"$T/fake.yaml" <<YAML
state_dir: $T/state
accountd:
  socket: $sock
YAML
# fake.py ANSWER-FILE: answers every request with the next line of the file.
cat >"$T/fake.py" <<'PY'
import os, socket, sys
answers = open(sys.argv[2]).read().splitlines()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
s.listen(8)
for a in answers:
    c, _ = s.accept()
    buf = b""
    while not buf.endswith(b"\n"):
        d = c.recv(65536)
        if not d:
            break
        buf += d
    c.sendall(a.encode() + b"\n")
    c.close()
PY
blob=AAAAC3NzaC1lZDI1NTE5AAAAICCNK48wKSl4+JmQLyeaeSG//VxkLuuhDlulz9a7BRXT
fp=SHA256:/xRraNaqyCDOcKau3QZ6NzUtfwWsOHP+0qgdNI+6oOo
ok() {	# ok ACCOUNT TYPE BLOB: a well-formed auth.lookup answer, as JSON
	printf '{"v":1,"ok":true,"result":{"account":"%s","state":"active","key":{"type":"%s","blob":"%s","fingerprint":"%s","comment":"c"}}}\n' "$1" "$2" "$3" "$fp"
}
{
	ok alice ssh-ed25519 "$blob"
	ok alice ssh-ed25519 "$blob\\nssh-ed25519 $blob"
	ok alice "ssh-ed25519 $blob\\nrestrict" "$blob"
	ok bob ssh-ed25519 "$blob"
	echo '{"v":1,"ok":true,"result":{"account":"alice","state":"active"}}'
} >"$T/answers"
/usr/bin/python3 "$T/fake.py" "$sock" "$T/answers" &
_pids+=($!)
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || fail "the fake accountd did not start"
H=$BIN/meduse-authorized-keys

expect_rc 0 "$H" -c "$T/fake.yaml" alice "$fp"
[ "$(cat "$T/out")" = "restrict ssh-ed25519 $blob c" ] || fail "unexpected output: $(cat "$T/out")"
for why in "returned a malformed key" "returned a malformed key" \
    "answered for account bob" "answer lacks account, state or key"; do
	expect_rc 1 "$H" -c "$T/fake.yaml" alice "$fp"
	[ ! -s "$T/out" ] || { cat "$T/out" >&2; fail "printed a line though accountd $why"; }
	expect_in "$T/err" "user alice key .*: refused: accountd('s)? $why"
done
