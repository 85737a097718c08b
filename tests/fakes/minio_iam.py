"""IAM policy JSON for minio_fake.py: validation as add-canned-policy does it,
and the Allow/Deny evaluation of S3 requests.

Validation follows minio/pkg policy/policy.go ParseConfig (unknown fields
refused, Version "2012-10-17" or empty) and statement.go isValid (Effect,
Action/NotAction, Resource/NotResource, supported actions from action.go
SupportedActions), then MinIO's AddCannedPolicy (empty Version: MalformedPolicy)
and IAMStoreSys.SetPolicy (no statement: XMinioAdminInvalidArgument).
Resources are "arn:aws:s3:::PATTERN" (or "*"), matched like policy/resource.go
Resource.Match with ${aws:username} replaced by the user's name, '*' and '?'
wildcards (minio/pkg wildcard.Match).

Not modelled: Condition blocks are accepted but never evaluated (a statement
with one never matches), admin:/kms:/sts: actions are accepted and ignored,
and JSON keys are matched case-sensitively (Go's decoder would not).
"""

import json
import re

from minio_errors import MinioError

VERSION = "2012-10-17"
ARN = "arn:aws:s3:::"
STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                  "Condition")
# minio/pkg policy/action.go SupportedActions, the s3: part.
S3_ACTIONS = frozenset("s3:" + a for a in """
AbortMultipartUpload CreateBucket DeleteBucket ForceDeleteBucket DeleteBucketPolicy
DeleteBucketCors DeleteObject GetBucketLocation GetBucketNotification GetBucketPolicy
GetBucketCors GetObject GetObjectAttributes HeadBucket ListAllMyBuckets ListBucket
GetBucketPolicyStatus ListBucketVersions ListBucketMultipartUploads ListenNotification
ListenBucketNotification ListMultipartUploadParts PutLifecycleConfiguration
GetLifecycleConfiguration PutBucketNotification PutBucketPolicy PutBucketCors
PutBucketQOS GetBucketQOS PutObject DeleteObjectVersion DeleteObjectVersionTagging
GetObjectVersion GetObjectVersionAttributes GetObjectVersionTagging
PutObjectVersionTagging BypassGovernanceRetention PutObjectRetention GetObjectRetention
GetObjectLegalHold PutObjectLegalHold GetBucketObjectLockConfiguration
PutBucketObjectLockConfiguration GetBucketTagging PutBucketTagging GetObjectTagging
PutObjectTagging DeleteObjectTagging PutEncryptionConfiguration
GetEncryptionConfiguration PutBucketVersioning GetBucketVersioning
GetReplicationConfiguration PutReplicationConfiguration ReplicateObject ReplicateDelete
ReplicateTags GetObjectVersionForReplication RestoreObject ResetBucketReplicationState
PutObjectFanOut""".split())

# minio/pkg policy/constants.go DefaultPolicies, the ones about S3 (MinIO
# has them from the start; they cannot be removed).
BUILTIN = {
    "readwrite": {"Version": VERSION, "Statement": [
        {"Effect": "Allow", "Action": ["s3:*"], "Resource": [ARN + "*"]}]},
    "readonly": {"Version": VERSION, "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:GetObject"],
         "Resource": [ARN + "*"]},
        {"Effect": "Deny", "Action": ["admin:CreateUser"], "Resource": [ARN + "*"]}]},
    "writeonly": {"Version": VERSION, "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": [ARN + "*"]}]},
}


def _bad(msg):
    # policy.Error -> toAdminAPIErr: XMinioMalformedIAMPolicy, 400.
    return MinioError("MalformedIAMPolicy", desc=msg)


def _string_set(st, key):
    """set.StringSet's JSON: a string or a list of strings."""
    v = st.get(key)
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return v
    raise _bad("json: cannot unmarshal %s into Go struct field Statement.%s of type "
               "set.StringSet" % (type(v).__name__, key))


def _wild(pattern):
    return re.compile("^" + ".*".join(".".join(re.escape(p) for p in part.split("?"))
                                      for part in pattern.split("*")) + "$", re.S)


def _resource(s):
    if s == "*":
        return "*"
    if not s.startswith(ARN):
        raise _bad("invalid resource '%s'" % s)
    pat = s[len(ARN):]
    if not pat or pat.startswith("/"):
        raise _bad("invalid resource '%s'" % s)
    return pat


def validate(raw):
    """The policy document (a dict) of add-canned-policy's body, or MinioError."""
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise _bad("invalid character in policy JSON: %s" % e) from None
    if not isinstance(doc, dict):
        raise _bad("json: cannot unmarshal %s into Go value of type policy.Policy"
                   % type(doc).__name__)
    for k in doc:
        if k not in ("ID", "Version", "Statement"):
            raise _bad('json: unknown field "%s"' % k)
    version = doc.get("Version", "")
    if version not in (VERSION, ""):
        raise _bad("invalid version '%s'" % version)
    stmts = doc.get("Statement") or []
    if not isinstance(stmts, list):
        raise _bad("json: cannot unmarshal %s into Go struct field Policy.Statement of "
                   "type []policy.Statement" % type(stmts).__name__)
    for st in stmts:
        if not isinstance(st, dict):
            raise _bad("json: cannot unmarshal into Go struct field Policy.Statement")
        for k in st:
            if k not in STATEMENT_KEYS:
                raise _bad('json: unknown field "%s"' % k)
        if st.get("Effect") not in ("Allow", "Deny"):
            raise _bad("invalid Effect %s" % st.get("Effect"))
        acts, nacts = _string_set(st, "Action"), _string_set(st, "NotAction")
        if not acts and not nacts:
            raise _bad("Action must not be empty")
        if acts and nacts:
            raise _bad("Action and NotAction cannot be specified in the same statement")
        if st.get("Condition") is not None and not isinstance(st["Condition"], dict):
            raise _bad("invalid condition")
        if any(a.startswith(("admin:", "kms:", "sts:")) for a in acts + nacts):
            continue
        res, nres = _string_set(st, "Resource"), _string_set(st, "NotResource")
        if not res and not nres:
            raise _bad("Resource must not be empty")
        if res and nres:
            raise _bad("Resource and NotResource cannot be specified in the same statement")
        for r in (res, nres):
            if len(set(r)) != len(r):
                raise _bad("duplicate resource found")
            for s in r:
                _resource(s)
        for a in acts + nacts:
            if not any(_wild(a).match(s) for s in S3_ACTIONS):
                raise _bad("unsupported action '%s'" % a)
    if version == "":
        raise MinioError("PolicyInvalidVersion")
    if not stmts:
        raise MinioError("AdminInvalidArgument", "Invalid arguments specified")
    return doc


def _matches(patterns, value):
    return any(_wild(p).match(value) for p in patterns)


def decide(docs, action, resource, username):
    """True when the policies allow action on resource ("bucket" or
    "bucket/key") for username: some Allow matches and no Deny does."""
    allow = False
    for doc in docs:
        for st in doc.get("Statement", []):
            if st.get("Condition"):
                continue
            acts, nacts = _string_set(st, "Action"), _string_set(st, "NotAction")
            if acts and not _matches(acts, action) or nacts and _matches(nacts, action):
                continue
            res = [_resource(r).replace("${aws:username}", username)
                   for r in _string_set(st, "Resource")]
            nres = [_resource(r).replace("${aws:username}", username)
                    for r in _string_set(st, "NotResource")]
            if res and not _matches(res, resource) or nres and _matches(nres, resource):
                continue
            if st["Effect"] == "Deny":
                return False
            allow = True
    return allow
