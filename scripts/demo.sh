#!/usr/bin/env bash
# make demo: the whole of meduse on one machine, in the foreground.  It builds,
# then starts, with everything under DEMO_DIR:
#   - accountd, with a fresh database and the config DEMO_DIR/meduse.yaml;
#   - the account DEMO_USER, with the client key DEMO_DIR/id_ed25519 and
#     your own ~/.ssh/*.pub keys (those of $SUDO_USER under sudo);
#   - a throwaway OpenSSH sshd on 127.0.0.1:DEMO_PORT+1 as the account's
#     workspace: it logs you in as yourself (root included), trusting only
#     the account's gateway key;
#   - meduse-sshd, the gateway, on 127.0.0.1:DEMO_PORT.
# It then prints the ssh command that lands you in the workspace, and runs
# until Ctrl-C or SIGTERM, which stop all of it.  Keys in DEMO_DIR are kept
# from one run to the next; the database, logs and sockets are not.
#
#   scripts/demo.sh [--once] [--no-build] [BUILD]
#     BUILD       build directory (default: build, or $BUILD)
#     --once      set up, log in once through the gateway, stop (for tests)
#     --no-build  do not run make first (make demo has just built)
#   Environment: DEMO_DIR (default ./demo in the source tree), DEMO_PORT
#   (default 2222), DEMO_USER (default demo).
#
# Run as root, every part runs as root, the gateway included: a real install
# runs meduse-sshd as an unprivileged member of accountd.gateway_group (see
# docs/how-to/install.md).  Run as another user, every part runs as that user.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
once=0 build_first=1 build=${BUILD:-build}
for a in "$@"; do
	case "$a" in
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	--once) once=1 ;;
	--no-build) build_first=0 ;;
	-*) echo "demo: unknown option '$a' (try --help)" >&2; exit 2 ;;
	*) build=$a ;;
	esac
done
case "$build" in /*) ;; *) build="$top/$build" ;; esac
bin=$build/bin

say() { echo "==> $*"; }
die() { echo "demo: $*" >&2; exit 1; }

# --- Settings, checked before anything is started or removed. -------------
dir=${DEMO_DIR:-$top/demo}
dir=$(realpath -m -- "$dir")
port=${DEMO_PORT:-2222}
user=${DEMO_USER:-demo}
case "$port" in ''|*[!0-9]*|0*) die "DEMO_PORT=$port is not a port number" ;; esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65534 ]; then
	die "DEMO_PORT=$port is not between 1 and 65534"
fi
up_port=$((port + 1))
login=$(id -un)
# Under sudo, your own keys are in $SUDO_USER's home, not in root's.
key_owner=$login
if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] &&
    getent passwd "$SUDO_USER" >/dev/null; then
	key_owner=$SUDO_USER
	home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
else
	home=${HOME:-$(getent passwd "$login" | cut -d: -f6)}
fi
sshd=/usr/sbin/sshd
[ -x "$sshd" ] || die "$sshd is missing: install openssh-server (sudo scripts/deps.sh)"
command -v ssh-keygen >/dev/null || die "ssh-keygen is missing: install openssh-client"

port_busy() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
if command -v ss >/dev/null; then
	port_busy "$port" && die "port $port is in use (another demo?): stop it, or choose another port, e.g. DEMO_PORT=$((port + 100)) make demo"
	port_busy "$up_port" && die "port $up_port (the workspace sshd, DEMO_PORT+1) is in use: choose another port, e.g. DEMO_PORT=$((port + 100)) make demo"
fi

# The demo empties DEMO_DIR/state and DEMO_DIR/run: never in a folder that
# it did not make itself.
if [ -e "$dir" ] && [ ! -e "$dir/.meduse-demo" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
	die "DEMO_DIR $dir exists and is not a demo folder: choose another one, or empty it"
fi
# Root may reuse what another user's demo left; another user cannot remove
# what root's left.
if [ -d "$dir" ] && [ "$(id -u)" != 0 ] &&
    [ -n "$(find "$dir" -mindepth 1 -maxdepth 1 ! -user "$(id -u)" -print -quit)" ]; then
	die "DEMO_DIR $dir holds files of another user (an earlier sudo make demo?): remove it (sudo rm -rf $dir) or choose another DEMO_DIR"
fi
mkdir -p "$dir"
touch "$dir/.meduse-demo"
chmod 0755 "$dir"
# One demo per folder: the lock is held until this script ends (its children
# do not inherit it: each is started with 9>&-).
exec 9>"$dir/.lock"
flock -n 9 || die "another demo is running in $dir: stop it first (Ctrl-C in its terminal)"

if [ "$build_first" = 1 ]; then
	say "building: make BUILD=$build all"
	make -C "$top" -s --no-print-directory BUILD="$build" all
fi
for b in accountd accountctl meduse-sshd; do
	[ -x "$bin/$b" ] || die "$bin/$b is missing: run make BUILD=$build first"
done

# --- Stopping: every process this script started, and what they started. --
pids=() names=()
descendants() {
	ps -e -o pid= -o ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END { n = 1; want[root] = 1
		      while (n) { n = 0
		          for (p in parent) if (!(p in want) && (parent[p] in want)) { want[p] = 1; n = 1 } }
		      for (p in want) if (p != root) print p }'
}
pid_of() {
	local i
	for i in "${!names[@]}"; do [ "${names[$i]}" = "$1" ] && echo "${pids[$i]}"; done
	return 0
}
stop_all() {
	local rc=$? i p ws gw prev=-1 tree=() left=()
	set +e
	trap '' INT TERM HUP
	[ ${#pids[@]} -gt 0 ] || exit "$rc"
	echo
	say "stopping: ${names[*]}"
	ws=$(pid_of workspace-sshd) gw=$(pid_of meduse-sshd)
	# The workspace first, frozen with all it started (sessions and the
	# commands they run, which sshd leaves running when a connection ends
	# without a terminal), so that nothing forks away meanwhile; then ended.
	if [ -n "$ws" ]; then
		for i in 1 2 3 4 5; do
			mapfile -t tree < <(echo "$ws"; descendants "$ws")
			kill -STOP "${tree[@]}" 2>/dev/null
			[ ${#tree[@]} -eq "$prev" ] && break
			prev=${#tree[@]}
		done
		kill -TERM "${tree[@]}" 2>/dev/null
		kill -CONT "${tree[@]}" 2>/dev/null
	fi
	# A second SIGTERM ends the gateway's drain at once.
	if [ -n "$gw" ]; then
		mapfile -t -O "${#tree[@]}" tree < <(descendants "$gw")
		kill -TERM "$gw" 2>/dev/null && sleep 0.2 && kill -TERM "$gw" 2>/dev/null
	fi
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for i in $(seq 1 50); do
		left=()
		for p in "${pids[@]}" "${tree[@]}"; do
			kill -0 "$p" 2>/dev/null && left+=("$p")
		done
		[ ${#left[@]} -eq 0 ] && break
		sleep 0.1
	done
	if [ ${#left[@]} -gt 0 ]; then
		echo "demo: killing what did not stop: ${left[*]}" >&2
		kill -KILL "${left[@]}" 2>/dev/null
	fi
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	say "demo stopped (logs kept in $dir)"
	exit "$rc"
}
trap 'exit 0' INT TERM HUP
trap stop_all EXIT

# start NAME LOG CMD...: starts CMD in the background, logging to LOG, in a
# session of its own: Ctrl-C reaches this script alone, which then stops
# everything in order.
start() {
	local name=$1 log=$2
	shift 2
	setsid "$@" >>"$log" 2>&1 9>&- </dev/null &
	pids+=($!) names+=("$name")
	last_pid=$!
}

# wait_up PID LOG TEST...: waits until TEST succeeds, while PID lives.
wait_up() {
	local pid=$1 log=$2 i
	shift 2
	for i in $(seq 1 200); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/    | /' "$log" | tail -n 20 >&2
	die "$(basename "$log" .log) did not start: see $log"
}
listening() { ss -Htln "src 127.0.0.1:$1" | grep -q .; }

# --- Keys (kept) and state (fresh). ----------------------------------------
keygen() {
	if [ -f "$1" ]; then
		return 0
	fi
	ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1" </dev/null || die "ssh-keygen $1 failed"
}
keygen "$dir/id_ed25519" "$user@meduse-demo"
keygen "$dir/gateway_host_ed25519_key" "meduse-demo gateway"
keygen "$dir/workspace_host_ed25519_key" "meduse-demo workspace"
# Under sudo the client key belongs to you, so that you can use it unprivileged.
[ "$key_owner" = "$login" ] || chown "$key_owner" "$dir/id_ed25519" "$dir/id_ed25519.pub"
rm -rf "$dir/state" "$dir/run"
# Written afresh, so that they belong to whoever runs this demo: accountd
# refuses a configuration that belongs to another user.
rm -f "$dir"/*.log "$dir/login-check.err" "$dir/meduse.yaml" "$dir/known_hosts" \
    "$dir/ssh_config" "$dir/workspace_sshd_config" "$dir/workspace_authorized_keys"
mkdir -m 0700 "$dir/state" "$dir/run"

# Run by root, the groups are root's; run by someone else, that user's own
# group, so that accountctl works without sudo and the gateway (the same
# user) may read the gateway keys.
group=$(id -gn)
conf=$dir/meduse.yaml
cat >"$conf" <<YAML
# Written by scripts/demo.sh for one demo run: meduse.yaml(5) describes each
# key; those not written keep their built-in defaults.
state_dir: $dir/state

accountd:
  socket: $dir/run/accountd.sock
  admin_group: $group
  gateway_group: $group

gateway:
  listen: ["127.0.0.1:$port"]
  host_keys: [$dir/gateway_host_ed25519_key]
  login_grace_time: 30s
  max_startups: "10:30:100"
  max_sessions: 10
  # No PAM account stage: the demo installs nothing in /etc/pam.d.  Locked
  # and expired accounts are refused all the same, by accountd's answer.
  pam_service: ""
  public_host: 127.0.0.1

route:
  resolver: static
  # The throwaway workspace sshd; you log in there as yourself.
  static:
    host: 127.0.0.1
    port: $up_port
    user: $login
  transport: tcp
YAML
chmod 0644 "$conf"
ctl() { "$bin/accountctl" -c "$conf" "$@"; }

say "checking the configuration: accountd -t -c $conf"
"$bin/accountd" -t -c "$conf" 9>&-
say "starting accountd (log: $dir/accountd.log)"
start accountd "$dir/accountd.log" "$bin/accountd" -c "$conf"
wait_up "$last_pid" "$dir/accountd.log" eval 'ctl list >/dev/null 2>&1'

# --- The account. -----------------------------------------------------------
say "accountctl add $user --key $dir/id_ed25519.pub"
ctl add "$user" --key "$dir/id_ed25519.pub" --name "Demo User" >/dev/null ||
	die "accountctl add $user failed: see above"
for k in "$home"/.ssh/*.pub; do
	[ -f "$k" ] || continue
	if ctl key add "$user" --key "$k" >"$dir/key-add.out" 2>&1; then
		say "accountctl key add $user --key $k"
	else
		echo "    (skipped $k: $(tail -n 1 "$dir/key-add.out"))"
	fi
done
rm -f "$dir/key-add.out"
ctl show "$user" --json | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["gateway_public_key"])' >"$dir/workspace_authorized_keys" ||
	die "no gateway_public_key in accountctl show $user --json"

# --- The workspace: a throwaway OpenSSH sshd. --------------------------------
# sshd's privilege separation directory, made at boot when openssh-server runs.
[ "$(id -u)" != 0 ] || [ -d /run/sshd ] || mkdir -m 0755 /run/sshd
cat >"$dir/workspace_sshd_config" <<EOF
# Written by scripts/demo.sh: the demo account's workspace.
ListenAddress 127.0.0.1:$up_port
HostKey $dir/workspace_host_ed25519_key
PidFile none
LogLevel VERBOSE
AllowUsers $login
PermitRootLogin prohibit-password
AuthenticationMethods publickey
AuthorizedKeysFile $dir/workspace_authorized_keys
# The keys file sits in the demo folder, whoever owns it.
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
PrintLastLog no
AcceptEnv LANG LC_* COLORTERM
Subsystem sftp internal-sftp
EOF
"$sshd" -t -f "$dir/workspace_sshd_config" 9>&- || die "sshd -t refuses $dir/workspace_sshd_config"
# An sshd that is not root cannot give a terminal the tty group; it needs
# /dev/pts to do so, as Debian mounts it (gid=5).  Some containers do not.
if [ "$(id -u)" != 0 ] && command -v findmnt >/dev/null &&
    ! findmnt -no OPTIONS /dev/pts 2>/dev/null | grep -q 'gid=5'; then
	echo "    note: /dev/pts is mounted without gid=5 here, so the workspace cannot give"
	echo "    you a terminal (PTY allocation request failed); commands, scp and sftp"
	echo "    work.  Run the demo as root for interactive shells."
fi
say "starting the workspace: $sshd on 127.0.0.1:$up_port, login $login (log: $dir/workspace-sshd.log)"
start workspace-sshd "$dir/workspace-sshd.log" "$sshd" -D -e -f "$dir/workspace_sshd_config"
wait_up "$last_pid" "$dir/workspace-sshd.log" listening "$up_port"

# --- The gateway. -------------------------------------------------------------
"$bin/meduse-sshd" -t -c "$conf" >/dev/null 9>&- || die "meduse-sshd -t refuses $conf"
say "starting meduse-sshd on 127.0.0.1:$port (log: $dir/gateway.log)"
start meduse-sshd "$dir/gateway.log" "$bin/meduse-sshd" -c "$conf"
wait_up "$last_pid" "$dir/gateway.log" listening "$port"
say "pids: accountd ${pids[0]}, workspace-sshd ${pids[1]}, meduse-sshd ${pids[2]}"

# The client trusts the gateway's key from the start: no prompt, no guess.
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/gateway_host_ed25519_key.pub")" >"$dir/known_hosts"
cat >"$dir/ssh_config" <<EOF
# Written by scripts/demo.sh: ssh -F $dir/ssh_config meduse-demo
Host meduse-demo
    HostName 127.0.0.1
    Port $port
    User $user
    IdentityFile $dir/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $dir/known_hosts
EOF
chmod 0644 "$dir/known_hosts" "$dir/ssh_config"
sshopts=(-p "$port" -i "$dir/id_ed25519" -o IdentitiesOnly=yes -o "UserKnownHostsFile=$dir/known_hosts")
sshcmd=$(printf "%q " ssh "${sshopts[@]}" "$user@127.0.0.1")
sshcmd=${sshcmd% }

say "checking a login through the gateway"
# shellcheck disable=SC2016 # expanded in the workspace
got=$(timeout 30 ssh -F none -o BatchMode=yes "${sshopts[@]}" "$user@127.0.0.1" \
    'echo "$(id -un) in $HOME on $(hostname)"' 2>"$dir/login-check.err" 9>&-) || {
	sed 's/^/    | /' "$dir/login-check.err" >&2
	for f in gateway workspace-sshd; do
		echo "    last lines of $dir/$f.log:" >&2
		tail -n 5 "$dir/$f.log" | sed 's/^/    | /' >&2
	done
	die "the login through the gateway failed"
}
rm -f "$dir/login-check.err"
echo "    ok: landed as $got"

cat <<EOF

meduse demo is running.  Log in to the workspace through the gateway:

  $sshcmd

or, for scp, sftp and rsync: -F $dir/ssh_config meduse-demo
Manage the account:  $bin/accountctl -c $conf show $user
Logs: $dir/gateway.log, accountd.log, workspace-sshd.log
Press Ctrl-C to stop.
EOF
[ "$once" = 1 ] && exit 0
# Runs until a signal, or until one of the servers dies.
while :; do
	wait -n "${pids[@]}" 2>/dev/null || true
	for i in "${!pids[@]}"; do
		kill -0 "${pids[$i]}" 2>/dev/null && continue
		echo "demo: ${names[$i]} stopped unexpectedly: see its log in $dir" >&2
		exit 1
	done
done
