#!/usr/bin/python3
"""Strict fake Kubernetes API server for meduse tests (see tests/fakes/README.md).

Serves HTTPS (test CA, bearer token) on loopback with server-side apply,
GET, LIST (labelSelector) and DELETE for the kinds accountd manages, GET and
LIST of Pods (which only the control port creates: the Coder fake's
workspace pods), and rejects objects that do not match
kubernetes.client.models.  A plain-HTTP
control port on loopback injects faults and exposes stats, audit and state.
"""
import argparse
import base64
import binascii
import copy
import datetime
import json
import os
import re
import sys
import threading
import urllib.parse
import uuid

import yaml
from kubernetes.client import models as kmodels

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakelib  # noqa: E402 (found next to this script, from any cwd)

# --- kinds -----------------------------------------------------------------
# resource -> (group/version, kind, namespaced, model name, name rule)
KINDS = {
    "namespaces": ("v1", "Namespace", False, "V1Namespace", "label"),
    "resourcequotas": ("v1", "ResourceQuota", True, "V1ResourceQuota", "subdomain"),
    "limitranges": ("v1", "LimitRange", True, "V1LimitRange", "subdomain"),
    "persistentvolumeclaims": ("v1", "PersistentVolumeClaim", True,
                               "V1PersistentVolumeClaim", "subdomain"),
    "secrets": ("v1", "Secret", True, "V1Secret", "subdomain"),
    "rolebindings": ("rbac.authorization.k8s.io/v1", "RoleBinding", True,
                     "V1RoleBinding", "path"),
    "networkpolicies": ("networking.k8s.io/v1", "NetworkPolicy", True,
                        "V1NetworkPolicy", "subdomain"),
    "queues": ("scheduling.volcano.sh/v1beta1", "Queue", False, "Queue", "subdomain"),
    "pods": ("v1", "Pod", True, "V1Pod", "subdomain"),
    # Not made by meduse: the shipped Coder template's workspace
    # (scripts/deploy/coder, tests/integration/t-coder-template.sh).
    "deployments": ("apps/v1", "Deployment", True, "V1Deployment", "subdomain"),
}
# Kinds the API serves read-only: meduse never writes them, and their objects
# come from the control port (POST /fake/pods), as the Coder fake's workspace
# pods do; apply and delete get 405.
READ_ONLY = {"pods"}

# Volcano Queue has no python model: an explicit schema in the same shape as
# openapi_types (protocols.md D).  'quantity' = int-or-string ResourceList value.
QUEUE_SCHEMA = {
    "Queue": ({"apiVersion": "str", "kind": "str", "metadata": "V1ObjectMeta",
               "spec": "QueueSpec", "status": "object"}, set()),
    "QueueSpec": ({"weight": "int", "capability": "dict(str, quantity)",
                   "reclaimable": "bool", "deserved": "dict(str, quantity)",
                   "guarantee": "QueueGuarantee", "parent": "str", "priority": "int",
                   "dequeueStrategy": "str", "affinity": "object", "type": "str",
                   "extendClusters": "list[object]"}, set()),
    "QueueGuarantee": ({"resource": "dict(str, quantity)"}, set()),
}

# dict(str, str) fields of the models that hold resource.Quantity values: their
# values are checked as 'qstr' (quantity format, string only, as the model says).
QUANTITY_FIELDS = {
    ("V1ResourceQuotaSpec", "hard"), ("V1LimitRangeItem", "default"),
    ("V1LimitRangeItem", "default_request"), ("V1LimitRangeItem", "max"),
    ("V1LimitRangeItem", "min"), ("V1LimitRangeItem", "max_limit_request_ratio"),
    ("V1ResourceRequirements", "limits"), ("V1ResourceRequirements", "requests"),
    ("V1VolumeResourceRequirements", "limits"), ("V1VolumeResourceRequirements", "requests"),
}
QUANTITY_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
                         r"([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")
LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QNAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details, self.headers = details, headers or {}


def status_obj(code, reason, message, details=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": {},
         "status": "Failure" if code >= 400 else "Success",
         "message": message, "reason": reason, "code": code}
    if details:
        s["details"] = details
    return s


# --- strict schema walk ------------------------------------------------------
_required_cache = {}


def model_schema(name):
    """(json field -> type string, required json fields) for a model name."""
    if name in QUEUE_SCHEMA:
        return QUEUE_SCHEMA[name]
    cls = getattr(kmodels, name)
    if name not in _required_cache:
        # The generated constructors raise "Invalid value for `x`, must not be
        # `None`" for required attributes: probe each one with the rest set.
        req = set()
        for attr in cls.openapi_types:
            kw = {a: "x" for a in cls.openapi_types if a != attr}
            try:
                cls(**kw)
            except (ValueError, TypeError) as e:
                if "`%s`, must not be `None`" % attr in str(e):
                    req.add(cls.attribute_map[attr])
        types = {cls.attribute_map[a]: t for a, t in cls.openapi_types.items()}
        for a in cls.openapi_types:
            if (name, a) in QUANTITY_FIELDS:
                types[cls.attribute_map[a]] = "dict(str, qstr)"
        _required_cache[name] = (types, req)
    return _required_cache[name]


def jtype(v):
    if v is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "string",
            list: "list", dict: "map"}.get(type(v), type(v).__name__)


class Walk:
    def __init__(self):
        self.unknown, self.type_errors, self.missing = [], [], []

    def check(self, v, t, path):
        """Returns v without unknown fields; records problems."""
        if t.startswith("list["):
            if not isinstance(v, list):
                self.type_errors.append("%s: expected list, got %s" % (path or ".", jtype(v)))
                return v
            return [self.check(x, t[5:-1], "%s[%d]" % (path, i)) for i, x in enumerate(v)]
        if t.startswith("dict("):
            vt = t[5:-1].split(",", 1)[1].strip()
            if not isinstance(v, dict):
                self.type_errors.append("%s: expected map, got %s" % (path or ".", jtype(v)))
                return v
            return {k: self.check(x, vt, "%s.%s" % (path, k)) for k, x in v.items()}
        if t == "object":
            return v
        if t == "str":
            if not isinstance(v, str):
                self.type_errors.append("%s: expected string, got %s" % (path, jtype(v)))
            return v
        if t == "quantity" or t == "qstr":
            ok = isinstance(v, str) or (t == "quantity" and isinstance(v, int)
                                        and not isinstance(v, bool))
            if not ok:
                self.type_errors.append("%s: expected string, got %s" % (path, jtype(v)))
            elif not QUANTITY_RE.match(str(v)):
                self.type_errors.append(
                    "%s: quantities must match the regular expression "
                    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" % path)
            return v
        if t == "int":
            if not isinstance(v, int) or isinstance(v, bool):
                self.type_errors.append("%s: expected numeric (int), got %s" % (path, jtype(v)))
            return v
        if t == "float":
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                self.type_errors.append("%s: expected numeric (float), got %s" % (path, jtype(v)))
            return v
        if t == "bool":
            if not isinstance(v, bool):
                self.type_errors.append("%s: expected boolean, got %s" % (path, jtype(v)))
            return v
        if t in ("datetime", "date"):
            if not isinstance(v, str):
                self.type_errors.append("%s: expected string, got %s" % (path, jtype(v)))
            return v
        # a model
        if not isinstance(v, dict):
            self.type_errors.append("%s: expected map, got %s" % (path or ".", jtype(v)))
            return v
        types, req = model_schema(t)
        out = {}
        for k, x in v.items():
            if k not in types:
                self.unknown.append("%s.%s" % (path, k))
                continue
            if x is None:
                continue  # JSON null = field unset, as the real server treats it
            out[k] = self.check(x, types[k], "%s.%s" % (path, k))
        for k in sorted(req):
            if k not in out and k not in ("apiVersion", "kind", "metadata"):
                self.missing.append("%s.%s" % (path, k))
        return out


# --- field ownership (simplified managedFields) -----------------------------
SKIP_TOP = {"apiVersion", "kind", "status"}
META_OWNED = {"labels", "annotations", "finalizers", "ownerReferences"}


def leaves(obj):
    """{path tuple: value}: maps are descended, lists and scalars are leaves."""
    out = {}

    def rec(v, p):
        if isinstance(v, dict) and v:
            for k, x in v.items():
                rec(x, p + (k,))
        else:
            out[p] = v
    for k, v in obj.items():
        if k in SKIP_TOP:
            continue
        if k == "metadata":
            for mk in META_OWNED:
                if mk in v:
                    rec(v[mk], ("metadata", mk))
            continue
        rec(v, (k,))
    return out


def get_path(obj, p):
    for k in p:
        if not isinstance(obj, dict) or k not in obj:
            return None, False
        obj = obj[k]
    return obj, True


def set_path(obj, p, v):
    for k in p[:-1]:
        if not isinstance(obj.get(k), dict):
            obj[k] = {}
        obj = obj[k]
    obj[p[-1]] = copy.deepcopy(v)


def del_path(obj, p):
    chain = [obj]
    for k in p[:-1]:
        obj = obj.get(k) if isinstance(obj, dict) else None
        if not isinstance(obj, dict):
            return
        chain.append(obj)
    obj.pop(p[-1], None)
    for i in range(len(p) - 1, 0, -1):  # prune maps emptied by the removal
        if chain[i] == {}:
            chain[i - 1].pop(p[i - 1], None)


def fmt_path(p):
    return "." + ".".join(p)


def fields_v1(paths):
    tree = {}
    for p in sorted(paths):
        node = tree
        for k in p:
            node = node.setdefault("f:" + k, {})
    return tree


# --- state -----------------------------------------------------------------
class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.rv = 1
        self.objs = {}    # (resource, ns, name) -> object
        self.owners = {}  # (resource, ns, name) -> {manager: set(paths)}
        self.fault = None
        self.stats = {}
        self.audit = []


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_name(kind, rule, name, what="metadata.name"):
    if rule == "label":
        ok, msg = len(name) <= 63 and LABEL_RE.match(name), (
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
            "or '-', and must start and end with an alphanumeric character "
            "(e.g. 'my-name',  or '123-abc', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
    elif rule == "subdomain":
        ok, msg = len(name) <= 253 and SUBDOMAIN_RE.match(name), (
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            "characters, '-' or '.', and must start and end with an alphanumeric character "
            "(e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
    else:
        ok = name not in (".", "..") and "/" not in name and "%" not in name and name
        msg = "may not contain '/' or '%' and may not be '.' or '..'"
    if not ok:
        raise ApiError(422, "Invalid", '%s "%s" is invalid: %s: Invalid value: "%s": %s'
                       % (kind, name, what, name, msg))


def check_labels(kind, name, labels):
    for k, v in (labels or {}).items():
        pre, _, n = k.rpartition("/")
        bad = (not n or len(n) > 63 or not QNAME_RE.match(n)
               or (pre and (len(pre) > 253 or not SUBDOMAIN_RE.match(pre))))
        if bad:
            raise ApiError(422, "Invalid", '%s "%s" is invalid: metadata.labels: Invalid value: '
                           '"%s": name part must consist of alphanumeric characters, '
                           "'-', '_' or '.'" % (kind, name, k))
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE_RE.match(v):
            raise ApiError(422, "Invalid", '%s "%s" is invalid: metadata.labels: Invalid value: '
                           '"%s": a valid label must be an empty string or consist of '
                           "alphanumeric characters, '-', '_' or '.'" % (kind, name, v))


def semantic_checks(resource, kind, name, new, old):
    """The part of the real server's validation that tests rely on (422)."""
    if resource == "secrets":
        for k, v in (new.get("data") or {}).items():
            try:
                base64.b64decode(v, validate=True)
            except (binascii.Error, ValueError):
                raise ApiError(400, "BadRequest", "illegal base64 data in .data.%s" % k)
    if resource == "queues":
        w = (new.get("spec") or {}).get("weight", 1)
        if not 1 <= w <= 65535:
            raise ApiError(422, "Invalid", 'Queue.scheduling.volcano.sh "%s" is invalid: '
                           "spec.weight: Invalid value: %d: spec.weight in body should be "
                           "less than or equal to 65535 and at least 1" % (name, w))
        ds = (new.get("spec") or {}).get("dequeueStrategy")
        if ds is not None and ds not in ("fifo", "traverse"):
            raise ApiError(422, "Invalid", 'Queue.scheduling.volcano.sh "%s" is invalid: '
                           'spec.dequeueStrategy: Unsupported value: "%s": supported values: '
                           '"fifo", "traverse"' % (name, ds))
    if resource == "persistentvolumeclaims" and old is not None:
        a, b = copy.deepcopy(old.get("spec", {})), copy.deepcopy(new.get("spec", {}))
        osz = ((a.get("resources") or {}).get("requests") or {}).pop("storage", None)
        nsz = ((b.get("resources") or {}).get("requests") or {}).pop("storage", None)
        for s in (a, b):
            s.setdefault("volumeMode", "Filesystem")
        if a != b:
            raise ApiError(422, "Invalid", 'PersistentVolumeClaim "%s" is invalid: spec: '
                           "Forbidden: spec is immutable after creation except "
                           "resources.requests and volumeAttributesClassName for bound claims"
                           % name)
        if osz and nsz and qty_bytes(nsz) < qty_bytes(osz):
            raise ApiError(422, "Invalid", 'PersistentVolumeClaim "%s" is invalid: '
                           "spec.resources.requests.storage: Forbidden: field can not be "
                           "less than previous value" % name)


def qty_bytes(q):
    m = re.match(r"^([0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$", str(q))
    if not m:
        return 0
    mul = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
           "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18, "m": 1e-3}
    return float(m.group(1)) * mul.get(m.group(2), 1)


# --- URL routing -------------------------------------------------------------
def route(path):
    """-> (resource, namespace or None, name or None) or raise 404."""
    parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
    if parts[:2] == ["api", "v1"]:
        gv, rest = "v1", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        gv, rest = parts[1] + "/" + parts[2], parts[3:]
    else:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    ns = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        ns, rest = rest[1], rest[2:]
    if not rest or len(rest) > 2:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    res, name = rest[0], (rest[1] if len(rest) == 2 else None)
    if res not in KINDS or KINDS[res][0] != gv:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    if ns is not None and not KINDS[res][2]:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    if name is not None and KINDS[res][2] and ns is None:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    return res, ns, name


def parse_selector(sel):
    reqs = []
    for term in filter(None, (t.strip() for t in sel.split(","))):
        m = re.match(r"^(!?)([A-Za-z0-9./_-]+)$", term)
        if m:
            reqs.append(("!exists" if m.group(1) else "exists", m.group(2), None))
            continue
        m = re.match(r"^([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$", term)
        if not m:
            raise ApiError(400, "BadRequest", 'unable to parse requirement: found "%s", '
                           "expected: in, notin, =, ==, !=, gt, lt" % term)
        reqs.append(("!=" if m.group(2) == "!=" else "=", m.group(1), m.group(3)))
    return reqs


def selector_match(reqs, labels):
    for op, k, v in reqs:
        if op == "exists" and k not in labels:
            return False
        if op == "!exists" and k in labels:
            return False
        if op == "=" and labels.get(k) != v:
            return False
        if op == "!=" and labels.get(k) == v:
            return False
    return True


# --- the API ---------------------------------------------------------------
class Api:
    def __init__(self, state):
        self.s = state

    def render(self, res, key, obj):
        out = copy.deepcopy(obj)
        mf = []
        for mgr, paths in sorted(self.s.owners.get(key, {}).items()):
            if paths:
                mf.append({"manager": mgr, "operation": "Apply", "apiVersion": KINDS[res][0],
                           "time": obj["metadata"]["creationTimestamp"],
                           "fieldsType": "FieldsV1", "fieldsV1": fields_v1(paths)})
        out["metadata"]["managedFields"] = mf
        return out

    def get(self, res, ns, name):
        key = (res, ns, name)
        if key not in self.s.objs:
            raise ApiError(404, "NotFound", '%s "%s" not found' % (res, name),
                           {"name": name, "kind": res})
        return 200, self.render(res, key, self.s.objs[key])

    def list(self, res, ns, query):
        reqs = parse_selector(query.get("labelSelector", ""))
        items = []
        for (r, n, name), obj in sorted(self.s.objs.items()):
            if r != res or (ns is not None and n != ns):
                continue
            if selector_match(reqs, obj["metadata"].get("labels") or {}):
                it = self.render(res, (r, n, name), obj)
                del it["apiVersion"], it["kind"]  # typed lists omit them
                items.append(it)
        gv, kind = KINDS[res][0], KINDS[res][1]
        return 200, {"kind": kind + "List", "apiVersion": gv,
                     "metadata": {"resourceVersion": str(self.s.rv)}, "items": items}

    def delete(self, res, ns, name, query):
        key = (res, ns, name)
        if key not in self.s.objs:
            raise ApiError(404, "NotFound", '%s "%s" not found' % (res, name),
                           {"name": name, "kind": res})
        out = self.render(res, key, self.s.objs[key])
        if query.get("dryRun") == "All":
            return 200, out
        self.s.rv += 1
        del self.s.objs[key]
        self.s.owners.pop(key, None)
        if res == "namespaces":  # its contents go with it (instantly, unlike the real one)
            for k in [k for k in self.s.objs if k[1] == name]:
                del self.s.objs[k]
                self.s.owners.pop(k, None)
            out.setdefault("status", {})["phase"] = "Terminating"
        out["metadata"]["resourceVersion"] = str(self.s.rv)
        return 200, out

    def apply(self, res, ns, name, query, ctype, body):
        gv, kind, namespaced, model, rule = KINDS[res]
        if ctype != "application/apply-patch+yaml":
            raise ApiError(415, "UnsupportedMediaType", 'the body of the request was in an '
                           'unknown format - accepted media types include: '
                           'application/apply-patch+yaml (this fake serves apply only)')
        mgr = query.get("fieldManager")
        if not mgr:
            raise ApiError(400, "BadRequest", "PatchOptions.meta.k8s.io \"\" is invalid: "
                           "fieldManager: Required value: is required for apply patch")
        if len(mgr) > 128 or not mgr.isprintable():
            raise ApiError(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: "
                           "fieldManager: Too long: may not be more than 128 bytes")
        force = query.get("force", "false")
        if force not in ("true", "false"):
            raise ApiError(400, "BadRequest", 'invalid value for force: "%s"' % force)
        fv = query.get("fieldValidation", "Warn")
        if fv not in ("Strict", "Warn", "Ignore"):
            raise ApiError(400, "BadRequest", 'fieldValidation: Unsupported value: "%s": '
                           'supported values: "Ignore", "Strict", "Warn"' % fv)
        dry = query.get("dryRun")
        if dry not in (None, "All"):
            raise ApiError(400, "BadRequest", 'dryRun: Unsupported value: "%s": supported '
                           'values: "All"' % dry)
        try:
            cfg = yaml.safe_load(body.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise ApiError(400, "BadRequest", "error decoding YAML: %s" % str(e).splitlines()[0])
        if not isinstance(cfg, dict):
            raise ApiError(400, "BadRequest", "error decoding patch: not an object")
        if cfg.get("apiVersion") != gv or cfg.get("kind") != kind:
            raise ApiError(400, "BadRequest", "the API version in the data (%s) does not match "
                           "the expected API version (%s) or kind (%s) does not match (%s)"
                           % (cfg.get("apiVersion"), gv, cfg.get("kind"), kind))
        meta = cfg.get("metadata")
        if not isinstance(meta, dict):
            raise ApiError(400, "BadRequest", "metadata: expected map, got %s" % jtype(meta))
        if "managedFields" in meta:
            raise ApiError(400, "BadRequest", "metadata.managedFields must be nil")
        if meta.get("name") != name:
            raise ApiError(400, "BadRequest", "the name of the object (%s) does not match the "
                           "name on the URL (%s)" % (meta.get("name"), name))
        if namespaced and meta.get("namespace") != ns:
            raise ApiError(400, "BadRequest", "the namespace of the provided object does not "
                           "match the namespace sent on the request")
        if not namespaced and meta.get("namespace"):
            raise ApiError(400, "BadRequest", "the namespace of the provided object does not "
                           "match the namespace sent on the request")
        w = Walk()
        clean = w.check(cfg, model, "")
        hdrs = {}
        if w.type_errors:
            raise ApiError(400, "BadRequest", "failed to create typed patch object (%s; %s): %s"
                           % ("/".join(filter(None, (ns, name))), gv + ", Kind=" + kind,
                              w.type_errors[0]))
        if w.unknown and fv == "Strict":
            raise ApiError(400, "BadRequest", ".%s: field not declared in schema"
                           % w.unknown[0].lstrip(".") if len(w.unknown) == 1 else
                           "failed to create typed patch object: " + ", ".join(
                               "%s: field not declared in schema" % u for u in w.unknown))
        if w.unknown and fv == "Warn":
            hdrs["Warning"] = ", ".join('299 - "unknown field \\"%s\\""' % u.lstrip(".")
                                        for u in w.unknown)
        check_name(kind, rule, name)
        if namespaced:
            check_name(kind, "label", ns, "metadata.namespace")
        check_labels(kind, name, meta.get("labels"))
        if w.missing:
            raise ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (kind, name, ", ".join(
                "%s: Required value" % m.lstrip(".") for m in w.missing)))
        if namespaced and ("namespaces", None, ns) not in self.s.objs:
            raise ApiError(404, "NotFound", 'namespaces "%s" not found' % ns,
                           {"name": ns, "kind": "namespaces"})
        clean.pop("status", None)  # apply to the main resource ignores status

        key = (res, ns, name)
        old = self.s.objs.get(key)
        owners = copy.deepcopy(self.s.owners.get(key, {}))
        new_leaves = leaves(clean)
        cur = copy.deepcopy(old) if old else {"apiVersion": gv, "kind": kind,
                                                "metadata": {"name": name}}
        conflicts = []
        for p, v in sorted(new_leaves.items()):
            cv, present = get_path(cur, p)
            for m, paths in owners.items():
                if m == mgr:
                    continue
                hit = p in paths or any(q[:len(p)] == p or p[:len(q)] == q for q in paths)
                if hit and (not present or cv != v):
                    conflicts.append((m, p))
        if conflicts and force != "true":
            causes = [{"type": "FieldManagerConflict", "message": 'conflict with "%s"' % m,
                       "field": fmt_path(p)} for m, p in conflicts]
            msg = "Apply failed with %d conflict%s: %s" % (
                len(conflicts), "" if len(conflicts) == 1 else "s",
                "; ".join('conflict with "%s": %s' % (m, fmt_path(p)) for m, p in conflicts))
            raise ApiError(409, "Conflict", msg, {"name": name, "kind": res, "causes": causes})
        for m, p in conflicts:  # force: take the fields over
            owners[m] = {q for q in owners[m]
                         if not (q == p or q[:len(p)] == p or p[:len(q)] == q)}
        others = set().union(*(ps for m, ps in owners.items() if m != mgr)) if owners else set()
        for p in owners.get(mgr, set()) - set(new_leaves) - others:
            del_path(cur, p)
        for p, v in new_leaves.items():
            set_path(cur, p, v)
        owners[mgr] = set(new_leaves)
        owners = {m: ps for m, ps in owners.items() if ps}
        if res == "namespaces":
            cur["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            cur.setdefault("spec", {"finalizers": ["kubernetes"]})
            cur["status"] = {"phase": "Active"}
        if res == "persistentvolumeclaims":
            cur.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
            cur["status"] = {"phase": "Bound"}
        if res == "secrets":
            cur.setdefault("type", "Opaque")
        if res == "queues":
            cur.setdefault("spec", {}).setdefault("weight", 1)
            cur["status"] = {"state": "Open"}
        if res == "resourcequotas":
            # The quota controller's part: what it enforces, and usage
            # (none counted here: kept as it was, else zero).
            hard = dict(cur.get("spec", {}).get("hard", {}))
            used = ((old or {}).get("status") or {}).get("used", {})
            cur["status"] = {"hard": hard, "used": {k: used.get(k, "0") for k in hard}}
        semantic_checks(res, kind, name, cur, old)

        changed = old is None or cur != old
        if changed:
            if dry != "All":
                self.s.rv += 1
            md = cur["metadata"]
            md["resourceVersion"] = str(self.s.rv if dry != "All" else self.s.rv + 1)
            if old is None:
                md["uid"] = str(uuid.uuid4())
                md["creationTimestamp"] = now()
                md["generation"] = 1
            elif {k: v for k, v in cur.items() if k not in ("metadata", "status")} != \
                    {k: v for k, v in old.items() if k not in ("metadata", "status")}:
                md["generation"] = md.get("generation", 1) + 1
            if namespaced:
                md["namespace"] = ns
        if dry == "All":
            saved = (self.s.objs.get(key), self.s.owners.get(key))
            self.s.objs[key], self.s.owners[key] = cur, owners
            out = self.render(res, key, cur)
            if saved[0] is None:
                del self.s.objs[key]
                self.s.owners.pop(key, None)
            else:
                self.s.objs[key], self.s.owners[key] = saved
            return (201 if old is None else 200), out, hdrs
        self.s.objs[key], self.s.owners[key] = cur, owners
        return (201 if old is None else 200), self.render(res, key, cur), hdrs


# --- HTTP ------------------------------------------------------------------
class ApiHandler(fakelib.ApiHandler):
    server_version = "kube-fake"

    def send_json(self, code, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_api(self):
        st = self.server.state
        u, query, body = self.read_request()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        entry = {"method": self.command, "path": u.path, "query": query,
                 "content_type": ctype}
        fault = self.take_fault(entry)
        if fault:
            mode = fault["mode"]
            if mode == "down":
                return
            if mode == "500":
                entry["code"] = 500
                return self.send_json(500, status_obj(500, "InternalError",
                                                      "Internal error occurred: injected fault"))
            if mode == "429":
                entry["code"] = 429
                ra = str(fault.get("retry_after", 1))
                return self.send_json(429, status_obj(
                    429, "TooManyRequests", "Too many requests, please try again later.",
                    {"retryAfterSeconds": int(float(ra))}), {"Retry-After": ra})
        auth = self.headers.get("Authorization", "")
        try:
            if auth != "Bearer " + self.server.token:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            res, ns, name = route(u.path)
            verb = {"GET": "get" if name else "list", "PATCH": "apply",
                    "DELETE": "delete"}.get(self.command)
            if verb is None or (name is None and verb != "list") or \
                    (res in READ_ONLY and verb not in ("get", "list")):
                raise ApiError(405, "MethodNotAllowed",
                               "the server does not allow this method on the requested resource")
            with st.lock:
                k = "%s %s" % (verb, res)
                st.stats[k] = st.stats.get(k, 0) + 1
                st.stats["total"] = st.stats.get("total", 0) + 1
                hdrs = {}
                if verb == "get":
                    code, obj = Api(st).get(res, ns, name)
                elif verb == "list":
                    code, obj = Api(st).list(res, ns, query)
                elif verb == "delete":
                    code, obj = Api(st).delete(res, ns, name, query)
                else:
                    code, obj, hdrs = Api(st).apply(res, ns, name, query, ctype, body)
        except ApiError as e:
            entry["code"] = e.code
            entry["message"] = e.message
            return self.send_json(e.code, status_obj(e.code, e.reason, e.message, e.details),
                                  e.headers)
        entry["code"] = code
        self.send_json(code, obj, hdrs)

    do_GET = do_PATCH = do_DELETE = do_POST = do_PUT = handle_api


class TLSServer(fakelib.ApiServer):
    """The API port (always TLS); "requests" counts every request, faults included."""

    def record(self, entry):
        super().record(entry)
        self.state.stats["requests"] = self.state.stats.get("requests", 0) + 1


class ControlHandler(fakelib.ControlHandler):
    json_default = sorted   # the sets in owners

    def do_GET(self):
        st = self.server.state
        with st.lock:
            if self.path == "/fake/stats":
                return self.reply(200, st.stats)
            if self.path == "/fake/audit":
                return self.reply(200, st.audit)
            if self.path == "/fake/fault":
                return self.reply(200, st.fault or {"mode": "none"})
            if self.path == "/fake/objects":
                out = {}
                for (r, ns, n), o in sorted(st.objs.items()):
                    out["%s/%s/%s" % (r, ns or "", n)] = o
                return self.reply(200, out)
            if self.path == "/fake/owners":
                return self.reply(200, {"%s/%s/%s" % k: {m: sorted(".".join(p) for p in ps)
                                                          for m, ps in v.items()}
                                        for k, v in st.owners.items()})
        self.unknown()

    def do_DELETE(self):
        st = self.server.state
        with st.lock:
            if self.path == "/fake/stats":
                st.stats = {}
            elif self.path == "/fake/audit":
                st.audit = []
            elif self.path == "/fake/fault":
                st.fault = None
            elif self.path.startswith("/fake/pods/"):
                parts = self.path[len("/fake/pods/"):].split("/")
                key = ("pods", parts[0], parts[-1])
                if len(parts) != 2 or key not in st.objs:
                    return self.reply(404, {"error": "no pod %s" % "/".join(parts)})
                st.rv += 1
                del st.objs[key]
                st.owners.pop(key, None)
            else:
                return self.unknown()
        self.reply(200, {"ok": True})

    def post_pod(self, pod):
        """Stores a Pod as a controller would (uid, resourceVersion, status)."""
        st = self.server.state
        if not isinstance(pod, dict) or not isinstance(pod.get("metadata"), dict):
            return self.reply(400, {"error": "want a Pod object with metadata"})
        pod = copy.deepcopy(pod)
        pod.setdefault("apiVersion", "v1")
        pod.setdefault("kind", "Pod")
        md = pod["metadata"]
        name, ns = md.get("name"), md.get("namespace")
        w = Walk()
        w.check(pod, "V1Pod", "")
        try:
            if pod["apiVersion"] != "v1" or pod["kind"] != "Pod":
                raise ApiError(400, "BadRequest", "apiVersion/kind must be v1/Pod")
            if not isinstance(name, str) or not isinstance(ns, str):
                raise ApiError(400, "BadRequest", "metadata.name and metadata.namespace are required")
            if w.type_errors or w.unknown or w.missing:
                raise ApiError(400, "BadRequest", "; ".join(
                    w.type_errors + ["%s: field not declared in schema" % u for u in w.unknown]
                    + ["%s: Required value" % m for m in w.missing]))
            check_name("Pod", "subdomain", name)
            check_name("Pod", "label", ns, "metadata.namespace")
            check_labels("Pod", name, md.get("labels"))
        except ApiError as e:
            return self.reply(400, {"error": e.message})
        with st.lock:
            key = ("pods", ns, name)
            old = st.objs.get(key)
            st.rv += 1
            md["resourceVersion"] = str(st.rv)
            md["uid"] = old["metadata"]["uid"] if old else str(uuid.uuid4())
            md["creationTimestamp"] = old["metadata"]["creationTimestamp"] if old else now()
            pod.setdefault("status", {})
            st.objs[key] = pod
        self.reply(201 if old is None else 200, pod)

    def do_POST(self):
        st = self.server.state
        ok, req = self.read_json(want_object=False)
        if not ok:
            return
        if self.path == "/fake/pods":
            return self.post_pod(req)
        if self.path != "/fake/fault":
            return self.unknown()
        f, err = fakelib.api_fault(req, ("none", "down", "500", "429", "slow"),
                                   "mode must be none, down, 500, 429 or slow",
                                   ("count", "retry_after", "delay"))
        if err:
            return self.reply(400, {"error": err})
        with st.lock:
            st.fault = None if f["mode"] == "none" else f
        self.reply(200, f)


def main():
    ap = argparse.ArgumentParser(
        description="Strict fake Kubernetes API server for meduse tests "
                    "(see tests/fakes/README.md).")
    fakelib.add_server_args(
        ap, listen_help="HTTPS API address, loopback ADDR:PORT (port 0 = any)",
        certs_help="directory with ca.crt, server.crt, server.key; made with "
                   "make-ca.sh when ca.crt is absent", certs_required=True,
        token_help="bearer token clients must send",
        token_file_help="file holding the bearer token")
    ap.add_argument("--kubeconfig", help="write a kubeconfig for clients here")
    fakelib.add_ready_args(ap, "write KUBE_URL=/KUBE_CONTROL= lines here once serving")
    a = ap.parse_args()

    token = fakelib.read_token("kube_fake", a)
    if not token:
        sys.exit("kube_fake: the token is empty")
    ctx = fakelib.tls_context("kube_fake", a.certs)
    api, ctl, url, curl = fakelib.servers("kube_fake", a, ctx, State(), token,
                                          TLSServer, ApiHandler, ControlHandler)
    if a.kubeconfig:
        kc = {"apiVersion": "v1", "kind": "Config", "current-context": "fake",
              "clusters": [{"name": "fake", "cluster": {
                  "server": url,
                  "certificate-authority": os.path.abspath(os.path.join(a.certs, "ca.crt"))}}],
              "users": [{"name": "fake", "user": {"token": token}}],
              "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}]}
        with open(a.kubeconfig, "w") as f:
            yaml.safe_dump(kc, f, default_flow_style=False)
        os.chmod(a.kubeconfig, 0o600)
    fakelib.serve("kube_fake", api, ctl, url, curl, a.ready_file, "KUBE")


if __name__ == "__main__":
    main()
