/*
 * sigv4_int.h: what sigv4.c and sigv4_encode.c share, not for callers.
 */
#ifndef MEDUSE_SIGV4_INT_H
#define MEDUSE_SIGV4_INT_H

#include <stddef.h>

extern const char	sigv4_hexdigits[];
/* len bytes as 2 * len lowercase hex digits (no NUL). */
void	sigv4_hex(const unsigned char *buf, size_t len, char *out);

#endif
