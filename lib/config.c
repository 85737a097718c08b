/*
 * config.c: reads meduse.yaml with libyaml's document API and walks it
 * against the key table of config_keys.c, collecting every problem as
 * "file:line: message" instead of stopping at the first.  Trust boundary:
 * the file is written by an admin and is trusted not to be hostile, but it is
 * checked as if it were (it is a fuzz target): the file must not be writable
 * by others, sizes and error counts are bounded, and nothing here exits,
 * since the PAM module links this code.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"
#include "config_keys.h"
#include "text.h"

#define CONFIG_MAX_SIZE		(1024 * 1024)	/* bytes of one file */
#define CONFIG_MAX_ERRORS	50		/* then "too many errors" */
#define CONFIG_MAX_ITEMS	1024		/* items of one list */
#define CONFIG_MAX_KEY		64		/* bytes of one key */

struct config_loader {
	const char		*name;		/* the file, in messages */
	const char		*buf;		/* its text, len bytes */
	size_t			 len;
	yaml_document_t		*doc;
	struct config		*cfg;		/* being filled; starts as defaults */
	int			*lines;		/* per config_keys[]: see config_keys.h */
	struct config_errors	 errs;
	bool			 full;		/* too many errors: stop walking */
	bool			 oom;
};

static void	config_walk_mapping(struct config_loader *, yaml_node_t *,
		    const char *);

/* Appends one message; errs may be NULL.  Returns -1 on OOM. */
static int
config_errors_add(struct config_errors *errs, const char *fmt, ...)
{
	char *msg, **v;
	va_list ap;
	int rc;

	if (errs == NULL)
		return 0;
	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc == -1)
		return -1;
	if ((v = reallocarray(errs->msg, errs->n + 1, sizeof(*v))) == NULL) {
		free(msg);
		return -1;
	}
	v[errs->n++] = msg;
	errs->msg = v;
	return 0;
}

/* Records "name:line: msg" (or "name: msg" when line is 0). */
static void __attribute__((format(printf, 3, 4)))
config_error(struct config_loader *ld, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int rc;

	if (ld->full)
		return;
	if (ld->errs.n == CONFIG_MAX_ERRORS) {
		ld->full = true;
		if (config_errors_add(&ld->errs, "%s: too many errors; fix "
		    "these first", ld->name) == -1)
			ld->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		rc = config_errors_add(&ld->errs, "%s:%d: %s", ld->name, line, msg);
	else
		rc = config_errors_add(&ld->errs, "%s: %s", ld->name, msg);
	if (rc == -1)
		ld->oom = true;
}

static void
config_report(void *arg, int line, const char *msg)
{
	config_error(arg, line, "%s", msg);
}

/* libyaml marks count from 0; editors count from 1. */
static int
config_line(const yaml_node_t *node)
{
	size_t line = node->start_mark.line + 1;

	return line > 99999999 ? 99999999 : (int)line;
}

/* An empty value, "~" or "null", unquoted. */
static bool
config_is_null(const yaml_node_t *node)
{
	const char *s;

	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)node->data.scalar.value;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static const char *
config_node_kind(const yaml_node_t *node)
{
	if (node->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (node->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (config_is_null(node))
		return "nothing";
	return "a single value";
}

/* The text of a scalar, refused when it hides a NUL ("\0" in YAML). */
static const char *
config_scalar(const yaml_node_t *node)
{
	const char *s = (const char *)node->data.scalar.value;

	if (strlen(s) != node->data.scalar.length)
		return NULL;
	return s;
}

static void
config_walk_list(struct config_loader *ld, const struct config_key *k,
    yaml_node_t *node)
{
	struct config_strings list = { NULL, 0 };
	yaml_node_item_t *item;
	yaml_node_t *in;
	const char *s;
	char err[512];
	size_t i, n;
	bool bad = false;

	if (config_is_null(node)) {
		n = 0;
	} else if (node->type != YAML_SEQUENCE_NODE) {
		config_error(ld, config_line(node), "%s: expected a list of "
		    "strings, found %s (write e.g. [\"a\", \"b\"])", k->name,
		    config_node_kind(node));
		goto fail;
	} else {
		n = (size_t)(node->data.sequence.items.top -
		    node->data.sequence.items.start);
		if (n > CONFIG_MAX_ITEMS) {
			config_error(ld, config_line(node), "%s: has more than "
			    "%d items", k->name, CONFIG_MAX_ITEMS);
			goto fail;
		}
	}
	if ((list.v = calloc(n + 1, sizeof(*list.v))) == NULL) {
		ld->oom = true;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		item = node->data.sequence.items.start + i;
		in = yaml_document_get_node(ld->doc, *item);
		if (in->type != YAML_SCALAR_NODE || config_is_null(in)) {
			config_error(ld, config_line(in), "%s[%zu]: expected a "
			    "string, found %s", k->name, i, config_node_kind(in));
			bad = true;
			continue;
		}
		if ((s = config_scalar(in)) == NULL) {
			config_error(ld, config_line(in), "%s[%zu]: contains a "
			    "NUL character", k->name, i);
			bad = true;
			continue;
		}
		if (config_keys_check_item(k, s, err, sizeof(err)) == -1) {
			config_error(ld, config_line(in), "%s[%zu]: %s", k->name,
			    i, err);
			bad = true;
			continue;
		}
		if (!bad) {
			if ((list.v[list.n] = strdup(s)) == NULL) {
				ld->oom = true;
				goto fail;
			}
			list.n++;
		}
	}
	if (bad)
		goto fail;
	config_keys_set_list(ld->cfg, k, &list);
	return;
fail:
	ld->lines[k - config_keys] = -abs(ld->lines[k - config_keys]);
	config_keys_free_list(&list);
}

static void
config_walk_value(struct config_loader *ld, const struct config_key *k,
    yaml_node_t *node)
{
	const char *s;
	char err[512];
	int line = config_line(node);

	switch (k->type) {
	case CONFIG_T_SECTION:
		if (config_is_null(node))
			return;		/* "kubernetes:" with nothing below */
		if (node->type != YAML_MAPPING_NODE) {
			config_error(ld, line, "%s: expected a mapping of keys, "
			    "found %s", k->name, config_node_kind(node));
			return;
		}
		config_walk_mapping(ld, node, k->name);
		return;
	case CONFIG_T_STRINGS:
		config_walk_list(ld, k, node);
		return;
	default:
		break;
	}

	if (node->type != YAML_SCALAR_NODE) {
		config_error(ld, line, "%s: expected %s, found %s", k->name,
		    config_keys_type_name(k->type), config_node_kind(node));
		goto bad;
	}
	if (config_is_null(node) && k->type != CONFIG_T_STRING) {
		config_error(ld, line, "%s: has no value: expected %s", k->name,
		    config_keys_type_name(k->type));
		goto bad;
	}
	if ((s = config_scalar(node)) == NULL) {
		config_error(ld, line, "%s: contains a NUL character", k->name);
		goto bad;
	}
	if (config_is_null(node))
		s = "";
	if (config_keys_set(ld->cfg, k, s, err, sizeof(err)) == -1) {
		config_error(ld, line, "%s: %s", k->name, err);
		goto bad;
	}
	return;
bad:
	ld->lines[k - config_keys] = -line;
}

/*
 * One "key: value" pair of the mapping at prefix.  The dotted name must be in
 * the table, and each key may appear once.
 */
static void
config_walk_pair(struct config_loader *ld, const char *prefix,
    yaml_node_t *key, yaml_node_t *value)
{
	const struct config_key *k;
	const char *s;
	char name[CONFIG_MAX_KEY * 2], shown[CONFIG_MAX_KEY + 8];
	int line = config_line(key), *first;

	if (key->type != YAML_SCALAR_NODE) {
		config_error(ld, line, "%s: a key must be a plain name, not %s",
		    prefix[0] != '\0' ? prefix : "top level",
		    config_node_kind(key));
		return;
	}
	s = config_scalar(key);
	/* A '.' in a key would let "gateway.listen: ..." reach a nested key. */
	if (s == NULL || strlen(s) > CONFIG_MAX_KEY || strchr(s, '.') != NULL)
		k = NULL;
	else {
		snprintf(name, sizeof(name), "%s%s%s", prefix,
		    prefix[0] != '\0' ? "." : "", s);
		k = config_keys_find(name);
	}
	if (k == NULL) {
		text_quote((const char *)key->data.scalar.value, CONFIG_MAX_KEY,
		    shown, sizeof(shown));
		config_error(ld, line, "%s%s%s: unknown key (meduse.yaml(5) "
		    "lists the keys)", prefix, prefix[0] != '\0' ? "." : "",
		    shown);
		return;
	}
	first = &ld->lines[k - config_keys];
	if (*first != 0) {
		config_error(ld, line, "%s: duplicate key (first given on line "
		    "%d)", k->name, abs(*first));
		return;
	}
	*first = line;
	config_walk_value(ld, k, value);
}

static void
config_walk_mapping(struct config_loader *ld, yaml_node_t *map,
    const char *prefix)
{
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top && !ld->full; pair++)
		config_walk_pair(ld, prefix,
		    yaml_document_get_node(ld->doc, pair->key),
		    yaml_document_get_node(ld->doc, pair->value));
}

/* The 1-based line of byte offset off, for errors libyaml gives as offsets. */
static int
config_offset_line(const struct config_loader *ld, size_t off)
{
	size_t i;
	int line = 1;

	for (i = 0; i < off && i < ld->len; i++)
		if (ld->buf[i] == '\n')
			line++;
	return line;
}

static void
config_syntax_error(struct config_loader *ld, const yaml_parser_t *p)
{
	const char *problem = p->problem != NULL ? p->problem : "unknown error";
	const char *hint = "";
	size_t off = p->problem_mark.index;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		ld->oom = true;
		return;
	case YAML_READER_ERROR:
		config_error(ld, config_offset_line(ld, p->problem_offset),
		    "not valid UTF-8 text (%s at byte %zu)", problem,
		    p->problem_offset);
		return;
	default:
		break;
	}
	/* The most common mistake of all gets a plain explanation. */
	if (off < ld->len && ld->buf[off] == '\t')
		hint = ": a tab; YAML indents with spaces only";
	if (p->context != NULL)
		config_error(ld, (int)p->problem_mark.line + 1, "YAML syntax "
		    "error: %s (%s on line %zu)%s", problem, p->context,
		    p->context_mark.line + 1, hint);
	else
		config_error(ld, (int)p->problem_mark.line + 1, "YAML syntax "
		    "error: %s%s", problem, hint);
}

/* Parses and walks the one document of the stream.  Errors go to ld. */
static void
config_parse(struct config_loader *ld, yaml_parser_t *parser)
{
	yaml_document_t doc;
	yaml_node_t *root;

	if (!yaml_parser_load(parser, &doc)) {
		config_syntax_error(ld, parser);
		return;
	}
	ld->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root != NULL && !config_is_null(root)) {
		if (root->type == YAML_MAPPING_NODE)
			config_walk_mapping(ld, root, "");
		else
			config_error(ld, config_line(root), "the top level must "
			    "be a mapping of keys (e.g. \"state_dir: "
			    "/var/lib/meduse\"), not %s", config_node_kind(root));
	}
	ld->doc = NULL;
	yaml_document_delete(&doc);

	/* Anything after the first document would be ignored: refuse it. */
	if (!yaml_parser_load(parser, &doc)) {
		config_syntax_error(ld, parser);
		return;
	}
	if ((root = yaml_document_get_root_node(&doc)) != NULL)
		config_error(ld, config_line(root), "a second YAML document: "
		    "meduse.yaml holds one (remove the \"---\" line)");
	yaml_document_delete(&doc);
}

int
config_load_buffer(const char *name, const char *buf, size_t len,
    struct config **out, struct config_errors *errs)
{
	struct config_loader ld;
	yaml_parser_t parser;
	bool parser_ok = false;
	int rc = -1;

	*out = NULL;
	if (errs != NULL) {
		errs->msg = NULL;
		errs->n = 0;
	}
	memset(&ld, 0, sizeof(ld));
	ld.name = name;
	ld.buf = buf;
	ld.len = len;
	if ((ld.cfg = config_defaults()) == NULL ||
	    (ld.lines = calloc(config_keys_n, sizeof(*ld.lines))) == NULL) {
		ld.oom = true;
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		ld.oom = true;
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	config_parse(&ld, &parser);
	if (!ld.oom && !ld.full)
		config_keys_cross_check(ld.cfg, ld.lines, config_report, &ld);
	if (ld.errs.n == 0 && !ld.oom) {
		*out = ld.cfg;
		ld.cfg = NULL;
		rc = 0;
	}
out:
	if (ld.oom)
		(void)config_errors_add(&ld.errs, "%s: out of memory", name);
	if (parser_ok)
		yaml_parser_delete(&parser);
	if (errs != NULL)
		*errs = ld.errs;
	else
		config_errors_free(&ld.errs);
	free(ld.lines);
	config_free(ld.cfg);
	return rc;
}

/*
 * Reads the whole file.  It steers a root daemon and the PAM module, so it
 * must be a regular file that only root or the running user can change.
 */
static int
config_read(const char *path, char **buf, size_t *len, int *errnum,
    struct config_errors *errs)
{
	struct stat st;
	char *b = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, rc = -1;

	*buf = NULL;
	*len = 0;
	*errnum = 0;
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		*errnum = errno;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*errnum = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)config_errors_add(errs, "%s: cannot read: not a regular "
		    "file", path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		(void)config_errors_add(errs, "%s: is owned by uid %u: it must "
		    "belong to root or to the user running this program", path,
		    (unsigned)st.st_uid);
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		(void)config_errors_add(errs, "%s: is writable by group or "
		    "others: run chmod go-w %s", path, path);
		goto out;
	}
	if (st.st_size > CONFIG_MAX_SIZE) {
		(void)config_errors_add(errs, "%s: is larger than %d bytes: is "
		    "this the right file?", path, CONFIG_MAX_SIZE);
		goto out;
	}
	/* One byte more than the limit tells a file that grew meanwhile. */
	if ((b = malloc(CONFIG_MAX_SIZE + 1)) == NULL) {
		*errnum = ENOMEM;
		goto out;
	}
	while (n <= CONFIG_MAX_SIZE) {
		r = read(fd, b + n, CONFIG_MAX_SIZE + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*errnum = errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > CONFIG_MAX_SIZE) {
		(void)config_errors_add(errs, "%s: is larger than %d bytes: is "
		    "this the right file?", path, CONFIG_MAX_SIZE);
		goto out;
	}
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	close(fd);
	return rc;
}

int
config_load(const char *path, bool explicit_path, struct config **out,
    struct config_errors *errs)
{
	struct config_errors local = { NULL, 0 };
	struct config *cfg = NULL;
	char *buf = NULL;
	size_t len;
	int errnum, rc = -1;

	*out = NULL;
	if (errs != NULL) {
		errs->msg = NULL;
		errs->n = 0;
	}
	if (config_read(path, &buf, &len, &errnum, &local) == -1) {
		if (errnum == ENOENT && !explicit_path) {
			/* No file at the default place: the demo defaults. */
			if ((cfg = config_defaults()) == NULL)
				(void)config_errors_add(&local, "%s: out of "
				    "memory", path);
			else
				rc = 0;
		} else if (errnum != 0)
			(void)config_errors_add(&local, "%s: cannot read: %s",
			    path, strerror(errnum));
		goto out;
	}
	if (config_load_buffer(path, buf, len, &cfg, &local) == -1)
		goto out;
	if ((cfg->path = strdup(path)) == NULL) {
		(void)config_errors_add(&local, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	if (rc == 0) {
		*out = cfg;
		cfg = NULL;
	}
	config_free(cfg);
	if (errs != NULL)
		*errs = local;
	else
		config_errors_free(&local);
	return rc;
}

/*
 * secure_getenv: if this code ever runs in a setuid program (the PAM module
 * under su, say), the caller's environment must not choose its config.
 */
const char *
config_path(const char *cli_path, bool *explicit_path)
{
	const char *env;
	bool dummy;

	if (explicit_path == NULL)
		explicit_path = &dummy;
	*explicit_path = true;
	if (cli_path != NULL)
		return cli_path;
	if ((env = secure_getenv(CONFIG_ENV)) != NULL && env[0] != '\0')
		return env;
	*explicit_path = false;
	return CONFIG_DEFAULT_PATH;
}

struct config *
config_defaults(void)
{
	struct config *cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	if (config_keys_defaults(cfg) == -1) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
config_free(struct config *cfg)
{
	config_keys_free(cfg);
}

void
config_errors_free(struct config_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
}

struct config *
config_load_report(const char *cli_path, FILE *f)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	const char *path;
	bool explicit_path;
	size_t i;

	path = config_path(cli_path, &explicit_path);
	if (config_load(path, explicit_path, &cfg, &errs) == -1) {
		for (i = 0; i < errs.n; i++)
			fprintf(f, "%s\n", errs.msg[i]);
		if (errs.n == 0)
			fprintf(f, "%s: cannot load the configuration\n", path);
	}
	config_errors_free(&errs);
	return cfg;
}
