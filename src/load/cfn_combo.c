/*
 * load/cfn_combo.c - strings built from pieces that each may take several values
 * (Fn::Sub, Fn::Join): every combination, up to CFN_MAX_ALTS.
 */
#include "load/cfn_int.h"

#include <string.h>

void ig_cfn_combo_init(combo *c)
{
    memset(c, 0, sizeof *c);
    c->n = 1;
}

void ig_cfn_combo_free(combo *c)
{
    for (uint32_t i = 0; i < CFN_MAX_ALTS; i++)
        ig_buf_free(&c->v[i].b);
}

static int combo_oom(const combo *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->v[i].b.oom) return 1;
    return 0;
}

/* Bytes the product below appends, so that they are charged before any of
 * them is allocated. */
static uint64_t product_cost(const combo *c, const choice *ch, uint32_t k, uint32_t total,
                             size_t dlen)
{
    uint64_t need = 0;
    for (uint32_t j = 0; j < total; j++) {
        uint32_t from = k == 1 ? j : j / k, which = k == 1 ? 0 : j % k;
        if (j != from) need += c->v[from].b.len;
        if (ch[which].skip) continue;
        if (dlen && c->v[from].count) need += dlen;
        need += ch[which].len;
    }
    return need;
}

/* Every partial string times every choice; delim (Fn::Join) goes between
 * elements. With one choice this is a plain append. 0, or IAMG_ELIMIT when
 * the result would not fit the budget (nothing is appended then). */
int ig_cfn_combo_product(rx *r, combo *c, const choice *ch, uint32_t k, const char *delim)
{
    uint32_t old = c->n, total = k == 1 ? old : old * k;
    int capped = 0;
    if (total > CFN_MAX_ALTS) {
        total = CFN_MAX_ALTS;
        capped = 1;
    }
    size_t dlen = delim ? strlen(delim) : 0;
    if (ig_cfn_take(r, product_cost(c, ch, k, total, dlen), CFN_NEW)) return ig_cfn_nomem(r);
    if (capped) c->capped = 1;
    if (k == 1) {
        for (uint32_t i = 0; i < c->n; i++) {
            if (ch[0].skip) continue;
            if (delim && c->v[i].count) ig_buf_append(&c->v[i].b, delim, dlen);
            ig_buf_append(&c->v[i].b, ch[0].s, ch[0].len);
            c->v[i].opaque |= ch[0].opaque;
            c->v[i].count++;
        }
        return 0;
    }
    /* Fill from the end so each source partial is read before it is
     * overwritten: result j comes from partial j / k. */
    for (uint32_t j = total; j-- > 0;) {
        uint32_t from = j / k, which = j % k;
        if (j != from) {
            ig_buf_reset(&c->v[j].b);
            ig_buf_append(&c->v[j].b, c->v[from].b.data ? c->v[from].b.data : "", c->v[from].b.len);
            c->v[j].opaque = c->v[from].opaque;
            c->v[j].count = c->v[from].count;
        }
        const choice *x = &ch[which];
        if (x->skip) continue;
        if (delim && c->v[j].count) ig_buf_append(&c->v[j].b, delim, dlen);
        ig_buf_append(&c->v[j].b, x->s, x->len);
        c->v[j].opaque |= x->opaque;
        c->v[j].count++;
    }
    c->n = total;
    return 0;
}

int ig_cfn_combo_lit(rx *r, combo *c, const char *s, size_t len, int is_opaque)
{
    choice ch = {s, len, (uint8_t)is_opaque, 0};
    return ig_cfn_combo_product(r, c, &ch, 1, NULL);
}

/* The partials become the results; their bytes were charged as they grew. */
int ig_cfn_combo_emit(rx *r, combo *c, const tnode *span, alts *out)
{
    if (combo_oom(c)) return IAMG_ENOMEM;
    out->n = 0;
    out->capped = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        tnode *t =
            ig_cfn_mkstr_as(r, c->v[i].b.data ? c->v[i].b.data : "", c->v[i].b.len, span, CFN_PAID);
        if (!t) return ig_cfn_nomem(r);
        ig_cfn_alts_add(out, t, c->v[i].opaque);
    }
    if (c->capped) ig_cfn_report_cap(r, span);
    return 0;
}

/* Text of a scalar alternative as a choice. */
choice ig_cfn_text_choice(const alt *a)
{
    choice ch = {a->node->u.s, a->node->n, a->opaque, 0};
    return ch;
}
