#!/usr/bin/env bash
# ssh -X through the gateway: an X client run in the workspace draws on the
# client's own X server (a private Xvfb here, with its own cookie), and the
# x11 channel comes back through the gateway.  Without -X there is no
# DISPLAY in the workspace.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

for p in Xvfb xauth xdpyinfo; do
	command -v "$p" >/dev/null || skip "$p is missing (scripts/deps.sh installs it)"
done

# The client's X server: Xvfb picks a free display number itself
# (-displayfd), so parallel runs and a real X server are left alone.  It
# accepts only clients that know the cookie in its -auth file; it removes
# its socket and lock file when _cleanup stops it.
cookie=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
xauth -f "$T/xserver.auth" add :0 MIT-MAGIC-COOKIE-1 "$cookie" ||
	fail "xauth cannot write the server's cookie"
Xvfb -displayfd 3 -nolisten tcp -auth "$T/xserver.auth" \
    -screen 0 1234x567x24 3>"$T/xdisplay" >"$T/xvfb.out" 2>&1 &
_pids+=($!)
for i in $(seq 1 100); do
	[ -s "$T/xdisplay" ] && break
	sleep 0.1
done
dpy=$(tr -dc 0-9 <"$T/xdisplay")
[ -n "$dpy" ] || { cat "$T/xvfb.out" >&2; fail "Xvfb did not start"; }
export DISPLAY=:$dpy XAUTHORITY=$T/client.Xauthority
xauth add "$DISPLAY" MIT-MAGIC-COOKIE-1 "$cookie" || fail "xauth add $DISPLAY"
xdpyinfo >"$T/local.out" 2>&1 || { cat "$T/local.out" >&2; fail "xdpyinfo cannot reach Xvfb on $DISPLAY"; }

gw_setup
# ssh -X is untrusted forwarding: the client generates a cookie of its own
# for the workspace (xauth generate), and the workspace's sshd gets a fake
# one that the client swaps on the x11 channel.
expect_rc 0 gw_ssh alice alice -X -- \
    'echo "DISPLAY=$DISPLAY"; xdpyinfo -display "$DISPLAY" | grep dimensions:'
expect_in "$T/out" '^DISPLAY=localhost:[0-9]+\.0$'
expect_in "$T/out" 'dimensions: +1234x567 pixels'
expect_not_in "$T/err" 'X11 forwarding request failed'
expect_in "$T/gateway.log" 'user alice from [^ ]+: x11 forwarding$'
expect_in "$T/gateway.log" 'x11 channel'

# The workspace's display is not a door to the client's without the cookie:
# the X server refuses a client that has none.
expect_rc 1 gw_ssh alice alice -X -- \
    'XAUTHORITY=/dev/null xdpyinfo -display "$DISPLAY"'

# Without -X (and with -x) there is nothing to draw on.
expect_rc 0 gw_ssh alice alice -- 'echo "DISPLAY=[${DISPLAY-unset}]"'
expect_in "$T/out" '^DISPLAY=\[unset\]$'
expect_rc 0 gw_ssh alice alice -x -- 'echo "DISPLAY=[${DISPLAY-unset}]"'
expect_in "$T/out" '^DISPLAY=\[unset\]$'
