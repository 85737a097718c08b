/*
 * cmdline.c: shell-like word splitting without a shell (see cmdline.h).
 * Trust boundary: the line is whatever the user sent; every byte is looked
 * at once, the output cannot outgrow the input, and anything unusual is
 * refused rather than guessed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"

static bool
cmdline_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

int
cmdline_split(const char *line, size_t len, struct cmdline *out, char *err,
    size_t errlen)
{
	enum { BARE, SINGLE, DOUBLE } q = BARE;
	size_t i, o = 0;
	bool inword = false;
	unsigned char ch;

	memset(out, 0, sizeof(*out));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > CMDLINE_MAX_LEN) {
		snprintf(err, errlen, "the command is longer than %d bytes",
		    CMDLINE_MAX_LEN);
		return -1;
	}
	for (i = 0; i < len; i++) {
		ch = (unsigned char)line[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			snprintf(err, errlen, "the command holds a control "
			    "character (byte %zu)", i + 1);
			return -1;
		}
		if (q == BARE && cmdline_blank((char)ch)) {
			if (inword) {
				out->buf[o++] = '\0';
				inword = false;
			}
			continue;
		}
		if (!inword) {
			if (out->argc == CMDLINE_MAX_WORDS) {
				snprintf(err, errlen, "the command has more than %d "
				    "words", CMDLINE_MAX_WORDS);
				return -1;
			}
			out->argv[out->argc++] = &out->buf[o];
			inword = true;
		}
		if (q == SINGLE) {
			if (ch == '\'')
				q = BARE;
			else
				out->buf[o++] = (char)ch;
			continue;
		}
		if (q == DOUBLE) {
			if (ch == '"')
				q = BARE;
			else if (ch == '\\' && i + 1 < len &&
			    (line[i + 1] == '"' || line[i + 1] == '\\'))
				out->buf[o++] = line[++i];
			else
				out->buf[o++] = (char)ch;
			continue;
		}
		if (ch == '\'')
			q = SINGLE;
		else if (ch == '"')
			q = DOUBLE;
		else if (ch == '\\') {
			if (i + 1 == len) {
				snprintf(err, errlen, "the command ends with a lone "
				    "backslash");
				return -1;
			}
			ch = (unsigned char)line[++i];
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
				snprintf(err, errlen, "the command holds a control "
				    "character (byte %zu)", i + 1);
				return -1;
			}
			out->buf[o++] = (char)ch;
		} else
			out->buf[o++] = (char)ch;
	}
	if (q != BARE) {
		snprintf(err, errlen, "the command has an unterminated %s quote",
		    q == SINGLE ? "single" : "double");
		return -1;
	}
	out->buf[o] = '\0';
	out->argv[out->argc] = NULL;
	return 0;
}
