#!/usr/bin/env bash
# The VS Code Remote-SSH pattern: `ssh -T -D PORT host bash` with a script on
# stdin that starts a server on the workspace's 127.0.0.1, prints its port
# behind a marker and stays; the editor then reaches that server through the
# SOCKS port, the name resolved in the workspace.  When the script exits,
# the session ends with its exit status.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

command -v curl >/dev/null || skip "curl is missing (scripts/deps.sh installs it)"
# The upstream's DEBUG log shows where its forwards go.
UP_LOGLEVEL=DEBUG
gw_setup
dport=$(akeys_free_port) || fail "no free port"
mkfifo "$T/stdin"
gw_ssh alice alice -T -D "127.0.0.1:$dport" -- bash <"$T/stdin" \
    >"$T/vscode.out" 2>"$T/vscode.err" &
vs_pid=$!
_pids+=("$vs_pid")
exec 5>"$T/stdin"
# bash reads a script from a pipe one command at a time: the script is one
# group, read whole before it runs, so that its `read` takes the exit code
# the test sends later (the editor keeps stdin open while it wants the
# server).
cat >&5 <<'SCRIPT'
{
dir=$(mktemp -d) && cd "$dir" || exit 20
tok=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
echo "$tok" >token
/usr/bin/python3 -c '
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open("token", "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("port.new", "w").write(str(s.server_port))
os.rename("port.new", "port")
s.serve_forever()
' </dev/null >/dev/null 2>&1 &
srv=$!
for i in $(seq 1 100); do [ -s port ] && break; sleep 0.1; done
echo "token==$tok=="
echo "listeningOn==$(cat port)=="
read -r code
kill "$srv"
cd / && rm -rf "$dir"
exit "$code"
}
SCRIPT

port=
for i in $(seq 1 200); do
	port=$(sed -n 's/^listeningOn==\([0-9]*\)==$/\1/p' "$T/vscode.out")
	[ -n "$port" ] && break
	kill -0 "$vs_pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || { cat "$T/vscode.out" "$T/vscode.err" >&2; fail "no listeningOn marker from the script"; }
tok=$(sed -n 's/^token==\(.*\)==$/\1/p' "$T/vscode.out")
for i in $(seq 1 100); do
	ss -Htln "src 127.0.0.1:$dport" | grep -q . && break
	sleep 0.05
done
# "localhost" travels as a name in the SOCKS request (socks5-hostname) and
# in the direct-tcpip open: the workspace's sshd resolves and connects it.
got=$(curl -sS --max-time 15 --socks5-hostname "127.0.0.1:$dport" \
    "http://localhost:$port/" 2>"$T/curl.err") ||
	{ cat "$T/curl.err" >&2; fail "no answer through the SOCKS port"; }
[ "$got" = "$tok" ] || fail "the answer '$got' is not the workspace's token '$tok'"
expect_in "$T/gateway.log" "direct-tcpip to localhost:$port\$"
# The workspace's sshd made the connection, not the gateway.
expect_in "$T/upstream.log" "direct_tcpip: originator .*, target localhost port $port\b"

# The script ends: so does the session, with the script's status.
echo 7 >&5
exec 5>&-
for i in $(seq 1 100); do
	kill -0 "$vs_pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$vs_pid" 2>/dev/null && fail "ssh still runs after the script exited"
wait "$vs_pid"
rc=$?
[ "$rc" -eq 7 ] || { cat "$T/vscode.err" >&2; fail "ssh exited $rc, expected the script's 7"; }
