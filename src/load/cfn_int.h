/*
 * load/cfn_int.h - what the parts of the intrinsic resolver share.
 *
 *   cfn_intrinsics.c  the walk (ig_cfn_eval), shared helpers, the public entry points
 *   cfn_combo.c       strings built from pieces with alternatives
 *   cfn_sub.c         Fn::Sub
 *   cfn_lists.c       Fn::Join, Fn::Select, Fn::FindInMap, Fn::Split
 *   cfn_refs.c        Ref, Fn::GetAtt, Fn::ImportValue, Fn::If
 *   cfn_containers.c  arrays and objects holding intrinsics (splices, forks)
 *
 * Every function that yields a value fills an `alts` and returns 0 or
 * IAMG_ENOMEM; everything is allocated in r->e->a.
 */
#ifndef IAMG_LOAD_CFN_INT_H
#define IAMG_LOAD_CFN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "load/budget.h"
#include "load/cfn_intrinsics.h"
#include "util/buf.h"
#include "util/errors.h"

/* One value a template value may take; node NULL means removed. */
typedef struct alt {
    const tnode *node;
    uint8_t opaque;
} alt;

/* The values under construction for one node. Lives on the stack of the
 * caller, so the recursion stays one small frame per tree level. */
typedef struct alts {
    alt v[CFN_MAX_ALTS];
    uint32_t n;
    uint8_t capped;
} alts;

/* The same, compact, kept in the arena while a container is rebuilt. */
typedef struct alts_kept {
    alt *v;
    uint32_t n;
} alts_kept;

struct cfn_subvars {
    uint32_t n;
    struct subvar {
        const char *name;
        size_t len;
        uint32_t nvals;
        struct subtext {
            const char *s; /* NULL: keep "${name}" as opaque text */
            size_t len;
            uint8_t opaque;
        } * vals; /* nvals of them */
    } * v;
};

typedef struct rx {
    cfn_env *e;
    int sub_mode;            /* inside the JSON text of an Fn::Sub template */
    const cfn_subvars *vars; /* its variables */
    int reported_cap, reported_depth;
    uint8_t limited; /* the last allocation was refused by the budget */
} rx;

/* How an allocation is charged to the budget (load/budget.h): a new value,
 * a stand-in for one (opaque values and the containers that carry them),
 * or already paid for. */
enum { CFN_NEW, CFN_STANDIN, CFN_PAID };
/* ---- strings built from pieces with alternatives (Fn::Sub, Fn::Join) ---- */

typedef struct combo {
    struct {
        buf b;
        uint8_t opaque;
        uint32_t count; /* elements joined so far (Fn::Join delimiters) */
    } v[CFN_MAX_ALTS];
    uint32_t n;
    uint8_t capped;
} combo;

typedef struct choice {
    const char *s;
    size_t len;
    uint8_t opaque;
    uint8_t skip; /* a removed Fn::Join element */
} choice;

/* A pseudo parameter and its representative value (NULL: AWS::NoValue). */
struct pseudo {
    const char *name, *value;
};

/* ---- cfn_intrinsics.c ---- */

/* Resolve `in` at recursion depth `depth` into its alternatives. */
int ig_cfn_eval(rx *r, const tnode *in, unsigned depth, alts *out);
void ig_cfn_alts_one(alts *o, const tnode *n, int opaque);
/* Append an alternative; past CFN_MAX_ALTS sets o->capped instead. */
void ig_cfn_alts_add(alts *o, const tnode *n, int opaque);
/* The CFN_MAX_ALTS warning, once per resolution. */
void ig_cfn_report_cap(rx *r, const tnode *at);
/* "what: the value is treated as unknown", a warning at `at`. */
void ig_cfn_warn(rx *r, const tnode *at, const char *what);
int ig_cfn_is_scalar(const tnode *n);
/* Charge n bytes: 0, or -1 when the budget refuses them (r->limited). */
int ig_cfn_take(rx *r, uint64_t n, int how);
/* Arena allocations charged first; NULL when refused or out of memory. */
void *ig_cfn_alloc(rx *r, size_t n, int how);
void *ig_cfn_calloc(rx *r, size_t count, size_t size, int how);
/* The code for a failed allocation: IAMG_ELIMIT when the budget refused it,
 * else IAMG_ENOMEM. */
int ig_cfn_nomem(rx *r);
/* A TNF_SYNTHETIC string with the span of `span`, charged as a new value
 * (or `how`); NULL when refused or out of memory (ig_cfn_nomem says which). */
tnode *ig_cfn_mkstr(rx *r, const char *s, size_t n, const tnode *span);
tnode *ig_cfn_mkstr_as(rx *r, const char *s, size_t n, const tnode *span, int how);
/* out = the opaque text "{label:detail}". */
int ig_cfn_opaque(rx *r, const tnode *span, alts *out, const char *label, const char *detail);
const struct pseudo *ig_cfn_find_pseudo(const char *name, size_t len);
/* The single string a resolved value stands for, or NULL. */
const alt *ig_cfn_single_text(const alts *a);

/* ---- cfn_combo.c ---- */

void ig_cfn_combo_init(combo *c);
void ig_cfn_combo_free(combo *c);
/* Every partial string times every choice; delim (Fn::Join) goes between
 * elements. The bytes are charged first: 0, IAMG_ELIMIT or IAMG_ENOMEM. */
int ig_cfn_combo_product(rx *r, combo *c, const choice *ch, uint32_t k, const char *delim);
int ig_cfn_combo_lit(rx *r, combo *c, const char *s, size_t len, int is_opaque);
/* The partials as strings with the span of `span`. */
int ig_cfn_combo_emit(rx *r, combo *c, const tnode *span, alts *out);
choice ig_cfn_text_choice(const alt *a);

/* ---- cfn_sub.c ---- */

/* Substitute a Sub template's text; the results take `span`. */
int ig_cfn_sub_text(rx *r, const char *s, size_t len, const cfn_subvars *vars, const tnode *span,
                    alts *out);
/* Split an Fn::Sub argument into template and variables (*tmpl NULL when
 * the shape is wrong, reported). */
int ig_cfn_sub_parts(rx *r, const tnode *arg, unsigned depth, const tnode **tmpl,
                     cfn_subvars **vars);
int ig_cfn_fn_sub(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out);

/* ---- cfn_lists.c ---- */

int ig_cfn_fn_join(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out);
int ig_cfn_fn_select(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out);
int ig_cfn_fn_findinmap(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out);
int ig_cfn_fn_split(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out);

/* ---- cfn_refs.c ---- */

int ig_cfn_fn_ref(rx *r, const tnode *expr, const tnode *arg, alts *out);
int ig_cfn_fn_getatt(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out);
int ig_cfn_fn_importvalue(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out);
int ig_cfn_fn_if(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out);

/* ---- cfn_containers.c ---- */

int ig_cfn_resolve_array(rx *r, const tnode *in, unsigned depth, alts *out);
int ig_cfn_resolve_object(rx *r, const tnode *in, unsigned depth, alts *out);
/* A string of a Sub template's JSON that names a variable. */
int ig_cfn_has_var(const tnode *s);

#endif
