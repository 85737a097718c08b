#!/usr/bin/env bash
# The MinIO Secret, seen from inside a workspace: after `accountctl add`,
# the variables and the file the shipped Coder template (main.tf, rendered
# with tests/fakes/render_template.py) takes from the Secret meduse-minio are
# given to Debian's boto3 exactly as the pod would have them (env -i: no
# ~/.aws, no other variable).  With them alice writes, reads and lists her
# bucket, reads a shared (minio.shared_read) bucket and is refused
# (AccessDenied) writing it or reading bob's bucket; MLflow's way of making
# its client (MLFLOW_S3_ENDPOINT_URL, s3v4) and DVC's remote from the
# mounted dvc-config work too.  After `accountctl minio rotate` the old key
# is refused and the new Secret's works; a wrong secret gets
# SignatureDoesNotMatch, an unknown key InvalidAccessKeyId.  The fake MinIO
# runs in region eu-lab-1 (minio.region): a request signed for us-east-1 is
# refused (botocore then retries with the region MinIO names), one signed
# with the Secret's AWS_DEFAULT_REGION is not.
#
# Debian 12's botocore (1.29) does not read AWS_ENDPOINT_URL: endpoint_url is
# passed from it, as docs/how-to/use-your-data.md tells users.  DVC and MLflow
# are not in Debian (no `dvc` nor `mlflow` package): the dvc-config file is
# read with configparser as DVC's configobj reads it (section
# ['remote "meduse"'] is remote "meduse"), and its url and endpointurl drive
# a boto3 client the way DVC's S3 remote uses them.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/minio-lib.sh"
/usr/bin/python3 -c 'import boto3' 2>/dev/null ||
	skip "python3-boto3 missing (run scripts/deps.sh)"
/usr/bin/python3 -c 'import hcl' 2>/dev/null ||
	skip "python3-pyhcl missing (run scripts/deps.sh)"
REGION=eu-lab-1
start_minio_fake --region "$REGION"
# The admins' shared dataset, made with the MinIO root key.
minio_call --region "$REGION" s3 create_bucket \
	"{\"Bucket\":\"datasets\",\"CreateBucketConfiguration\":{\"LocationConstraint\":\"$REGION\"}}" >"$T/out"
expect_in "$T/out" 'HTTP 200'
minio_call --region "$REGION" s3 put_object '{"Bucket":"datasets","Key":"mnist.csv","Body":"label,pixel0\n7,0\n"}' >"$T/out"
expect_in "$T/out" 'HTTP 200'
minio_conf "region: $REGION" "shared_read: [datasets]"
kube_accountd "reconcile_interval: 0"
mkkey alice
mkkey bob
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
expect_in "$T/err" 'created +MinioUser +alice$'
expect_rc 0 ctl add bob --key "$T/keys/bob.pub"
expect_in "$T/err" 'created +MinioUser +bob$'

# The Deployment of the shipped template, for alice.
/usr/bin/python3 "$TOP/tests/fakes/render_template.py" "$TOP/scripts/deploy/coder/main.tf" \
	deployment namespace=u-alice owner_name=alice >"$T/dep.json" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "cannot render main.tf"; }

# pod_view NAME: what NAME's workspace container gets from the Secret
# meduse-minio in the fake Kubernetes: $T/NAME.env (NAME=VALUE lines, the
# template's env entries with a secretKeyRef to it; an optional key the
# Secret lacks is left out, as the kubelet does) and, under $T/NAME-root,
# the files of the template's volumes of that Secret at their mount paths.
pod_view() {
	kube_ctl /fake/objects >"$T/objects.json"
	rm -rf "$T/$1-root"
	/usr/bin/python3 - "$T/objects.json" "u-$1" "$T/dep.json" "$T/$1.env" "$T/$1-root" <<'PY' ||
import base64, json, os, sys
objs, ns, dep, envf, root = sys.argv[1:]
sec = json.load(open(objs)).get("secrets/%s/meduse-minio" % ns)
if sec is None:
    sys.exit("no Secret meduse-minio in %s" % ns)
data = {k: base64.b64decode(v).decode() for k, v in sec["data"].items()}
spec = json.load(open(dep))["spec"]["template"]["spec"]
c = spec["containers"][0]
lines = []
for e in c["env"]:
    ref = e.get("valueFrom", {}).get("secretKeyRef")
    if not ref or ref["name"] != "meduse-minio":
        continue
    if ref["key"] not in data:
        if ref.get("optional"):
            continue
        sys.exit("the Secret lacks %s" % ref["key"])
    if "\n" in data[ref["key"]]:
        sys.exit("%s has a newline" % ref["key"])
    lines.append("%s=%s\n" % (e["name"], data[ref["key"]]))
with open(envf, "w") as f:
    f.writelines(lines)
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
for v in spec["volumes"]:
    s = v.get("secret")
    if not s or s["secretName"] != "meduse-minio":
        continue
    d = root + mounts[v["name"]]
    os.makedirs(d)
    for it in s["items"]:
        with open(os.path.join(d, it["path"]), "w") as f:
            f.write(data[it["key"]])
        os.chmod(os.path.join(d, it["path"]), s.get("defaultMode", 0o644))
PY
		fail "pod_view $1"
}

# The client side: one boto3 call per run, in a Python started with the
# pod's variables only.  Prints the result, or "ERR CODE: MESSAGE" (exit 3).
cat >"$T/ws.py" <<'PY'
import configparser, os, sys, tempfile
import boto3, botocore
from botocore.config import Config
from botocore.exceptions import ClientError

def client(endpoint=None, **kw):
    # Debian's botocore 1.29 does not read AWS_ENDPOINT_URL (see the header).
    return boto3.client("s3", endpoint_url=endpoint or os.environ["AWS_ENDPOINT_URL"],
                        config=Config(retries={"max_attempts": 1}, **kw))

def dvc_remote(path):
    """core.remote's url and endpointurl, read as DVC's configobj does."""
    cp = configparser.ConfigParser(interpolation=None)
    cp.read_string(open(path).read())
    sec = {n.strip("'"): cp[n] for n in cp.sections()}
    name = sec["core"]["remote"]
    r = sec['remote "%s"' % name]
    return name, r["url"], r["endpointurl"]

op, args = sys.argv[1], sys.argv[2:]
try:
    if op == "whoami":
        s3 = client()
        print("region=%s endpoint=%s" % (s3.meta.region_name, s3.meta.endpoint_url))
        print("botocore=%s default-endpoint=%s" % (
            botocore.__version__, boto3.client("s3").meta.endpoint_url))
    elif op == "put":
        client().put_object(Bucket=args[0], Key=args[1], Body=args[2].encode())
        print("put %s/%s" % (args[0], args[1]))
    elif op == "get":
        print(client().get_object(Bucket=args[0], Key=args[1])["Body"].read().decode(), end="")
    elif op == "list":
        r = client().list_objects_v2(Bucket=args[0])
        print(" ".join(o["Key"] for o in r.get("Contents", [])))
    elif op == "mlflow":
        # mlflow.store.artifact.s3_artifact_repo: its client, then upload_file.
        s3 = boto3.client("s3", config=Config(signature_version="s3v4"),
                          endpoint_url=os.environ.get("MLFLOW_S3_ENDPOINT_URL"))
        with tempfile.NamedTemporaryFile() as f:
            f.write(args[2].encode())
            f.flush()
            s3.upload_file(f.name, args[0], args[1])
        print("mlflow %s/%s" % (args[0], args[1]))
    elif op == "dvc-remote":
        print("remote=%s url=%s endpointurl=%s" % dvc_remote(args[0]))
    elif op == "dvc-push":
        # What `dvc push` does with the remote: objects under s3://BUCKET/files/md5.
        _, url, endpoint = dvc_remote(args[0])
        bucket = url[len("s3://"):].split("/", 1)[0]
        client(endpoint).put_object(Bucket=bucket, Key="files/md5/" + args[1], Body=args[2].encode())
        print("dvc %s/files/md5/%s" % (bucket, args[1]))
    else:
        sys.exit("ws.py: unknown op " + op)
except ClientError as e:
    err = e.response["Error"]
    print("ERR %s: %s" % (err.get("Code"), err.get("Message")))
    sys.exit(3)
PY
mkdir -m 0700 "$T/home"
# ws ENV-FILE [NAME=VALUE...] -- OP ARGS...: ws.py with the variables of
# ENV-FILE (then NAME=VALUE, to spoil one), nothing else but HOME and PATH.
ws() {
	local envf=$1 vars
	shift
	mapfile -t vars <"$envf"
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	env -i HOME="$T/home" PATH=/usr/bin:/bin LANG=C.UTF-8 "${vars[@]}" \
		timeout 60 /usr/bin/python3 "$T/ws.py" "$@"
}

# --- what the workspace gets
pod_view alice
pod_view bob
want_vars="AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL MLFLOW_S3_ENDPOINT_URL AWS_DEFAULT_REGION"
[ "$(cut -d= -f1 "$T/alice.env" | xargs)" = "$want_vars" ] ||
	fail "the pod's variables: $(cut -d= -f1 "$T/alice.env" | xargs), want $want_vars"
expect_rc 0 grep -qx "AWS_ACCESS_KEY_ID=alice" "$T/alice.env"
expect_rc 0 grep -qx "AWS_SECRET_ACCESS_KEY=$(minio_state 's["users"]["alice"]["secret_key"]')" "$T/alice.env"
expect_rc 0 grep -qx "AWS_ENDPOINT_URL=$MINIO_URL" "$T/alice.env"
expect_rc 0 grep -qx "MLFLOW_S3_ENDPOINT_URL=$MINIO_URL" "$T/alice.env"
expect_rc 0 grep -qx "AWS_DEFAULT_REGION=$REGION" "$T/alice.env"
DVC=$T/alice-root/etc/xdg/dvc/config
[ -f "$DVC" ] || { find "$T/alice-root" >&2; fail "no DVC system config at /etc/xdg/dvc/config"; }
want_eq() {	# want_eq GOT EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}
want_eq "$(stat -c %a "$DVC")" 444 "mode of the DVC config"
expect_rc 0 ws "$T/alice.env" -- whoami
expect_has "$T/out" "region=$REGION endpoint=$MINIO_URL"
# Why endpoint_url is passed: botocore reads AWS_ENDPOINT_URL from 1.31 on.
if /usr/bin/python3 -c 'import sys, botocore; sys.exit(tuple(map(int, botocore.__version__.split(".")[:2])) >= (1, 31))'; then
	expect_in "$T/out" 'default-endpoint=https://s3\.[a-z0-9-]+\.amazonaws\.com'
else
	expect_has "$T/out" "default-endpoint=$MINIO_URL"
fi

# --- alice's own bucket: write, read, list
expect_rc 0 ws "$T/alice.env" -- put lab-alice runs/1/metrics.json '{"acc": 0.9}'
expect_rc 0 ws "$T/alice.env" -- get lab-alice runs/1/metrics.json
want_eq "$(cat "$T/out")" '{"acc": 0.9}' "alice reads her object"
expect_rc 0 ws "$T/alice.env" -- list lab-alice
want_eq "$(cat "$T/out")" "runs/1/metrics.json" "alice lists her bucket"
[ "$(minio_state 's["buckets"]["lab-alice"]["keys"]')" = "['runs/1/metrics.json']" ] ||
	fail "the object is not in lab-alice: $(minio_state 's["buckets"]["lab-alice"]')"

# --- the shared bucket: read and list, not write
expect_rc 0 ws "$T/alice.env" -- get datasets mnist.csv
want_eq "$(cat "$T/out")" "$(printf 'label,pixel0\n7,0')" "alice reads the shared dataset"
expect_rc 0 ws "$T/alice.env" -- list datasets
want_eq "$(cat "$T/out")" "mnist.csv" "alice lists the shared bucket"
expect_rc 3 ws "$T/alice.env" -- put datasets mnist.csv 'overwritten'
expect_in "$T/out" '^ERR AccessDenied: '
[ "$(minio_state 's["buckets"]["datasets"]["bytes"]')" = 17 ] || fail "the shared object changed"

# --- bob's bucket: not alice's
expect_rc 0 ws "$T/bob.env" -- put lab-bob notes.txt 'bob only'
expect_rc 3 ws "$T/alice.env" -- get lab-bob notes.txt
expect_in "$T/out" '^ERR AccessDenied: '
expect_rc 3 ws "$T/alice.env" -- list lab-bob
expect_in "$T/out" '^ERR AccessDenied: '
expect_rc 3 ws "$T/alice.env" -- put lab-bob x 'from alice'
expect_in "$T/out" '^ERR AccessDenied: '
want_eq "$(minio_state 's["buckets"]["lab-bob"]["keys"]')" "['notes.txt']" "lab-bob's objects"

# --- MLflow's client (MLFLOW_S3_ENDPOINT_URL, s3v4, upload_file)
expect_rc 0 ws "$T/alice.env" -- mlflow lab-alice mlflow/1/artifacts/model.txt 'weights'
expect_rc 0 ws "$T/alice.env" -- get lab-alice mlflow/1/artifacts/model.txt
want_eq "$(cat "$T/out")" weights "the MLflow artifact"

# --- DVC's system config: the default remote is alice's bucket on MinIO
expect_rc 0 ws "$T/alice.env" -- dvc-remote "$DVC"
want_eq "$(cat "$T/out")" "remote=meduse url=s3://lab-alice endpointurl=$MINIO_URL" "alice's DVC remote"
expect_rc 0 ws "$T/bob.env" -- dvc-remote "$T/bob-root/etc/xdg/dvc/config"
want_eq "$(cat "$T/out")" "remote=meduse url=s3://lab-bob endpointurl=$MINIO_URL" "bob's DVC remote"
expect_rc 0 ws "$T/alice.env" -- dvc-push "$DVC" 3f/a1b2c3 'a tracked file'
expect_rc 0 ws "$T/alice.env" -- get lab-alice files/md5/3f/a1b2c3
want_eq "$(cat "$T/out")" 'a tracked file' "the DVC object"
# alice's remote with bob's keys: refused.
expect_rc 3 ws "$T/bob.env" -- dvc-push "$DVC" 3f/d4e5f6 'from bob'
expect_in "$T/out" '^ERR AccessDenied: '

# --- bad input: a wrong secret, an unknown key, no region
expect_rc 3 ws "$T/alice.env" AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong -- list lab-alice
expect_in "$T/out" '^ERR SignatureDoesNotMatch: The request signature we calculated does not match'
expect_rc 3 ws "$T/alice.env" AWS_ACCESS_KEY_ID=mallory -- list lab-alice
expect_in "$T/out" '^ERR InvalidAccessKeyId: '
# A request signed for another region is refused with the server's region,
# which botocore then retries with (as with MinIO); with the Secret's
# region there is no such round trip.
audit_codes() {
	minio_ctl /fake/audit | /usr/bin/python3 -c 'import json,sys; print(" ".join("%s:%s" % (a["code"], a.get("error", "")) for a in json.load(sys.stdin) if a["path"].startswith("/lab-alice")))'
}
curl -sS -f -X DELETE "$MINIO_CONTROL/fake/audit" >/dev/null || fail "clear the audit"
expect_rc 0 ws "$T/alice.env" AWS_DEFAULT_REGION=us-east-1 -- put lab-alice r.txt x
want_eq "$(audit_codes)" "400:AuthorizationHeaderMalformed 200:" "requests signed for us-east-1"
curl -sS -f -X DELETE "$MINIO_CONTROL/fake/audit" >/dev/null || fail "clear the audit"
expect_rc 0 ws "$T/alice.env" -- put lab-alice r.txt x
want_eq "$(audit_codes)" "200:" "requests signed for $REGION"

# --- a new key: the old one is refused, the updated Secret's works
cp "$T/alice.env" "$T/alice-old.env"
cp "$DVC" "$T/dvc-old"
expect_rc 0 ctl minio rotate alice
expect_in "$T/err" 'rotated +MinioUser +alice$'
pod_view alice
if cmp -s "$T/alice.env" "$T/alice-old.env"; then fail "rotate did not change the Secret"; fi
expect_rc 0 grep -qx "AWS_ACCESS_KEY_ID=alice" "$T/alice.env"
expect_rc 0 grep -qx "AWS_SECRET_ACCESS_KEY=$(minio_state 's["users"]["alice"]["secret_key"]')" "$T/alice.env"
expect_rc 0 cmp "$T/dvc-old" "$DVC"
expect_rc 3 ws "$T/alice-old.env" -- put lab-alice after-rotate.txt old
expect_in "$T/out" '^ERR SignatureDoesNotMatch: '
expect_rc 0 ws "$T/alice.env" -- put lab-alice after-rotate.txt new
expect_rc 0 ws "$T/alice.env" -- get lab-alice after-rotate.txt
want_eq "$(cat "$T/out")" new "after rotate"
expect_rc 0 ws "$T/alice.env" -- dvc-push "$DVC" 40/0a0b0c 'after rotate'
echo ok
