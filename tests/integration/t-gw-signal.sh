#!/usr/bin/env bash
# A "signal" channel request reaches the process in the workspace through
# the gateway.  A "break" request cannot: libssh 0.10's server hands it over
# as an unknown request without its name, so the gateway cannot tell it from
# any other unknown request and refuses it (a failure reply when one is
# wanted); the session goes on.  OpenSSH's client sends neither on its own
# (break only through the ~B escape), so a small libssh client is built here
# (libssh is a build dependency anyway).
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

cat >"$T/sigclient.c" <<'C'
/* sigclient PORT KEY signal: exec a command that traps TERM, send TERM,
 * print what it printed and its exit status.
 * sigclient PORT KEY break: exec a command on a pty that reads a line,
 * send a break, then the line; same output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libssh/libssh.h>

int
main(int argc, char **argv)
{
	ssh_session s = ssh_new();
	ssh_channel ch;
	ssh_key key = NULL;
	char buf[256], out[1024] = "";
	int port = atoi(argv[1]), n, sent = 0, brk = strcmp(argv[3], "break") == 0;

	ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1");
	ssh_options_set(s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(s, SSH_OPTIONS_USER, "alice");
	ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	if (ssh_connect(s) != SSH_OK ||
	    ssh_pki_import_privkey_file(argv[2], NULL, NULL, NULL, &key) != SSH_OK ||
	    ssh_userauth_publickey(s, NULL, key) != SSH_AUTH_SUCCESS) {
		fprintf(stderr, "login: %s\n", ssh_get_error(s));
		return 10;
	}
	ch = ssh_channel_new(s);
	if (ssh_channel_open_session(ch) != SSH_OK)
		return 11;
	if (brk && (ssh_channel_request_pty(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, "stty -echo; echo ready; read -r l; "
	    "echo got-$l; exit 4") != SSH_OK))
		return 12;
	if (!brk && ssh_channel_request_exec(ch,
	    "trap 'echo got-TERM; exit 3' TERM; echo ready; "
	    "while :; do sleep 0.1; done") != SSH_OK)
		return 13;
	while ((n = ssh_channel_read_timeout(ch, buf, sizeof(buf) - 1, 0, 10000)) > 0) {
		buf[n] = '\0';
		strncat(out, buf, sizeof(out) - strlen(out) - 1);
		if (!sent && strstr(out, "ready") != NULL) {
			if (brk) {
				ssh_channel_request_send_break(ch, 300);
				ssh_channel_write(ch, "after-break\n", 12);
			} else {
				ssh_channel_request_send_signal(ch, "TERM");
			}
			sent = 1;
		}
	}
	printf("%sexit=%d\n", out, ssh_channel_get_exit_status(ch));
	return 0;
}
C
cc -o "$T/sigclient" "$T/sigclient.c" $(pkg-config --cflags --libs libssh) ||
	fail "cannot build the libssh test client"
# The upstream's DEBUG log names each channel request it gets.
UP_LOGLEVEL=DEBUG
gw_setup
expect_rc 0 timeout 30 "$T/sigclient" "$GW_PORT" "$T/keys/alice" signal
expect_in "$T/out" '^ready$'
expect_in "$T/out" '^got-TERM$'
expect_in "$T/out" '^exit=3$'
expect_in "$T/upstream.log" 'req signal'

expect_rc 0 timeout 30 "$T/sigclient" "$GW_PORT" "$T/keys/alice" break
expect_in "$T/out" '^ready'
expect_in "$T/out" '^got-after-break'
expect_in "$T/out" '^exit=4$'
expect_in "$T/gateway.log" 'unknown channel request.*break.*refused'
# The limit, stated: no break reaches the workspace.  When a libssh with
# the request's name arrives, relay it and turn this around.
expect_not_in "$T/upstream.log" 'req break'
