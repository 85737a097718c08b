/*
 * xmalloc.h: allocation that dies on exhaustion.  For daemons and CLIs only:
 * code linked into pam_meduse.so must never call these (STYLE.md rule 7).
 */
#ifndef MEDUSE_XMALLOC_H
#define MEDUSE_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t n, size_t size);
void	*xreallocarray(void *p, size_t n, size_t size);
char	*xstrdup(const char *s);
int	 xasprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
