# Helpers for the t-gw-*.sh scripts (sourced after lib.sh): meduse-sshd in
# front of a real OpenSSH sshd playing alice's workspace, and the real
# OpenSSH clients driven through the gateway.
#
#   gw_setup [YAML]       accountd, account alice with client key $T/keys/alice,
#                         the upstream sshd trusting alice's gateway key, and
#                         meduse-sshd (as mdgw); YAML lines are added to the
#                         gateway: section of the config
#   gw_ssh KEY LOGIN [SSH-OPTS... --] CMD...   ssh through the gateway
#                         (client LogLevel $GW_LOGLEVEL, default ERROR)
#   GW_PORT               where the gateway listens (127.0.0.1)
#   UP_ADDR UP_PORT       the upstream sshd; $T/upstream.log is its log
#   ALICE_HOME            alice's home in the workspace (a dir under $T)
#   gw_stop               SIGTERM twice: the gateway ends without its drain
#   GW_ROUTE=(...)        extra route: lines (e.g. "transport: command")
#   $UP_LOGLEVEL          the upstream sshd's LogLevel (default VERBOSE)
#   $T/gateway.log        the gateway's log (debug level)
. "$TOP/tests/integration/akeys-lib.sh"

UP_ADDR=127.0.1.20
GW_ROUTE=()	# extra lines for the route: section, set before gw_setup
GW_ADDR=127.0.0.1
GW=$BIN/meduse-sshd
[ -x "$GW" ] || fail "$GW is missing: run make first"

# users.sh gives alice the home /nonexistent; the workspace needs a real one
# for sftp, scp and rsync.  A copy of /etc/passwd with another home is bound
# over the test run's copy for this test only, and unmounted at exit.
ALICE_HOME=$T/home/alice
mkdir -p "$ALICE_HOME"
chown alice:alice "$ALICE_HOME"
sed "s|^alice:\([^:]*:[^:]*:[^:]*:[^:]*\):/nonexistent:|alice:\1:$ALICE_HOME:|" \
    /etc/passwd >"$T/passwd"
mount --bind "$T/passwd" /etc/passwd || fail "cannot bind $T/passwd"
# A second SIGTERM ends the gateway's drain at once: open connections (ssh -N
# in the background) would otherwise hold the cleanup for the drain's 25 s.
gw_stop() {
	[ -n "${GW_PID:-}" ] && kill -0 "$GW_PID" 2>/dev/null || return 0
	kill -TERM "$GW_PID" 2>/dev/null
	sleep 0.2
	kill -TERM "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	return 0
}
trap '_gw_rc=$?; gw_stop; umount /etc/passwd 2>/dev/null; (exit $_gw_rc); _cleanup' EXIT

gw_upstream_start() {
	local i try
	ssh-keygen -q -N '' -t ed25519 -f "$T/up_host_ed25519_key" </dev/null ||
		fail "cannot make the upstream host key"
	for try in 1 2 3 4 5; do
		UP_PORT=$(akeys_free_port) || fail "no free port"
		cat >"$T/upstream_config" <<-EOF
		ListenAddress $UP_ADDR:$UP_PORT
		HostKey $T/up_host_ed25519_key
		PidFile none
		LogLevel ${UP_LOGLEVEL:-VERBOSE}
		AuthorizedKeysFile $T/up_authorized_keys
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		AcceptEnv LANG LC_*
		Subsystem sftp internal-sftp
		X11Forwarding yes
		EOF
		"$SSHD" -t -f "$T/upstream_config" 2>"$T/err" ||
			{ cat "$T/err" >&2; fail "sshd -t refuses the upstream config"; }
		"$SSHD" -D -e -f "$T/upstream_config" >>"$T/upstream.log" 2>&1 &
		UP_PID=$!
		_pids+=("$UP_PID")
		wait_listening "$UP_PID" "$UP_ADDR" "$UP_PORT" && return 0
	done
	cat "$T/upstream.log" >&2
	fail "the upstream sshd did not start on $UP_ADDR"
}

# gw_conf [YAML...]: the test's config with gateway and route sections.
gw_conf() {
	local line
	cp "$T/meduse.base.yaml" "$CONF"
	{
		echo "gateway:"
		echo "  listen: [\"$GW_ADDR:$GW_PORT\"]"
		# No PAM stage unless the test names a service.
		case " $* " in *" pam_service:"*) ;; *) echo "  pam_service: \"\"" ;; esac
		for line in "$@"; do echo "  $line"; done
		echo "route:"
		echo "  static: {host: $UP_ADDR, port: $UP_PORT}"
		for line in "${GW_ROUTE[@]}"; do echo "  $line"; done
	} >>"$CONF"
}

# gw_start [YAML...]: starts meduse-sshd as mdgw (a gateway group member).
gw_start() {
	local i try
	mkdir -p "$T/state/sshd"
	chown mdgw:mdgw "$T/state/sshd"
	for try in 1 2 3 4 5; do
		GW_PORT=$(akeys_free_port) || fail "no free port"
		gw_conf "$@"
		as_user mdgw "$GW" -c "$CONF" -t >"$T/err" 2>&1 ||
			{ cat "$T/err" >&2; fail "meduse-sshd -t refuses the config"; }
		# setpriv directly (not as_user, a function): GW_PID is the gateway.
		setpriv --reuid=mdgw --regid=mdgw --init-groups -- \
		    "$GW" -d -c "$CONF" >>"$T/gateway.log" 2>&1 &
		GW_PID=$!
		_pids+=("$GW_PID")
		wait_listening "$GW_PID" "$GW_ADDR" "$GW_PORT" && return 0
	done
	cat "$T/gateway.log" >&2
	fail "meduse-sshd did not start listening on $GW_ADDR"
}

gw_setup() {
	cp "$CONF" "$T/meduse.base.yaml"
	# The upstream first: accountd reads route.static when it starts, and
	# sshd reads the authorized keys file at each login.
	gw_upstream_start
	GW_PORT=22
	gw_conf "$@"
	start_accountd
	mkkey alice
	ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
	ctl show alice --json | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["gateway_public_key"])' >"$T/up_authorized_keys" ||
		fail "no gateway_public_key in accountctl show alice --json"
	gw_start "$@"
}

gw_ssh() {
	local key=$1 login=$2 a opts=()
	shift 2
	for a in "$@"; do
		if [ "$a" = -- ]; then
			while [ "$1" != -- ]; do opts+=("$1"); shift; done
			shift
			break
		fi
	done
	timeout 60 ssh -F none -o BatchMode=yes -o IdentitiesOnly=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel="${GW_LOGLEVEL:-ERROR}" -o ConnectTimeout=10 \
	    -i "$T/keys/$key" -p "$GW_PORT" -l "$login" "${opts[@]}" "$GW_ADDR" "$@"
}

# The ssh options of gw_ssh, for scp, sftp and rsync -e.
gw_ssh_opts() {
	echo "-F none -o BatchMode=yes -o IdentitiesOnly=yes" \
	    "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null" \
	    "-o LogLevel=ERROR -o ConnectTimeout=10 -i $T/keys/$1"
}
