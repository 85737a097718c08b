#!/usr/bin/python3
"""Strict fake MinIO server for meduse tests (see tests/fakes/README.md).

Serves the admin API that meduse uses (/minio/admin/v3: users, canned
policies, policy attachment, bucket quotas; minio_admin.py) and a small S3
(buckets, simple objects, ListObjectsV2) on one plain-HTTP loopback port.
Every request's SigV4 signature is recomputed with botocore's signer and
checked in MinIO's order (minio_sigv4.py); encrypted admin bodies are
decrypted with madmin_crypt.py and must parse; S3 requests signed by a user
are allowed by the IAM policies attached to that user (minio_iam.py).  A
control port shows the state and injects faults.

The MinIO sources the behaviour is taken from are named in each module
(minio/minio at commit 7aac2a2, madmin-go v3.0.109, minio/pkg policy).
"""
import argparse
import base64
import email.utils
import hashlib
import ipaddress
import os
import re
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakelib  # noqa: E402 (found next to this script, from any cwd)
import minio_admin  # noqa: E402
import minio_iam  # noqa: E402
import minio_sigv4  # noqa: E402
from minio_errors import ERRORS, MinioError  # noqa: E402

PROG = "minio_fake"
S3NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_BODY = 64 << 20
# minio-go pkg/s3utils CheckValidBucketNameStrict.
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def valid_bucket(name):
    if not BUCKET_RE.match(name) or ".." in name or ".-" in name or "-." in name:
        return False
    try:
        ipaddress.IPv4Address(name)
        return False
    except ValueError:
        return True


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % ((t % 1) * 1000)


class State:
    def __init__(self, a):
        self.lock = threading.RLock()
        self.root_key, self.root_secret, self.region = a.access_key, a.secret_key, a.region
        self.response_ids = a.response_ids
        self.no_bucket_quota = a.no_bucket_quota
        t = time.time()
        self.users = {}     # name -> {secret, status, policies, policy_updated, updated}
        self.policies = {n: {"doc": d, "builtin": True, "overridden": False,
                             "created": t, "updated": t} for n, d in minio_iam.BUILTIN.items()}
        self.buckets = {}   # name -> {created, owner, foreign, quota, objects}
        self.fault = None
        self.fault_gen = 0  # bumped by every fault change on the control port
        self.audit = []
        self.encrypted = 0
        self.ids_sent = []

    def lookup(self, access):
        """checkKeyValid: (secret, enabled) of a credential, None if unknown."""
        if access == self.root_key:
            return self.root_secret, True
        u = self.users.get(access)
        return (u["secret"], u["status"] == "enabled") if u else None

    def allowed(self, c, action, resource):
        if c.root:
            return True
        u = self.users[c.ident]
        docs = [self.policies[p]["doc"] for p in u["policies"] if p in self.policies]
        return minio_iam.decide(docs, action, resource, c.ident)


class Call:
    """One request as the handlers see it (see minio_admin.py)."""

    def __init__(self, st, h, entry):
        self.st, self.headers, self.entry, self.method = st, h.headers, entry, h.command
        u = urllib.parse.urlsplit(h.path)
        self.path = urllib.parse.unquote(u.path)
        self.pairs = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
        self.q = dict(self.pairs)
        self.admin = self.path.startswith("/minio/admin/")
        self.body, self.chunked = b"", False
        self.ident = self.secret = None
        self.root = False

    def authenticate(self, region):
        self.ident, self.secret = minio_sigv4.verify(
            self.method, self.path, self.pairs, self.headers, region, self.st.region,
            self.st.lookup)
        self.root = self.ident == self.st.root_key
        self.entry["access_key"] = self.ident


# --- S3 ---------------------------------------------------------------------
def xml_doc(root, inner):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s xmlns="%s">%s</%s>'
            % (root, S3NS, inner, root)).encode(), "application/xml"


def tags(**kv):
    return "".join("<%s>%s</%s>" % (k, escape(str(v)), k) for k, v in kv.items())


def need_bucket(c, name):
    b = c.st.buckets.get(name)
    if b is None:
        raise MinioError("NoSuchBucket", bucket=name)
    return b


def s3_list_buckets(c, _b, _k):
    st = c.st
    names = sorted(st.buckets)
    if not st.allowed(c, "s3:ListAllMyBuckets", ""):
        names = [n for n in names if st.allowed(c, "s3:ListBucket", n) or
                 st.allowed(c, "s3:GetBucketLocation", n)]
        if not names:
            raise MinioError("AccessDenied")
    items = "".join("<Bucket>%s</Bucket>" % tags(Name=n, CreationDate=iso(st.buckets[n]["created"]))
                    for n in names)
    return (200,) + xml_doc("ListAllMyBucketsResult", "<Owner>%s</Owner><Buckets>%s</Buckets>"
                            % (tags(ID="02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4",
                                    DisplayName="minio"), items))


def s3_create_bucket(c, name, _k):
    st = c.st
    if c.body:  # parseLocationConstraint
        try:
            root = ET.fromstring(c.body)
        except ET.ParseError:
            raise MinioError("MalformedXML") from None
        if root.tag.split("}")[-1] != "CreateBucketConfiguration":
            raise MinioError("MalformedXML")
        loc = next((e.text or "" for e in root if e.tag.split("}")[-1] == "LocationConstraint"), "")
    else:
        loc = ""
    if (loc or st.region) != st.region:
        raise MinioError("InvalidRegion", region=st.region)
    b = st.buckets.get(name)
    if b is not None:
        # toAPIErrorCode: BucketExists -> BucketAlreadyOwnedByYou, whoever made
        # it; BucketAlreadyExists comes from a federated DNS conflict, which
        # the fake plays with buckets made "foreign" on the control port.
        raise MinioError("BucketAlreadyExists" if b["foreign"] else "BucketAlreadyOwnedByYou",
                         bucket=name)
    st.buckets[name] = {"created": time.time(), "owner": c.ident, "foreign": False,
                        "quota": None, "objects": {}}
    return 200, b"", None, {"Location": "/" + name}


def s3_head_bucket(c, name, _k):
    need_bucket(c, name)
    return 200, b"", None, {"X-Amz-Bucket-Region": c.st.region}


def s3_delete_bucket(c, name, _k):
    if need_bucket(c, name)["objects"]:
        raise MinioError("BucketNotEmpty", bucket=name)
    del c.st.buckets[name]
    return 204, b"", None


def s3_location(c, name, _k):
    need_bucket(c, name)
    loc = "" if c.st.region == "us-east-1" else c.st.region
    return (200,) + xml_doc("LocationConstraint", escape(loc))


def s3_list_v2(c, name, _k):
    b, q = need_bucket(c, name), c.q
    enc = q.get("encoding-type")
    if enc not in (None, "url"):
        raise MinioError("InvalidArgument", "Invalid Encoding Method specified in Request")
    try:
        maxk = int(q.get("max-keys", "1000"))
        if maxk < 0:
            raise ValueError
    except ValueError:
        raise MinioError("InvalidArgument", "Argument maxKeys must be an integer between 0 "
                         "and 2147483647") from None
    prefix, delim = q.get("prefix", ""), q.get("delimiter", "")
    after = q.get("start-after", "")
    if "continuation-token" in q:
        try:
            after = base64.b64decode(q["continuation-token"], validate=True).decode()
        except ValueError:
            raise MinioError("InvalidArgument", "Invalid continuation token") from None
    e = (lambda s: urllib.parse.quote(s, safe="/")) if enc else (lambda s: s)
    entries, seen = [], set()
    for key in sorted(b["objects"]):
        if not key.startswith(prefix) or key <= after:
            continue
        cut = key.find(delim, len(prefix)) if delim else -1
        item = ("p", key[:cut + len(delim)]) if cut >= 0 else ("k", key)
        if item in seen:
            continue
        seen.add(item)
        entries.append(item)
    trunc = maxk > 0 and len(entries) > maxk   # MinIO: max-keys=0 is an empty answer
    entries = entries[:maxk]
    out = [tags(Name=name, Prefix=e(prefix), KeyCount=len(entries), MaxKeys=maxk)]
    if delim:
        out.append(tags(Delimiter=e(delim)))
    out.append(tags(IsTruncated="true" if trunc else "false"))
    if "continuation-token" in q:
        out.append(tags(ContinuationToken=q["continuation-token"]))
    if trunc:
        last = entries[-1][1]
        out.append(tags(NextContinuationToken=base64.b64encode(last.encode()).decode()))
    if enc:
        out.append(tags(EncodingType="url"))
    for kind, v in entries:
        if kind == "p":
            out.append("<CommonPrefixes>%s</CommonPrefixes>" % tags(Prefix=e(v)))
        else:
            o = b["objects"][v]
            out.append("<Contents>%s</Contents>" % tags(
                Key=e(v), LastModified=iso(o["mtime"]), ETag='"%s"' % o["etag"],
                Size=len(o["data"]), StorageClass="STANDARD"))
    return (200,) + xml_doc("ListBucketResult", "".join(out))


def check_key(key):
    if any(p in (".", "..") for p in key.split("/")) or len(key.encode()) > 1024:
        raise MinioError("InvalidObjectName", key_name=key)


def s3_put_object(c, name, key):
    b = need_bucket(c, name)
    check_key(key)
    if c.chunked:
        raise MinioError("MissingContentLength")
    limit = minio_admin.hard_quota(b)
    if limit:
        used = sum(len(o["data"]) for k, o in b["objects"].items() if k != key)
        if len(c.body) >= limit or used + len(c.body) >= limit:
            raise MinioError("AdminBucketQuotaExceeded", bucket=name)
    etag = hashlib.md5(c.body).hexdigest()
    b["objects"][key] = {"data": c.body, "etag": etag, "mtime": time.time(),
                         "ctype": c.headers.get("Content-Type") or "binary/octet-stream",
                         "meta": {k: v for k, v in c.headers.items()
                                  if k.lower().startswith("x-amz-meta-")},
                         "owner": c.ident}
    return 200, b"", None, {"ETag": '"%s"' % etag}


def object_headers(o):
    h = {"ETag": '"%s"' % o["etag"], "Accept-Ranges": "bytes",
         "Last-Modified": email.utils.formatdate(o["mtime"], usegmt=True)}
    h.update(o["meta"])
    return h


def s3_get_object(c, name, key):
    o = need_bucket(c, name)["objects"].get(key)
    if o is None:
        raise MinioError("NoSuchKey", bucket=name, key_name=key)
    if "Range" in c.headers:
        raise MinioError("NotImplemented", "ranges are not modelled by minio_fake")
    return 200, o["data"], o["ctype"], object_headers(o)


def s3_delete_object(c, name, key):
    need_bucket(c, name)["objects"].pop(key, None)
    return 204, b"", None


# (method, level, subresource) -> (policy actions, any one allows; handler).
S3_ROUTES = {
    ("GET", "service", None): (("s3:ListAllMyBuckets",), s3_list_buckets),
    ("PUT", "bucket", None): (("s3:CreateBucket",), s3_create_bucket),
    ("HEAD", "bucket", None): (("s3:HeadBucket", "s3:ListBucket"), s3_head_bucket),
    ("DELETE", "bucket", None): (("s3:DeleteBucket",), s3_delete_bucket),
    ("GET", "bucket", "location"): (("s3:GetBucketLocation",), s3_location),
    ("GET", "bucket", "list-type"): (("s3:ListBucket",), s3_list_v2),
    ("PUT", "object", None): (("s3:PutObject",), s3_put_object),
    ("GET", "object", None): (("s3:GetObject",), s3_get_object),
    ("HEAD", "object", None): (("s3:GetObject",), s3_get_object),
    ("DELETE", "object", None): (("s3:DeleteObject",), s3_delete_object),
}
# Query parameters that are arguments, not subresources.
S3_ARGS = {"prefix", "delimiter", "max-keys", "continuation-token", "start-after",
           "encoding-type", "fetch-owner", "x-id", "versionId"}


def s3_route(c):
    """(actions, resource, handler, bucket, key) of an S3 request, after the
    bucket-name checks MinIO's generic handler makes before authentication."""
    bucket, _, key = c.path.lstrip("/").partition("/")
    if bucket == "minio":   # isMinioReservedBucket
        raise MinioError("AllAccessDisabled", xml=True)
    if bucket and not valid_bucket(bucket):
        raise MinioError("InvalidBucketName", bucket=bucket)
    level = "object" if key else "bucket" if bucket else "service"
    subs = [k for k in c.q if k not in S3_ARGS]
    if c.q.get("list-type") not in (None, "2"):
        raise MinioError("NotImplemented", "only ListObjectsV2 is modelled")
    sub = subs[0] if len(subs) == 1 else None
    r = S3_ROUTES.get((c.method, level, sub))
    if r is None or len(subs) > 1:
        if subs or level == "bucket" and c.method == "GET":
            raise MinioError("NotImplemented", "%s %s?%s is not modelled by minio_fake"
                             % (c.method, level, "&".join(subs)))
        raise MinioError("BadRequest", method=c.method, path=c.path)
    resource = bucket + ("/" + key if key else "")
    return r[0], resource, r[1], bucket, key


# --- HTTP -------------------------------------------------------------------
class ApiHandler(fakelib.ApiHandler):
    server_version = "MinIO"
    sys_version = ""

    def send(self, code, body=b"", ctype=None, headers=None):
        self.send_response(code)
        self.send_header("X-Amz-Request-Id", self.req_id)
        self.send_header("Vary", "Origin")
        if code == 503:         # writeErrorResponse: retry in a minute
            self.send_header("Retry-After", "60")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error_(self, c, e):
        """An error in MinIO's form: JSON on admin paths, XML elsewhere, or
        only the x-minio-error-* headers for HEAD (writeErrorResponseHeadersOnly)."""
        c.entry["code"], c.entry["error"] = e.status, e.code
        if self.command == "HEAD":
            return self.send(e.status, headers={"x-minio-error-code": e.code,
                                                "x-minio-error-desc": '"%s"' % e.message})
        as_xml = e.xml if e.xml is not None else not c.admin
        body, ctype = e.body(as_xml, c.path, c.st.region, self.req_id)
        self.send(e.status, body, ctype)

    def read_body(self, c):
        """Reads a Content-Length body.  A body of unknown length (any
        Transfer-Encoding: Go's r.ContentLength == -1) is left unread: the
        handler refuses it and the connection is closed after the answer.
        Without either header an HTTP/1.1 request has no body (length 0)."""
        if self.headers.get("Transfer-Encoding"):
            c.chunked = True
            c.entry["chunked"] = True
            self.close_connection = True
            return
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.close_connection = True
            raise MinioError("EntityTooLarge")
        self.connection.settimeout(30)
        c.body = self.rfile.read(n) if n > 0 else b""

    def hang(self, f):
        """The "hang" fault: no answer until the fault is changed on the
        control port (or its delay ends), then the connection is closed."""
        st = self.server.state
        end, gen = time.time() + float(f.get("delay", 600)), st.fault_gen
        while time.time() < end and st.fault_gen == gen:
            time.sleep(0.05)
        self.close_connection = True

    def handle_api(self):
        st = self.server.state
        self.req_id = uuid.uuid4().hex[:16].upper()
        entry = {"time": iso(time.time()), "method": self.command}
        c = Call(st, self, entry)
        entry.update(path=c.path, query=c.q, api="admin" if c.admin else "s3")
        f = self.take_fault(entry)
        if f and f["mode"] == "down":
            return
        if f and f["mode"] == "hang":
            return self.hang(f)
        try:
            self.read_body(c)
            if f and f["mode"] == "error":
                raise MinioError(f.get("error", "ServerNotInitialized"))
            out = self.serve_call(c)
        except MinioError as e:
            return self.send_error_(c, e)
        except Exception as e:  # a bug in the fake: say so loudly, answer 500
            traceback.print_exc()
            entry["message"] = "fake bug: %r" % e
            return self.send_error_(c, MinioError("InternalError", "minio_fake bug: %r" % e))
        entry["code"] = out[0]
        self.send(*out)

    def serve_call(self, c):
        st = c.st
        kind = minio_sigv4.auth_type(self.headers, c.q)
        entry = c.entry
        entry["auth"] = kind
        # setAuthMiddleware, before any router (answers in XML).
        if kind == "presigned":
            raise MinioError("NotImplemented", "presigned URLs are not modelled by minio_fake")
        if kind == "unknown":
            raise MinioError("SignatureVersionNotSupported", xml=True)
        if kind in ("signed", "streaming"):
            minio_sigv4.check_clock(self.headers, time.time())
        if c.admin:
            handler = minio_admin.route(c.method, c.path, c.q)
            # validateAdminSignature: only signed requests with the header.
            if kind != "signed" or "X-Amz-Content-Sha256" not in self.headers:
                raise MinioError("AccessDenied")
            with st.lock:
                c.authenticate("")
            if not c.chunked:
                minio_sigv4.check_payload(self.headers, c.body, admin=True)
            with st.lock:
                return handler(c)
        actions, resource, handler, bucket, key = s3_route(c)
        if kind == "anonymous":     # no bucket policies in the fake
            raise MinioError("AccessDenied")
        if kind == "streaming":
            raise MinioError("NotImplemented", "aws-chunked uploads are not modelled by "
                             "minio_fake (meduse never sends them)")
        # authenticateRequest: ListBuckets and GetBucketLocation take any region.
        region = "" if actions[0] in ("s3:ListAllMyBuckets", "s3:GetBucketLocation") \
            else st.region
        with st.lock:
            c.authenticate(region)
        if c.chunked and c.method in ("PUT", "POST"):
            raise MinioError("MissingContentLength")
        minio_sigv4.check_payload(self.headers, c.body, admin=False)
        with st.lock:
            if not any(st.allowed(c, a, resource) for a in actions):
                raise MinioError("AccessDenied", bucket=bucket or None, key_name=key or None)
            return handler(c, bucket, key)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_api


class ApiServer(fakelib.ApiServer):
    prog = PROG


# --- control ----------------------------------------------------------------
def state_json(st):
    users = {n: {"status": u["status"], "policies": u["policies"], "secret_key": u["secret"]}
             for n, u in sorted(st.users.items())}
    pols = {n: {"builtin": p["builtin"] and not p["overridden"], "doc": p["doc"]}
            for n, p in sorted(st.policies.items())}
    buckets = {n: {"owner": b["owner"], "foreign": b["foreign"], "quota": b["quota"],
                   "hard_quota": minio_admin.hard_quota(b), "objects": len(b["objects"]),
                   "bytes": sum(len(o["data"]) for o in b["objects"].values()),
                   "keys": sorted(b["objects"])}
               for n, b in sorted(st.buckets.items())}
    return {"region": st.region, "root_access_key": st.root_key, "users": users,
            "policies": pols, "buckets": buckets, "fault": st.fault,
            "response_ids_sent": st.ids_sent}


class ControlHandler(fakelib.ControlHandler):
    def do_GET(self):
        st = self.server.state
        with st.lock:
            if self.path == "/fake/state":
                return self.reply(200, state_json(st))
            if self.path == "/fake/audit":
                return self.reply(200, st.audit)
        self.unknown()

    def do_DELETE(self):
        st = self.server.state
        with st.lock:
            if self.path == "/fake/audit":
                st.audit = []
            elif self.path == "/fake/fault":
                st.fault = None
                st.fault_gen += 1
            else:
                return self.unknown()
        self.reply(200, {"ok": True})

    def do_POST(self):
        st = self.server.state
        ok, req = self.read_json(want_object=True)
        if not ok:
            return
        if self.path == "/fake/fault":
            f, err = fakelib.api_fault(req, ("none", "down", "error", "hang", "slow"),
                                       "fault mode must be none, down, error, hang or slow",
                                       ("count", "delay"))
            if not err and "error" in req:
                if req["error"] not in ERRORS:
                    err = "error must name an error of minio_errors.py"
                f["error"] = req["error"]
            if err:
                return self.reply(400, {"error": err})
            with st.lock:
                st.fault = None if f["mode"] == "none" else f
                st.fault_gen += 1
            return self.reply(200, f)
        if self.path == "/fake/bucket":
            name = req.get("name")
            if not isinstance(name, str) or not valid_bucket(name):
                return self.reply(400, {"error": "name must be a valid bucket name"})
            with st.lock:
                if name in st.buckets:
                    return self.reply(409, {"error": "bucket %s exists" % name})
                st.buckets[name] = {"created": time.time(), "owner": req.get("owner"),
                                    "foreign": bool(req.get("foreign")), "quota": None,
                                    "objects": {}}
            return self.reply(201, {"ok": True})
        self.unknown()


def main():
    ap = argparse.ArgumentParser(description="Strict fake MinIO (admin API v3 and a small "
                                             "S3) for meduse tests (see tests/fakes/README.md).")
    ap.add_argument("--listen", default="127.0.0.1:0",
                    help="API address, loopback ADDR:PORT (port 0 = any)")
    ap.add_argument("--control", default="127.0.0.1:0",
                    help="plain-HTTP control address, loopback ADDR:PORT")
    ap.add_argument("--certs", help="serve HTTPS with DIR/server.crt and server.key "
                                    "(made with make-ca.sh when DIR/ca.crt is absent)")
    ap.add_argument("--access-key", required=True, help="root (admin) access key")
    ap.add_argument("--secret-key", required=True, help="root (admin) secret key")
    ap.add_argument("--region", default="us-east-1",
                    help="server region that S3 signatures must use (default us-east-1)")
    ap.add_argument("--no-bucket-quota", action="store_true",
                    help="answer bucket quota calls NotImplemented, as a MinIO "
                    "gateway (NAS or S3) did")
    ap.add_argument("--response-ids", default="0,1",
                    help="madmin ids used in turn for encrypted answers (default 0,1)")
    fakelib.add_ready_args(ap, "write MINIO_URL=/MINIO_CONTROL= lines here once serving")
    a = ap.parse_args()
    if len(a.access_key) < 3 or len(a.secret_key) < 8:
        sys.exit("%s: MinIO wants an access key of 3+ and a secret key of 8+ characters" % PROG)
    try:
        a.response_ids = [int(x, 0) for x in a.response_ids.split(",")]
        if not a.response_ids or any(i not in (0, 1, 2) for i in a.response_ids):
            raise ValueError
    except ValueError:
        sys.exit("%s: --response-ids wants ids among 0, 1 and 2, e.g. 0,1" % PROG)
    ctx = fakelib.tls_context(PROG, a.certs) if a.certs else None
    state = State(a)
    api, ctl, url, curl = fakelib.servers(PROG, a, ctx, state, None, ApiServer, ApiHandler,
                                          ControlHandler)
    fakelib.serve(PROG, api, ctl, url, curl, a.ready_file, "MINIO")


if __name__ == "__main__":
    main()
