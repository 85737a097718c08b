#!/bin/bash
# The workspace container's command (main.tf: bash -c "$(cat start.sh)").
# Runs as root: makes the workspace user named after the account, starts the
# Coder agent as that user, then runs OpenSSH's sshd on port 22 as the
# container's main process, trusting only the meduse-ssh Secret's
# authorized_keys (the account's gateway key), with password login off.
#
# Environment (set by main.tf):
#   MEDUSE_USER              the account name (the Coder username); required
#   MEDUSE_UID               its uid and gid (default 1000)
#   CODER_AGENT_INIT         the Coder agent's init script ("" = no agent)
#   CODER_AGENT_TOKEN        the agent's token (kept for the agent only)
#   AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL
#   MLFLOW_S3_ENDPOINT_URL AWS_DEFAULT_REGION
#                            from the Secret meduse-minio when it exists;
#                            passed on to SSH sessions (DVC's config is a
#                            file, /etc/xdg/dvc/config: nothing to pass)
# For tests only (defaults are the pod's):
#   MEDUSE_SSH_PORT (22), MEDUSE_AUTHORIZED_KEYS (/etc/meduse-ssh/authorized_keys),
#   MEDUSE_SSHD_DIR (/etc/meduse-sshd)
# With the argument --sshd-config it only writes $MEDUSE_SSHD_DIR/sshd_config.
set -eu

user=${MEDUSE_USER:?MEDUSE_USER is not set}
uid=${MEDUSE_UID:-1000}
home=/home/$user
port=${MEDUSE_SSH_PORT:-22}
keys=${MEDUSE_AUTHORIZED_KEYS:-/etc/meduse-ssh/authorized_keys}
conf=${MEDUSE_SSHD_DIR:-/etc/meduse-sshd}
minio_vars="AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL MLFLOW_S3_ENDPOINT_URL AWS_DEFAULT_REGION"

say() { echo "meduse-start: $*" >&2; }

write_sshd_config() {
	local v val setenv
	mkdir -p "$conf"
	chmod 0700 "$conf"
	# A file of our own, not the image's sshd_config: what meduse relies on
	# does not depend on the image.  Mode 0600: it may hold MinIO keys.
	umask 077
	{
		echo "# Written by the meduse workspace template at each start; edit start.sh."
		echo "Port $port"
		echo "HostKey $conf/ssh_host_ed25519_key"
		echo "PidFile none"
		echo "LogLevel VERBOSE"
		# meduse-sshd logs in with the account's gateway key, as the account.
		echo "AllowUsers $user"
		echo "PermitRootLogin no"
		echo "AuthenticationMethods publickey"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "PermitEmptyPasswords no"
		# No PAM: containers rarely have a working PAM stack for sshd.
		echo "UsePAM no"
		# The Secret's file is read at each login (a new gateway key needs no
		# restart).  A command, not AuthorizedKeysFile: a Secret volume's
		# files are symlinks in a tmpfs whose modes StrictModes may refuse.
		echo "AuthorizedKeysFile none"
		echo "AuthorizedKeysCommand /bin/cat $keys"
		echo "AuthorizedKeysCommandUser nobody"
		# What meduse-sshd passes on (gateway.env_allow's default).
		echo "AcceptEnv LANG LC_* LANGUAGE TERM COLORTERM TZ GIT_PROTOCOL TERM_PROGRAM TERM_PROGRAM_VERSION VSCODE_*"
		echo "AllowTcpForwarding yes"
		echo "AllowStreamLocalForwarding yes"
		echo "X11Forwarding yes"
		echo "PrintMotd no"
		echo "Subsystem sftp internal-sftp"
		# SSH sessions do not inherit the container's environment: the
		# MinIO credentials are given to them here, on one line (sshd keeps
		# the first SetEnv line only).
		setenv=()
		for v in $minio_vars; do
			val=${!v:-}
			[ -n "$val" ] || continue
			case $val in
			*[\\\"]* | *$'\n'*)
				say "$v has a quote, backslash or newline: not passed to SSH sessions"
				continue ;;
			esac
			setenv+=("\"$v=$val\"")
		done
		[ ${#setenv[@]} -eq 0 ] || echo "SetEnv ${setenv[*]}"
	} >"$conf/sshd_config.tmp"
	mv "$conf/sshd_config.tmp" "$conf/sshd_config"
	umask 022
}

if [ "${1:-}" = --sshd-config ]; then
	write_sshd_config
	exit 0
fi

# --- the OpenSSH server --------------------------------------------------
sshd=/usr/sbin/sshd
if [ ! -x "$sshd" ]; then
	if command -v apt-get >/dev/null; then
		say "the image has no sshd: installing openssh-server (use an image that has it)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
	fi
	[ -x "$sshd" ] || { say "no OpenSSH server in the image: meduse cannot log in"; exit 1; }
fi

# --- the user --------------------------------------------------------------
# Named after the account; the image may already have a user at this uid
# (codercom/enterprise-base has "coder" at 1000): it is renamed.
if ! getent passwd "$user" >/dev/null; then
	old=$(getent passwd "$uid" | cut -d: -f1 || true)
	oldg=$(getent group "$uid" | cut -d: -f1 || true)
	if [ -n "$oldg" ] && [ "$oldg" != "$user" ]; then
		groupmod -n "$user" "$oldg"
	elif [ -z "$oldg" ]; then
		groupadd -g "$uid" "$user"
	fi
	if [ -n "$old" ]; then
		usermod -l "$user" -d "$home" "$old"
	else
		useradd -u "$uid" -g "$uid" -M -d "$home" -s /bin/bash "$user"
	fi
fi
# useradd's "!" is a locked account, which sshd refuses without PAM; "*" is
# "no password": the key is the only way in.
usermod -p '*' "$user"

# The home volume is new and root's the first time.
mkdir -p "$home"
[ "$(stat -c %u "$home")" = "$uid" ] || chown "$uid:$uid" "$home"
runuser -u "$user" -- cp -rn /etc/skel/. "$home/" 2>/dev/null || true

# --- host key ------------------------------------------------------------
# Kept on the home volume (root's, 0700) so that the workspace keeps its host
# key across restarts: meduse-sshd remembers it (gateway.upstream_host_keys).
state=$home/.meduse-host-keys
mkdir -p "$state"
chown 0:0 "$state"
chmod 0700 "$state"
if [ ! -s "$state/ssh_host_ed25519_key" ]; then
	ssh-keygen -q -t ed25519 -N '' -C "meduse workspace of $user" \
	    -f "$state/ssh_host_ed25519_key" </dev/null
fi
write_sshd_config
install -m 0600 -o 0 -g 0 "$state/ssh_host_ed25519_key" "$conf/ssh_host_ed25519_key"
mkdir -p /run/sshd
chmod 0755 /run/sshd
"$sshd" -t -f "$conf/sshd_config"

# --- the Coder agent, as the user --------------------------------------------
if [ -n "${CODER_AGENT_INIT:-}" ]; then
	(cd "$home" && exec runuser -u "$user" -- /bin/sh -c "$CODER_AGENT_INIT") &
fi
unset CODER_AGENT_INIT CODER_AGENT_TOKEN

say "sshd on port $port for $user"
exec "$sshd" -D -e -f "$conf/sshd_config"
