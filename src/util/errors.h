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

/* 0 when an options struct's `version` is one this library knows (1 up to
 * `known`), else IAMG_EUSAGE naming `type` ("iamg_scan_options"). The field
 * is checked before any other is read, so a struct laid out by other headers
 * is never misread. */
int ig_options_check(unsigned version, unsigned known, const char *type, iamg_error *err);

/* Clear err to "no error". */
void ig_error_clear(iamg_error *err);

#endif
