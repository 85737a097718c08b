#!/usr/bin/python3
"""Renders what scripts/deploy/coder/main.tf would create, without terraform.

Terraform is not in Debian, so the template is checked this way: main.tf is
parsed with python3-pyhcl (a Debian package) and the kubernetes_deployment
resource is turned into the Deployment object the Kubernetes provider would
send, with sample parameter values.  tests/integration/t-coder-template.sh
applies it to the strict fake API (tests/fakes/kube_fake.py), so a field
name, type or quantity the real API server would refuse is caught here.

  render_template.py MAIN_TF params
      the coder_parameter declarations, as JSON
  render_template.py MAIN_TF deployment [NAME=VALUE ...]
      the Deployment, as JSON.  NAMEs: the parameters (namespace, cpu,
      memory, gpu, home_pvc), workspace_id, workspace_name, owner_id,
      owner_name, owner_email, and var.NAME for a template variable (a map
      or list variable as JSON).

The subset it understands (documented in main.tf's header; anything else is
an error, never a guess):
  - pyhcl reads HCL1, which covers main.tf's syntax, but it returns a bare
    expression as a string with its spaces and quotes removed: `a == "0" ?
    x : y` comes back as 'a==0?x:y'.  So a string is taken as an expression
    only when it is a whole reference (data.*, var.*, local.*, coder_agent.*,
    path.*, <dynamic block>.value), file(...), lower(...), or a conditional
    REF==LITERAL?A:B; every other string is a template whose ${REF} parts are
    replaced ($${ is a literal ${).  A literal string that looks like a
    reference would be misread: main.tf has none.
  - Blocks become Kubernetes fields: snake_case -> camelCase; the blocks
    that the API holds as lists (container, env, volume, port ...) become
    lists; `dynamic "X"` blocks are expanded; map attributes (labels,
    limits ...) keep their keys.  A block this table does not know keeps
    its shape, and the strict fake then refuses it: extend the tables.
  - Like the provider: numeric strings become numbers where the API wants
    numbers (run_as_user, ports), default_mode is octal text ("0444"),
    empty maps are omitted, meta-arguments (count, depends_on ...) dropped.
"""
import json
import os
import re
import sys
import textwrap

try:
    import hcl
except ImportError:
    sys.exit("render_template: python3-pyhcl is missing (run scripts/deps.sh)")

# Terraform blocks held as lists by the Kubernetes API: block -> field.
LIST_BLOCKS = {
    "container": "containers", "init_container": "initContainers",
    "volume": "volumes", "volume_mount": "volumeMounts", "env": "env",
    "env_from": "envFrom", "port": "ports", "toleration": "tolerations",
    "items": "items", "match_expressions": "matchExpressions",
    "image_pull_secrets": "imagePullSecrets",
    "preferred_during_scheduling_ignored_during_execution":
        "preferredDuringSchedulingIgnoredDuringExecution",
}
# Map attributes: their keys are data, not field names.
MAP_ATTRS = {"labels", "annotations", "match_labels", "limits", "requests",
             "node_selector"}
# Provider strings the API wants as integers.
INT_FIELDS = {"run_as_user", "run_as_group", "fs_group", "port", "container_port",
              "replicas", "weight"}
OCTAL_FIELDS = {"default_mode", "mode"}
META = {"count", "depends_on", "wait_for_rollout", "lifecycle", "timeouts", "for_each",
        "provider"}
REF_RE = re.compile(r"^(data|var|local|coder_agent|path|[a-z_]+)\.[A-Za-z0-9_.]+$")


def camel(k):
    head, *rest = k.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


class Renderer:
    def __init__(self, path, values):
        self.path = path
        with open(path) as f:
            self.tf = hcl.load(f)
        self.values = values
        self.bound = {}  # dynamic block iterator name -> value

    # --- expressions ---------------------------------------------------
    def ref(self, r):
        parts = r.split(".")
        v = self.values
        if parts[0] in self.bound and parts[1:] == ["value"]:
            return self.bound[parts[0]]
        if parts[0] == "data" and parts[1] == "coder_parameter" and parts[3:] == ["value"]:
            decl = self.tf["data"]["coder_parameter"].get(parts[2])
            if decl is None:
                raise ValueError("no coder_parameter %s" % parts[2])
            return str(v.get(parts[2], decl.get("default", "")))
        if parts[:3] == ["data", "coder_workspace", "me"]:
            return {"id": v["workspace_id"], "name": v["workspace_name"],
                    "start_count": 1}[parts[3]]
        if parts[:3] == ["data", "coder_workspace_owner", "me"]:
            return {"id": v["owner_id"], "name": v["owner_name"],
                    "email": v["owner_email"]}[parts[3]]
        if parts[:2] == ["coder_agent", "main"]:
            return {"token": "CODER-AGENT-TOKEN",
                    "init_script": "# the Coder agent's init script\n"}[parts[2]]
        if parts == ["path", "module"]:
            return os.path.dirname(os.path.abspath(self.path))
        if parts[0] == "var" and len(parts) == 2:
            if "var." + parts[1] in v:
                return v["var." + parts[1]]
            return self.tf["variable"][parts[1]]["default"]
        if parts[0] == "local" and len(parts) == 2:
            return self.expr(self.tf["locals"][parts[1]])
        raise ValueError("reference %s is not understood" % r)

    def template(self, s):
        out, i = [], 0
        while i < len(s):
            if s.startswith("$${", i):
                out.append("${")
                i += 3
            elif s.startswith("${", i):
                j = s.index("}", i)
                inner = s[i + 2:j].strip()
                if not REF_RE.match(inner) and not inner.startswith(("lower(", "file(")):
                    raise ValueError("interpolation ${%s} is not understood" % inner)
                out.append(str(self.expr(inner)))
                i = j + 1
            else:
                out.append(s[i])
                i += 1
        return "".join(out)

    def expr(self, x):
        if isinstance(x, dict):
            return {k: self.expr(v) for k, v in x.items()}
        if isinstance(x, list):
            return [self.expr(v) for v in x]
        if not isinstance(x, str):
            return x
        m = re.match(r"^(file|lower)\((.*)\)$", x, re.S)
        if m:
            arg = str(self.expr(m.group(2)))
            if m.group(1) == "lower":
                return arg.lower()
            with open(arg) as f:
                return f.read()
        m = re.match(r"^([A-Za-z0-9_.]+)==([^?]*)\?([^:]+):(.+)$", x)
        if m and REF_RE.match(m.group(1)):
            pick = m.group(3) if str(self.ref(m.group(1))) == m.group(2) else m.group(4)
            return self.expr(pick)
        if REF_RE.match(x) and not x.startswith(("kubernetes.io", "nvidia.com")):
            return self.ref(x)
        if "\n" in x:
            x = textwrap.dedent(x)  # <<-EOT strips the common indentation
        return self.template(x)

    # --- blocks ------------------------------------------------------------
    def scalar(self, key, v):
        v = self.expr(v)
        if key in OCTAL_FIELDS and isinstance(v, str):
            return int(v, 8)
        if key in INT_FIELDS and isinstance(v, str) and v.isdigit():
            return int(v)
        if key == "value" and isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)  # env values are strings; terraform converts numbers
        return v

    def block(self, b):
        out = {}
        dyn = b.get("dynamic", {})
        for k, v in b.items():
            if k in META or k == "dynamic":
                continue
            if k in MAP_ATTRS:
                m = self.expr(v)
                if m:
                    out[camel(k)] = {mk: str(mv) for mk, mv in m.items()}
                continue
            if k in LIST_BLOCKS and isinstance(v, (dict, list)):
                items = v if isinstance(v, list) else [v]
                out[LIST_BLOCKS[k]] = [self.block(i) for i in items]
                continue
            if isinstance(v, dict):
                out[camel(k)] = self.block(v)
            elif isinstance(v, list):
                out[camel(k)] = [self.scalar(k, i) for i in v]
            else:
                out[camel(k)] = self.scalar(k, v)
        for name, d in dyn.items():
            for val in self.expr(d["for_each"]):
                self.bound[name] = val
                item = self.block(d["content"])
                del self.bound[name]
                field = LIST_BLOCKS.get(name, camel(name))
                out.setdefault(field, []).append(item)
        return out

    def deployment(self):
        res = self.tf["resource"]["kubernetes_deployment"]
        if len(res) != 1:
            raise ValueError("want one kubernetes_deployment, got %d" % len(res))
        body = self.block(next(iter(res.values())))
        return {"apiVersion": "apps/v1", "kind": "Deployment", **body}


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("params", "deployment"):
        sys.exit(__doc__.split("\n\n")[1])
    values = {"workspace_id": "0b7ac9c4-3e4f-4f4b-9a43-6a5d9e0e3c11",
              "workspace_name": "dev", "owner_id": "5c3f3b62-1d9a-4a7e-8d4e-2f0c9c1b7a55",
              "owner_name": "alice", "owner_email": "alice@lab.example"}
    for a in sys.argv[3:]:
        k, sep, v = a.partition("=")
        if not sep:
            sys.exit("render_template: want NAME=VALUE, got %s" % a)
        # var.NAME={...} or [...]: a map or list variable, as JSON.
        values[k] = json.loads(v) if k.startswith("var.") and v[:1] in "{[" else v
    try:
        r = Renderer(sys.argv[1], values)
        if sys.argv[2] == "params":
            out = r.tf["data"]["coder_parameter"]
        else:
            out = r.deployment()
    except (OSError, ValueError, KeyError) as e:
        sys.exit("render_template: %s: %s" % (sys.argv[1], e))
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
