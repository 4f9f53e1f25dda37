/*
 * util/buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Appends never fail silently: once an allocation fails the buffer is marked
 * (b->oom) and later appends are no-ops, so callers check once at the end.
 */
#ifndef IAMG_UTIL_BUF_H
#define IAMG_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
    int oom;
} buf;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

void ig_buf_free(buf *b);
void ig_buf_reset(buf *b);
int ig_buf_reserve(buf *b, size_t extra);
void ig_buf_append(buf *b, const void *data, size_t n);
void ig_buf_puts(buf *b, const char *s);
void ig_buf_putc(buf *b, char c);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void ig_buf_printf(buf *b, const char *fmt, ...);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 0)))
#endif
void ig_buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Take ownership of the data (NULL if the buffer ran out of memory). */
char *ig_buf_detach(buf *b);

#endif
