#!/usr/bin/env bash
# Makes a throw-away test CA and a server certificate signed by it:
#   tests/fakes/make-ca.sh DIR
# writes DIR/ca.crt, DIR/ca.key, DIR/server.crt (SAN IP:127.0.0.1,
# DNS:localhost) and DIR/server.key.  For tests only: keys are unencrypted.
set -eu
case "${1:-}" in ""|-h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ]; exit ;; esac
d=$1
mkdir -p "$d"
command -v openssl >/dev/null || { echo "make-ca.sh: openssl not found (scripts/deps.sh installs it)" >&2; exit 1; }
q() { "$@" >/dev/null 2>&1 || { echo "make-ca.sh: failed: $*" >&2; exit 1; }; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$d/ca.key" -out "$d/ca.crt" -days 2 -subj "/CN=meduse test CA $$" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=kube-fake"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$d/server.ext"
q openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
	-out "$d/server.crt" -days 2 -extfile "$d/server.ext"
rm -f "$d/server.csr" "$d/server.ext" "$d/ca.srl"
chmod 0600 "$d/ca.key" "$d/server.key"
