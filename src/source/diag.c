#include "source/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/array.h"
#include "util/buf.h"

void ig_diag_list_free(diag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        ig_free(l->v[i].message);
        ig_free(l->v[i].rule_id);
        ig_free(l->v[i].path);
    }
    ig_free(l->v);
    memset(l, 0, sizeof *l);
}

static diag *slot(diag_list *l)
{
    if (l->n >= DIAG_MAX_PER_FILE) {
        l->dropped++;
        return NULL;
    }
    if (IG_ARRAY_GROW(l->v, l->n, l->cap, 8)) {
        l->oom = 1;
        return NULL;
    }
    diag *d = &l->v[l->n];
    memset(d, 0, sizeof *d);
    return d;
}

/* Cut b to at most DIAG_MESSAGE_MAX bytes (see diag.h), at UTF-8 character
 * boundaries. */
static void cap_message(buf *b)
{
    if (b->oom || b->len <= DIAG_MESSAGE_MAX) return;
    size_t head = DIAG_MESSAGE_MAX * 5 / 8, tail = b->len - DIAG_MESSAGE_MAX / 4;
    while (head > 0 && ((unsigned char)b->data[head] & 0xC0) == 0x80)
        head--;
    while (tail < b->len && ((unsigned char)b->data[tail] & 0xC0) == 0x80)
        tail++;
    char mark[64];
    int ml = snprintf(mark, sizeof mark, " [... %zu bytes cut ...] ", tail - head);
    size_t tl = b->len - tail;
    memmove(b->data + head + (size_t)ml, b->data + tail, tl);
    memcpy(b->data + head, mark, (size_t)ml);
    b->len = head + (size_t)ml + tl;
    b->data[b->len] = '\0';
}

diag *ig_diag_add(diag_list *l, int code, iamg_level level, const tsource *src, uint32_t off,
                  const char *fmt, ...)
{
    diag *d = slot(l);
    if (!d) return NULL;
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    ig_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    cap_message(&b);
    d->message = ig_buf_detach(&b);
    if (!d->message) {
        l->oom = 1;
        return NULL;
    }
    d->code = code;
    d->level = level;
    if (src) {
        const tsource *f = ig_tsource_file(src);
        uint32_t foff = ig_tsource_file_offset(src, off);
        srcpos p = ig_tsource_pos(f, foff);
        d->line = p.line;
        d->col = p.col;
    }
    l->n++;
    return d;
}

diag *ig_diag_add_at(diag_list *l, int code, iamg_level level, const char *path, uint32_t line,
                     uint32_t col, const char *rule_id, const char *message)
{
    diag *d = slot(l);
    if (!d) return NULL;
    buf b = BUF_INIT;
    ig_buf_puts(&b, message);
    cap_message(&b);
    d->message = ig_buf_detach(&b);
    d->rule_id = rule_id ? ig_strdup(rule_id) : NULL;
    d->path = path ? ig_strdup(path) : NULL;
    if (!d->message || (rule_id && !d->rule_id) || (path && !d->path)) {
        ig_free(d->message);
        ig_free(d->rule_id);
        ig_free(d->path);
        l->oom = 1;
        return NULL;
    }
    d->code = code;
    d->level = level;
    d->line = line;
    d->col = col;
    l->n++;
    return d;
}

int ig_diag_worst(const diag_list *l)
{
    /* Order of gravity for the exit status: anything that means part of the
     * input or a rule was not checked. */
    int worst = 0;
    for (size_t i = 0; i < l->n; i++) {
        int c = l->v[i].code;
        if (c == IAMG_ESKIP || c == IAMG_ELOG) continue;
        if (worst == 0 || c == IAMG_ENOMEM) worst = c;
    }
    if (l->oom) worst = IAMG_ENOMEM;
    return worst;
}
