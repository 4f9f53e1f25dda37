#include "output/jbuild.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"
#include "util/errors.h"
#include "util/utf8.h"

json_t *ig_jb_check(ig_jb *jb, json_t *v)
{
    if (!v) jb->oom = 1;
    return v;
}

json_t *ig_jb_str(ig_jb *jb, const char *s)
{
    if (!s) s = "";
    json_t *v = json_string(s);
    if (!v) {
        size_t n = strlen(s);
        if (!ig_utf8_valid(s, n)) {
            char *clean = ig_utf8_sanitize(s, n, SIZE_MAX);
            if (clean) v = json_string(clean);
            ig_free(clean);
        }
    }
    return ig_jb_check(jb, v);
}

json_t *ig_jb_buf(ig_jb *jb, buf *b)
{
    json_t *v = NULL;
    if (b->oom)
        jb->oom = 1;
    else
        v = ig_jb_str(jb, b->len ? b->data : "");
    ig_buf_free(b);
    return v;
}

json_t *ig_jb_obj(ig_jb *jb)
{
    return ig_jb_check(jb, json_object());
}

json_t *ig_jb_arr(ig_jb *jb)
{
    return ig_jb_check(jb, json_array());
}

json_t *ig_jb_int(ig_jb *jb, size_t n)
{
    return ig_jb_check(jb, json_integer((json_int_t)n));
}

json_t *ig_jb_real(ig_jb *jb, double d)
{
    return ig_jb_check(jb, json_real(d));
}

void ig_jb_put(ig_jb *jb, json_t *o, const char *key, json_t *v)
{
    /* jansson frees v when it cannot insert it, and fails on a NULL o. */
    if (json_object_set_new(o, key, v)) jb->oom = 1;
}

void ig_jb_put_str(ig_jb *jb, json_t *o, const char *key, const char *s)
{
    if (s) ig_jb_put(jb, o, key, ig_jb_str(jb, s));
}

void ig_jb_put_int(ig_jb *jb, json_t *o, const char *key, size_t n)
{
    ig_jb_put(jb, o, key, ig_jb_int(jb, n));
}

void ig_jb_push(ig_jb *jb, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v)) jb->oom = 1;
}

/* jansson hands the text over in pieces of a few bytes; gathering them into
 * blocks spares a locked stdio call per piece (most of the cost of writing
 * a large report, which runs after the scan on one thread). */
typedef struct dump_out {
    FILE *f;
    size_t n;
    int failed;
    char b[65536];
} dump_out;

static int dump_piece(const char *s, size_t n, void *ud)
{
    dump_out *d = ud;
    if (d->n + n > sizeof d->b) {
        if (d->n && fwrite(d->b, 1, d->n, d->f) != d->n) d->failed = 1;
        d->n = 0;
        if (n > sizeof d->b) {
            if (fwrite(s, 1, n, d->f) != n) d->failed = 1;
            return d->failed ? -1 : 0;
        }
    }
    memcpy(d->b + d->n, s, n);
    d->n += n;
    return d->failed ? -1 : 0;
}

int ig_jb_dump(ig_jb *jb, json_t *doc, size_t flags, FILE *out, const char *what, iamg_error *err)
{
    if (jb->oom || !doc)
        return ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory writing %s", what);
    errno = 0;
    dump_out *d = ig_malloc(sizeof *d);
    int rc = d ? 0 : -1;
    if (d) {
        d->f = out;
        d->n = 0;
        d->failed = 0;
        rc = json_dump_callback(doc, dump_piece, d, flags);
        if (!rc && d->n && fwrite(d->b, 1, d->n, out) != d->n) rc = -1;
        ig_free(d);
    } else {
        /* Unbuffered, then: the report still gets written. */
        rc = json_dumpf(doc, out, flags);
    }
    if (rc != 0 || fputc('\n', out) == EOF || fflush(out) == EOF || ferror(out)) {
        int e = errno;
        return ig_error_set(err, IAMG_EIO, "", 0, 0, "cannot write %s: %s", what,
                            e ? strerror(e) : "write error");
    }
    return 0;
}
