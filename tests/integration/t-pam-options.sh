#!/usr/bin/env bash
# pam_meduse's options: an unknown option is ignored, a bad value of a known
# option or a broken config= file is PAM_SERVICE_ERR in every stage.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"

pam_service unknown-opt "config=$CONF no_such_option debug"
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" alice acct_mgmt

for bad in timeout=soon timeout=0 socket=run/accountd.sock config=meduse.yaml; do
	pam_service bad-opt "config=$CONF $bad"
	expect_pam 1 "$PAM_MSG_SERVICE_ERR" "$PAM_SERVICE" alice acct_mgmt
	expect_pam 1 'Error in service module' "$PAM_SERVICE" alice open_session
done

pam_service no-conf "config=$T/missing.yaml"
expect_pam 1 "$PAM_MSG_SERVICE_ERR" "$PAM_SERVICE" alice acct_mgmt
printf 'accountd:\n  sokcet: %s\n' "$T/run/accountd.sock" >"$T/typo.yaml"
pam_service typo-conf "config=$T/typo.yaml"
expect_pam 1 "$PAM_MSG_SERVICE_ERR" "$PAM_SERVICE" alice acct_mgmt
