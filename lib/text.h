/*
 * text.h: untrusted text made safe to quote in a message.  Errors and log
 * lines echo values that came from users and peers; a control character or
 * an endless value there could forge a log line or a terminal escape.
 */
#ifndef MEDUSE_TEXT_H
#define MEDUSE_TEXT_H

#include <stddef.h>

/*
 * Copies s into buf (of len bytes, at least 4) for a message: at most max
 * characters, every byte that is not printable ASCII shown as '?', and "..."
 * where it was cut.  Returns buf.
 */
const char	*text_quote(const char *s, size_t max, char *buf, size_t len);

/* printf into a caller's error buffer, which may be NULL (not wanted). */
void		 text_seterr(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

#endif
