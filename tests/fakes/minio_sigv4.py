"""SigV4 checks of minio_fake.py, in MinIO's order, signed by botocore.

The canonical request, string to sign and signature are computed by botocore's
own S3SigV4Auth (python3-botocore), fed what the client sent: the method, the
path, the query, the headers named in SignedHeaders and X-Amz-Content-Sha256.
The parsing and the error codes follow minio/minio (commit 7aac2a2):
cmd/auth-handler.go (setAuthMiddleware: date and skew, before any handler;
validateAdminSignature; isReqAuthenticated), cmd/signature-v4-parser.go
(parseSignV4, parseCredentialHeader), cmd/signature-v4.go (doesSignatureMatch)
and cmd/signature-v4-utils.go (extractSignedHeaders, checkKeyValid,
skipContentSha256Cksum).

Deliberately stricter than MinIO (each a client mistake meduse must not make):
the credential scope date must be the X-Amz-Date day; the date must be
X-Amz-Date (or Date) in ISO 8601 basic form; admin requests must sign the real
payload hash (UNSIGNED-PAYLOAD is refused, madmin never sends it); S3 requests
must send X-Amz-Content-Sha256 (AWS requires it; MinIO would assume an empty
body); the body is checked against the hash before any handler runs, so a
mismatch is always XAmzContentSHA256Mismatch (MinIO notices it while the
handler reads, which some admin handlers report as their own body error).
"""

import base64
import binascii
import calendar
import hashlib
import hmac
import time
import urllib.parse

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from minio_errors import MinioError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = 15 * 60          # cmd/globals.go globalMaxSkewTime
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = ("UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
STREAMING = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
             "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
             "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
ISO8601 = "%Y%m%dT%H%M%SZ"


def auth_type(headers, query):
    """getRequestAuthType, reduced: anonymous, signed, streaming, presigned or
    unknown (another Authorization scheme)."""
    if "X-Amz-Credential" in query:
        return "presigned"
    a = headers.get("Authorization")
    if a is None:
        return "anonymous"
    if not a.startswith(ALGORITHM):
        return "unknown"
    if headers.get("X-Amz-Content-Sha256") in STREAMING:
        return "streaming"
    return "signed"


def request_time(headers):
    """The X-Amz-Date (or Date) time as epoch seconds, or MinioError."""
    v = headers.get("X-Amz-Date") or headers.get("Date")
    if not v:
        raise MinioError("MissingDateHeader", xml=True)
    try:
        return v, calendar.timegm(time.strptime(v, ISO8601))
    except ValueError:
        raise MinioError("MalformedDate", xml=True) from None


def check_clock(headers, now):
    """setAuthMiddleware: date present and within 15 minutes, answered in XML
    whatever the path (the middleware runs before the admin router)."""
    _, t = request_time(headers)
    if abs(now - t) > MAX_SKEW:
        raise MinioError("RequestTimeTooSkewed", xml=True)


def _valid_region(sent, want):
    # isValidRegion: "US" is an old name of us-east-1.
    if want == "":
        return True
    if sent == "US":
        sent = "us-east-1"
    if want == "US":
        want = "us-east-1"
    return sent == want


def parse_authorization(value, region, server_region):
    """parseSignV4: (access key, scope date, scope region, signed headers,
    signature).  region "" accepts any (admin: validateAdminSignature)."""
    cred = value.strip().split(",")[0]
    if cred.startswith(ALGORITHM):
        cred = cred[len(ALGORITHM):]
    v = value.replace(" ", "")
    if not v:
        raise MinioError("AuthHeaderEmpty")
    if not v.startswith(ALGORITHM):
        raise MinioError("SignatureVersionNotSupported")
    fields = v[len(ALGORITHM):].strip().split(",")
    if len(fields) != 3:
        raise MinioError("MissingFields")
    kv = cred.strip().split("=", 1)
    if len(kv) != 2:
        raise MinioError("MissingFields")
    if kv[0] != "Credential":
        raise MinioError("MissingCredTag")
    el = kv[1].strip().rstrip("/").split("/")
    if len(el) < 5:
        raise MinioError("CredMalformed")
    access = "/".join(el[:-4])
    if len(access) < 3:         # auth.IsAccessKeyValid
        raise MinioError("InvalidAccessKeyID")
    date, sregion, service, term = el[-4:]
    try:
        time.strptime(date, "%Y%m%d")
    except ValueError:
        raise MinioError("MalformedCredentialDate") from None
    if not _valid_region(sregion, region or sregion):
        raise MinioError("AuthorizationHeaderMalformed", region=server_region)
    if service != "s3":
        raise MinioError("InvalidServiceS3")
    if term != "aws4_request":
        raise MinioError("InvalidRequestVersion")
    parts = []
    for f, tag, err in ((fields[1], "SignedHeaders", "MissingSignHeadersTag"),
                        (fields[2], "Signature", "MissingSignTag")):
        p = f.strip().split("=")
        if len(p) != 2:
            raise MinioError("MissingFields")
        if p[0] != tag:
            raise MinioError(err)
        if not p[1]:
            raise MinioError("MissingFields")
        parts.append(p[1])
    return access, date, sregion, parts[0].split(";"), parts[1]


class _Verifier(S3SigV4Auth):
    """botocore's S3 signer, limited to the headers the client signed (botocore
    alone would pick every header but its blacklist)."""

    def __init__(self, credentials, region, signed):
        super().__init__(credentials, "s3", region)
        self._signed = signed

    def headers_to_sign(self, request):
        return self._signed


def verify(method, path, query, headers, region, server_region, lookup):
    """doesSignatureMatch for a signed request.

    path is the decoded path, query the decoded (key, value) pairs, headers the
    received ones (case-insensitive); region is "" for admin (any scope
    region), the server region for S3.  lookup(access_key) gives (secret,
    enabled) or None.  Returns the access key and its secret, or MinioError."""
    access, sdate, sregion, signed, signature = parse_authorization(
        headers.get("Authorization", ""), region, server_region)
    if "host" not in signed:
        raise MinioError("UnsignedHeaders")
    hmap = HTTPHeaders()
    for name in signed:
        vals = headers.get_all(name)
        if not vals:
            raise MinioError("UnsignedHeaders")
        for val in vals:
            hmap[name] = val
    # checkMetaHeaders: user metadata must be signed.
    for name in headers.keys():
        if name.lower().startswith("x-amz-meta-") and name.lower() not in signed:
            raise MinioError("UnsignedHeaders")
    u = lookup(access)
    if u is None:
        raise MinioError("InvalidAccessKeyID")
    secret, enabled = u
    if not enabled:
        raise MinioError("AccessKeyDisabled")
    amz_date, _ = request_time(headers)
    if amz_date[:8] != sdate:
        raise MinioError("SignatureDoesNotMatch")
    # MinIO decodes the path and re-encodes it (s3utils.EncodePath): every
    # byte but the unreserved ones and '/' as %XX.  The query is re-encoded
    # by botocore from the decoded pairs, as url.Values.Encode does.
    url = "http://signed" + urllib.parse.quote(path, safe="/-_.~")
    req = AWSRequest(method=method, url=url, params=list(query),
                     headers={"X-Amz-Content-SHA256":
                              headers.get("X-Amz-Content-Sha256", EMPTY_SHA256)})
    req.context["timestamp"] = amz_date
    signer = _Verifier(Credentials(access, secret), sregion, hmap)
    canonical = signer.canonical_request(req)
    want = signer.signature(signer.string_to_sign(req, canonical), req)
    if not hmac.compare_digest(want, signature):
        raise MinioError("SignatureDoesNotMatch")
    return access, secret


def check_payload(headers, body, admin):
    """isReqAuthenticated's body checks: X-Amz-Content-Sha256 and Content-MD5."""
    v = headers.get("X-Amz-Content-Sha256")
    md5 = headers.get("Content-MD5")
    if md5 is not None:
        try:
            want = base64.b64decode(md5, validate=True)
        except (binascii.Error, ValueError):
            raise MinioError("InvalidDigest") from None
        if len(want) != 16:
            raise MinioError("InvalidDigest")
        if hashlib.md5(body).digest() != want:
            raise MinioError("BadDigest")
    if v is None:
        # Admin requests without it were refused as AccessDenied already.
        raise MinioError("MissingSecurityHeader")
    if v in UNSIGNED:
        if admin:
            raise MinioError("ContentSHA256Mismatch", "the fake wants the payload signed")
        return
    try:
        raw = bytes.fromhex(v)
    except ValueError:
        raise MinioError("ContentSHA256Mismatch") from None
    if len(raw) != 32 or hashlib.sha256(body).digest() != raw:
        raise MinioError("ContentSHA256Mismatch")
