# kube_fake_http.py: a plain-HTTP stand-in for the API server, for
# test_kube.c's round trips (TLS and real apply semantics come with
# tests/fakes/).  It answers every request with what it received, or with
# the failure its path asks for.  Usage: kube_fake_http.py PORTFILE
import http.server
import json
import sys

counts = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def status(self, code, reason, message, headers=()):
        self.reply(code, {"kind": "Status", "apiVersion": "v1",
                          "status": "Failure", "reason": reason,
                          "message": message, "code": code}, headers)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        path, _, query = self.path.partition("?")
        counts[path] = counts.get(path, 0) + 1
        if path == "/flaky" and counts[path] <= 2:
            return self.status(503, "ServiceUnavailable", "warming up",
                               [("Retry-After", "1")])
        if path == "/busy":
            return self.status(429, "TooManyRequests", "slow down",
                               [("Retry-After", "2")])
        if path == "/broken":
            return self.status(500, "InternalError", "etcd is sad")
        if path == "/forbidden":
            return self.status(403, "Forbidden", 'namespaces "x" is '
                               'forbidden: user "meduse" cannot patch')
        if path == "/conflict":
            return self.status(409, "Conflict", "Apply failed with 1 "
                               "conflict")
        if path == "/auth" and \
                self.headers.get("Authorization") != "Bearer second":
            return self.status(401, "Unauthorized", "Unauthorized")
        if path == "/notjson":
            data = b"<html>oops</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.reply(200, {
            "method": self.command, "path": path, "query": query,
            "auth": self.headers.get("Authorization"),
            "ctype": self.headers.get("Content-Type"),
            "body": json.loads(body) if body else None,
            "count": counts[path]})

    do_GET = do_PATCH = do_DELETE = do_POST = do_PUT = handle_any


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
