#!/usr/bin/env bash
# While data streams, the relay sends whole 32 KiB packets and keeps a
# packet's tail back for the next one (relay.c).  When the workspace pauses,
# the tail must still arrive at once, not with the workspace's next write or
# its exit: each burst below is followed by a 2 s pause, and must be
# complete within 1.5 s of its first byte.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
# One packet, one packet and 10 bytes, three packets and a bit, 1 MiB and
# a bit, and a small write after a large one.
sizes="32768 32778 100000 1048579 7"
gw_ssh alice alice "for n in $sizes; do head -c \$n /dev/zero; sleep 2; done" |
    /usr/bin/python3 -c '
import os, sys, time
fd = sys.stdin.fileno()
for n in map(int, sys.argv[1:]):
    got, t0 = 0, None
    while got < n:
        b = os.read(fd, min(65536, n - got))
        if not b:
            sys.exit("end of stream after %d of %d bytes" % (got, n))
        if t0 is None:
            t0 = time.monotonic()
        got += len(b)
    dt = time.monotonic() - t0
    print("%d bytes in %.3f s" % (n, dt))
    if dt > 1.5:
        sys.exit("%d bytes took %.3f s: the tail waited for the next write" % (n, dt))
if os.read(fd, 1):
    sys.exit("more bytes than were sent")
' $sizes >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"
[ "$rc" -eq 0 ] || { cat "$T/err" >&2; fail "a burst's tail was held back (see above)"; }
