/*
 * file.h: reading a small file whole.
 */
#ifndef MEDUSE_FILE_H
#define MEDUSE_FILE_H

#include <stddef.h>
#include <time.h>

/* Reads a regular file of at most max bytes whole, NUL-terminated; mtime
 * may be NULL.  -1 with err naming the file. */
int	file_read(const char *path, size_t max, char **out, size_t *len,
	    struct timespec *mtime, char *err, size_t errlen);

#endif
