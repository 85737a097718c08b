#!/usr/bin/env bash
# with-syslog.sh LOGFILE CMD...: runs CMD with a private /dev/log whose
# datagrams (raw, "<PRI>... message", one per line) are appended to LOGFILE,
# so a test can check what a program or PAM module sent to syslog(3).
#
# It makes its own mount namespace in which /dev is a small tmpfs holding
# the usual device nodes (bind-mounted from the real /dev) and the socket:
# nothing outside it sees the socket.  Exits with CMD's status, or 125 when
# the capture cannot be set up (the caller should skip).
set -u
if [ -z "${WITH_SYSLOG_IN_NS:-}" ]; then
	[ $# -ge 2 ] || { echo "usage: with-syslog.sh LOGFILE CMD..." >&2; exit 125; }
	exec unshare --mount --propagation private env WITH_SYSLOG_IN_NS=1 \
	    bash "$0" "$@" || exit 125
fi
log=$1
shift
real=$(mktemp -d /run/with-syslog.XXXXXX) || exit 125
{
	mount --rbind /dev "$real" &&
	mount -t tmpfs -o mode=0755,size=1m with-syslog /dev &&
	mkdir /dev/shm /dev/pts &&
	mount --rbind "$real/shm" /dev/shm &&
	mount --rbind "$real/pts" /dev/pts &&
	ln -s /proc/self/fd /dev/fd &&
	ln -s /proc/self/fd/0 /dev/stdin &&
	ln -s /proc/self/fd/1 /dev/stdout &&
	ln -s /proc/self/fd/2 /dev/stderr
} || { echo "with-syslog: cannot set up a private /dev" >&2; exit 125; }
for n in null zero full random urandom tty ptmx; do
	[ -e "$real/$n" ] || continue
	touch "/dev/$n" && mount --bind "$real/$n" "/dev/$n" || exit 125
done

/usr/bin/python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\n") + b"\n")
' "$log" &
listener=$!
for _ in $(seq 1 100); do
	[ -S /dev/log ] && break
	sleep 0.05
done
[ -S /dev/log ] || { kill "$listener"; echo "with-syslog: no listener" >&2; exit 125; }

"$@"
rc=$?

# Datagrams are queued in order: once the marker is in the file, so is
# everything CMD sent.
marker="with-syslog-end-$$-$RANDOM"
logger -t with-syslog -- "$marker"
for _ in $(seq 1 100); do
	grep -q -- "$marker" "$log" 2>/dev/null && break
	sleep 0.05
done
kill "$listener"
wait "$listener" 2>/dev/null
sed -i "/$marker/d" "$log"
umount -R -l "$real" 2>/dev/null && rmdir "$real"
exit "$rc"
