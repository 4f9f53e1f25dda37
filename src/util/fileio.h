/*
 * util/fileio.h - reading whole input files, safely.
 */
#ifndef IAMG_UTIL_FILEIO_H
#define IAMG_UTIL_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/error.h"

/*
 * Read the regular file at `path` into a new heap buffer (NUL-terminated,
 * caller frees with ig_free). FIFOs, sockets and devices are refused
 * without blocking (IAMG_ESKIP), as are folders; a file larger than max
 * bytes is IAMG_ELIMIT; a file that vanishes or cannot be read is IAMG_EIO.
 * err->message says what happened, without the path.
 */
int ig_read_file(const char *path, uint64_t max, char **data, size_t *len, iamg_error *err);

#endif
