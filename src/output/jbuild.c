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

int ig_jb_dump(ig_jb *jb, json_t *doc, size_t flags, FILE *out, const char *what, iamg_error *err)
{
    if (jb->oom || !doc)
        return ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory writing %s", what);
    errno = 0;
    if (json_dumpf(doc, out, flags) != 0 || fputc('\n', out) == EOF || fflush(out) == EOF ||
        ferror(out)) {
        int e = errno;
        return ig_error_set(err, IAMG_EIO, "", 0, 0, "cannot write %s: %s", what,
                            e ? strerror(e) : "write error");
    }
    return 0;
}
