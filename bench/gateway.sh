#!/usr/bin/env bash
# bench/gateway.sh [OPTIONS] [BUILD]: meduse-sshd against OpenSSH, in one run.
#
# One upstream OpenSSH sshd (the "workspace", 127.0.1.21) is reached three
# ways by the real OpenSSH client:
#   gateway  through meduse-sshd (127.0.1.23), which logs in upstream with
#            the account's gateway key;
#   direct   straight to the upstream sshd;
#   jump     with ProxyJump (ssh -J) through a second sshd (127.0.1.22).
# It measures, taking turns between the three so that the machine's noise
# falls on all of them alike:
#   (1) throughput: SIZE of exec stdout (`head -c SIZE /dev/zero`, counted by
#       dd) and an sftp `get` of a SIZE file to /dev/null, REPS times each,
#       with OpenSSH's default cipher (chacha20-poly1305) and with
#       aes128-gcm@openssh.com on every client leg; with the CPU time of
#       the client, the relay and the upstream sshd (cpuacct cgroups);
#   (2) login latency: LOGINS runs of `ssh ... true` each (median, p90);
#   (3) memory: PSS and private memory per idle connection (IDLE of each at
#       once) of the gateway's per-connection process, against sshd's two
#       per-connection processes (privileged monitor + user child);
#   (4) SESSIONS concurrent gateway sessions, started over RAMP seconds,
#       all held open for HOLD seconds, then ended; every exit code counts.
# It prints the figures as markdown tables, with ratios and the goals of
# issue 3 (docs/explanation/performance.md explains them).
#
# Options (defaults in brackets):
#   --quick          a short run: --size 256 --reps 1 --logins 20 --idle 5
#                    --sessions 50 --hold 10 --ramp 5
#   --size MIB       transfer size in MiB [1024]
#   --reps N         transfers per path, cipher and kind [3]
#   --logins N       timed logins per path [20]
#   --idle N         idle connections per path for the memory figure [10]
#   --sessions N     concurrent gateway sessions [200]
#   --hold S         how long they are all held open [30]
#   --ramp S         over how long they are started [10]
#   --only LIST      comma-separated subset of throughput,login,memory,sessions
#   --setup-only     start everything, print the ssh commands, wait for Ctrl-C
#                    (for profiling by hand)
#   BUILD            build dir with bin/ [build]
#
# Runs as root, only on loopback, inside a private mount namespace in which
# two temporary users exist (copies of /etc/passwd and /etc/group are bound
# over the real ones, which stay untouched): mdbench, who logs in to the
# workspace (not root: sshd runs a root login without its unprivileged
# child, and would look smaller than it is for everyone else), and
# mdbench-gw, the unprivileged user the gateway runs as, in the gateway
# group.  Everything it starts is stopped and its temp dir removed at exit;
# the whole run is killed after BENCH_TIMEOUT seconds (1200).
set -u
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
top=$(cd "$(dirname "$0")/.." && pwd)

size_mib=1024 reps=3 logins=20 idle=10 sessions=200 hold=30 ramp=10
only=throughput,login,memory,sessions setup_only=0 build=build
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--quick) size_mib=256 reps=1 logins=20 idle=5 sessions=50 hold=10 ramp=5 ;;
	--size) size_mib=${2:?}; shift ;;
	--reps) reps=${2:?}; shift ;;
	--logins) logins=${2:?}; shift ;;
	--idle) idle=${2:?}; shift ;;
	--sessions) sessions=${2:?}; shift ;;
	--hold) hold=${2:?}; shift ;;
	--ramp) ramp=${2:?}; shift ;;
	--only) only=${2:?}; shift ;;
	--setup-only) setup_only=1 ;;
	-*) echo "bench/gateway.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) build=$1 ;;
	esac
	shift
done
for v in "$size_mib" "$reps" "$logins" "$idle" "$sessions" "$hold" "$ramp"; do
	case "$v" in ''|*[!0-9]*) echo "bench/gateway.sh: '$v' is not a number" >&2; exit 2 ;; esac
done
case "$build" in /*) ;; *) build="$top/$build" ;; esac
for v in ${only//,/ }; do
	case "$v" in throughput|login|memory|sessions) ;;
	*) echo "bench/gateway.sh: --only: unknown part '$v'" >&2; exit 2 ;; esac
done

if [ -z "${MEDUSE_BENCH_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench/gateway.sh needs root (sshd, a private mount namespace)" >&2; exit 1; }
	t=${BENCH_TIMEOUT:-1200}
	[ "$setup_only" = 1 ] && t=0	# no limit
	set -- --size "$size_mib" --reps "$reps" --logins "$logins" --idle "$idle" \
	    --sessions "$sessions" --hold "$hold" --ramp "$ramp" --only "$only"
	[ "$setup_only" = 1 ] && set -- "$@" --setup-only
	exec timeout --foreground -k 10 "$t" unshare --mount --propagation private \
	    env MEDUSE_BENCH_IN_NS=1 "$0" "$@" "$build"
fi

die() { echo "bench/gateway.sh: $*" >&2; exit 1; }
note() { echo "$*" >&2; }
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

[ "$(id -u)" = 0 ] || die "needs root"
for b in accountd accountctl meduse-sshd; do
	[ -x "$build/bin/$b" ] || die "$build/bin/$b is missing: run make first"
done
[ -x /usr/sbin/sshd ] || die "no /usr/sbin/sshd (install openssh-server)"
command -v sftp >/dev/null || die "no sftp client (install openssh-client)"
# One file descriptor or more per session on each side.
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null

UP_ADDR=127.0.1.21 JUMP_ADDR=127.0.1.22 GW_ADDR=127.0.1.23
PORT_up='' PORT_jump='' PORT_gw='' PID_up='' PID_jump='' PID_gw=''	# set by start_*
T=$(mktemp -d /run/meduse-bench-gw.XXXXXX) || die "mktemp"
chmod 0755 "$T"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$T/state" "$T/run" "$T/home/mdbench"
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd || die "cannot create /run/sshd"

# The temporary users, in this mount namespace only.
USER_WS=mdbench USER_GW=mdbench-gw GROUP_GW=mdbench-gw
for id in 61500 61501; do
	getent passwd "$id" >/dev/null && die "uid $id exists: cannot add the bench users"
done
cp /etc/passwd "$T/passwd" && cp /etc/group "$T/group" || die "cannot copy /etc/passwd"
printf '%s\n' "$USER_WS:x:61500:61500:meduse bench workspace user:$T/home/mdbench:/bin/sh" \
    "$USER_GW:x:61501:61501:meduse bench gateway:/nonexistent:/usr/sbin/nologin" >>"$T/passwd"
printf '%s\n' "$USER_WS:x:61500:" "$GROUP_GW:x:61501:" >>"$T/group"
mount --bind "$T/passwd" /etc/passwd && mount --bind "$T/group" /etc/group ||
	die "cannot bind the bench users over /etc/passwd"
chown "$USER_WS:" "$T/home/mdbench"

free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((40000 + RANDOM % 10000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# wait_listen PID ADDR PORT: 0 once PID listens there, 1 if it died.
wait_listen() {
	for _ in $(seq 1 200); do
		kill -0 "$1" 2>/dev/null || return 1
		ss -Htln "src $2:$3" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# --- accountd, the account and its gateway key -------------------------------
ssh-keygen -q -N '' -t ed25519 -C bench-client -f "$T/client" </dev/null || die "ssh-keygen"
ssh-keygen -q -N '' -t ed25519 -f "$T/host_key" </dev/null || die "ssh-keygen"
CONF=$T/meduse.yaml
BASECONF=$(cat <<YAML
state_dir: $T/state
accountd:
  socket: $T/run/accountd.sock
  admin_group: root
  gateway_group: $GROUP_GW
YAML
)
echo "$BASECONF" >"$CONF"
ctl() { "$build/bin/accountctl" -c "$CONF" "$@"; }

# --- the upstream and jump sshds ---------------------------------------------
# start_sshd NAME ADDR KEYS-FILE: an sshd as OpenSSH ships it but for
# loopback, test keys and high connection limits; sets PORT_NAME and PID_NAME.
start_sshd() {
	local name=$1 addr=$2 keys=$3 port pid
	for _ in 1 2 3 4 5; do
		port=$(free_port) || die "no free port"
		cat >"$T/$name.conf" <<-EOF
		ListenAddress $addr:$port
		HostKey $T/host_key
		PidFile none
		LogLevel ERROR
		AuthorizedKeysFile $keys
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		PrintMotd no
		MaxStartups 1000:30:2000
		Subsystem sftp internal-sftp
		EOF
		/usr/sbin/sshd -t -f "$T/$name.conf" || die "sshd -t refuses $T/$name.conf"
		/usr/sbin/sshd -D -e -f "$T/$name.conf" >>"$T/$name.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		if wait_listen "$pid" "$addr" "$port"; then
			eval "PORT_$name=$port PID_$name=$pid"
			return 0
		fi
	done
	cat "$T/$name.log" >&2
	die "sshd $name did not start on $addr"
}

# --- meduse-sshd ----------------------------------------------------------------
# gateway_conf PORT: the whole config, the gateway listening on PORT.
gateway_conf() {
	{
		echo "$BASECONF"
		cat <<-YAML
		gateway:
		  listen: ["$GW_ADDR:$1"]
		  pam_service: ""
		  login_grace_time: 120s
		  max_startups: "1000:30:2000"
		route:
		  static: {host: $UP_ADDR, port: $PORT_up, user: $USER_WS}
		YAML
	} >"$CONF"
	chmod 0644 "$CONF"
}

# Started after accountd made state_dir, as the gateway user, unprivileged.
start_gateway() {
	local port pid
	mkdir -p "$T/state/sshd" && chown "$USER_GW:$GROUP_GW" "$T/state/sshd" ||
		die "cannot make $T/state/sshd"
	for _ in 1 2 3 4 5; do
		port=$(free_port) || die "no free port"
		gateway_conf "$port"
		setpriv --reuid="$USER_GW" --regid="$GROUP_GW" --init-groups -- \
		    "$build/bin/meduse-sshd" -c "$CONF" -t >"$T/err" 2>&1 ||
			{ cat "$T/err" >&2; die "meduse-sshd -t refuses $CONF"; }
		setpriv --reuid="$USER_GW" --regid="$GROUP_GW" --init-groups -- \
		    "$build/bin/meduse-sshd" -c "$CONF" >>"$T/gateway.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		if wait_listen "$pid" "$GW_ADDR" "$port"; then
			PORT_gw=$port PID_gw=$pid
			return 0
		fi
	done
	cat "$T/gateway.log" >&2
	die "meduse-sshd did not start on $GW_ADDR"
}

start_sshd up "$UP_ADDR" "$T/up_keys"
start_sshd jump "$JUMP_ADDR" "$T/client.pub"
gateway_conf 22		# the route, which accountd reads when it starts
"$build/bin/accountd" -c "$CONF" >>"$T/accountd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	ctl list >/dev/null 2>&1 && break
	sleep 0.05
done
ctl list >/dev/null 2>&1 || { cat "$T/accountd.log" >&2; die "accountd did not start"; }
ctl add bench --key "$T/client.pub" >/dev/null || die "accountctl add bench"
{
	cat "$T/client.pub"
	ctl show bench --json | /usr/bin/python3 -c \
	    'import json, sys; print(json.load(sys.stdin)["gateway_public_key"])'
} >"$T/up_keys" || die "no gateway_public_key in accountctl show bench --json"
chmod 0644 "$T/up_keys" "$T/client.pub"
start_gateway

# Client configs: one per cipher, passed with -F, which ssh -J hands on to
# the jump leg, so both legs of a ProxyJump use the cipher too.
for c in chacha20-poly1305@openssh.com aes128-gcm@openssh.com; do
	cat >"$T/ssh_config.${c%%[0-9-]*}" <<-EOF
	Host *
	  User $USER_WS
	  IdentityFile $T/client
	  IdentitiesOnly yes
	  IdentityAgent none
	  BatchMode yes
	  StrictHostKeyChecking no
	  UserKnownHostsFile /dev/null
	  LogLevel ERROR
	  ControlMaster no
	  ControlPath none
	  ConnectTimeout 60
	  Compression no
	  Ciphers $c
	EOF
done
CIPHERS="chacha aes"
PATHS="gateway direct jump"

# ssh_argv PATH CIPHER: the options and destination of PATH, in a form
# that both ssh and sftp take.
ssh_argv() {
	case "$1" in
	gateway) echo "-F $T/ssh_config.$2 -o Port=$PORT_gw -o User=bench $GW_ADDR" ;;
	direct)  echo "-F $T/ssh_config.$2 -o Port=$PORT_up $UP_ADDR" ;;
	jump)    echo "-F $T/ssh_config.$2 -J $JUMP_ADDR:$PORT_jump -o Port=$PORT_up $UP_ADDR" ;;
	esac
}

for p in $PATHS; do
	# shellcheck disable=SC2046
	out=$(timeout 60 ssh $(ssh_argv "$p" chacha) 'echo ok' </dev/null 2>"$T/err")
	[ "$out" = ok ] || { cat "$T/err" "$T"/*.log >&2; die "ssh through '$p' does not work"; }
done

if [ "$setup_only" = 1 ]; then
	cat <<-EOF
	Everything runs (temp dir $T).  Processes: gateway $PID_gw, upstream
	sshd $PID_up, jump sshd $PID_jump.  Commands:
	EOF
	for p in $PATHS; do echo "  ssh $(ssh_argv "$p" chacha) CMD"; done
	echo "Ctrl-C stops everything."
	while :; do sleep 1; done	# short: bash runs the trap between sleeps
fi

load0=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%MZ)
size=$((size_mib * 1048576))

# settle PID: waits until the server PID has no connection process left.
settle() {
	for _ in $(seq 1 100); do
		pgrep -P "$1" >/dev/null || return 0
		sleep 0.05
	done
}

# CPU time per role, exited processes included, from a cpuacct cgroup (v1)
# or a cgroup v2 group made for this run; without either, no CPU figures.
CG='' CGV=0
if [ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ]; then
	CG=/sys/fs/cgroup/cpuacct/meduse-bench.$$ CGV=1
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	CG=/sys/fs/cgroup/meduse-bench.$$ CGV=2
fi
if [ -n "$CG" ] && mkdir "$CG" "$CG/client" "$CG/gateway" "$CG/jump" "$CG/up" 2>/dev/null; then
	for r in gateway:$PID_gw jump:$PID_jump up:$PID_up; do
		echo "${r#*:}" >"$CG/${r%%:*}/cgroup.procs" || CG=''
	done
else
	CG=''
fi
# cg_ms ROLE: CPU milliseconds used in ROLE's group so far.
cg_ms() {
	if [ "$CGV" = 1 ]; then
		echo $(($(cat "$CG/$1/cpuacct.usage") / 1000000))
	else
		echo $(($(awk '$1 == "usage_usec" { print $2 }' "$CG/$1/cpu.stat") / 1000))
	fi
}
cg_remove() {
	local d p
	[ -n "$CG" ] || return 0
	# Anything still in our groups was started by this run.
	for p in $(cat "$CG"/*/cgroup.procs 2>/dev/null); do kill "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do
		for d in "$CG"/*/; do rmdir "$d" 2>/dev/null; done
		rmdir "$CG" 2>/dev/null && return 0
		sleep 0.1
	done
}
trap 'cleanup; cg_remove' EXIT

# --- (1) throughput -----------------------------------------------------------
# xfer KIND PATH CIPHER: one transfer; appends "wall-s client-ms relay-ms
# upstream-ms" to $T/tp.KIND.PATH.CIPHER (CPU "-" when not measured).
xfer() {
	local kind=$1 path=$2 c=$3 t0 t1 bytes role roles=(client up) cpu=()
	local -a argv
	read -ra argv <<<"$(ssh_argv "$path" "$c")"
	case $path in gateway) roles+=(gateway) ;; jump) roles+=(jump) ;; esac
	declare -A c0=()
	if [ -n "$CG" ]; then
		for role in "${roles[@]}"; do c0[$role]=$(cg_ms "$role"); done
	fi
	t0=$(date +%s%N)
	# The client joins its group first; for jump, its ssh -W child too.
	if [ "$kind" = exec ]; then
		( [ -n "$CG" ] && echo "$BASHPID" >"$CG/client/cgroup.procs"
		  exec timeout 600 ssh "${argv[@]}" "head -c $size /dev/zero" ) \
		    </dev/null 2>"$T/err" | dd of=/dev/null bs=1M 2>"$T/dd.err"
		bytes=$(awk '/bytes/ { print $1 }' "$T/dd.err")
	else
		( [ -n "$CG" ] && echo "$BASHPID" >"$CG/client/cgroup.procs"
		  exec timeout 600 sftp -q -b "$T/sftp.batch" "${argv[@]}" ) \
		    >/dev/null 2>"$T/err"
		bytes=$size
		grep -q . "$T/err" && bytes=0
	fi
	t1=$(date +%s%N)
	[ "$bytes" = "$size" ] || { cat "$T/err" >&2; die "$kind through $path ($c): $bytes bytes, not $size"; }
	settle "$PID_up"
	[ "$path" = gateway ] && settle "$PID_gw"
	[ "$path" = jump ] && settle "$PID_jump"
	for role in client "${roles[2]:-relay}" up; do
		if [ -n "$CG" ] && [ -n "${c0[$role]:-}" ]; then
			cpu+=($(( $(cg_ms "$role") - c0[$role] )))
		else
			cpu+=(-)
		fi
	done
	echo "$(( (t1 - t0) / 1000000 )) ${cpu[*]}" >>"$T/tp.$kind.$path.$c"
}

if want throughput; then
	note "making a $size_mib MiB file..."
	head -c "$size" /dev/zero >"$T/data" || die "cannot write $T/data"
	echo "get $T/data /dev/null" >"$T/sftp.batch"
	note "throughput: $reps x $size_mib MiB x {exec, sftp} x {$CIPHERS} x {$PATHS}..."
	for r in $(seq 1 "$reps"); do
		for c in $CIPHERS; do
			for kind in exec sftp; do
				for p in $PATHS; do
					xfer "$kind" "$p" "$c"
				done
			done
		done
		note "  round $r done ($(cut -d' ' -f1 /proc/loadavg) load)"
	done
	rm -f "$T/data"
fi

# --- (2) login latency --------------------------------------------------------
login() {	# login PATH: one `ssh true`, prints its wall time in ns
	local t0 t1
	local -a argv
	read -ra argv <<<"$(ssh_argv "$1" chacha)"
	t0=$(date +%s%N)
	timeout 60 ssh "${argv[@]}" true </dev/null 2>"$T/err" ||
		{ cat "$T/err" >&2; die "ssh true through $1 failed"; }
	t1=$(date +%s%N)
	echo $((t1 - t0))
}
if want login; then
	note "login latency: $logins x {$PATHS}..."
	for p in $PATHS; do login "$p" >/dev/null; : >"$T/login.$p"; done
	for _ in $(seq 1 "$logins"); do
		for p in $PATHS; do login "$p" >>"$T/login.$p"; done
	done
fi

# --- (3) memory per idle connection -------------------------------------------
# release FIFO: ends every remote `cat FIFO` at once (they read EOF), so that
# no session outlives the benchmark.
release() {
	timeout 10 sh -c ": >'$1'" || note "nobody read $1"
}
# conn_procs PATH: the per-connection server processes of PATH, one a line.
conn_procs() {
	local m
	case $1 in
	gateway) pgrep -P "$PID_gw" ;;
	direct|jump)
		local l=$PID_up
		[ "$1" = jump ] && l=$PID_jump
		for m in $(pgrep -P "$l"); do
			echo "$m"
			pgrep -P "$m" -x sshd	# the user child, not its session
		done ;;
	esac
}
# kb FIELD PID...: the sum of a smaps_rollup field, in kB.
kb() {
	local f=$1
	shift
	for p in "$@"; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done |
	    awk -v f="$f:" '$1 == f { s += $2 } END { print s + 0 }'
}
if want memory; then
	note "memory: $idle idle connections at a time through {$PATHS}..."
	for p in $PATHS; do
		cpids=()
		rm -f "$T/release-idle"
		mkfifo -m 0644 "$T/release-idle" || die "mkfifo"
		read -ra argv <<<"$(ssh_argv "$p" chacha)"
		for i in $(seq 1 "$idle"); do
			# Logged in, a session open, nothing moving.
			ssh "${argv[@]}" "echo up; exec cat $T/release-idle" </dev/null \
			    >"$T/idle.$i" 2>&1 &
			cpids+=($!)
		done
		for _ in $(seq 1 600); do
			[ "$(cat "$T"/idle.* 2>/dev/null | grep -c '^up$')" -ge "$idle" ] && break
			sleep 0.1
		done
		[ "$(cat "$T"/idle.* | grep -c '^up$')" -ge "$idle" ] ||
			{ cat "$T"/idle.* >&2; die "$p: not all $idle idle connections came up"; }
		sleep 1
		mapfile -t procs < <(conn_procs "$p")
		echo "${#procs[@]} $(kb Pss "${procs[@]}") $(kb Private_Dirty "${procs[@]}") $(kb Private_Clean "${procs[@]}") $(kb Rss "${procs[@]}")" >"$T/mem.$p"
		release "$T/release-idle"
		for c in "${cpids[@]}"; do wait "$c" 2>/dev/null; done
		rm -f "$T"/idle.*
		settle "$PID_up"; settle "$PID_gw"; settle "$PID_jump"
	done
fi

# --- (4) concurrent sessions --------------------------------------------------
if want sessions; then
	note "sessions: $sessions through the gateway, started over ${ramp}s, held ${hold}s..."
	mkfifo -m 0644 "$T/release" || die "mkfifo"
	read -ra argv <<<"$(ssh_argv gateway chacha)"
	spids=()
	gap=$(awk -v r="$ramp" -v n="$sessions" 'BEGIN { printf "%.3f", r / n }')
	s0=$(date +%s%N)
	for i in $(seq 1 "$sessions"); do
		# Each session says it is up, then waits (a read on the fifo,
		# no polling) until the bench releases them all at once.
		ssh "${argv[@]}" "echo up; cat $T/release; echo done" </dev/null \
		    >"$T/sess.$i" 2>&1 &
		spids+=($!)
		sleep "$gap"
	done
	up=0
	for _ in $(seq 1 1200); do
		up=$(cat "$T"/sess.* 2>/dev/null | grep -c '^up$')
		[ "$up" -ge "$sessions" ] && break
		# A client that exited before all were up failed.
		sleep 0.1
	done
	all_up_s=$(awk -v a="$s0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	minopen=$sessions
	if [ "$up" -ge "$sessions" ]; then
		end=$(( $(date +%s) + hold ))
		while [ "$(date +%s)" -lt "$end" ]; do
			n=$(pgrep -c -P "$PID_gw")
			[ "$n" -lt "$minopen" ] && minopen=$n
			sleep 1
		done
	else
		minopen=$(pgrep -c -P "$PID_gw")
	fi
	release "$T/release"
	ok=0 bad=0
	for i in "${!spids[@]}"; do
		if wait "${spids[$i]}" && grep -q '^done$' "$T/sess.$((i + 1))"; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
			[ "$bad" -le 3 ] && { note "session $((i + 1)) failed:"; sed 's/^/    /' "$T/sess.$((i + 1))" >&2; }
		fi
	done
	echo "$sessions $up $all_up_s $minopen $ok $bad" >"$T/sessions"
fi

# --- report -------------------------------------------------------------------
# median FILE COLUMN
median() { awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "## meduse-sshd gateway benchmark, $started"
echo
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r), $(ssh -V 2>&1 | cut -d, -f1), libssh $(dpkg-query -W -f '${Version}' libssh-4 2>/dev/null || echo '?')."
echo "Load average $load0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end.  Options: size ${size_mib} MiB, reps $reps, logins $logins, idle $idle, sessions $sessions, hold ${hold}s."
if want throughput; then
	echo
	echo "### Throughput ($size_mib MiB, median of $reps; MiB/s, higher is better)"
	echo
	echo "| transfer | cipher (client legs) | gateway | direct | jump | gateway/direct (goal ≥ 0.8) | gateway/jump (goal ≥ 1.3) |"
	echo "|---|---|---:|---:|---:|---:|---:|"
	for kind in exec sftp; do
		for c in $CIPHERS; do
			declare -A mbs=()
			for p in $PATHS; do
				w=$(median "$T/tp.$kind.$p.$c" 1)
				mbs[$p]=$(awk -v s="$size_mib" -v w="$w" 'BEGIN { printf "%.0f", s * 1000 / w }')
			done
			cname=chacha20-poly1305; [ "$c" = aes ] && cname=aes128-gcm
			echo "| $kind | $cname | ${mbs[gateway]} | ${mbs[direct]} | ${mbs[jump]} | $(ratio "${mbs[gateway]}" "${mbs[direct]}") | $(ratio "${mbs[gateway]}" "${mbs[jump]}") |"
		done
	done
	echo
	echo "Wall time and CPU time per transfer (medians, ms): the client (ssh or sftp; for jump with its ssh -W), the relay (the gateway's connection process, or the jump sshd's), the upstream sshd (with the command it runs)."
	echo
	echo "| transfer | cipher | path | wall | client CPU | relay CPU | upstream CPU | total CPU |"
	echo "|---|---|---|---:|---:|---:|---:|---:|"
	for kind in exec sftp; do
		for c in $CIPHERS; do
			for p in $PATHS; do
				f=$T/tp.$kind.$p.$c
				cc=$(median "$f" 2) rc=$(median "$f" 3) uc=$(median "$f" 4)
				tot=$(awk -v a="$cc" -v b="$rc" -v u="$uc" 'BEGIN { if (a == "-" || u == "-") print "-"; else print a + (b == "-" ? 0 : b) + u }')
				echo "| $kind | $c | $p | $(median "$f" 1) | $cc | $rc | $uc | $tot |"
			done
		done
	done
fi
if want login; then
	echo
	echo "### Login latency (\`ssh ... true\`, $logins each, ms)"
	echo
	echo "| path | median | p90 | max | median / direct (goal ≤ 1.3 for gateway) |"
	echo "|---|---:|---:|---:|---:|"
	dmed=$(sort -n "$T/login.direct" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] / 1e6 }')
	for p in $PATHS; do
		sort -n "$T/login.$p" | awk -v d="$dmed" -v p="$p" '
		    { v[NR] = $1 }
		    function q(x,   i) { i = int(x * NR + 0.999999); if (i < 1) i = 1; return v[i] / 1e6 }
		    END { printf "| %s | %.1f | %.1f | %.1f | %.2f |\n", p, q(0.5), q(0.9), v[NR] / 1e6, q(0.5) / d }'
	done
fi
if want memory; then
	echo
	echo "### Memory per idle connection ($idle open at once, kB, from /proc/PID/smaps_rollup)"
	echo
	echo "| path | processes per connection | PSS | private (dirty + clean) | RSS |"
	echo "|---|---:|---:|---:|---:|"
	for p in $PATHS; do
		read -r n pss pd pc rss <"$T/mem.$p"
		what="sshd monitor + user child"; [ "$p" = gateway ] && what="meduse-sshd child"
		[ "$p" = jump ] && what="jump sshd monitor + user child"
		echo "| $p ($what) | $(ratio "$n" "$idle") | $((pss / idle)) | $(((pd + pc) / idle)) | $((rss / idle)) |"
	done
	read -r _ gpss _ <"$T/mem.gateway"
	read -r _ dpss _ <"$T/mem.direct"
	echo
	echo "Gateway PSS / sshd PSS per connection: $(ratio "$gpss" "$dpss") (goal ≤ 0.5)."
fi
if want sessions; then
	read -r n up allup minopen ok bad <"$T/sessions"
	echo
	echo "### Concurrent sessions through the gateway"
	echo
	echo "| started | up | all up after s | fewest open while held ${hold}s | exit 0 | failed |"
	echo "|---:|---:|---:|---:|---:|---:|"
	echo "| $n | $up | $allup | $minopen | $ok | $bad |"
fi
