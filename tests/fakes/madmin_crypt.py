"""madmin's EncryptData / DecryptData, for the fake MinIO and the tests.

An implementation independent of lib/madmin_crypt.c (Debian's
python3-cryptography and python3-argon2), written from minio/madmin-go
encrypt.go and secure-io/sio-go v0.3.1 (sio.go, writer.go, reader.go):

    salt[32] | id[1] | nonce[8] | sio stream

id 0x00: Argon2id (t=1, m=64 MiB, p=4, 32 bytes) + AES-256-GCM
id 0x01: Argon2id + ChaCha20-Poly1305
id 0x02: PBKDF2-HMAC-SHA256 (8192 iterations, 32 bytes) + AES-256-GCM

The sio stream cuts the plaintext into 16384-byte fragments.  Fragment k
(k = 1, 2, ...) is sealed with the nonce nonce8 || LE32(k) and the associated
data flag || T0, where T0 = Seal(nonce8 || LE32(0), "", "") and flag is 0x80
for the last fragment, 0x00 otherwise.  The last fragment holds 1..16384
bytes (0 only for an empty plaintext).

Library use:  encrypt(password, data, id=0x02, salt=None, nonce=None) -> bytes
              decrypt(password, data) -> bytes (raises ValueError)
Command line: madmin_crypt.py encrypt|decrypt PASSWORD [ID] <IN >OUT
"""

import os
import struct
import sys

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

ARGON2ID_AESGCM = 0x00
ARGON2ID_CHACHA20POLY1305 = 0x01
PBKDF2_AESGCM = 0x02

SALT_LEN = 32
NONCE_LEN = 8
HEADER_LEN = SALT_LEN + 1 + NONCE_LEN
BUF_SIZE = 16384
TAG_LEN = 16


def _key(password, salt, id):
    pw = password.encode() if isinstance(password, str) else bytes(password)
    if id in (ARGON2ID_AESGCM, ARGON2ID_CHACHA20POLY1305):
        return hash_secret_raw(pw, salt, time_cost=1, memory_cost=64 * 1024,
                               parallelism=4, hash_len=32, type=Type.ID,
                               version=19)
    if id == PBKDF2_AESGCM:
        return PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt,
                          iterations=8192).derive(pw)
    raise ValueError("madmin: invalid encryption algorithm ID 0x%02x" % id)


def _aead(id, key):
    return ChaCha20Poly1305(key) if id == ARGON2ID_CHACHA20POLY1305 else AESGCM(key)


def _nonce(nonce8, seq):
    return nonce8 + struct.pack("<I", seq)


def encrypt(password, data, id=PBKDF2_AESGCM, salt=None, nonce=None):
    """EncryptData with the given id; salt and nonce are random unless given."""
    data = bytes(data)
    salt = os.urandom(SALT_LEN) if salt is None else bytes(salt)
    nonce = os.urandom(NONCE_LEN) if nonce is None else bytes(nonce)
    if len(salt) != SALT_LEN or len(nonce) != NONCE_LEN:
        raise ValueError("madmin: bad salt or nonce length")
    aead = _aead(id, _key(password, salt, id))
    t0 = aead.encrypt(_nonce(nonce, 0), b"", b"")
    out = [salt, bytes([id]), nonce]
    seq, off = 1, 0
    # Full fragments while more than one fragment's worth remains, as the
    # sio EncWriter does: an exact multiple of BUF_SIZE ends on a full final.
    while len(data) - off > BUF_SIZE:
        out.append(aead.encrypt(_nonce(nonce, seq), data[off:off + BUF_SIZE], b"\x00" + t0))
        seq += 1
        off += BUF_SIZE
    out.append(aead.encrypt(_nonce(nonce, seq), data[off:], b"\x80" + t0))
    return b"".join(out)


def decrypt(password, data):
    """DecryptData: the plaintext, or ValueError for anything not authentic."""
    data = bytes(data)
    if len(data) < HEADER_LEN:
        raise ValueError("madmin: unexpected header")
    salt, id, nonce = data[:SALT_LEN], data[SALT_LEN], data[SALT_LEN + 1:HEADER_LEN]
    aead = _aead(id, _key(password, salt, id))
    t0 = aead.encrypt(_nonce(nonce, 0), b"", b"")
    stream = data[HEADER_LEN:]
    frag = BUF_SIZE + TAG_LEN
    out = []
    seq, off = 1, 0
    try:
        # As sio's DecReader: whatever follows the last full fragment is the
        # final one; when nothing follows, the last full fragment is final.
        while len(stream) - off > frag:
            out.append(aead.decrypt(_nonce(nonce, seq), stream[off:off + frag], b"\x00" + t0))
            seq += 1
            off += frag
        if len(stream) - off < TAG_LEN:
            raise InvalidTag()
        out.append(aead.decrypt(_nonce(nonce, seq), stream[off:], b"\x80" + t0))
    except InvalidTag:
        raise ValueError("sio: data is not authentic") from None
    return b"".join(out)


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in ("encrypt", "decrypt"):
        sys.exit("usage: madmin_crypt.py encrypt|decrypt PASSWORD [ID] <IN >OUT")
    data = sys.stdin.buffer.read()
    try:
        if argv[1] == "encrypt":
            id = int(argv[3], 0) if len(argv) == 4 else PBKDF2_AESGCM
            out = encrypt(argv[2], data, id)
        else:
            out = decrypt(argv[2], data)
    except ValueError as e:
        sys.exit("madmin_crypt.py: %s" % e)
    sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main(sys.argv)
