#include "util/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *iamg_strerror(int code)
{
    switch (code) {
    case IAMG_OK:
        return "success";
    case IAMG_ENOMEM:
        return "out of memory";
    case IAMG_EIO:
        return "I/O error";
    case IAMG_EPARSE:
        return "parse error";
    case IAMG_EINVALID:
        return "invalid input";
    case IAMG_ELIMIT:
        return "limit exceeded";
    case IAMG_ERULE:
        return "rule error";
    case IAMG_EUSAGE:
        return "usage error";
    case IAMG_ESKIP:
        return "skipped";
    case IAMG_ELOG:
        return "rule log";
    default:
        return "unknown error";
    }
}

static void copy_trunc(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n < cap) {
        memcpy(dst, src, n + 1);
        return;
    }
    /* Keep the end of a long path: it names the file. */
    memcpy(dst, "...", 3);
    memcpy(dst + 3, src + n - (cap - 4), cap - 4);
    dst[cap - 1] = '\0';
}

int ig_error_set(iamg_error *err, int code, const char *path, unsigned line, unsigned col,
                 const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    err->line = line;
    err->column = col;
    copy_trunc(err->path, sizeof err->path, path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

int ig_options_check(unsigned version, unsigned known, const char *type, iamg_error *err)
{
    if (version >= 1 && version <= known) return 0;
    return ig_error_set(err, IAMG_EUSAGE, "", 0, 0,
                        "%s.version is %u, this library knows 1 to %u: initialise the options "
                        "with their _INIT macro",
                        type, version, known);
}

void ig_error_clear(iamg_error *err)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
}
