#!/usr/bin/env bash
# del keeps the data: the namespace and PVC stay, marked deleted-at, the
# user's RoleBinding and the gateway's Secret go, unlock brings them back.
# del --purge destroys the namespace only after the admin named every PVC
# in it (on the terminal prompt, or with --yes --confirm-pvcs), and
# --keep-namespace purges the record and the user's access only, leaving
# the data as an orphan that sync reports and leaves alone.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
kube_accountd "reconcile_interval: 0"
for u in alice bob carol; do
	mkkey $u
	expect_rc 0 ctl add $u --key "$T/keys/$u.pub"
done

has() { kube_objects >"$T/objs.has"; grep -qx "$1" "$T/objs.has"; }
annot() { kube_obj "$1" '(o["metadata"].get("annotations") or {}).get("meduse.io/deleted-at", "")'; }

# del: marks, keeps the data and the limits, drops access.
expect_rc 0 ctl del alice
expect_in "$T/out" 'Deleted account alice'
expect_in "$T/err" 'deleted +RoleBinding +u-alice/meduse-edit'
expect_in "$T/err" 'deleted +Secret +u-alice/meduse-ssh'
for o in namespaces//u-alice persistentvolumeclaims/u-alice/home \
	resourcequotas/u-alice/meduse-quota; do
	has $o || fail "del removed $o"
done
for o in namespaces//u-alice persistentvolumeclaims/u-alice/home; do
	[[ $(annot $o) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2} ]] || fail "$o not annotated meduse.io/deleted-at: '$(annot $o)'"
done
has rolebindings/u-alice/meduse-edit && fail "RoleBinding kept after del"
has secrets/u-alice/meduse-ssh && fail "Secret kept after del"

expect_rc 0 ctl unlock alice
has rolebindings/u-alice/meduse-edit || fail "unlock did not bring the RoleBinding back"
[ -z "$(annot namespaces//u-alice)" ] || fail "namespace still marked deleted after unlock"

# Someone made a second PVC in alice's namespace, without meduse's labels.
kube_api -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
	--data-binary '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":"u-alice"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}' \
	'/api/v1/namespaces/u-alice/persistentvolumeclaims/data?fieldManager=kubectl' >"$T/patch"
[ "$(tail -n 1 "$T/patch")" = 201 ] || [ "$(tail -n 1 "$T/patch")" = 200 ] || { cat "$T/patch" >&2; fail "PVC data"; }

# Every refused purge changes nothing.
unchanged() {
	db_dump >"$T/db.now"
	kube_objects >"$T/objs.now"
	cmp -s "$T/db.ref" "$T/db.now" || { diff "$T/db.ref" "$T/db.now" >&2; fail "$1 changed the database"; }
	cmp -s "$T/objs.ref" "$T/objs.now" || { diff "$T/objs.ref" "$T/objs.now" >&2; fail "$1 changed the cluster"; }
}
db_dump >"$T/db.ref"
kube_objects >"$T/objs.ref"

expect_rc 1 ctl del alice --purge </dev/null
expect_in "$T/err" 'not confirmed'
unchanged "purge without a terminal"

expect_rc 1 ctl del alice --purge --yes
expect_in "$T/err" 'home'
expect_in "$T/err" 'data'
expect_in "$T/err" 'Nothing was changed'
unchanged "purge --yes"

expect_rc 1 ctl del alice --purge --yes --confirm-pvcs home
expect_in "$T/err" 'data'
unchanged "purge --confirm-pvcs home"
for list in home,home,data home,data,other none; do
	expect_rc 1 ctl del alice --purge --yes --confirm-pvcs $list
	expect_in "$T/err" 'Nothing was changed'
	unchanged "purge --confirm-pvcs $list"
done

if command -v script >/dev/null; then
	# The prompt names the PVCs; a wrong answer changes nothing.
	expect_rc 1 script -qec "$BIN/accountctl -c $CONF del alice --purge" /dev/null <<<"alicia"
	cp "$T/out" "$T/tty"
	expect_in "$T/tty" 'u-alice'
	expect_in "$T/tty" 'home, data|data, home'
	expect_in "$T/tty" 'Type the account name to confirm'
	expect_in "$T/tty" 'not confirmed'
	unchanged "purge answered with the wrong name"
	# The right answer purges.
	expect_rc 0 script -qec "$BIN/accountctl -c $CONF del carol --purge" /dev/null <<<"carol"
	cp "$T/out" "$T/tty"
	expect_in "$T/tty" 'its PVCs: home'
	expect_in "$T/tty" 'Purged account carol'
	expect_rc 1 ctl show carol
	has namespaces//u-carol && fail "namespace u-carol kept after a confirmed purge"
fi

expect_rc 0 ctl del alice --purge --yes --confirm-pvcs home,data
expect_in "$T/out" 'Purged account alice; deleting namespace u-alice'
expect_rc 1 ctl show alice
kube_objects >"$T/objs.now"
expect_not_in "$T/objs.now" 'u-alice'
[ "$(sqlite3 "$T/state/meduse.db" 'SELECT count(*) FROM kpurge;')" = 0 ] ||
	fail "kpurge not empty: $(sqlite3 "$T/state/meduse.db" 'SELECT * FROM kpurge;')"

# --keep-namespace: the record goes, the data stays (an orphan that sync
# reports and leaves alone), the user's access goes.
expect_rc 0 ctl del bob --purge --keep-namespace --yes
expect_in "$T/out" 'Purged account bob'
expect_rc 1 ctl show bob
for o in namespaces//u-bob persistentvolumeclaims/u-bob/home; do
	has $o || fail "--keep-namespace removed $o"
done
has rolebindings/u-bob/meduse-edit && fail "bob's RoleBinding kept after his purge"
has secrets/u-bob/meduse-ssh && fail "bob's gateway key Secret kept after his purge"
kube_objects | grep 'u-bob' >"$T/bob.before"
expect_rc 0 ctl sync
expect_in "$T/err" 'orphan +bob: Namespace +u-bob'
expect_in "$T/err" 'orphan +bob: PersistentVolumeClaim +u-bob/home'
expect_in "$T/out" 'labelled for accounts meduse does not know were left alone'
kube_objects | grep 'u-bob' >"$T/bob.after"
cmp -s "$T/bob.before" "$T/bob.after" || { diff "$T/bob.before" "$T/bob.after" >&2; fail "sync touched bob's orphans"; }
