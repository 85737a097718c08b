"""The admin API (/minio/admin/v3) of minio_fake.py.

Each handler follows its namesake in minio/minio (commit 7aac2a2, with
madmin-go v3.0.109): cmd/admin-router.go for the routes and their required
query parameters, cmd/admin-handlers-users.go for the users and policies,
cmd/admin-bucket-handlers.go and cmd/bucket-quota.go for quotas, and
cmd/iam.go / cmd/iam-store.go for what the IAM layer refuses.  Errors carry
the "(cause)" suffix that errorCodes.ToAPIErrWithErr adds to them.

A handler gets the call c (c.st state, c.q query, c.body, c.chunked,
c.ident signing access key, c.secret its secret, c.root, c.headers, c.entry
audit entry) with the state locked and returns (status, body, content type).
"""

import json
import random
import time

import madmin_crypt
import minio_iam
from minio_errors import MinioError

MAX_ECONFIG = 262272    # cmd/admin-handlers.go maxEConfigJSONSize
MAX_POLICY = 20 << 10   # cmd/bucket-policy-handlers.go maxBucketPolicySize
ZERO_TIME = "0001-01-01T00:00:00Z"
JSON = "application/json"
NO_USER = "Specified user does not exist"
NO_POLICY = "Specified canned policy does not exist"


def gotime(t):
    """time.Time as encoding/json writes it (RFC 3339, UTC); zero when None."""
    if t is None:
        return ZERO_TIME
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + (".%06dZ" % ((t % 1) * 1e6))


def go_struct(c, raw, fields, what):
    """json.Unmarshal into a Go struct: null is a no-op, keys match
    case-insensitively, unknown keys are ignored (but recorded in the audit
    entry), a wrong type is an error.  fields: {name: python type}."""
    try:
        d = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError("invalid JSON: %s" % e) from None
    if d is None:
        return {}
    if not isinstance(d, dict):
        raise ValueError("json: cannot unmarshal %s into Go value of type %s"
                         % (type(d).__name__, what))
    out = {}
    for k, v in d.items():
        name = next((f for f in fields if f.lower() == k.lower()), None)
        if name is None:
            c.entry.setdefault("unknown_fields", []).append(k)
            continue
        t = fields[name]
        if v is not None and (not isinstance(v, t) or isinstance(v, bool) and t is not bool):
            raise ValueError("json: cannot unmarshal %s into Go struct field %s.%s"
                             % (type(v).__name__, what, k))
        if t is int and v is not None and v < 0:
            raise ValueError("json: cannot unmarshal number %d into Go struct field "
                             "%s.%s of type uint64" % (v, what, k))
        out[name] = v
    return out


def decrypt_body(c):
    """madmin.DecryptData(cred.SecretKey, body): the password is the secret
    key of the credential that signed the request."""
    if len(c.body) > madmin_crypt.SALT_LEN:
        c.entry["request_enc_id"] = c.body[madmin_crypt.SALT_LEN]
    return madmin_crypt.decrypt(c.secret, c.body)


def encrypt_reply(c, obj):
    """madmin.EncryptData(cred.SecretKey, json): the fake takes the ids in
    turn (MinIO picks 0x00 or 0x01 by its CPU) so clients meet both."""
    st = c.st
    eid = st.response_ids[st.encrypted % len(st.response_ids)]
    st.encrypted += 1
    st.ids_sent.append(eid)
    c.entry["response_enc_id"] = eid
    return 200, madmin_crypt.encrypt(c.secret, json.dumps(obj).encode(), eid), JSON


def need_root(c):
    # The fake's users hold no admin: policies, so IsAllowed fails for them.
    if not c.root:
        raise MinioError("AccessDenied")


def user_info(u):
    """madmin.UserInfo of a user (IAMStoreSys.GetUsers / GetUserInfo)."""
    d = {}
    if u["policies"]:
        d["policyName"] = ",".join(u["policies"])
    d["status"] = u["status"]
    d["updatedAt"] = gotime(u["policy_updated"])
    return d


def get_user(st, name):
    u = st.users.get(name)
    if u is None:
        raise MinioError("AdminNoSuchUser", NO_USER)
    return u


def add_user(c):
    """AddUser: PUT add-user?accessKey=, EncryptData(secret, AddOrUpdateUserReq)."""
    st, ak = c.st, c.q["accessKey"]
    if ak == st.root_key:
        raise MinioError("AddUserInvalidArgument")
    if ak not in st.users and ak != ak.strip():
        raise MinioError("AdminResourceInvalidArgument")
    if not c.root and ak != c.ident:    # checkDenyOnly: one's own password
        raise MinioError("AccessDenied")
    if c.chunked or len(c.body) > MAX_ECONFIG:
        raise MinioError("AdminConfigTooLarge")
    try:
        req = go_struct(c, decrypt_body(c), {"secretKey": str, "policy": str, "status": str},
                        "madmin.AddOrUpdateUserReq")
    except ValueError as e:
        c.entry["body_error"] = str(e)
        raise MinioError("AdminConfigBadJSON") from None
    if len(ak) < 3:
        raise MinioError("AdminInvalidAccessKey", "access key length should be between 3 and 20")
    if "=" in ak or "," in ak:
        raise MinioError("AdminInvalidAccessKey",
                         "access key contains one of reserved characters '=' or ','")
    secret = req.get("secretKey") or ""
    if len(secret) < 8:
        raise MinioError("AdminInvalidSecretKey", "secret key length should be between 8 and 40")
    if req.get("policy"):
        # IAMStoreSys.AddUser never reads it: the user gets no policy.
        c.entry["ignored_policy"] = req["policy"]
    u = st.users.setdefault(ak, {"policies": [], "policy_updated": None})
    u["secret"] = secret
    # Anything but "enabled" (even an absent status) makes a disabled user.
    u["status"] = "enabled" if req.get("status") in ("enabled", "on") else "disabled"
    u["updated"] = time.time()
    return 200, b"", None


def remove_user(c):
    st, ak = c.st, c.q["accessKey"]
    need_root(c)
    get_user(st, ak)    # IsTempUser: errNoSuchUser for anything unknown
    if ak in (st.root_key, c.ident):
        raise MinioError("IAMActionNotAllowed")
    del st.users[ak]
    return 200, b"", None


def list_users(c):
    need_root(c)
    return encrypt_reply(c, {n: user_info(u) for n, u in sorted(c.st.users.items())})


def get_user_info(c):
    name = c.q["accessKey"]
    if not c.root and name != c.ident:
        raise MinioError("AccessDenied")
    if name == "":
        raise MinioError("AdminInvalidArgument", "Invalid arguments specified")
    return 200, json.dumps(user_info(get_user(c.st, name))).encode(), JSON


def set_user_status(c):
    st, ak, status = c.st, c.q["accessKey"], c.q["status"]
    need_root(c)
    if ak == c.ident or ak and status not in ("enabled", "disabled"):
        raise MinioError("AdminInvalidArgument", "Invalid arguments specified")
    get_user(st, ak)["status"] = status
    return 200, b"", None


def add_canned_policy(c):
    st, name = c.st, c.q["name"]
    need_root(c)
    if name != name.strip():
        raise MinioError("AdminResourceInvalidArgument")
    if "," in name:
        raise MinioError("PolicyInvalidName")
    if c.chunked or not c.body:
        raise MinioError("MissingContentLength")
    if len(c.body) > MAX_POLICY:
        raise MinioError("EntityTooLarge")
    doc = minio_iam.validate(c.body)
    if name == "":
        raise MinioError("AdminInvalidArgument", "Invalid arguments specified")
    now = time.time()
    p = st.policies.get(name)
    if p:
        p.update(doc=doc, updated=now, overridden=p["builtin"])
    else:
        st.policies[name] = {"doc": doc, "builtin": False, "overridden": False,
                             "created": now, "updated": now}
    return 200, b"", None


def remove_canned_policy(c):
    st, name = c.st, c.q["name"]
    need_root(c)
    if name == "":
        raise MinioError("AdminInvalidArgument", "Invalid arguments specified")
    p = st.policies.get(name)
    if p and p["builtin"] and not p["overridden"]:
        raise MinioError("InternalError", "inbuilt policy `%s` not allowed to be deleted" % name)
    if any(name in u["policies"] for u in st.users.values()):
        raise MinioError("IAMPolicyInUse")
    if p and p["builtin"]:
        p.update(doc=minio_iam.BUILTIN[name], overridden=False)
    elif p:
        del st.policies[name]
    return 200, b"", None      # an unknown policy is "already deleted"


def policy_json(doc):
    """A stored policy as MinIO writes it back (minio/pkg policy.Policy and
    Statement, marshalled by encoding/json): "ID" only when set, "Version",
    "Statement"; in each statement "Sid" and "Condition" only when set, and
    the action and resource sets as lists in no fixed order (ActionSet and
    ResourceSet are Go maps: shuffled here too), without repeats; repeated
    statements dropped (Policy.UnmarshalJSON's dropDuplicateStatements)."""
    out = {"ID": doc["ID"]} if doc.get("ID") else {}
    out["Version"] = doc.get("Version", "")
    out["Statement"], seen = [], set()
    for st in doc.get("Statement") or []:
        s = {"Sid": st["Sid"]} if st.get("Sid") else {}
        s["Effect"] = st["Effect"]
        key = [st["Effect"], json.dumps(st.get("Condition"), sort_keys=True)]
        for k in ("Action", "NotAction", "Resource", "NotResource"):
            v = st.get(k) or []
            v = sorted(set([v] if isinstance(v, str) else v))
            key.append(v)
            if v:
                random.shuffle(v)
                s[k] = v
        if st.get("Condition"):
            s["Condition"] = st["Condition"]
        if json.dumps(key) not in seen:
            seen.add(json.dumps(key))
            out["Statement"].append(s)
    return out


def info_canned_policy(c):
    st, name = c.st, c.q["name"]
    need_root(c)
    p = st.policies.get(name)
    if p is None:
        raise MinioError("AdminNoSuchPolicy", NO_POLICY)
    v = c.q.get("v", "")
    if v == "2":
        out = {"PolicyName": name, "Policy": policy_json(p["doc"]),
               "CreateDate": gotime(p["created"]),
               "UpdateDate": gotime(p["updated"])}
    elif v == "":
        out = policy_json(p["doc"])
    else:
        raise MinioError("InternalError", "invalid version parameter 'v' supplied")
    return 200, json.dumps(out, indent=1).encode(), JSON


def list_canned_policies(c):
    need_root(c)
    out = {n: policy_json(p["doc"]) for n, p in sorted(c.st.policies.items())}
    return 200, (json.dumps(out) + "\n").encode(), JSON


def set_policies(st, u, names):
    u["policies"] = sorted(set(names))
    u["policy_updated"] = time.time()


def set_user_or_group_policy(c):
    """Deprecated SetPolicyForUserOrGroup: replaces the user's policies with
    policyName (comma-separated; empty removes them)."""
    st, q = c.st, c.q
    need_root(c)
    name = q["userOrGroup"]
    if q["isGroup"] == "true":
        raise MinioError("AdminNoSuchGroup", "Specified group does not exist")
    if name == st.root_key:
        raise MinioError("IAMActionNotAllowed")
    u = get_user(st, name)
    names = [p for p in q["policyName"].split(",") if p]
    for p in names:
        if p not in st.policies:
            raise MinioError("AdminNoSuchPolicy", NO_POLICY)
    set_policies(st, u, names)
    return 200, b"", None


def attach_detach(c, operation):
    """AttachDetachPolicyBuiltin: POST idp/builtin/policy/{attach,detach} with
    EncryptData(secret, PolicyAssociationReq), answered with an encrypted
    PolicyAssociationResp.  MinIO answers a body it cannot decrypt or parse,
    and an invalid request, with 500 InternalError (toAdminAPIErr default)."""
    st = c.st
    need_root(c)
    if c.chunked or len(c.body) > MAX_ECONFIG:
        raise MinioError("AdminConfigTooLarge")
    if c.headers.get("Content-Type") != "application/octet-stream":
        raise MinioError("AdminBadContentType")
    if operation not in ("attach", "detach"):
        raise MinioError("AdminInvalidArgument")
    try:
        req = go_struct(c, decrypt_body(c), {"policies": list, "user": str, "group": str,
                                             "configName": str}, "madmin.PolicyAssociationReq")
        pols = req.get("policies") or []
        if not all(isinstance(p, str) for p in pols):
            raise ValueError("json: cannot unmarshal into Go struct field "
                             "PolicyAssociationReq.policies of type string")
    except ValueError as e:
        c.entry["body_error"] = str(e)
        raise MinioError("InternalError", str(e)) from None
    user, group = req.get("user") or "", req.get("group") or ""
    # madmin PolicyAssociationReq.IsValid
    for bad, msg in ((not pols, "no policy names were given"),
                     ("" in pols, "an empty policy name was given"),
                     (not user and not group, "no user or group association was given"),
                     (user and group, "either a group or a user association must be given, "
                                      "not both")):
        if bad:
            raise MinioError("InternalError", msg)
    if not user:
        raise MinioError("AdminNoSuchGroup", "Specified group does not exist")
    if user == st.root_key:
        raise MinioError("IAMActionNotAllowed")
    u = get_user(st, user)
    have = set(u["policies"])
    if operation == "attach":
        change = set(pols) - have
        for p in sorted(change):
            if p not in st.policies:
                raise MinioError("AdminNoSuchPolicy", NO_POLICY)
        new = have | change
    else:
        change = set(pols) & have
        new = have - change
    if not change:
        raise MinioError("AdminPolicyChangeAlreadyApplied",
                         "Specified policy update has no net effect")
    set_policies(st, u, new)
    key = "policiesAttached" if operation == "attach" else "policiesDetached"
    return encrypt_reply(c, {key: sorted(change), "updatedAt": gotime(u["policy_updated"])})


def bucket_of(c):
    """GetBucketInfo of ?bucket= (errors in JSON, as toAPIError gives them)."""
    name = c.q["bucket"]
    b = c.st.buckets.get(name)
    if b is None:
        raise MinioError("NoSuchBucket", bucket=name)
    return b


def get_bucket_quota(c):
    need_root(c)
    b = bucket_of(c)
    # A MinIO gateway (NAS or S3, removed in 2022) had no bucket metadata:
    # GetQuotaConfig said NotImplemented, in JSON, after the bucket check.
    if c.st.no_bucket_quota:
        raise MinioError("NotImplemented")
    # No quota set: meta.quotaConfig is nil and MinIO answers "null".
    return 200, json.dumps(b["quota"]).encode(), JSON


def set_bucket_quota(c):
    """PutBucketQuotaConfigHandler: a PLAIN JSON madmin.BucketQuota
    {"quota"(deprecated), "size", "rate", "requests", "quotatype"}.  Only
    quotatype "hard" is enforced (bucket-quota.go enforceQuotaHard), with size,
    else quota.  Bad JSON or a quota without "hard" is answered as MinIO does:
    500 InternalError, in XML (writeErrorResponse)."""
    need_root(c)
    b = bucket_of(c)
    if c.chunked:
        raise MinioError("MissingContentLength")
    fields = {"quota": int, "size": int, "rate": int, "requests": int, "quotatype": str}
    try:
        q = go_struct(c, c.body, fields, "madmin.BucketQuota")
    except ValueError as e:
        c.entry["body_error"] = str(e)
        raise MinioError("InternalError", xml=True) from None
    if (q.get("quota") or 0) > 0 and q.get("quotatype") != "hard":
        c.entry["body_error"] = "Invalid quota config"
        raise MinioError("InternalError", xml=True)
    # The gateway's metadata Update: NotImplemented, in XML.
    if c.st.no_bucket_quota:
        raise MinioError("NotImplemented", xml=True)
    out = {k: q.get(k) or 0 for k in ("quota", "size", "rate", "requests")}
    if q.get("quotatype"):
        out["quotatype"] = q["quotatype"]
    b["quota"] = out
    return 200, b"", None


def hard_quota(b):
    q = b["quota"]
    if not q or q.get("quotatype") != "hard":
        return 0
    return q["size"] or q["quota"]


# (method, path after /minio/admin/v3/, required query parameters) -> handler.
# gorilla/mux's Queries() makes the parameters part of the route: without
# them the request falls to errorResponseHandler like an unknown path.
ROUTES = {
    ("PUT", "add-user"): (("accessKey",), add_user),
    ("DELETE", "remove-user"): (("accessKey",), remove_user),
    ("GET", "list-users"): ((), list_users),
    ("GET", "user-info"): (("accessKey",), get_user_info),
    ("PUT", "set-user-status"): (("accessKey", "status"), set_user_status),
    ("PUT", "add-canned-policy"): (("name",), add_canned_policy),
    ("DELETE", "remove-canned-policy"): (("name",), remove_canned_policy),
    ("GET", "info-canned-policy"): (("name",), info_canned_policy),
    ("GET", "list-canned-policies"): ((), list_canned_policies),
    ("PUT", "set-user-or-group-policy"): (("policyName", "userOrGroup", "isGroup"),
                                          set_user_or_group_policy),
    ("GET", "get-bucket-quota"): (("bucket",), get_bucket_quota),
    ("PUT", "set-bucket-quota"): (("bucket",), set_bucket_quota),
}
# Routes the fake does not model although MinIO has them with these queries.
UNMODELLED = {("GET", "list-users"): "bucket", ("GET", "list-canned-policies"): "bucket"}


def route(method, path, q):
    """The handler for /minio/admin/VERSION/REST, or MinioError 426 as
    errorResponseHandler answers (cmd/handler-utils.go)."""
    rest = path[len("/minio/admin/"):]
    version, _, op = rest.partition("/")
    if version != "v3":
        if version in ("v1", "v2"):
            desc = ("Server expects client requests with 'admin' API version 'v3', found "
                    "'%s', please upgrade the client to latest releases" % version)
        else:
            desc = ("Unexpected client 'admin' API version found '%s', expected 'v3', "
                    "please downgrade the client to older releases" % version)
        raise MinioError("AdminVersionMismatch", desc=desc)
    if method == "POST" and op.startswith("idp/builtin/policy/") and \
            "/" not in op[len("idp/builtin/policy/"):] and op != "idp/builtin/policy/":
        return lambda c: attach_detach(c, op[len("idp/builtin/policy/"):])
    r = ROUTES.get((method, op))
    if r and not (UNMODELLED.get((method, op)) in q) and all(k in q for k in r[0]) and \
            (op != "set-user-or-group-policy" or q["isGroup"] in ("true", "false")):
        return r[1]
    if UNMODELLED.get((method, op)) in q:
        raise MinioError("NotImplemented", "not modelled by minio_fake")
    raise MinioError("AdminVersionMismatch", desc="This 'admin' API is not supported by "
                     "server in 'mode-server-xl-single'")
