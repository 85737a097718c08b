#!/usr/bin/python3
"""A MinIO client for tests, built on botocore and madmin_crypt.py, with
switches to make the mistakes a strict server must refuse.

    minio_call.py [COMMON] admin METHOD OP [K=V ...] [--json J [--encrypt ID]]
                  [--body S] [--content-type CT] [--decrypt]
        An admin API call (/minio/admin/v3/OP), signed as madmin-go signs
        (minio/madmin-go api.go newRequest): botocore's SigV4Auth, service s3,
        region "", X-Amz-Date and X-Amz-Content-Sha256 = hex(sha256(body)).
        --encrypt ID encrypts --json with madmin's EncryptData (password: the
        signing secret, or --password); --decrypt decrypts a 200 answer.
    minio_call.py [COMMON] raw METHOD PATH [K=V ...] [--body S]
        A signed S3 request (botocore's S3SigV4Auth, region --region).
    minio_call.py [COMMON] s3 OPERATION [JSON-PARAMS]
        A botocore S3 client call, e.g. s3 put_object '{"Bucket":"b","Key":"k","Body":"x"}'
        (path-style, one attempt, no redirects to follow).

COMMON: --url URL ($MINIO_URL), --key ACCESS:SECRET ($MINIO_KEY), --region R
(default us-east-1; admin always signs ""), --skew SECONDS (sign with a clock
that far off), --tamper-body (send one byte more than the signed hash covers),
--chunked (Transfer-Encoding: chunked, no Content-Length).

Prints "HTTP CODE" then, for admin --decrypt of a 200, "ENC ID", then the
body (for s3: the response as JSON, or "CODE: MESSAGE" on an error).  Exit 0
when an answer came, 2 when the connection failed.

    minio_call.py serve
        Runs many calls in one process (botocore's import and clients are
        reused): see serve() for the framing; minio-lib.sh's minio_do uses it.
"""
import argparse
import datetime
import hashlib
import http.client
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from botocore.auth import SIGV4_TIMESTAMP, S3SigV4Auth, SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

import madmin_crypt  # noqa: E402


def _skewed(base):
    class Signer(base):
        """add_auth with the clock moved by skew seconds."""
        skew = 0

        def add_auth(self, request):
            t = datetime.datetime.utcnow() + datetime.timedelta(seconds=self.skew)
            request.context["timestamp"] = t.strftime(SIGV4_TIMESTAMP)
            self._modify_request_before_signing(request)
            cr = self.canonical_request(request)
            self._inject_signature_to_request(
                request, self.signature(self.string_to_sign(request, cr), request))
    return Signer


AdminSigner, S3Signer = _skewed(SigV4Auth), _skewed(S3SigV4Auth)


def send(a, method, path, query, body, region, signer_cls, headers=None):
    """Signs and sends one request; (status, headers, body)."""
    ak, _, sk = a.key.partition(":")
    qs = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    url = a.url.rstrip("/") + urllib.parse.quote(path) + ("?" + qs if qs else "")
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    req.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    signer = signer_cls(Credentials(ak, sk), "s3", region)
    signer.skew = a.skew
    signer.add_auth(req)
    if a.tamper_body:
        body += b" "
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.putrequest(method, url[len(u.scheme) + 3 + len(u.netloc):] or "/",
                        skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", u.netloc)
        for k, v in req.headers.items():
            conn.putheader(k, v)
        if a.chunked:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n")
        else:
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    except OSError as e:
        print("minio_call: %s" % e, file=sys.stderr)
        sys.exit(2)
    finally:
        conn.close()


def kv(items):
    return [tuple(i.split("=", 1)) if "=" in i else (i, "") for i in items]


def cmd_admin(a):
    body = (a.body or "").encode()
    if a.json is not None:
        body = a.json.encode()
        if a.encrypt is not None:
            pw = a.password if a.password is not None else a.key.partition(":")[2]
            body = madmin_crypt.encrypt(pw, body, int(a.encrypt, 0))
    headers = {"Content-Type": a.content_type} if a.content_type else {}
    code, _, out = send(a, a.method, "/minio/admin/v3/" + a.op, kv(a.args), body, "",
                        AdminSigner, headers)
    print("HTTP %d" % code)
    if a.decrypt and code == 200:
        print("ENC %d" % out[madmin_crypt.SALT_LEN])
        out = madmin_crypt.decrypt(a.key.partition(":")[2], out)
    show(out)


def show(body):
    """The body as text, or a placeholder for binary (encrypted) bytes."""
    try:
        text = body.decode()
        if "\0" in text:
            raise ValueError
    except ValueError:
        text = "<%d bytes of binary>" % len(body)
    sys.stdout.write(text + "\n")


def cmd_raw(a):
    code, h, out = send(a, a.method, a.path, kv(a.args), (a.body or "").encode(), a.region,
                        S3Signer)
    print("HTTP %d" % code)
    if h.get("x-minio-error-code"):
        print("x-minio-error-code: %s" % h["x-minio-error-code"])
    show(out)


def cmd_s3(a):
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError, EndpointConnectionError
    if a.skew or a.tamper_body or a.chunked:
        sys.exit("minio_call: --skew, --tamper-body and --chunked are for admin and raw calls")
    ak, _, sk = a.key.partition(":")
    ck = (a.url, a.key, a.region)
    if ck not in CLIENTS:
        CLIENTS[ck] = botocore.session.get_session().create_client(
            "s3", endpoint_url=a.url, region_name=a.region, aws_access_key_id=ak,
            aws_secret_access_key=sk,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"total_max_attempts": 1}))
    client = CLIENTS[ck]
    params = json.loads(a.params) if a.params else {}
    if isinstance(params.get("Body"), str):
        params["Body"] = params["Body"].encode()
    try:
        r = getattr(client, a.operation)(**params)
    except ClientError as e:
        print("HTTP %d" % e.response["ResponseMetadata"]["HTTPStatusCode"])
        err = e.response.get("Error", {})
        print("%s: %s" % (err.get("Code"), err.get("Message")))
        return
    except EndpointConnectionError as e:
        print("minio_call: %s" % e, file=sys.stderr)
        sys.exit(2)
    print("HTTP %d" % r.pop("ResponseMetadata")["HTTPStatusCode"])
    if "Body" in r:
        r["Body"] = r["Body"].read().decode(errors="replace")
    print(json.dumps(r, default=str, sort_keys=True))


CLIENTS = {}    # botocore S3 clients of the serve loop, by (url, key, region)


def read_token(f):
    out = bytearray()
    while True:
        ch = f.read(1)
        if not ch:
            return None
        if ch == b"\0":
            return out.decode()
        out += ch


def serve():
    """Runs calls read from stdin, each: COUNT NUL, then COUNT arguments each
    followed by NUL (bash: printf '%s\\0' $# "$@").  Each answer ends with a
    line "@@END@@", preceded by "EXIT N" when the call exited with N."""
    inp = sys.stdin.buffer
    while True:
        n = read_token(inp)
        if n is None:
            return
        args = [read_token(inp) for _ in range(int(n))]
        try:
            run(args)
        except SystemExit as e:
            if e.code not in (None, 0):
                if not isinstance(e.code, int):
                    print(e.code, file=sys.stderr)
                print("EXIT %s" % (e.code if isinstance(e.code, int) else 1))
        print("@@END@@", flush=True)
        sys.stderr.flush()


def main():
    if sys.argv[1:] == ["serve"]:
        return serve()
    run(sys.argv[1:])


def run(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("MINIO_URL"))
    ap.add_argument("--key", default=os.environ.get("MINIO_KEY"))
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--skew", type=int, default=0)
    ap.add_argument("--tamper-body", action="store_true")
    ap.add_argument("--chunked", action="store_true")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("admin")
    p.add_argument("method")
    p.add_argument("op")
    p.add_argument("args", nargs="*", help="query K=V")
    p.add_argument("--json")
    p.add_argument("--encrypt", help="madmin id 0, 1 or 2")
    p.add_argument("--password", help="encrypt with this instead of the secret key")
    p.add_argument("--body")
    p.add_argument("--content-type")
    p.add_argument("--decrypt", action="store_true")
    p.set_defaults(fn=cmd_admin)
    p = sub.add_parser("raw")
    p.add_argument("method")
    p.add_argument("path")
    p.add_argument("args", nargs="*", help="query K=V")
    p.add_argument("--body")
    p.set_defaults(fn=cmd_raw)
    p = sub.add_parser("s3")
    p.add_argument("operation")
    p.add_argument("params", nargs="?")
    p.set_defaults(fn=cmd_s3)
    a = ap.parse_args(argv)
    if not a.url or not a.key or ":" not in a.key:
        sys.exit("minio_call: --url and --key ACCESS:SECRET (or MINIO_URL, MINIO_KEY) needed")
    a.fn(a)


if __name__ == "__main__":
    main()
