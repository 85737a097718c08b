#!/usr/bin/env bash
# madmin body encryption (lib/madmin_crypt.c) agrees with an independent
# implementation, tests/fakes/madmin_crypt.py (python3-cryptography and
# python3-argon2), both ways and for all three ids: Python's ciphertexts,
# one and several fragments, decrypt in C; C's decrypt in Python, and
# Python re-encrypting them with their salt and nonce gives the same bytes.
# The C side is the unit test binary, which runs only its cross-check when
# MADMIN_VECTORS_DIR / MADMIN_OUT_DIR are set.
. "$MEDUSE_TOP/tests/integration/lib.sh"

PY=/usr/bin/python3
UT=$MEDUSE_BUILD/tests/test_madmin_crypt
[ -x "$UT" ] || skip "no $UT: build with 'make tests'"
"$PY" -c 'import argon2, cryptography' 2>/dev/null ||
	skip "python3-argon2 or python3-cryptography missing (scripts/deps.sh)"
mkdir -p "$T/py" "$T/c"

# Python -> C.  The password has a quote, a dollar and UTF-8 in it.  The
# last file is what sio's writer never makes but its reader takes: 16384
# bytes as a full non-final fragment, then an empty final one.
"$PY" - "$T/py" >"$T/py.log" 2>&1 <<'EOF' || { cat "$T/py.log" >&2; fail "python could not make ciphertexts"; }
import os, sys
sys.path.insert(0, os.path.join(os.environ["MEDUSE_TOP"], "tests/fakes"))
import madmin_crypt as m

out = sys.argv[1]
pw = 'p\u00e4$s "w0rd\''
with open(os.path.join(out, "password"), "wb") as f:
    f.write(pw.encode())

def put(name, plain, enc):
    with open(os.path.join(out, name + ".plain"), "wb") as f:
        f.write(plain)
    with open(os.path.join(out, name + ".enc"), "wb") as f:
        f.write(enc)

def plain(n, seed):
    return bytes((i * 13 + seed) % 256 for i in range(n))

for id, sizes in ((0x00, (0, 40000)), (0x01, (0, 40000)),
                  (0x02, (0, 1, 16383, 16384, 16385, 32768, 40000))):
    for n in sizes:
        p = plain(n, id)
        put("py-%d-%d" % (id, n), p, m.encrypt(pw, p, id))

salt, nonce, p = os.urandom(32), os.urandom(8), plain(16384, 7)
aead = m._aead(0x02, m._key(pw, salt, 0x02))
t0 = aead.encrypt(m._nonce(nonce, 0), b"", b"")
enc = (salt + b"\x02" + nonce +
       aead.encrypt(m._nonce(nonce, 1), p, b"\x00" + t0) +
       aead.encrypt(m._nonce(nonce, 2), b"", b"\x80" + t0))
assert m.decrypt(pw, enc) == p
put("py-2-nonfinal-then-empty", p, enc)
EOF

MADMIN_VECTORS_DIR=$T/py MADMIN_OUT_DIR=$T/c "$UT" >"$T/unit.log" 2>&1 ||
	{ cat "$T/unit.log" >&2; fail "test_madmin_crypt failed"; }
grep -q '^\[       OK \] test_python_vectors' "$T/unit.log" ||
	{ cat "$T/unit.log" >&2; fail "C did not decrypt Python's ciphertexts"; }
grep -q '^\[       OK \] test_write_for_python' "$T/unit.log" ||
	{ cat "$T/unit.log" >&2; fail "C wrote no ciphertexts"; }
n=$(grep -c '^\[ python \] .*decrypted' "$T/unit.log")
[ "$n" -eq 12 ] || fail "C decrypted $n of Python's 12 ciphertexts"

# C -> Python.
"$PY" - "$T/c" >"$T/c.log" 2>&1 <<'EOF' || { cat "$T/c.log" >&2; fail "python refused C's ciphertexts"; }
import glob, os, sys
sys.path.insert(0, os.path.join(os.environ["MEDUSE_TOP"], "tests/fakes"))
import madmin_crypt as m

pw = "madmin-test-secret"	# test_madmin_crypt.c PW
ids = set()
files = sorted(glob.glob(os.path.join(sys.argv[1], "*.enc")))
for path in files:
    enc = open(path, "rb").read()
    want = open(path[:-4] + ".plain", "rb").read()
    got = m.decrypt(pw, enc)
    assert got == want, "%s: plaintext differs" % path
    again = m.encrypt(pw, got, enc[32], enc[:32], enc[33:41])
    assert again == enc, "%s: re-encrypted bytes differ" % path
    ids.add(enc[32])
    print("%s: id 0x%02x, %d bytes, ok" % (os.path.basename(path), enc[32], len(got)))
    try:
        m.decrypt(pw + "x", enc)
        raise SystemExit("%s: decrypted with a wrong password" % path)
    except ValueError:
        pass
assert len(files) == 9 and ids == {0, 1, 2}, (len(files), ids)
EOF
cat "$T/c.log"
exit 0
