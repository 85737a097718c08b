#!/usr/bin/env bash
# make install honours PREFIX and DESTDIR and installs binaries, the PAM
# module, man pages, the example config and the systemd unit; the installed
# example config is valid.
. "$MEDUSE_TOP/tests/integration/lib.sh"
make -s -C "$TOP" BUILD="$MEDUSE_BUILD" install PREFIX=/usr DESTDIR="$T/root" >"$T/make.out" 2>&1 ||
	{ cat "$T/make.out"; fail "make install"; }
for f in usr/bin/accountctl usr/sbin/accountd usr/sbin/meduse-authorized-keys \
	usr/sbin/meduse-sshd usr/share/man/man8/meduse-sshd.8 \
	usr/lib/systemd/system/meduse-sshd.service \
	usr/lib/security/pam_meduse.so usr/share/man/man8/accountd.8 \
	usr/share/man/man8/accountctl.8 usr/share/man/man8/pam_meduse.8 \
	usr/share/man/man8/meduse-authorized-keys.8 usr/share/man/man5/meduse.yaml.5 \
	etc/meduse/meduse.yaml.example usr/lib/systemd/system/accountd.service; do
	[ -f "$T/root/$f" ] || fail "make install did not install /$f"
done
[ -x "$T/root/usr/sbin/accountd" ] || fail "accountd not executable"
expect_in "$T/root/usr/lib/systemd/system/accountd.service" '^ExecStart=/usr/sbin/accountd$'
expect_in "$T/root/usr/lib/systemd/system/meduse-sshd.service" '^ExecStart=/usr/sbin/meduse-sshd$'
expect_rc 0 "$T/root/usr/sbin/accountd" -t -c "$T/root/etc/meduse/meduse.yaml.example"
man -l "$T/root/usr/share/man/man8/accountctl.8" >/dev/null 2>&1 || fail "accountctl.8 does not render"
