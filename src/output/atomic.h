/*
 * output/atomic.h - put any output file in place only once it is complete
 * (iamg_write_file_atomic for reports, the merged SARIF of iamg_merge).
 */
#ifndef IAMG_OUTPUT_ATOMIC_H
#define IAMG_OUTPUT_ATOMIC_H

#include <stdio.h>

#include "iamguard/error.h"

/* Writes the whole output to `out`; 0 or an IAMG_E* code (err filled). */
typedef int (*ig_write_fn)(FILE *out, void *ud, iamg_error *err);

/* Run `write` into a temporary file next to `path` (or next to the file a
 * symbolic link `path` points to), flush and fsync it, then rename it over
 * the target. Devices and pipes are written directly. On failure the
 * target is left untouched and the temporary file removed. */
int ig_write_atomic(const char *path, ig_write_fn write, void *ud, iamg_error *err);

#endif
