# Helpers for the t-akeys-*.sh scripts (sourced after lib.sh): a real OpenSSH
# sshd on loopback whose only source of keys is meduse-authorized-keys, and
# the real ssh client to log in through it.
#
#   akeys_sshd_start [ARGS]   start sshd; ARGS replace "%u %t %k" in the
#                             AuthorizedKeysCommand line
#   akeys_ssh KEY USER CMD... log in with $T/keys/KEY as USER and run CMD
#   SSHD_ADDR SSHD_PORT       where sshd listens; $T/sshd.log is its log
#   AKEYS_SSHD_EXTRA          more sshd_config lines (set before starting)
SSHD_ADDR=127.0.1.10
SSHD=/usr/sbin/sshd
AKEYS=$T/meduse-authorized-keys

[ -x "$SSHD" ] || skip "no $SSHD (install openssh-server)"
command -v ssh >/dev/null || skip "no ssh client"

# sshd refuses an AuthorizedKeysCommand unless the binary and every parent
# directory are root-owned and not group/world-writable; $T (under /run) is.
install -m 0755 -o root -g root "$BIN/meduse-authorized-keys" "$AKEYS" ||
	fail "cannot install the helper into $T"
# sshd's privilege separation directory, which the openssh-server package
# makes at boot.
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd || fail "cannot create /run/sshd"
# The helper runs as mdgw: it must read the configuration.
chmod 0644 "$CONF"

# Prints a TCP port nothing listens on, from a range apart from the kernel's
# ephemeral ports.
akeys_free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 10000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

akeys_sshd_config() {
	local args=$1
	cat >"$T/sshd_config" <<-EOF
	ListenAddress $SSHD_ADDR:$SSHD_PORT
	HostKey $T/ssh_host_ed25519_key
	PidFile none
	LogLevel VERBOSE
	PubkeyAuthentication yes
	AuthorizedKeysFile none
	AuthorizedKeysCommand $AKEYS -c $CONF $args
	AuthorizedKeysCommandUser mdgw
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	MaxAuthTries 10
	${AKEYS_SSHD_EXTRA:-}
	EOF
}

akeys_sshd_start() {
	local args=${1:-%u %t %k} try i
	[ -f "$T/ssh_host_ed25519_key" ] ||
		ssh-keygen -q -N '' -t ed25519 -f "$T/ssh_host_ed25519_key" </dev/null ||
		fail "cannot make a host key"
	for try in 1 2 3 4 5; do
		SSHD_PORT=$(akeys_free_port) || fail "no free port"
		akeys_sshd_config "$args"
		"$SSHD" -t -f "$T/sshd_config" 2>"$T/err" || { cat "$T/err" >&2; fail "sshd -t refuses the config"; }
		"$SSHD" -D -e -f "$T/sshd_config" >>"$T/sshd.log" 2>&1 &
		SSHD_PID=$!
		_pids+=("$SSHD_PID")
		# A death here may be a port taken meanwhile: try another.
		wait_listening "$SSHD_PID" "$SSHD_ADDR" "$SSHD_PORT" && return 0
	done
	cat "$T/sshd.log" >&2
	fail "sshd did not start listening on $SSHD_ADDR"
}

akeys_ssh() {
	local key=$1 user=$2
	shift 2
	timeout 30 ssh -F none -o BatchMode=yes -o IdentitiesOnly=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR -o ConnectTimeout=10 \
	    -i "$T/keys/$key" -p "$SSHD_PORT" "$user@$SSHD_ADDR" "$@"
}

# expect_login KEY USER: the login runs a command and prints its output.
expect_login() {
	expect_rc 0 akeys_ssh "$1" "$2" echo "hello from \$(id -un)"
	expect_in "$T/out" "^hello from $2\$"
}

# expect_refused KEY USER: the login is refused at authentication.
expect_refused() {
	expect_rc 255 akeys_ssh "$1" "$2" echo "should not run"
	expect_in "$T/err" "Permission denied \(publickey\)"
	expect_not_in "$T/out" "should not run"
}
