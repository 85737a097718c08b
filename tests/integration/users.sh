# Test users and groups, installed over /etc/{passwd,group} inside the private
# mount namespace made by run-integration.sh.  Sourced, not run.
#
#   alice bob carol dave erin   developers (accounts in tests; sshd logins)
#   mdadmin                     member of meduse-admin (may do everything)
#   mdgw                        member of meduse (gateway methods only)
#   mdnobody                    member of neither
TEST_ADMIN_GROUP=meduse-admin
TEST_GATEWAY_GROUP=meduse

users_install() {
	local dir=$1 uid=61001 u
	cp /etc/passwd "$dir/passwd" && cp /etc/group "$dir/group" || return 1
	for u in alice bob carol dave erin frank; do
		echo "$u:x:$uid:$uid:test developer:/nonexistent:/bin/sh" >>"$dir/passwd"
		echo "$u:x:$uid:" >>"$dir/group"
		uid=$((uid + 1))
	done
	cat >>"$dir/passwd" <<-P
	mdadmin:x:61300:61300:test admin:/nonexistent:/bin/sh
	mdgw:x:61301:61301:test gateway:/nonexistent:/bin/sh
	mdnobody:x:61302:61302:test outsider:/nonexistent:/bin/sh
	P
	cat >>"$dir/group" <<-G
	mdadmin:x:61300:
	mdgw:x:61301:
	mdnobody:x:61302:
	$TEST_ADMIN_GROUP:x:61200:mdadmin
	$TEST_GATEWAY_GROUP:x:61201:mdgw
	G
	cp -a /etc/pam.d "$dir/pam.d" || return 1
	mount --bind "$dir/passwd" /etc/passwd &&
	mount --bind "$dir/group" /etc/group &&
	mount --bind "$dir/pam.d" /etc/pam.d
}
