#!/usr/bin/env bash
# SendEnv through the gateway: allowed variables (LANG, LC_*) reach the
# workspace; others are dropped by the gateway's allowlist.  A custom
# gateway.env_allow replaces the built-in list.
. "$MEDUSE_TOP/tests/integration/lib.sh"
# DEBUG2: the workspace's sshd logs each env request it is sent.
UP_LOGLEVEL=DEBUG2
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
LANG=C.UTF-8 LC_MEDUSE_TEST=kept SECRET_TOKEN=leak expect_rc 0 \
    gw_ssh alice alice -o SendEnv=LANG -o SendEnv=LC_MEDUSE_TEST -o SendEnv=SECRET_TOKEN -- \
    'echo "LANG=$LANG LC=$LC_MEDUSE_TEST SECRET=${SECRET_TOKEN:-unset}"'
expect_in "$T/out" '^LANG=C\.UTF-8 LC=kept SECRET=unset$'
expect_in "$T/gateway.log" 'env SECRET_TOKEN not allowed'
expect_not_in "$T/upstream.log" 'env request SECRET_TOKEN'

# Only FOO_*: FOO_BAR leaves the gateway (the workspace's AcceptEnv, LANG
# and LC_* only, then drops it and logs so), LANG no longer does.
gw_stop
gw_start 'env_allow: ["FOO_*"]'
LANG=C.UTF-8 FOO_BAR=passed expect_rc 0 \
    gw_ssh alice alice -o SendEnv=LANG -o SendEnv=FOO_BAR -- \
    'echo "LANG=${LANG:-unset}"'
expect_in "$T/out" '^LANG=unset$'
expect_in "$T/gateway.log" 'env LANG not allowed'
expect_not_in "$T/gateway.log" 'env FOO_BAR not allowed'
expect_in "$T/upstream.log" 'Ignoring env request FOO_BAR: disallowed name'
