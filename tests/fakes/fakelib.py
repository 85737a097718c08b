"""Server plumbing shared by kube_fake.py and coder_fake.py (see README.md).

Each fake keeps its API, its state and its control paths; this module holds
what both do the same way: loopback-only ports, the common options, the
test-CA TLS context, an API server with an optional TLS layer and the
API-wide fault ("down", "slow", counted down request by request), the control
server's JSON replies, and the ready file and signal handling of main().
Every message starts with the fake's name (prog), as before the split.
"""

import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def loopback(prog, hostport, what):
    host, _, port = hostport.rpartition(":")
    host = host.strip("[]")
    try:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError
        port = int(port)
    except ValueError:
        sys.exit("%s: --%s wants a loopback ADDR:PORT, got '%s'" % (prog, what, hostport))
    return host, port


def hostport(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def add_server_args(ap, listen_help, certs_help, certs_required, token_help,
                    token_file_help):
    """--listen, --control, --certs and --token | --token-file, in this order."""
    ap.add_argument("--listen", default="127.0.0.1:0", help=listen_help)
    ap.add_argument("--control", default="127.0.0.1:0",
                    help="plain-HTTP control address, loopback ADDR:PORT")
    ap.add_argument("--certs", required=certs_required, help=certs_help)
    tok = ap.add_mutually_exclusive_group(required=True)
    tok.add_argument("--token", help=token_help)
    tok.add_argument("--token-file", help=token_file_help)


def add_ready_args(ap, ready_help):
    """--ready-file and -v, the last options of both fakes."""
    ap.add_argument("--ready-file", help=ready_help)
    ap.add_argument("-v", "--verbose", action="store_true", help="log requests to stderr")


def read_token(prog, a):
    """The token of --token, or the stripped content of --token-file."""
    if not a.token_file:
        return a.token
    try:
        with open(a.token_file) as f:
            return f.read().strip()
    except OSError as e:
        sys.exit("%s: cannot read --token-file: %s" % (prog, e))


def tls_context(prog, certs):
    """A server context with certs/server.crt; make-ca.sh makes a test CA and
    the certificate first when certs/ca.crt is absent."""
    if not os.path.exists(os.path.join(certs, "ca.crt")):
        mk = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-ca.sh")
        if subprocess.call(["bash", mk, certs]) != 0:
            sys.exit("%s: could not make test certificates in %s" % (prog, certs))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.load_cert_chain(os.path.join(certs, "server.crt"),
                            os.path.join(certs, "server.key"))
    except (OSError, ssl.SSLError) as e:
        sys.exit("%s: cannot load server certificate from %s: %s" % (prog, certs, e))
    return ctx


class ApiServer(ThreadingHTTPServer):
    """The API port.  state has lock, audit and the API-wide fault in the
    attribute named fault_attr: None or {"mode", "count"?, "delay"?, ...}."""
    daemon_threads = True
    allow_reuse_address = True
    prog = "fake"
    fault_attr = "fault"
    ctx = None
    verbose = False

    def record(self, entry):
        """Records one request that reached the port (state.lock held)."""
        self.state.audit.append(entry)

    def take_fault(self, entry, only=None):
        """Records the request and returns the fault it gets, counted down; with
        only, a fault of another mode is neither taken nor recorded."""
        st = self.state
        with st.lock:
            f = getattr(st, self.fault_attr)
            if only and (f is None or f["mode"] != only):
                return None
            self.record(entry)
            if f and f.get("count") is not None:
                f["count"] -= 1
                if f["count"] <= 0:
                    setattr(st, self.fault_attr, None)
        return f

    def finish_request(self, request, client_address):
        # Runs in the request's thread: a stuck handshake blocks only itself.
        if self.take_fault({"method": None, "path": None, "fault": "down", "code": 0},
                           only="down"):
            request.close()
            return
        if self.ctx:
            request.settimeout(30)
            try:
                request = self.ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                if self.verbose:
                    sys.stderr.write("%s: TLS handshake failed: %s\n" % (self.prog, e))
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate TLS records: with Nagle, the body
    # waits for the client's delayed ACK of the headers (40 ms a request).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s: %s\n" % (self.server.prog, fmt % args))

    def read_request(self):
        """(urlsplit of the path, query as a dict, raw body)."""
        u = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        n = int(self.headers.get("Content-Length") or 0)
        return u, query, self.rfile.read(n) if n > 0 else b""

    def take_fault(self, entry):
        """Records the request (entry, in the audit) and returns the API-wide
        fault it gets, or None.  "down" closes the connection unanswered and
        "slow" sleeps here; the fake answers the other modes."""
        f = self.server.take_fault(entry)
        if f:
            entry["fault"] = f["mode"]
            if f["mode"] == "down":
                entry["code"] = 0
                self.close_connection = True
                self.connection.close()
            elif f["mode"] == "slow":
                time.sleep(float(f.get("delay", 5)))
        return f


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    json_default = None   # json.dumps(default=...) for objects JSON lacks

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj):
        data = (json.dumps(obj, indent=1, default=self.json_default) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def unknown(self):
        self.reply(404, {"error": "unknown control path %s" % self.path})

    def read_json(self, want_object):
        """(True, the JSON body, {} when empty), or (False, None) after a 400."""
        n = int(self.headers.get("Content-Length") or 0)
        try:
            req = json.loads(self.rfile.read(n) or b"{}")
            if want_object and not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError as e:
            self.reply(400, {"error": "bad JSON: %s" % e})
            return False, None
        return True, req


def api_fault(req, modes, modes_error, numbers):
    """An API-wide fault from a control request: (fault, None) or (None, error)."""
    if req.get("mode") not in modes:
        return None, modes_error
    f = {"mode": req["mode"]}
    for k in numbers:
        if k in req:
            if not isinstance(req[k], (int, float)) or req[k] < 0:
                return None, "%s must be a non-negative number" % k
            f[k] = req[k]
    return f, None


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True


def bind(cls, host, port, handler):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return type(cls.__name__, (cls,), {"address_family": family})((host, port), handler)


def servers(prog, a, ctx, state, token, api_cls, api_handler, ctl_handler):
    """Binds --listen (api_cls, TLS when ctx) and --control, both sharing
    state: (api, ctl, API URL, control URL)."""
    host, port = loopback(prog, a.listen, "listen")
    chost, cport = loopback(prog, a.control, "control")
    try:
        api = bind(api_cls, host, port, api_handler)
        ctl = bind(ControlServer, chost, cport, ctl_handler)
    except OSError as e:
        sys.exit("%s: cannot listen: %s" % (prog, e))
    api.prog, api.ctx, api.state, api.token, api.verbose = prog, ctx, state, token, a.verbose
    ctl.state = state
    url = ("https://" if ctx else "http://") + hostport(host, api.server_address[1])
    return api, ctl, url, "http://" + hostport(chost, ctl.server_address[1])


def serve(prog, api, ctl, url, curl, ready_file, var):
    """Serves both ports until SIGTERM or SIGINT.  The ready file (var_URL=,
    var_CONTROL=) and the "ready" line on stdout come once both listen."""
    def stop(*_):
        threading.Thread(target=lambda: (api.shutdown(), ctl.shutdown()), daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    t = threading.Thread(target=ctl.serve_forever, daemon=True)
    t.start()
    if ready_file:
        tmp = ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%s_URL=%s\n%s_CONTROL=%s\n" % (var, url, var, curl))
        os.rename(tmp, ready_file)
    print("%s: ready %s control %s" % (prog, url, curl), flush=True)
    api.serve_forever()
    t.join(5)
    api.server_close()
    ctl.server_close()
