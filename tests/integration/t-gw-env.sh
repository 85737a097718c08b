#!/usr/bin/env bash
# SendEnv through the gateway: allowed variables (LANG, LC_*) reach the
# workspace; others are dropped by the gateway's allowlist.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
LANG=C.UTF-8 LC_MEDUSE_TEST=kept SECRET_TOKEN=leak expect_rc 0 \
    gw_ssh alice alice -o SendEnv=LANG -o SendEnv=LC_MEDUSE_TEST -o SendEnv=SECRET_TOKEN -- \
    'echo "LANG=$LANG LC=$LC_MEDUSE_TEST SECRET=${SECRET_TOKEN:-unset}"'
expect_in "$T/out" '^LANG=C\.UTF-8 LC=kept SECRET=unset$'
