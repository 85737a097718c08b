/*
 * log.c: formatting and routing of log lines.  Trust boundary: none; callers
 * never pass untrusted text as the format string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static const char	*log_progname = "meduse";
static int		 log_syslog;
static enum log_level	 log_level_max = LOG_LVL_INFO;

void
log_init(const char *progname, int use_syslog, enum log_level level)
{
	log_progname = progname;
	log_syslog = use_syslog;
	log_level_max = level;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
log_set_level(enum log_level level)
{
	log_level_max = level;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	char msg[2048];

	if (level > log_level_max)
		return;
	char *p;

	/* A log line longer than the buffer is cut, never an error. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Untrusted text in a message must not start a forged log line. */
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log_syslog) {
		syslog(prio[level], "%s", msg);
		return;
	}
	fprintf(stderr, "%s: %s: %s\n", log_progname, tag[level], msg);
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_vwrite(level, fmt, ap);				\
	va_end(ap);						\
}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
