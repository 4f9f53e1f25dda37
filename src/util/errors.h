/*
 * util/errors.h - filling iamg_error records.
 */
#ifndef IAMG_UTIL_ERRORS_H
#define IAMG_UTIL_ERRORS_H

#include "iamguard/error.h"

/* Fill err (if not NULL) and return code, so callers can `return ig_error_set(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
int ig_error_set(iamg_error *err, int code, const char *path, unsigned line, unsigned col,
                   const char *fmt, ...);

/* Clear err to "no error". */
void ig_error_clear(iamg_error *err);

#endif
