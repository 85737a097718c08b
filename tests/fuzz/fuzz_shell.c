/*
 * fuzz_shell.c: the restricted shell's parser and prompt on arbitrary
 * bytes.  shell_parse must either refuse with a message or give a table
 * entry whose argument count is within its bounds; shell_is_builtin must
 * agree with the parse (what it lets through starts with "meduse").  The
 * same bytes are then typed at the prompt, whose built-ins find no accountd
 * (the socket does not exist) and must fail cleanly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

static void
sink(void *arg, const char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	if (len > 1024)
		abort();	/* one formatted line at most per call */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config *cfg;
	static struct shell_cmd cmd;
	struct shell_ctx ctx;
	struct shell_prompt *p;
	char err[256];
	int extra;

	if (cfg == NULL) {
		if ((cfg = config_defaults()) == NULL)
			abort();
		free(cfg->accountd.socket);
		cfg->accountd.socket = strdup("/nonexistent/meduse-fuzz.sock");
	}
	if (shell_parse((const char *)data, size, false, &cmd, err,
	    sizeof(err)) == 0 && cmd.b != NULL) {
		extra = cmd.argc - 1;
		if (extra < cmd.b->min_args || extra > cmd.b->max_args ||
		    cmd.argv[cmd.argc] != NULL)
			abort();
	}
	if (shell_is_builtin((const char *)data, size) &&
	    memchr(data, 'm', size) == NULL)
		abort();
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	strcpy(ctx.account, "alice");
	ctx.io.out = ctx.io.err = sink;
	if ((p = shell_prompt_new(&ctx, true, "fuzz")) == NULL)
		return 0;
	(void)shell_prompt_feed(p, (const char *)data, size);
	shell_prompt_free(p);
	return 0;
}
