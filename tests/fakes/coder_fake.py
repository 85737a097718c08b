#!/usr/bin/python3
"""Strict fake Coder API server for meduse tests (see tests/fakes/README.md).

Serves the part of coderd's REST API (/api/v2) that meduse uses: users,
the default organization, templates, workspaces, workspace builds that move
through their states with delays, and workspace usage (activity) reports.
JSON shapes, status codes and error bodies follow codersdk and coderd.  When a
workspace starts, its pod appears in the Kubernetes fake (POST /fake/pods on
its control port) with the labels of Coder's official Kubernetes template,
and it disappears when the workspace stops.  A plain-HTTP control port on
loopback injects faults, creates workspaces directly and shows the state.
"""
import argparse
import datetime
import ipaddress
import json
import os
import random
import re
import string
import sys
import threading
import time
import traceback
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakelib  # noqa: E402 (found next to this script, from any cwd)

SIGNED_OUT = ("You are signed out or your session has expired. "
              "Please sign in again to continue.")
NOT_FOUND = "Resource not found or you do not have access to this resource"
# codersdk/name.go: usernames and workspace names.
NAME_RE = re.compile(r"^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
LOGIN_TYPES = ("password", "github", "oidc", "none")
USER_STATUSES = ("active", "dormant", "suspended")
APP_NAMES = ("vscode", "jetbrains", "reconnecting-pty", "ssh")
ACTIVE_JOB = ("pending", "running", "canceling")


def ts(t=None):
    """RFC 3339 with microseconds, as Go marshals time.Time in UTC."""
    t = time.time() if t is None else t
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def is_uuid(v):
    try:
        return isinstance(v, str) and str(uuid.UUID(v)) == v.lower()
    except ValueError:
        return False


class CoderError(Exception):
    """An error answered with codersdk.Response {message, detail, validations}."""

    def __init__(self, code, message, detail=None, validations=None):
        super().__init__(message)
        self.code, self.message = code, message
        self.detail, self.validations = detail, validations

    def body(self):
        b = {"message": self.message}
        if self.detail:
            b["detail"] = self.detail
        if self.validations:
            b["validations"] = [{"field": f, "detail": d} for f, d in self.validations]
        return b


def not_found():
    return CoderError(404, NOT_FOUND)


def bad_json(detail):
    return CoderError(400, "Request body must be valid JSON.", detail)


def validation(field, tag, value):
    # httpapi.Read: go-playground/validator failures.
    return CoderError(400, "Validation failed.", validations=[
        (field, 'Validation failed for tag "%s" with value: "%s"' % (tag, value))])


# --- state -----------------------------------------------------------------
class State:
    def __init__(self, a):
        self.lock = threading.RLock()
        self.a = a
        t0 = time.time()
        self.org = {"id": str(uuid.uuid4()), "name": "coder", "display_name": "Coder",
                    "description": "Builtin default organization.", "icon": "",
                    "created_at": ts(t0), "updated_at": ts(t0), "is_default": True}
        self.users = {}        # id -> user
        self.gone = {}         # id -> deleted user (Coder keeps the row, marked deleted)
        self.templates = {}    # id -> template
        self.versions = {}     # version id -> template id
        self.workspaces = {}   # id -> workspace (internal)
        self.builds = {}       # id -> build (internal)
        self.faults = {}       # "owner/name" -> fault
        self.api_fault = None
        self.pod_ips = {}      # "owner/name" -> ip
        self.usage = []
        self.audit = []
        self.kube_errors = []
        self.admin = self.add_user("admin", "admin@example.com", "password", "active",
                                   roles=[{"name": "owner", "display_name": "Owner"}])
        params = [p for p in (a.template_params or "").split(",") if p]
        for name in a.template or ["meduse"]:
            tid, vid = str(uuid.uuid4()), str(uuid.uuid4())
            self.templates[tid] = {"id": tid, "name": name, "version_id": vid,
                                   "params": params, "created_at": ts(t0)}
            self.versions[vid] = tid

    def add_user(self, username, email, login_type, status, name="", roles=None):
        uid, t = str(uuid.uuid4()), ts()
        u = {"id": uid, "username": username, "avatar_url": "", "name": name,
             "email": email, "created_at": t, "updated_at": t, "last_seen_at": t,
             "status": status, "login_type": login_type, "theme_preference": "",
             "organization_ids": [self.org["id"]], "roles": roles or []}
        self.users[uid] = u
        return u

    def user(self, ref):
        if ref == "me":
            return self.admin
        for u in self.users.values():
            if u["id"] == ref.lower() or u["username"].lower() == ref.lower():
                return u
        raise not_found()

    def owner(self, w):
        """The workspace's owner, deleted or not (a deleted user's workspaces are
        deleted too, and still shown with include_deleted)."""
        return self.users.get(w["owner_id"]) or self.gone[w["owner_id"]]

    def template_by(self, ref):
        for t in self.templates.values():
            if t["id"] == ref.lower() or t["name"] == ref:
                return t
        raise not_found()

    def ws_by_name(self, owner, name, deleted=False):
        for w in self.workspaces.values():
            if w["owner_id"] == owner["id"] and w["name"] == name and \
                    w["deleted"] == deleted:
                return w
        return None

    def latest(self, w):
        return self.builds[w["builds"][-1]]


# --- rendering (codersdk shapes) ---------------------------------------------
def render_user(u):
    return dict(u)


def render_org(o):
    return dict(o)


def render_template(st, t):
    return {"id": t["id"], "created_at": t["created_at"], "updated_at": t["created_at"],
            "organization_id": st.org["id"], "organization_name": st.org["name"],
            "organization_display_name": st.org["display_name"],
            "organization_icon": "", "name": t["name"], "display_name": "",
            "provisioner": "terraform", "active_version_id": t["version_id"],
            "active_user_count": 0, "build_time_stats": {}, "description": "",
            "deprecated": False, "deprecation_message": "", "icon": "",
            "default_ttl_ms": int(st.a.autostop * 1000), "activity_bump_ms": 0,
            "autostop_requirement": {"days_of_week": [], "weeks": 1},
            "autostart_requirement": {"days_of_week": []},
            "created_by_id": st.admin["id"], "created_by_name": "admin",
            "allow_user_autostart": True, "allow_user_autostop": True,
            "allow_user_cancel_workspace_jobs": True, "failure_ttl_ms": 0,
            "time_til_dormant_ms": 0, "time_til_dormant_autodelete_ms": 0,
            "require_active_version": False, "max_port_share_level": "owner"}


def render_parameter(name):
    return {"name": name, "display_name": "", "description": "",
            "description_plaintext": "", "type": "string", "form_type": "input",
            "mutable": True, "default_value": "", "icon": "", "options": [],
            "validation_error": "", "required": False, "ephemeral": False}


def render_agent(w, b):
    ag = b["agent"]
    healthy = ag["status"] == "connected" and ag["lifecycle_state"] in ("starting", "ready")
    out = {"id": w["agent_id"], "created_at": b["created_at"], "updated_at": ag["updated_at"],
           "status": ag["status"], "lifecycle_state": ag["lifecycle_state"], "name": "main",
           "resource_id": w["resource_id"], "architecture": "amd64",
           "environment_variables": {}, "operating_system": "linux", "logs_length": 0,
           "logs_overflowed": False, "directory": "/home/coder",
           "expanded_directory": "/home/coder", "version": "v2.20.0", "api_version": "2.3",
           "apps": [], "connection_timeout_seconds": 120, "troubleshooting_url": "",
           "subsystems": [], "health": {"healthy": healthy},
           "display_apps": ["vscode", "web_terminal", "ssh_helper", "port_forwarding_helper"],
           "log_sources": [], "scripts": [], "startup_script_behavior": "non-blocking"}
    if not healthy:
        out["health"]["reason"] = {"connecting": "agent has not yet connected",
                                   "timeout": "agent is taking too long to connect",
                                   "disconnected": "agent has lost connection"}.get(
            ag["status"], "agent startup script is still running")
    for k in ("first_connected_at", "last_connected_at", "started_at", "ready_at"):
        if ag.get(k):
            out[k] = ag[k]
    return out


def render_build(st, b):
    w = st.workspaces[b["workspace_id"]]
    owner = st.owner(w)
    t = st.templates[w["template_id"]]
    job = {"id": b["job_id"], "created_at": b["created_at"], "status": b["job_status"],
           "file_id": b["file_id"], "tags": {"scope": "organization", "owner": ""},
           "queue_position": 0, "queue_size": 0, "organization_id": st.org["id"],
           "type": "workspace_build", "available_workers": [],
           "input": {"workspace_build_id": b["id"]},
           "metadata": {"template_version_name": "v1", "template_id": t["id"],
                        "template_name": t["name"], "template_display_name": "",
                        "template_icon": "", "workspace_id": w["id"],
                        "workspace_name": w["name"]}}
    for k in ("started_at", "completed_at", "canceled_at"):
        if b.get(k):
            job[k] = b[k]
    if b.get("error"):
        job["error"] = b["error"]
    resources = []
    if b["agent"] is not None:
        resources.append({"id": w["resource_id"], "created_at": b["created_at"],
                          "job_id": b["job_id"], "workspace_transition": b["transition"],
                          "type": "kubernetes_deployment", "name": "main", "hide": False,
                          "icon": "", "agents": [render_agent(w, b)], "metadata": [],
                          "daily_cost": 0})
    out = {"id": b["id"], "created_at": b["created_at"], "updated_at": b["updated_at"],
           "workspace_id": w["id"], "workspace_name": w["name"],
           "workspace_owner_id": owner["id"], "workspace_owner_name": owner["username"],
           "workspace_owner_avatar_url": "", "template_version_id": t["version_id"],
           "template_version_name": "v1", "build_number": b["number"],
           "transition": b["transition"], "initiator_id": st.admin["id"],
           "initiator_name": "admin", "job": job, "reason": b["reason"],
           "resources": resources, "status": b["status"], "daily_cost": 0,
           "matched_provisioners": {"count": 1, "available": 1}}
    if st.a.autostop and b["transition"] == "start" and b["status"] == "running":
        out["deadline"] = ts(w["last_used"] + st.a.autostop)
    return out


def render_ws(st, w):
    owner = st.owner(w)
    t = st.templates[w["template_id"]]
    lb = render_build(st, st.latest(w))
    failing = [a["id"] for r in lb["resources"] for a in r["agents"]
               if not a["health"]["healthy"]]
    out = {"id": w["id"], "created_at": w["created_at"], "updated_at": w["updated_at"],
           "owner_id": owner["id"], "owner_name": owner["username"], "owner_avatar_url": "",
           "organization_id": st.org["id"], "organization_name": st.org["name"],
           "template_id": t["id"], "template_name": t["name"], "template_display_name": "",
           "template_icon": "", "template_allow_user_cancel_workspace_jobs": True,
           "template_active_version_id": t["version_id"],
           "template_require_active_version": False, "latest_build": lb,
           "latest_app_status": None, "outdated": False, "name": w["name"],
           "last_used_at": ts(w["last_used"]), "deleting_at": None, "dormant_at": None,
           "health": {"healthy": not failing, "failing_agents": failing},
           "automatic_updates": w["automatic_updates"], "allow_renames": False,
           "favorite": False, "next_start_at": None}
    if st.a.autostop:
        out["ttl_ms"] = int(st.a.autostop * 1000)
    return out


# --- pods in the Kubernetes fake ---------------------------------------------
def pod_for(st, w):
    owner = st.owner(w)
    ns = w["params"].get("namespace") or st.a.pod_namespace_prefix + owner["username"]
    ip = st.pod_ips.get("%s/%s" % (owner["username"], w["name"]), st.a.pod_ip)
    # The official template makes a Deployment coder-<id>: its pod has a
    # generated suffix, so a client must find it by labels, not by name.
    rnd = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
    labels = {"app.kubernetes.io/name": "coder-workspace",
              "app.kubernetes.io/instance": "coder-workspace-" + w["id"],
              "app.kubernetes.io/part-of": "coder", "com.coder.resource": "true",
              "com.coder.workspace.id": w["id"], "com.coder.workspace.name": w["name"],
              "com.coder.user.id": owner["id"], "com.coder.user.username": owner["username"],
              "pod-template-hash": "7c9d8f6b5"}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "coder-%s-7c9d8f6b5-%s" % (w["id"], rnd), "namespace": ns,
                         "labels": labels,
                         "annotations": {"com.coder.user.email": owner["email"]}},
            "spec": {"containers": [{"name": "dev", "image": "codercom/enterprise-base:ubuntu"}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                       "conditions": [{"type": "Initialized", "status": "True"},
                                      {"type": "Ready", "status": "True"},
                                      {"type": "ContainersReady", "status": "True"},
                                      {"type": "PodScheduled", "status": "True"}]}}


def kube_call(st, method, path, body=None):
    if not st.a.kube_control:
        return
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(st.a.kube_control + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except (OSError, ValueError) as e:
        with st.lock:
            st.kube_errors.append("%s %s: %s" % (method, path, e))
        sys.stderr.write("coder_fake: kube control %s %s: %s\n" % (method, path, e))


def pod_up(st, w):
    with st.lock:
        if w.get("pod"):
            return
        pod = pod_for(st, w)
        w["pod"] = "%s/%s" % (pod["metadata"]["namespace"], pod["metadata"]["name"])
    kube_call(st, "POST", "/fake/pods", pod)


def pod_down(st, w):
    with st.lock:
        key, w["pod"] = w.get("pod"), None
    if key:
        kube_call(st, "DELETE", "/fake/pods/" + key)


# --- builds ------------------------------------------------------------------
def new_build(st, w, transition, reason="initiator", fault=None):
    """Creates the next build (caller holds the lock) and runs it in a thread."""
    t = ts()
    b = {"id": str(uuid.uuid4()), "job_id": str(uuid.uuid4()), "file_id": str(uuid.uuid4()),
         "workspace_id": w["id"], "number": len(w["builds"]) + 1, "transition": transition,
         "reason": reason, "created_at": t, "updated_at": t, "job_status": "pending",
         "status": {"start": "pending", "stop": "pending", "delete": "pending"}[transition],
         "agent": None, "cancel": False, "fault": fault}
    st.builds[b["id"]] = b
    w["builds"].append(b["id"])
    w["updated_at"] = t
    threading.Thread(target=run_build, args=(st, w, b), daemon=True).start()
    return b


def set_agent(b, status, lifecycle):
    t = ts()
    ag = b["agent"] or {}
    ag.update({"status": status, "lifecycle_state": lifecycle, "updated_at": t})
    if status == "connected":
        ag.setdefault("first_connected_at", t)
        ag["last_connected_at"] = t
    if lifecycle == "starting":
        ag.setdefault("started_at", t)
    if lifecycle == "ready":
        ag["ready_at"] = t
    b["agent"] = ag
    b["updated_at"] = t


def run_build(st, w, b):
    d = st.a.build_delay
    mode = (b["fault"] or {}).get("mode")

    def wait(secs, until_cancel=False):
        """Sleeps; False when the build was canceled or superseded."""
        end = time.time() + secs
        while until_cancel or time.time() < end:
            with st.lock:
                if b["cancel"] or w["builds"][-1] != b["id"]:
                    return False
            time.sleep(0.02)
        return True

    def canceled():
        with st.lock:
            if not b["cancel"]:
                return
            t = ts()
            b.update(job_status="canceled", status="canceled", canceled_at=t,
                     completed_at=t, updated_at=t, error="canceled by the user")

    tr = b["transition"]
    if not wait(d):
        return canceled()
    with st.lock:
        t = ts()
        b.update(job_status="running", started_at=t, updated_at=t,
                 status={"start": "starting", "stop": "stopping", "delete": "deleting"}[tr])
        if tr == "start":
            set_agent(b, "connecting", "created")
    if mode == "hang":
        wait(0, until_cancel=True)
        return canceled()
    if not wait(d):
        return canceled()
    if mode == "fail":
        with st.lock:
            t = ts()
            b.update(job_status="failed", status="failed", completed_at=t, updated_at=t,
                     error=b["fault"].get("message") or "terraform apply: injected failure",
                     agent=None)
        return
    with st.lock:
        t = ts()
        b.update(job_status="succeeded", completed_at=t, updated_at=t,
                 status={"start": "running", "stop": "stopped", "delete": "deleted"}[tr])
        if tr != "start":
            b["agent"] = None
        if tr == "delete":
            w["deleted"] = True
    if tr != "start":
        return pod_down(st, w)
    if mode != "no-pod":
        pod_up(st, w)
    if mode == "agent-timeout":
        if wait(d):
            with st.lock:
                set_agent(b, "timeout", "created")
        return
    if not wait(d):
        return
    with st.lock:
        set_agent(b, "connected", "starting")
    if not wait(d):
        return
    with st.lock:
        set_agent(b, "connected", "ready")


def take_fault(st, w, transition):
    key = "%s/%s" % (st.owner(w)["username"], w["name"])
    f = st.faults.get(key)
    if not f or f.get("transition", "start") != transition:
        return None
    if not f.get("sticky"):
        del st.faults[key]
    return dict(f)


def autostopper(st):
    """Stops running workspaces not used for --autostop seconds (reason autostop),
    the way Coder's deadline works when activity does not bump it."""
    while True:
        time.sleep(0.1)
        with st.lock:
            for w in st.workspaces.values():
                b = st.latest(w)
                if (not w["deleted"] and b["transition"] == "start" and b["status"] == "running"
                        and time.time() - w["last_used"] > st.a.autostop):
                    new_build(st, w, "stop", "autostop", take_fault(st, w, "stop"))


# --- request bodies ----------------------------------------------------------
def want(body, field, types, default=None):
    v = body.get(field, default)
    if v is not None and not isinstance(v, types):
        raise bad_json("json: cannot unmarshal %s into Go struct field .%s"
                       % (type(v).__name__, field))
    return v


def want_uuid(body, field):
    v = want(body, field, str)
    if v is not None and v != "" and not is_uuid(v):
        raise bad_json('invalid UUID "%s" in field %s' % (v, field))
    return v or None


KNOWN_FIELDS = {
    "create_user": {"email", "username", "name", "password", "login_type", "user_status",
                    "organization_ids"},
    "create_ws": {"template_id", "template_version_id", "name", "autostart_schedule",
                  "ttl_ms", "rich_parameter_values", "automatic_updates",
                  "template_version_preset_id"},
    "build": {"template_version_id", "transition", "dry_run", "state", "orphan",
              "rich_parameter_values", "log_level", "template_version_preset_id", "reason"},
    "usage": {"agent_id", "app_name"},
}


# --- the API -------------------------------------------------------------------
class Api:
    def __init__(self, st, entry):
        self.st, self.entry = st, entry

    def body(self, raw, kind):
        try:
            b = json.loads(raw or b"null")
        except ValueError as e:
            raise bad_json(str(e))
        if not isinstance(b, dict):
            raise bad_json("json: cannot unmarshal %s into Go value" % type(b).__name__)
        unknown = sorted(set(b) - KNOWN_FIELDS[kind])
        if unknown:  # coderd ignores them (encoding/json); the audit shows them
            self.entry["unknown_fields"] = unknown
        return b

    def route(self, method, path, query, raw):
        st = self.st
        p = [urllib.parse.unquote(x) for x in path.strip("/").split("/")][2:]
        n = len(p)
        if method == "GET" and p == ["users"]:
            us = [render_user(u) for u in st.users.values()]
            return 200, {"users": us, "count": len(us)}
        if method == "POST" and p == ["users"]:
            return self.create_user(self.body(raw, "create_user"))
        if method == "GET" and n == 2 and p[0] == "users":
            return 200, render_user(st.user(p[1]))
        if method == "DELETE" and n == 2 and p[0] == "users":
            return self.delete_user(st.user(p[1]))
        if method == "GET" and p == ["organizations"]:
            return 200, [render_org(st.org)]
        if p[:1] == ["organizations"] and n >= 2:
            if p[1] not in ("default", st.org["id"], st.org["name"]):
                raise not_found()
            if method == "GET" and n == 2:
                return 200, render_org(st.org)
            if method == "GET" and n == 3 and p[2] == "templates":
                return 200, [render_template(st, t) for t in st.templates.values()]
            if method == "GET" and n == 4 and p[2] == "templates":
                for t in st.templates.values():
                    if t["name"] == p[3]:
                        return 200, render_template(st, t)
                raise not_found()
            if method == "POST" and n == 5 and p[2] == "members" and p[4] == "workspaces":
                return self.create_ws(st.user(p[3]), self.body(raw, "create_ws"))
        if method == "GET" and n == 2 and p[0] == "templates":
            return 200, render_template(st, st.template_by(p[1]))
        if method == "GET" and n == 3 and p[0] == "templateversions" and \
                p[2] == "rich-parameters":
            tid = st.versions.get(p[1].lower())
            if tid is None:
                raise not_found()
            return 200, [render_parameter(x) for x in st.templates[tid]["params"]]
        if method == "POST" and n == 3 and p[0] == "users" and p[2] == "workspaces":
            return self.create_ws(st.user(p[1]), self.body(raw, "create_ws"))
        if method == "GET" and n == 4 and p[0] == "users" and p[2] == "workspace":
            owner = st.user(p[1])
            w = st.ws_by_name(owner, p[3])
            if w is None and query.get("include_deleted") == "true":
                w = st.ws_by_name(owner, p[3], deleted=True)
            if w is None:
                raise not_found()
            return 200, render_ws(st, w)
        if method == "GET" and p == ["workspaces"]:
            return self.list_ws(query)
        if p[:1] == ["workspaces"] and n >= 2:
            w = st.workspaces.get(p[1].lower())
            if w is None:
                raise not_found()
            if method == "GET" and n == 2:
                if w["deleted"] and query.get("include_deleted") != "true":
                    raise CoderError(410, "Workspace %s was deleted, you can view this workspace "
                                     "by specifying '?deleted=true' and trying again."
                                     % json.dumps(w["id"]))
                return 200, render_ws(st, w)
            if method == "POST" and n == 3 and p[2] == "builds":
                return self.create_build(w, self.body(raw, "build"))
            if method == "GET" and n == 3 and p[2] == "builds":
                return 200, [render_build(st, st.builds[i]) for i in reversed(w["builds"])]
            if method == "POST" and n == 3 and p[2] == "usage":
                return self.usage(w, raw)
        if p[:1] == ["workspacebuilds"] and n >= 2:
            b = st.builds.get(p[1].lower())
            if b is None:
                raise not_found()
            if method == "GET" and n == 2:
                return 200, render_build(st, b)
            if method == "PATCH" and n == 3 and p[2] == "cancel":
                if b["job_status"] not in ACTIVE_JOB:
                    raise CoderError(400, "Job has already completed!")
                b["cancel"] = True
                b["job_status"] = "canceling"
                b["status"] = "canceling"
                return 200, {"message": "Job has been marked as canceled..."}
        raise CoderError(404, "Route not found.")

    def create_user(self, b):
        st = self.st
        username, email = want(b, "username", str, ""), want(b, "email", str, "")
        name, password = want(b, "name", str, ""), want(b, "password", str, "")
        login_type = want(b, "login_type", str, "")
        status = want(b, "user_status", str)
        orgs = want(b, "organization_ids", list)
        for o in orgs or []:
            if not is_uuid(o):
                raise bad_json('invalid UUID "%s" in field organization_ids' % o)
        if not email:
            raise validation("email", "required", email)
        if not EMAIL_RE.match(email):
            raise validation("email", "email", email)
        if not username:
            raise validation("username", "required", username)
        if len(username) > 32 or not NAME_RE.match(username):
            raise validation("username", "username", username)
        if status is not None and status not in USER_STATUSES:
            raise validation("user_status", "oneof", status)
        if not login_type:
            login_type = "password"
        if login_type != "password" and password:
            raise CoderError(400, 'Password cannot be set for non-password (%s) '
                             'authentication.' % json.dumps(login_type))
        if not orgs:
            raise CoderError(
                400, "No organization specified to place the user as a member of. It is "
                "required to specify at least one organization id to place the user in.",
                "required at least 1 value for the array 'organization_ids'",
                [("organization_ids", "Missing values, this cannot be empty")])
        for u in st.users.values():
            if u["username"].lower() == username.lower() or u["email"].lower() == email.lower():
                raise CoderError(409, "User already exists.")
        for o in orgs:
            if o.lower() != st.org["id"] and o != "00000000-0000-0000-0000-000000000000":
                raise CoderError(404, "Organization does not exist with the provided id %s."
                                 % json.dumps(o))
        if login_type not in LOGIN_TYPES:
            raise CoderError(400, "Unsupported login type %s for manually creating new users."
                             % json.dumps(login_type),
                             validations=[("login_type", "must be one of %s"
                                           % ", ".join(LOGIN_TYPES))])
        if login_type == "password" and len(password) < 6:
            raise CoderError(400, "Password not strong enough!", validations=[
                ("password", "password must be at least 6 characters long")])
        u = st.add_user(username, email, login_type, status or "dormant", name)
        return 201, render_user(u)

    def delete_user(self, u):
        """coderd/users.go deleteUser: not the token's own user, not while the user
        has workspaces (deleted ones do not count; one being deleted does)."""
        st = self.st
        if u is st.admin:
            raise CoderError(403, "You cannot delete yourself!")
        if any(w["owner_id"] == u["id"] and not w["deleted"]
               for w in st.workspaces.values()):
            raise CoderError(417, "You cannot delete a user that has workspaces. "
                             "Delete their workspaces and try again!")
        # Its username and email are free again: Coder's unique indexes cover
        # the users not deleted.
        st.gone[u["id"]] = st.users.pop(u["id"])
        return 200, {"message": "User has been deleted!"}

    def create_ws(self, owner, b):
        st = self.st
        tid, vid = want_uuid(b, "template_id"), want_uuid(b, "template_version_id")
        name = want(b, "name", str, "")
        au = want(b, "automatic_updates", str, "")
        rich = want(b, "rich_parameter_values", list) or []
        want(b, "ttl_ms", int)
        want(b, "autostart_schedule", str)
        if not name:
            raise validation("name", "required", name)
        if len(name) > 32 or not NAME_RE.match(name):
            raise validation("name", "workspace_name", name)
        if tid and vid:
            raise CoderError(400, "You cannot specify both a template_id and a "
                             "template_version_id.", validations=[
                                 ("template_id", "cannot be set with template_version_id"),
                                 ("template_version_id", "cannot be set with template_id")])
        if not tid and not vid:
            raise CoderError(400, "You must specify either a template_id or a "
                             "template_version_id.", validations=[
                                 ("template_id", "required without template_version_id")])
        if vid:
            if vid.lower() not in st.versions:
                raise CoderError(400, "Template version %s doesn't exist." % json.dumps(vid),
                                 validations=[("template_version_id", "template not found")])
            tid = st.versions[vid.lower()]
        t = st.templates.get(tid.lower())
        if t is None:
            raise CoderError(400, "Template %s doesn't exist." % json.dumps(tid),
                             validations=[("template_id", "template not found")])
        if au and au not in ("always", "never"):
            raise CoderError(400, "Invalid Workspace Automatic Updates setting.",
                             validations=[("automatic_updates", "must be always or never")])
        params = self.params(t, rich)
        if st.ws_by_name(owner, name) is not None:
            raise CoderError(409, "Workspace %s already exists." % json.dumps(name),
                             validations=[("name", "This value is already in use and "
                                           "should be unique.")])
        w = new_workspace(st, owner, t, name, params, au or "never")
        new_build(st, w, "start", fault=take_fault(st, w, "start"))
        return 201, render_ws(st, w)

    def params(self, t, rich):
        out = {}
        for i, pv in enumerate(rich):
            if not isinstance(pv, dict) or not isinstance(pv.get("name"), str) or \
                    not isinstance(pv.get("value", ""), str):
                raise bad_json("json: cannot unmarshal rich_parameter_values[%d] into "
                               "codersdk.WorkspaceBuildParameter (name and value are strings)"
                               % i)
            if pv["name"] not in t["params"]:
                raise CoderError(400, "Unable to build workspace with unsupported parameters",
                                 'parameter "%s" is not present in the template' % pv["name"])
            out[pv["name"]] = pv.get("value", "")
        return out

    def create_build(self, w, b):
        st = self.st
        tr = want(b, "transition", str, "")
        if tr not in ("start", "stop", "delete"):
            raise validation("transition", "oneof", tr)
        vid = want_uuid(b, "template_version_id")
        if vid and vid.lower() not in st.versions:
            raise not_found()
        rich = want(b, "rich_parameter_values", list) or []
        if w["deleted"]:
            raise CoderError(410, "Workspace %s was deleted." % json.dumps(w["id"]))
        if st.latest(w)["job_status"] in ACTIVE_JOB:
            raise CoderError(409, "A workspace build is already active.",
                             "A workspace build is already active.")
        w["params"].update(self.params(st.templates[w["template_id"]], rich))
        nb = new_build(st, w, tr, fault=take_fault(st, w, tr))
        return 201, render_build(st, nb)

    def usage(self, w, raw):
        st = self.st
        rec = {"time": ts(), "workspace_id": w["id"],
               "workspace": "%s/%s" % (st.owner(w)["username"], w["name"]),
               "agent_id": None, "app_name": None}
        if raw:
            b = self.body(raw, "usage")
            agent, app = want_uuid(b, "agent_id"), want(b, "app_name", str, "")
            if agent and not app:
                raise CoderError(400, "Invalid request", validations=[
                    ("app_name", "must be set when agent_id is set")])
            if app and not agent:
                raise CoderError(400, "Invalid request", validations=[
                    ("agent_id", "must be set when app_name is set")])
            if app and app not in APP_NAMES:
                raise CoderError(400, "Invalid request", validations=[
                    ("app_name", "must be one of [%s]" % " ".join(APP_NAMES))])
            if agent and agent.lower() != w["agent_id"]:
                raise not_found()
            rec.update(agent_id=agent, app_name=app or None)
        w["last_used"] = time.time()
        st.usage.append(rec)
        return 204, None

    def list_ws(self, query):
        st = self.st
        filt = {}
        for term in re.findall(r'(\w+):("[^"]*"|\S+)', query.get("q", "")):
            k, v = term[0], term[1].strip('"')
            if k not in ("owner", "name", "template", "status", "deleted"):
                raise CoderError(400, "Invalid workspace search query.", validations=[
                    ("q", 'Query param "%s" is not a valid query param' % k)])
            filt[k] = v
        rest = re.sub(r'(\w+):("[^"]*"|\S+)', "", query.get("q", "")).strip()
        if rest:
            filt["name"] = rest
        out = []
        for w in sorted(st.workspaces.values(), key=lambda x: x["created_at"]):
            owner = st.owner(w)
            if w["deleted"] != (filt.get("deleted") == "true"):
                continue
            if "owner" in filt and filt["owner"] not in ("me", owner["username"]) or \
                    filt.get("owner") == "me" and owner is not st.admin:
                continue
            if "name" in filt and filt["name"].lower() not in w["name"].lower():
                continue
            if "template" in filt and st.templates[w["template_id"]]["name"] != filt["template"]:
                continue
            if "status" in filt and st.latest(w)["status"] != filt["status"]:
                continue
            out.append(render_ws(st, w))
        return 200, {"workspaces": out, "count": len(out)}


def new_workspace(st, owner, t, name, params, au):
    now = time.time()
    w = {"id": str(uuid.uuid4()), "owner_id": owner["id"], "template_id": t["id"],
         "name": name, "params": dict(params), "created_at": ts(now), "updated_at": ts(now),
         "last_used": now, "builds": [], "deleted": False, "automatic_updates": au,
         "agent_id": str(uuid.uuid4()), "resource_id": str(uuid.uuid4()), "pod": None}
    st.workspaces[w["id"]] = w
    return w


# --- HTTP ------------------------------------------------------------------
class ApiHandler(fakelib.ApiHandler):
    server_version = "coder-fake"

    def send_json(self, code, obj):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        if obj is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_api(self):
        st = self.server.state
        u, query, raw = self.read_request()
        token = self.headers.get("Coder-Session-Token")
        entry = {"method": self.command, "path": u.path, "query": query,
                 "token": token is not None}
        f = self.take_fault(entry)
        if f:
            if f["mode"] == "down":
                return
            if f["mode"] == "500":
                entry["code"] = 500
                return self.send_json(500, {"message": "Internal error fetching workspace.",
                                            "detail": "injected fault"})
        try:
            if not u.path.startswith("/api/v2/") and u.path != "/api/v2":
                raise CoderError(404, "Route not found.")
            if u.path == "/api/v2/buildinfo" and self.command == "GET":
                code, obj = 200, {"external_url": "https://github.com/coder/coder",
                                  "version": "v2.20.0+fake", "dashboard_url": self.server.url,
                                  "workspace_proxy": False, "agent_api_version": "2.3",
                                  "provisioner_api_version": "1.4",
                                  "upgrade_message": "", "deployment_id": self.server.dep_id,
                                  "telemetry": False}
            else:
                if not token:
                    raise CoderError(401, SIGNED_OUT, 'Cookie "coder_session_token" or query '
                                     "parameter must be provided.")
                if not re.match(r"^[a-zA-Z0-9]{10}-[a-zA-Z0-9]{22}$", token):
                    raise CoderError(401, SIGNED_OUT, "Invalid API key format: "
                                     "incorrect amount of parts")
                if token != self.server.token:
                    raise CoderError(401, SIGNED_OUT, "API key secret is invalid.")
                with st.lock:
                    code, obj = Api(st, entry).route(self.command, u.path, query, raw)
        except CoderError as e:
            entry["code"], entry["message"] = e.code, e.message
            return self.send_json(e.code, e.body())
        except Exception as e:  # a bug in the fake: say so loudly, answer 500
            traceback.print_exc()
            entry["code"], entry["message"] = 500, "fake bug: %r" % e
            return self.send_json(500, {"message": "coder_fake internal error", "detail": repr(e)})
        entry["code"] = code
        self.send_json(code, obj)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_api


class ApiServer(fakelib.ApiServer):
    """The API port, TLS with --certs; its fault is state.api_fault (state.faults
    are the workspaces')."""
    fault_attr = "api_fault"


def state_json(st):
    ws = []
    for w in st.workspaces.values():
        owner = st.owner(w)
        b = st.latest(w)
        ws.append({"id": w["id"], "owner": owner["username"], "name": w["name"],
                   "template": st.templates[w["template_id"]]["name"], "params": w["params"],
                   "deleted": w["deleted"], "status": b["status"],
                   "agent": b["agent"], "agent_id": w["agent_id"], "pod": w["pod"],
                   "last_used_at": ts(w["last_used"]),
                   "builds": [{k: st.builds[i].get(k) for k in
                               ("id", "number", "transition", "reason", "status",
                                "job_status", "error")} for i in w["builds"]]})
    return {"organization": st.org, "templates": [
        {"id": t["id"], "name": t["name"], "active_version_id": t["version_id"],
         "parameters": t["params"]} for t in st.templates.values()],
        "users": list(st.users.values()), "deleted_users": list(st.gone.values()),
        "workspaces": ws, "usage": st.usage,
        "faults": st.faults, "api_fault": st.api_fault, "pod_ips": st.pod_ips,
        "kube_errors": st.kube_errors}


class ControlHandler(fakelib.ControlHandler):
    def do_GET(self):
        st = self.server.state
        with st.lock:
            if self.path == "/fake/state":
                return self.reply(200, state_json(st))
            if self.path == "/fake/usage":
                return self.reply(200, st.usage)
            if self.path == "/fake/audit":
                return self.reply(200, st.audit)
            if self.path == "/fake/fault":
                return self.reply(200, {"workspaces": st.faults, "api": st.api_fault})
        self.unknown()

    def do_DELETE(self):
        st = self.server.state
        if self.path.startswith("/fake/workspace/"):
            return self.delete_ws(self.path[len("/fake/workspace/"):])
        with st.lock:
            if self.path == "/fake/usage":
                st.usage = []
            elif self.path == "/fake/audit":
                st.audit = []
            elif self.path == "/fake/fault":
                st.faults, st.api_fault = {}, None
            else:
                return self.unknown()
        self.reply(200, {"ok": True})

    def delete_ws(self, ref):
        st = self.server.state
        owner, _, name = urllib.parse.unquote(ref).partition("/")
        with st.lock:
            try:
                w = st.ws_by_name(st.user(owner), name)
            except CoderError:
                w = None
            if w is None:
                return self.reply(404, {"error": "no workspace %s/%s" % (owner, name)})
            w["deleted"] = True
            b = st.latest(w)
            b["cancel"] = b["job_status"] in ACTIVE_JOB
        pod_down(st, w)
        self.reply(200, {"ok": True})

    def do_POST(self):
        st = self.server.state
        ok, req = self.read_json(want_object=True)
        if not ok:
            return
        if self.path == "/fake/fault":
            return self.fault(req)
        if self.path == "/fake/user":
            return self.user(req)
        if self.path == "/fake/workspace":
            return self.workspace(req)
        if self.path == "/fake/pod-ip":
            ws, ip = req.get("workspace"), req.get("ip")
            try:
                ipaddress.ip_address(ip)
            except (ValueError, TypeError):
                return self.reply(400, {"error": "ip must be an IP address"})
            if not isinstance(ws, str) or "/" not in ws:
                return self.reply(400, {"error": "workspace must be OWNER/NAME"})
            with st.lock:
                st.pod_ips[ws] = ip
            return self.reply(200, {"ok": True})
        self.unknown()

    def fault(self, req):
        st = self.server.state
        mode = req.get("mode")
        if "workspace" not in req:
            f, err = fakelib.api_fault(req, ("none", "down", "500", "slow"),
                                       "API fault mode must be none, down, 500 or slow "
                                       "(or give a workspace)", ("count", "delay"))
            if err:
                return self.reply(400, {"error": err})
            with st.lock:
                st.api_fault = None if mode == "none" else f
            return self.reply(200, f)
        ws = req["workspace"]
        if not isinstance(ws, str) or "/" not in ws:
            return self.reply(400, {"error": "workspace must be OWNER/NAME"})
        if mode not in ("none", "fail", "hang", "agent-timeout", "no-pod"):
            return self.reply(400, {"error": "workspace fault mode must be none, fail, hang, "
                                             "agent-timeout or no-pod"})
        tr = req.get("transition", "start")
        if tr not in ("start", "stop", "delete"):
            return self.reply(400, {"error": "transition must be start, stop or delete"})
        f = {"mode": mode, "transition": tr, "sticky": bool(req.get("sticky"))}
        if isinstance(req.get("message"), str):
            f["message"] = req["message"]
        with st.lock:
            if mode == "none":
                st.faults.pop(ws, None)
            else:
                st.faults[ws] = f
        self.reply(200, f)

    def user(self, req):
        st = self.server.state
        un = req.get("username")
        if not isinstance(un, str) or not NAME_RE.match(un):
            return self.reply(400, {"error": "username must be a Coder username"})
        roles = req.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            return self.reply(400, {"error": "roles must be a list of site role names"})
        with st.lock:
            for u in st.users.values():
                if u["username"].lower() == un.lower():
                    return self.reply(409, {"error": "user %s exists" % un})
            u = st.add_user(un, req.get("email") or "%s@example.com" % un,
                            req.get("login_type") or "oidc", req.get("status") or "active",
                            req.get("name") or "",
                            [{"name": r, "display_name": r} for r in roles])
        self.reply(201, u)

    def workspace(self, req):
        """Creates a workspace directly in state stopped or running (no build delay)."""
        st = self.server.state
        state = req.get("state", "stopped")
        if state not in ("stopped", "running"):
            return self.reply(400, {"error": "state must be stopped or running"})
        params = req.get("params") or {}
        if not isinstance(params, dict) or \
                not all(isinstance(v, str) for v in params.values()):
            return self.reply(400, {"error": "params must be a map of strings"})
        with st.lock:
            try:
                owner = st.user(str(req.get("owner")))
                t = st.template_by(req["template"]) if req.get("template") else \
                    next(iter(st.templates.values()))
            except CoderError:
                return self.reply(404, {"error": "unknown owner or template"})
            name = req.get("name")
            if not isinstance(name, str) or not NAME_RE.match(name):
                return self.reply(400, {"error": "name must be a workspace name"})
            if st.ws_by_name(owner, name):
                return self.reply(409, {"error": "workspace exists"})
            w = new_workspace(st, owner, t, name, params, "never")
            tm = ts()
            b = {"id": str(uuid.uuid4()), "job_id": str(uuid.uuid4()),
                 "file_id": str(uuid.uuid4()), "workspace_id": w["id"], "number": 1,
                 "transition": "start" if state == "running" else "stop",
                 "reason": "initiator", "created_at": tm, "updated_at": tm,
                 "job_status": "succeeded", "status": state, "agent": None, "cancel": False,
                 "fault": None, "started_at": tm, "completed_at": tm}
            if state == "running":
                set_agent(b, "connected", "starting")
                set_agent(b, "connected", "ready")
            st.builds[b["id"]] = b
            w["builds"].append(b["id"])
            out = render_ws(st, w)
        if state == "running":
            pod_up(st, w)
        self.reply(201, out)


def main():
    ap = argparse.ArgumentParser(
        description="Strict fake Coder API server for meduse tests "
                    "(see tests/fakes/README.md).")
    fakelib.add_server_args(
        ap, listen_help="API address, loopback ADDR:PORT (port 0 = any)",
        certs_help="serve HTTPS with DIR/server.crt and server.key "
                   "(made with make-ca.sh when DIR/ca.crt is absent)", certs_required=False,
        token_help="session token clients must send (ID-SECRET: 10 and 22 alphanumerics)",
        token_file_help="file holding the session token")
    ap.add_argument("--template", action="append",
                    help="template name in the default organization (repeatable; "
                         "default: meduse)")
    ap.add_argument("--template-params", default="namespace,cpu,memory,gpu,home_pvc",
                    help="comma-separated rich parameters the templates declare")
    ap.add_argument("--build-delay", type=float, default=0.5,
                    help="seconds per build step (default 0.5)")
    ap.add_argument("--autostop", type=float, default=0,
                    help="stop a running workspace after this many seconds without "
                         "usage reports (0 = never)")
    ap.add_argument("--kube-control", help="control URL of kube_fake.py: workspace pods "
                                           "are created and deleted there")
    ap.add_argument("--pod-ip", default="127.0.1.1",
                    help="pod IP of workspace pods (POST /fake/pod-ip sets one per workspace)")
    ap.add_argument("--pod-namespace-prefix", default="u-",
                    help="pod namespace prefix when a workspace has no 'namespace' parameter")
    fakelib.add_ready_args(ap, "write CODER_URL=/CODER_CONTROL= lines here once serving")
    a = ap.parse_args()

    token = fakelib.read_token("coder_fake", a)
    if not token or not re.match(r"^[a-zA-Z0-9]{10}-[a-zA-Z0-9]{22}$", token):
        sys.exit("coder_fake: the token must look like Coder's: 10 alphanumerics, '-', 22 "
                 "alphanumerics")
    try:
        ipaddress.ip_address(a.pod_ip)
    except ValueError:
        sys.exit("coder_fake: --pod-ip wants an IP address")
    if a.build_delay < 0 or a.autostop < 0:
        sys.exit("coder_fake: --build-delay and --autostop must not be negative")
    ctx = fakelib.tls_context("coder_fake", a.certs) if a.certs else None
    state = State(a)
    api, ctl, url, curl = fakelib.servers("coder_fake", a, ctx, state, token,
                                          ApiServer, ApiHandler, ControlHandler)
    api.url, api.dep_id = url, str(uuid.uuid4())
    if a.autostop:
        threading.Thread(target=autostopper, args=(state,), daemon=True).start()
    fakelib.serve("coder_fake", api, ctl, url, curl, a.ready_file, "CODER")


if __name__ == "__main__":
    main()
