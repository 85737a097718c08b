#!/usr/bin/env bash
# make demo: runs meduse on one machine with built-in defaults, nothing to
# configure.  It writes a demo config under BUILD/demo, starts accountd in the
# foreground with a demo account "demo", and shows how to use accountctl and
# stock OpenSSH against it.  Ctrl-C stops it; running it again reuses the
# account (everything is idempotent).
#
#   scripts/demo.sh [BUILD] [--once]    --once: set up, show, stop (for tests)
set -eu
case "${1:-}" in -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
once=${2:-}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
bin=$build/bin
demo=$build/demo
conf=$demo/meduse.yaml

[ -x "$bin/accountd" ] || { echo "demo: $bin/accountd is missing: run make first" >&2; exit 1; }
mkdir -p "$demo/keys" "$demo/run"
# Run by someone other than root, the demo makes that user's own group the
# admin group, so that accountctl works without sudo.
admin_group=meduse-admin
[ "$(id -u)" = 0 ] || admin_group=$(id -gn)
cat >"$conf" <<YAML
# Written by scripts/demo.sh: the built-in defaults, with state kept here.
state_dir: $demo/state
accountd:
  socket: $demo/run/accountd.sock
  admin_group: $admin_group
YAML
[ -f "$demo/keys/demo" ] || ssh-keygen -q -t ed25519 -N '' -C demo@meduse-demo -f "$demo/keys/demo"

ctl() { "$bin/accountctl" -c "$conf" "$@"; }

echo "==> checking the configuration: accountd -t -c $conf"
"$bin/accountd" -t -c "$conf"
echo "==> starting accountd (log: $demo/accountd.log)"
"$bin/accountd" -c "$conf" >>"$demo/accountd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; echo; echo "demo: accountd stopped"' EXIT
for _ in $(seq 1 100); do
	ctl list >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { cat "$demo/accountd.log" >&2; exit 1; }
	sleep 0.05
done

if ctl show demo >/dev/null 2>&1; then
	echo "==> account demo exists already"
else
	echo "==> accountctl add demo --key $demo/keys/demo.pub --name 'Demo User' --gpu 1"
	ctl add demo --key "$demo/keys/demo.pub" --name "Demo User" --email demo@example.org --gpu 1
fi
echo
echo "==> accountctl show demo"
ctl show demo
echo
echo "==> what meduse-authorized-keys tells sshd for the demo key"
"$bin/meduse-authorized-keys" -c "$conf" demo $(cut -d' ' -f1,2 "$demo/keys/demo.pub") ||
	echo "(meduse-authorized-keys failed: see above)"

cat <<EOF

meduse demo is running.  In another terminal:

  export MEDUSE_CONFIG=$conf
  $bin/accountctl list
  ssh-keygen -q -t ed25519 -N '' -f /tmp/alice && $bin/accountctl add alice --key /tmp/alice.pub
  $bin/accountctl lock alice; $bin/accountctl audit
  $bin/meduse-authorized-keys alice \$(cut -d' ' -f1,2 /tmp/alice.pub)

Stock OpenSSH can use it now: see docs/how-to/use-stock-openssh.md.
Press Ctrl-C to stop.
EOF
if [ "$once" = --once ]; then
	exit 0
fi
wait $pid
