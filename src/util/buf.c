#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

void ig_buf_free(buf *b)
{
    ig_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void ig_buf_reset(buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

int ig_buf_reserve(buf *b, size_t extra)
{
    if (b->oom) return -1;
    if (extra >= SIZE_MAX - b->len) goto fail;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *p = ig_realloc(b->data, cap);
    if (!p) goto fail;
    b->data = p;
    b->cap = cap;
    b->data[b->len] = '\0';
    return 0;
fail:
    b->oom = 1;
    return -1;
}

void ig_buf_append(buf *b, const void *data, size_t n)
{
    if (ig_buf_reserve(b, n) < 0) return;
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ig_buf_puts(buf *b, const char *s)
{
    ig_buf_append(b, s, strlen(s));
}

void ig_buf_putc(buf *b, char c)
{
    ig_buf_append(b, &c, 1);
}

void ig_buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || ig_buf_reserve(b, (size_t)n) < 0) return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void ig_buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ig_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *ig_buf_detach(buf *b)
{
    if (b->oom) {
        ig_buf_free(b);
        return NULL;
    }
    if (!b->data && ig_buf_reserve(b, 0) < 0) return NULL;
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
