#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need.
# Idempotent and quiet when everything is present; run as root (or it says so).
set -eu
case "${1:-}" in -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac

pkgs=(
	gcc make pkg-config clang libclang-rt-14-dev
	libssh-dev libjansson-dev libyaml-dev libsqlite3-dev sqlite3
	libpam0g-dev libcurl4-openssl-dev libssl-dev libwebsockets-dev
	libcmocka-dev pamtester valgrind libargon2-dev
	openssh-client openssh-server rsync util-linux ssh-audit
	python3 python3-kubernetes python3-yaml openssl iproute2 man-db
	xvfb xauth x11-utils curl
	python3-pyhcl python3-argon2 python3-cryptography python3-botocore python3-boto3 python3-platformdirs
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
	echo "deps.sh: run 'sudo scripts/deps.sh' (or apt-get install them) and retry" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent on a fresh machine; refresh them once.
apt-get update -qq
# policy-rc.d keeps the openssh-server package from starting a system sshd.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done"
