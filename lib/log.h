/*
 * log.h: one logging sink for every meduse program.
 *
 * Daemons log to stderr (systemd's journal picks it up) or to syslog; the PAM
 * module logs to syslog only, since stderr belongs to the host program.
 */
#ifndef MEDUSE_LOG_H
#define MEDUSE_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Sets the program name and sink; use_syslog also selects the authpriv facility. */
void	log_init(const char *progname, int use_syslog, enum log_level level);
void	log_set_level(enum log_level level);
void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "progname: message" to stderr and exits 1. Daemons and CLIs only. */
void	fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
