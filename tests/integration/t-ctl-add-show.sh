#!/usr/bin/env bash
# An admin adds an account with two keys and reads it back in every form.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice1
mkkey alice2 -t rsa -b 3072
cat "$T/keys/alice1.pub" "$T/keys/alice2.pub" >"$T/keys/both.pub"

expect_rc 0 ctl add alice --key "$T/keys/both.pub" --name "Alice Martin" \
	--email alice@lab.example --gpu 2 --memory 64Gi --cpu 500m --expires 2099-12-31
expect_in "$T/out" '^Created account alice \(2 keys, workspace dev, state active\)'
# The ~/.ssh/config block to send to the user, naming her key file.
expect_in "$T/out" '^Host meduse$'
expect_in "$T/out" '^    User alice$'
expect_in "$T/out" "^    IdentityFile ~/.ssh/id_ed25519$"
expect_in "$T/out" "^    HostName $(hostname)$"

fp1=$(ssh-keygen -lf "$T/keys/alice1.pub" | awk '{print $2}')
fp2=$(ssh-keygen -lf "$T/keys/alice2.pub" | awk '{print $2}')
expect_rc 0 ctl show alice
expect_in "$T/out" '^State: +active'
expect_in "$T/out" '^Name: +Alice Martin'
expect_in "$T/out" 'cpu 500m, memory 64Gi, gpu 2, storage 200Gi, home 50Gi, pvcs 5'
expect_has "$T/out" "ssh-ed25519 $fp1 alice1@test"
expect_has "$T/out" "ssh-rsa     $fp2 alice2@test"
expect_in "$T/out" 'dev \(default\)'

expect_rc 0 ctl show alice --json
/usr/bin/python3 - "$T/out" "$fp1" "$fp2" <<'PY' || fail "show --json"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["name"] == "alice" and a["state"] == "active", a
assert a["expires"] == "2099-12-31"
assert a["quota"] == {"cpu": "500m", "memory": "64Gi", "gpu": 2,
                      "storage": "200Gi", "home": "50Gi", "pvcs": 5}, a["quota"]
assert [k["fingerprint"] for k in a["keys"]] == sys.argv[2:4]
assert a["workspaces"][0]["name"] == "dev" and a["workspaces"][0]["default"]
PY

expect_rc 0 ctl list
expect_in "$T/out" '^alice +active +2 +2099-12-31 +Alice Martin'
expect_rc 0 ctl list --json
/usr/bin/python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert [a["name"] for a in l]==["alice"] and l[0]["keys"]==2' "$T/out" ||
	fail "list --json"

# Keys from stdin; the JSON output carries the ssh config too, with the
# public host name and port from the configuration.
cat >>"$CONF" <<YAML
gateway: {public_host: meduse.lab.example, listen: ["0.0.0.0:2222"]}
YAML
mkkey bob -t rsa -b 2048
expect_rc 0 ctl add bob --key - --json <"$T/keys/bob.pub"
/usr/bin/python3 - "$T/out" <<'PY' || fail "add --json"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["new"] is True and len(a["keys"]) == 1
assert a["ssh_config"] == ("Host meduse\n    HostName meduse.lab.example\n    Port 2222\n"
    "    User bob\n    IdentityFile ~/.ssh/id_rsa\n    IdentitiesOnly yes\n"), a["ssh_config"]
PY
expect_rc 0 ctl key list bob
expect_has "$T/out" "$(ssh-keygen -lf "$T/keys/bob.pub" | awk '{print $2}')"
