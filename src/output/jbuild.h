/*
 * output/jbuild.h - building a jansson tree without checking every call.
 *
 * jansson allocates with malloc, not through util/alloc.h (its allocator is
 * process-global, not ours to change in a library), so any constructor may
 * return NULL. The builder remembers the first failure in `oom` and every
 * later call accepts a NULL argument, so a writer builds its whole document
 * and checks once at the end. Every writer that emits JSON (SARIF, the JSON
 * report, GitLab Code Quality, the data embedded in HTML) builds through it.
 */
#ifndef IAMG_OUTPUT_JBUILD_H
#define IAMG_OUTPUT_JBUILD_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "iamguard/error.h"
#include "util/buf.h"

typedef struct ig_jb {
    int oom; /* set by the first constructor or insertion that failed */
} ig_jb;

/* v itself, after noting a NULL as out of memory. */
json_t *ig_jb_check(ig_jb *jb, json_t *v);

/* A JSON string of s (NULL reads as ""). Text that is not valid UTF-8
 * (paths are byte strings) is written with U+FFFD in place of bad bytes. */
json_t *ig_jb_str(ig_jb *jb, const char *s);
/* The string held in b, which is freed; b's own failure counts too. */
json_t *ig_jb_buf(ig_jb *jb, buf *b);
json_t *ig_jb_obj(ig_jb *jb);
json_t *ig_jb_arr(ig_jb *jb);
json_t *ig_jb_int(ig_jb *jb, size_t n);
json_t *ig_jb_real(ig_jb *jb, double d);

/* o[key] = v, taking v's reference (a NULL v only marks the failure). */
void ig_jb_put(ig_jb *jb, json_t *o, const char *key, json_t *v);
/* o[key] = s, left out when s is NULL. */
void ig_jb_put_str(ig_jb *jb, json_t *o, const char *key, const char *s);
void ig_jb_put_int(ig_jb *jb, json_t *o, const char *key, size_t n);
/* Append v to array a, taking v's reference. */
void ig_jb_push(ig_jb *jb, json_t *a, json_t *v);

/*
 * Write doc to out (indented, keys in insertion order, then a newline) and
 * flush. `what` names the report in messages ("SARIF", "the JSON report").
 * Returns 0, IAMG_ENOMEM when the builder saw a failure (nothing is
 * written), or IAMG_EIO. doc is not freed.
 */
int ig_jb_dump(ig_jb *jb, json_t *doc, size_t flags, FILE *out, const char *what, iamg_error *err);

#endif
