/*
 * config/config.c - .iamguard.yml: read with ig_yaml_load into the position
 * tree, checked key by key, into an iamg_config.
 *
 * The tree keeps byte spans, so every complaint points at the key or value
 * at fault. Everything the configuration hands out lives in one arena that
 * also holds the tree, so iamg_config_free is one arena_free.
 */
#include "iamguard/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/srcpos.h"
#include "source/tree.h"
#include "load/yaml_load.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/errors.h"
#include "util/fileio.h"

/* Configuration files are hand-written; anything larger is a mistake. */
#define CONFIG_MAX_SIZE ((uint64_t)16 << 20)

/* Where a rule id was written, to report an id the engine does not know. */
typedef struct cpos {
    unsigned line, col;
} cpos;

/* One parameter set under rules: ID: params:, with where it was written
 * (the engine that knows its type comes later, in iamg_config_apply). */
typedef struct param_cfg {
    const char *name;
    const tnode *value;
    cpos key_at, value_at;
    cpos *item_at; /* list values: each item */
} param_cfg;

/* rules: ID: {level:, params:} */
typedef struct rule_cfg {
    const char *id;
    cpos at;
    param_cfg *params;
    size_t nparams;
} rule_cfg;

/* The public structure first, so a config pointer is also an impl pointer. */
typedef struct config_impl {
    iamg_config pub;
    arena a;
    cpos *only_pos, *skip_pos, *level_pos, *dir_pos, *pack_pos;
    rule_cfg *rule_cfgs;
    size_t nrule_cfgs;
} config_impl;

typedef struct parser {
    config_impl *c;
    tsource src;
    iamg_error *err;
} parser;

static const char top_keys[] = "rules, levels, rule_dirs, exclude, fail_on, allowlist, limits, "
                               "kinds, effective, managed_policies, packs";
static const char rule_keys[] = "level, params";
static const char kinds_keys[] = "identity, trust, resource, boundary, scp, rcp";
static const char allow_keys[] =
    "rule, principal, logical_id, address, file, sid, justification, expires";
static const char limits_keys[] =
    "rule_memory, rule_timeout_ms, rule_instructions, max_file_size, max_expansion, "
    "max_reach_configs";

static cpos pos_of(parser *p, const tnode *n)
{
    srcpos s = ig_tsource_pos(&p->src, n->start);
    cpos c = {s.line, s.col};
    return c;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(parser *p, const tnode *n, const char *fmt, ...)
{
    char msg[IAMG_ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cpos at = {0, 0};
    if (n) at = pos_of(p, n);
    return ig_error_set(p->err, IAMG_EUSAGE, p->c->pub.path, at.line, at.col, "%s", msg);
}

static int oom(parser *p)
{
    return ig_error_set(p->err, IAMG_ENOMEM, p->c->pub.path, 0, 0, "out of memory");
}

/* "a string", "a list", ... for messages about a value of the wrong type. */
static const char *a_type(const tnode *n)
{
    switch (n->type) {
    case TN_NULL:
        return "empty";
    case TN_BOOL:
        return "a boolean";
    case TN_NUMBER:
        return "a number";
    case TN_STRING:
        return "a string";
    case TN_ARRAY:
        return "a list";
    default:
        return "a mapping";
    }
}

/* A mapping whose keys all belong to `allowed` (a ", "-separated list, or
 * NULL for any key) and appear once. `what` names the mapping in messages
 * ("" for the top level). */
static int check_keys(parser *p, const tnode *obj, const char *allowed, const char *what)
{
    for (uint32_t i = 0; i < obj->n; i++) {
        const tnode *k = &obj->u.members[i].key;
        const char *name = k->u.s;
        size_t kl = k->n;
        int known = allowed == NULL;
        for (const char *s = allowed; s && *s && !known;) {
            const char *e = strchr(s, ',');
            size_t l = e ? (size_t)(e - s) : strlen(s);
            if (l == kl && memcmp(s, name, kl) == 0) known = 1;
            s = e ? e + 2 : s + l;
        }
        if (!known)
            return fail(p, k, "unknown key '%s'%s%s (expected %s)", name, what[0] ? " in " : "",
                        what, allowed);
        for (uint32_t j = 0; j < i; j++) {
            const tnode *o = &obj->u.members[j].key;
            if (o->n == kl && memcmp(o->u.s, name, kl) == 0)
                return fail(p, k, "duplicate key '%s' (also on line %u): keep one", name,
                            pos_of(p, o).line);
        }
    }
    return 0;
}

static int want_map(parser *p, const tnode *v, const char *key, const char *example)
{
    if (v->type == TN_OBJECT) return 0;
    return fail(p, v, "'%s' must be a mapping (%s), not %s", key, example, a_type(v));
}

static int want_string(parser *p, const tnode *v, const char *key)
{
    if (v->type == TN_STRING && v->n > 0) return 0;
    if (v->type == TN_STRING) return fail(p, v, "'%s' is an empty string", key);
    if (v->type == TN_NULL) return fail(p, v, "'%s' has no value", key);
    return fail(p, v, "'%s' must be a string, not %s (quote it)", key, a_type(v));
}

/* A list of non-empty strings, or one string, or nothing (null). */
static int string_list(parser *p, const tnode *v, const char *key, const char *const **out,
                       size_t *n, cpos **pos)
{
    const tnode *items = v;
    uint32_t count = 1;
    if (v->type == TN_NULL)
        count = 0;
    else if (v->type == TN_ARRAY) {
        items = v->u.items;
        count = v->n;
    } else if (v->type != TN_STRING) {
        return fail(p, v, "'%s' must be a list of strings, not %s", key, a_type(v));
    }
    const char **list = ig_arena_calloc(&p->c->a, count ? count : 1, sizeof *list);
    cpos *ps = pos ? ig_arena_calloc(&p->c->a, count ? count : 1, sizeof *ps) : NULL;
    if (!list || (pos && !ps)) return oom(p);
    for (uint32_t i = 0; i < count; i++) {
        const tnode *it = &items[i];
        if (it->type != TN_STRING)
            return fail(p, it, "items of '%s' must be strings, not %s", key, a_type(it));
        if (!it->n) return fail(p, it, "'%s' has an empty item", key);
        list[i] = it->u.s;
        if (ps) ps[i] = pos_of(p, it);
    }
    *out = list;
    *n = count;
    if (pos) *pos = ps;
    return 0;
}

static int parse_level_name(parser *p, const tnode *v, const char *what, int *out);

/* Append a level setting, refusing a second one for the same rule. */
static int add_level(parser *p, const tnode *key, const tnode *value)
{
    iamg_config *c = &p->c->pub;
    char what[300];
    snprintf(what, sizeof what, "the level of '%.200s'", key->u.s);
    int l, rc;
    if ((rc = parse_level_name(p, value, what, &l))) return rc;
    for (size_t i = 0; i < c->nlevels; i++)
        if (strcmp(c->levels[i].rule, key->u.s) == 0)
            return fail(p, key, "the level of '%s' is set twice (also on line %u): keep one",
                        key->u.s, p->c->level_pos[i].line);
    iamg_config_level *lv = ig_arena_calloc(&p->c->a, c->nlevels + 1, sizeof *lv);
    cpos *ps = ig_arena_calloc(&p->c->a, c->nlevels + 1, sizeof *ps);
    if (!lv || !ps) return oom(p);
    if (c->nlevels) {
        memcpy(lv, c->levels, c->nlevels * sizeof *lv);
        memcpy(ps, p->c->level_pos, c->nlevels * sizeof *ps);
    }
    lv[c->nlevels].rule = key->u.s;
    lv[c->nlevels].level = (iamg_level)l;
    ps[c->nlevels] = pos_of(p, key);
    c->levels = lv;
    p->c->level_pos = ps;
    c->nlevels++;
    return 0;
}

/* rules: RULE-ID: {level: ..., params: {name: value}} */
static int parse_rule_settings(parser *p, const tmember *m, rule_cfg *rc_out)
{
    const tnode *v = &m->value;
    char what[300];
    snprintf(what, sizeof what, "rule '%.200s'", m->key.u.s);
    if (!m->key.n) return fail(p, &m->key, "'rules' has an empty rule id");
    if (v->type != TN_OBJECT)
        return fail(p, &m->key,
                    "unknown key '%s' in rules (expected only, skip, or a rule id with a mapping "
                    "level: ..., params: {...})",
                    m->key.u.s);
    int rc = check_keys(p, v, rule_keys, what);
    if (rc) return rc;
    rc_out->id = m->key.u.s;
    rc_out->at = pos_of(p, &m->key);
    const tnode *lv = ig_tnode_get(v, "level");
    if (lv && (rc = add_level(p, &m->key, lv))) return rc;
    const tnode *pv = ig_tnode_get(v, "params");
    if (!pv || pv->type == TN_NULL) return 0;
    snprintf(what, sizeof what, "the params of '%.200s'", m->key.u.s);
    if ((rc = want_map(p, pv, "params", "name: value"))) return rc;
    if ((rc = check_keys(p, pv, NULL, what))) return rc;
    param_cfg *pc = ig_arena_calloc(&p->c->a, pv->n ? pv->n : 1, sizeof *pc);
    if (!pc) return oom(p);
    for (uint32_t i = 0; i < pv->n; i++) {
        const tmember *pm = &pv->u.members[i];
        pc[i].name = pm->key.u.s;
        pc[i].value = &pm->value;
        pc[i].key_at = pos_of(p, &pm->key);
        pc[i].value_at = pos_of(p, &pm->value);
        if (pm->value.type == TN_ARRAY) {
            pc[i].item_at = ig_arena_calloc(&p->c->a, pm->value.n ? pm->value.n : 1, sizeof(cpos));
            if (!pc[i].item_at) return oom(p);
            for (uint32_t j = 0; j < pm->value.n; j++)
                pc[i].item_at[j] = pos_of(p, &pm->value.u.items[j]);
        }
    }
    rc_out->params = pc;
    rc_out->nparams = pv->n;
    return 0;
}

static int parse_rules(parser *p, const tnode *v)
{
    if (v->type == TN_NULL) return 0;
    int rc =
        want_map(p, v, "rules", "only: [...], skip: [...], RULE-ID: {level: ..., params: ...}");
    if (!rc) rc = check_keys(p, v, NULL, "rules");
    if (rc) return rc;
    iamg_config *c = &p->c->pub;
    const tnode *o = ig_tnode_get(v, "only"), *s = ig_tnode_get(v, "skip");
    if (o && (rc = string_list(p, o, "only", &c->only, &c->nonly, &p->c->only_pos))) return rc;
    if (s && (rc = string_list(p, s, "skip", &c->skip, &c->nskip, &p->c->skip_pos))) return rc;
    rule_cfg *rv = ig_arena_calloc(&p->c->a, v->n ? v->n : 1, sizeof *rv);
    if (!rv) return oom(p);
    size_t n = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const tmember *m = &v->u.members[i];
        if (!strcmp(m->key.u.s, "only") || !strcmp(m->key.u.s, "skip")) continue;
        if ((rc = parse_rule_settings(p, m, &rv[n]))) return rc;
        n++;
    }
    p->c->rule_cfgs = rv;
    p->c->nrule_cfgs = n;
    return 0;
}

static int parse_level_name(parser *p, const tnode *v, const char *what, int *out)
{
    *out = v->type == TN_STRING ? iamg_level_parse(v->u.s) : -1;
    if (*out >= 0) return 0;
    if (v->type == TN_STRING)
        return fail(p, v, "%s must be none, note, warning or error, not '%s'", what, v->u.s);
    return fail(p, v, "%s must be none, note, warning or error, not %s", what, a_type(v));
}

static int parse_levels(parser *p, const tnode *v)
{
    if (v->type == TN_NULL) return 0;
    int rc = want_map(p, v, "levels", "RULE-ID: none, note, warning or error");
    if (!rc) rc = check_keys(p, v, NULL, "levels");
    if (rc) return rc;
    for (uint32_t i = 0; i < v->n; i++) {
        const tmember *m = &v->u.members[i];
        if (!m->key.n) return fail(p, &m->key, "'levels' has an empty rule id");
        if ((rc = add_level(p, &m->key, &m->value))) return rc;
    }
    return 0;
}

/* Relative rule folders are relative to the configuration's folder, so the
 * file means the same whatever folder iamguard is started from. */
static int parse_rule_dirs(parser *p, const tnode *v)
{
    iamg_config *c = &p->c->pub;
    const char *const *raw;
    size_t n;
    int rc = string_list(p, v, "rule_dirs", &raw, &n, &p->c->dir_pos);
    if (rc) return rc;
    const char **dirs = ig_arena_calloc(&p->c->a, n ? n : 1, sizeof *dirs);
    if (!dirs) return oom(p);
    for (size_t i = 0; i < n; i++) {
        if (raw[i][0] == '/' || strcmp(c->dir, ".") == 0) {
            dirs[i] = raw[i];
            continue;
        }
        size_t dl = strlen(c->dir), rl = strlen(raw[i]);
        char *j = ig_arena_alloc(&p->c->a, dl + rl + 2);
        if (!j) return oom(p);
        memcpy(j, c->dir, dl);
        j[dl] = '/';
        memcpy(j + dl + 1, raw[i], rl + 1);
        dirs[i] = j;
    }
    c->rule_dirs = dirs;
    c->nrule_dirs = n;
    return 0;
}

/* A path relative to the configuration's folder (arena copy). */
static const char *config_relative(parser *p, const char *path)
{
    const char *dir = p->c->pub.dir;
    if (path[0] == '/' || strcmp(dir, ".") == 0) return path;
    size_t dl = strlen(dir), rl = strlen(path);
    char *j = ig_arena_alloc(&p->c->a, dl + rl + 2);
    if (!j) return NULL;
    memcpy(j, dir, dl);
    j[dl] = '/';
    memcpy(j + dl + 1, path, rl + 1);
    return j;
}

/* kinds: a mapping from kind to path globs: the kind of raw policy files. */
static int parse_kinds(parser *p, const tnode *v)
{
    if (v->type == TN_NULL) return 0;
    int rc = want_map(p, v, "kinds", "scp: [\"scps/**\"], boundary: [...]");
    if (!rc) rc = check_keys(p, v, kinds_keys, "'kinds'");
    if (rc) return rc;
    size_t total = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const tnode *l = &v->u.members[i].value;
        total += l->type == TN_ARRAY ? l->n : 1;
    }
    iamg_kind_glob *out = ig_arena_calloc(&p->c->a, total ? total : 1, sizeof *out);
    if (!out) return oom(p);
    size_t k = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const tmember *m = &v->u.members[i];
        const char *const *globs;
        size_t n;
        if ((rc = string_list(p, &m->value, m->key.u.s, &globs, &n, NULL))) return rc;
        for (size_t j = 0; j < n && k < total; j++) {
            out[k].glob = globs[j];
            out[k].kind = m->key.u.s;
            k++;
        }
    }
    p->c->pub.kinds = out;
    p->c->pub.nkinds = k;
    return 0;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYY-MM-DD naming a real calendar day. */
static int valid_date(const char *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-') return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9')) return 0;
    int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    int m = (d[5] - '0') * 10 + (d[6] - '0');
    int day = (d[8] - '0') * 10 + (d[9] - '0');
    if (m < 1 || m > 12 || day < 1) return 0;
    return day <= mdays[m - 1] + (m == 2 && leap(y));
}

static int parse_allow_entry(parser *p, const tnode *v, iamg_allow *a, uint32_t index)
{
    if (v->type != TN_OBJECT)
        return fail(
            p, v, "allowlist entries must be mappings (principal: ..., justification: ...), not %s",
            a_type(v));
    int rc = check_keys(p, v, allow_keys, "an allowlist entry");
    if (rc) return rc;
    static const char *const fields[] = {"rule", "principal", "logical_id",    "address",
                                         "file", "sid",       "justification", "expires"};
    const char **slots[] = {&a->rule, &a->principal, &a->logical_id,    &a->address,
                            &a->file, &a->sid,       &a->justification, &a->expires};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const tnode *f = ig_tnode_get(v, fields[i]);
        if (!f) continue;
        if ((rc = want_string(p, f, fields[i]))) return rc;
        *slots[i] = f->u.s;
    }
    if (!a->justification)
        return fail(
            p, v, "allowlist entry %u has no 'justification': say why these findings are accepted",
            index + 1);
    int blank = 1;
    for (const char *s = a->justification; *s && blank; s++)
        blank = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
    if (blank) return fail(p, ig_tnode_get(v, "justification"), "'justification' is blank");
    if (a->expires && !valid_date(a->expires))
        return fail(p, ig_tnode_get(v, "expires"),
                    "'expires' must be a date written YYYY-MM-DD, not '%s'", a->expires);
    if (!a->rule && !a->principal && !a->logical_id && !a->address && !a->file && !a->sid)
        return fail(p, v,
                    "allowlist entry %u would match every finding: give at least one of rule, "
                    "principal, logical_id, address, file or sid",
                    index + 1);
    char where[IAMG_ERROR_PATH_MAX + 16];
    snprintf(where, sizeof where, "%s:%u", p->c->pub.path, pos_of(p, v).line);
    a->where = ig_arena_strdup(&p->c->a, where);
    return a->where ? 0 : oom(p);
}

static int parse_allowlist(parser *p, const tnode *v)
{
    if (v->type == TN_NULL) return 0;
    if (v->type != TN_ARRAY)
        return fail(p, v, "'allowlist' must be a list of entries, not %s", a_type(v));
    iamg_allow *list = ig_arena_calloc(&p->c->a, v->n ? v->n : 1, sizeof *list);
    if (!list) return oom(p);
    for (uint32_t i = 0; i < v->n; i++) {
        int rc = parse_allow_entry(p, &v->u.items[i], &list[i], i);
        if (rc) return rc;
    }
    p->c->pub.allow = list;
    p->c->pub.nallow = v->n;
    return 0;
}

/* A whole number written in decimal, optionally with a K, M or G suffix
 * (powers of 1024; "Ki", "KB", "KiB" are read the same) when `suffix`. */
static int parse_count(const tnode *v, int suffix, uint64_t *out)
{
    if (v->type != TN_NUMBER && v->type != TN_STRING) return -1;
    const char *s = v->u.s;
    uint64_t n = 0;
    if (*s < '0' || *s > '9') return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10) return -1;
        n = n * 10 + d;
    }
    unsigned shift = 0;
    if (*s && suffix) {
        switch (*s) {
        case 'k':
        case 'K':
            shift = 10;
            break;
        case 'm':
        case 'M':
            shift = 20;
            break;
        case 'g':
        case 'G':
            shift = 30;
            break;
        default:
            return -1;
        }
        s++;
        if (*s == 'i') s++;
        if (*s == 'B' || *s == 'b') s++;
    }
    if (*s) return -1;
    if (n > (UINT64_MAX >> shift)) return -1;
    *out = n << shift;
    return 0;
}

static int parse_limits(parser *p, const tnode *v)
{
    if (v->type == TN_NULL) return 0;
    int rc = want_map(p, v, "limits", "rule_memory: 64M, rule_timeout_ms: 5000, ...");
    if (!rc) rc = check_keys(p, v, limits_keys, "limits");
    if (rc) return rc;
    iamg_config_limits *l = &p->c->pub.limits;
    const tnode *f;
    uint64_t n;
    if ((f = ig_tnode_get(v, "rule_memory"))) {
        if (parse_count(f, 1, &n) || n < ((uint64_t)1 << 20) || n > SIZE_MAX)
            return fail(p, f, "'rule_memory' must be a size of at least 1M, like 64M");
        l->rule_memory = (size_t)n;
    }
    if ((f = ig_tnode_get(v, "rule_timeout_ms"))) {
        if (parse_count(f, 0, &n) || n == 0 || n > 3600000)
            return fail(p, f, "'rule_timeout_ms' must be milliseconds from 1 to 3600000");
        l->rule_timeout_ms = (unsigned)n;
    }
    if ((f = ig_tnode_get(v, "rule_instructions"))) {
        if (parse_count(f, 0, &n) || n < 1000 || n > UINT64_MAX / 2)
            return fail(p, f, "'rule_instructions' must be a whole number of at least 1000");
        l->rule_instructions = n;
    }
    if ((f = ig_tnode_get(v, "max_file_size"))) {
        if (parse_count(f, 1, &n) || n == 0)
            return fail(p, f,
                        "'max_file_size' must be a size above 0, like 1048576, 64K, 256M or 1G");
        l->max_file_size = n;
    }
    if ((f = ig_tnode_get(v, "max_expansion"))) {
        if (parse_count(f, 1, &n) || n == 0)
            return fail(p, f, "'max_expansion' must be a size above 0, like 1M, 64M or 1G");
        l->max_expansion = n;
    }
    if ((f = ig_tnode_get(v, "max_reach_configs"))) {
        if (parse_count(f, 0, &n) || n < 1000 || n > SIZE_MAX)
            return fail(p, f, "'max_reach_configs' must be a whole number of at least 1000");
        l->max_reach_configs = n;
    }
    return 0;
}

static int parse_root(parser *p, const tnode *root)
{
    if (root->type == TN_NULL) return 0; /* an empty file: all defaults */
    if (root->flags & TNF_STREAM)
        return fail(p, &root->u.items[1],
                    "the configuration must be one YAML document; a second one starts here");
    if (root->type != TN_OBJECT)
        return fail(p, root,
                    "the configuration must be a mapping with keys like rules, levels, "
                    "allowlist, not %s",
                    a_type(root));
    int rc = check_keys(p, root, top_keys, "");
    if (rc) return rc;
    iamg_config *c = &p->c->pub;
    const tnode *v;
    if ((v = ig_tnode_get(root, "levels")) && (rc = parse_levels(p, v))) return rc;
    if ((v = ig_tnode_get(root, "rules")) && (rc = parse_rules(p, v))) return rc;
    if ((v = ig_tnode_get(root, "rule_dirs")) && (rc = parse_rule_dirs(p, v))) return rc;
    if ((v = ig_tnode_get(root, "exclude")) &&
        (rc = string_list(p, v, "exclude", &c->exclude, &c->nexclude, NULL)))
        return rc;
    if ((v = ig_tnode_get(root, "fail_on"))) {
        int l;
        if ((rc = parse_level_name(p, v, "'fail_on'", &l))) return rc;
        c->fail_on = l;
    }
    if ((v = ig_tnode_get(root, "allowlist")) && (rc = parse_allowlist(p, v))) return rc;
    if ((v = ig_tnode_get(root, "limits")) && (rc = parse_limits(p, v))) return rc;
    if ((v = ig_tnode_get(root, "kinds")) && (rc = parse_kinds(p, v))) return rc;
    if ((v = ig_tnode_get(root, "effective"))) {
        if (v->type != TN_BOOL)
            return fail(p, v, "'effective' must be true or false, not %s", a_type(v));
        c->effective = strcmp(v->u.s, "true") == 0;
    }
    if ((v = ig_tnode_get(root, "packs")) &&
        (rc = string_list(p, v, "packs", &c->packs, &c->npacks, &p->c->pack_pos)))
        return rc;
    if ((v = ig_tnode_get(root, "managed_policies"))) {
        if ((rc = want_string(p, v, "managed_policies"))) return rc;
        c->managed_policies = config_relative(p, v->u.s);
        if (!c->managed_policies) return oom(p);
    }
    return 0;
}

/* The folder part of a path: "." when there is none. */
static char *dir_of(arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return ig_arena_strdup(a, ".");
    while (slash > path && slash[-1] == '/')
        slash--;
    if (slash == path) return ig_arena_strdup(a, "/");
    return ig_arena_strndup(a, path, (size_t)(slash - path));
}

int iamg_config_load_buffer(const char *path, const char *data, size_t len, iamg_config **out,
                            iamg_error *err)
{
    *out = NULL;
    if (!path) path = IAMG_CONFIG_NAME;
    if (len >= UINT32_MAX)
        return ig_error_set(err, IAMG_ELIMIT, path, 0, 0, "the configuration file is too large");
    config_impl *c = ig_calloc(1, sizeof *c);
    if (!c) return ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
    ig_arena_init(&c->a);
    c->pub.fail_on = -1;
    c->pub.effective = -1;
    c->pub.path = ig_arena_strdup(&c->a, path);
    c->pub.dir = c->pub.path ? dir_of(&c->a, c->pub.path) : NULL;
    parser p;
    memset(&p, 0, sizeof p);
    p.c = c;
    p.err = err;
    int rc;
    if (!c->pub.path || !c->pub.dir) {
        rc = ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    ig_tsource_init_file(&p.src, c->pub.path, data ? data : "", data ? len : 0);
    if (ig_tsource_index(&p.src, &c->a)) {
        rc = oom(&p);
        goto done;
    }
    iamg_limits lim = IAMG_LIMITS_INIT;
    const tnode *root;
    rc = ig_yaml_load(&p.src, &c->a, &lim, &root, err);
    if (!rc) rc = parse_root(&p, root);
done:
    if (rc) {
        iamg_config_free(&c->pub);
        return rc;
    }
    *out = &c->pub;
    return 0;
}

int iamg_config_load(const char *path, iamg_config **out, iamg_error *err)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = ig_read_file(path, CONFIG_MAX_SIZE, &data, &len, err);
    if (rc) {
        /* ig_read_file's message leaves the path out. */
        char msg[IAMG_ERROR_TEXT_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        if (rc == IAMG_ESKIP) rc = IAMG_EIO;
        return ig_error_set(err, rc, path, 0, 0, "cannot read the configuration: %s", msg);
    }
    rc = iamg_config_load_buffer(path, data, len, out, err);
    ig_free(data);
    return rc;
}

int iamg_config_find(const char *scan_root, iamg_config **out, iamg_error *err)
{
    static const char *const names[] = {IAMG_CONFIG_NAME, IAMG_CONFIG_NAME_ALT};
    char paths[2][IAMG_ERROR_PATH_MAX];
    int found[2];
    *out = NULL;
    int plain = !scan_root || !scan_root[0] || strcmp(scan_root, ".") == 0;
    size_t rl = plain ? 0 : strlen(scan_root);
    int slash = rl && scan_root[rl - 1] == '/';
    for (int i = 0; i < 2; i++) {
        int n = plain ? snprintf(paths[i], sizeof paths[i], "%s", names[i])
                      : snprintf(paths[i], sizeof paths[i], "%s%s%s", scan_root, slash ? "" : "/",
                                 names[i]);
        if (n < 0 || (size_t)n >= sizeof paths[i])
            return ig_error_set(err, IAMG_EUSAGE, scan_root, 0, 0, "folder path is too long");
        found[i] = access(paths[i], F_OK) == 0;
    }
    if (found[0] && found[1])
        return ig_error_set(err, IAMG_EUSAGE, paths[1], 0, 0, "both %s and %s exist: keep one",
                            names[0], names[1]);
    if (!found[0] && !found[1]) return 0;
    return iamg_config_load(found[0] ? paths[0] : paths[1], out, err);
}

void iamg_config_apply_limits(const iamg_config *c, iamg_limits *lim)
{
    if (!c) return;
    if (c->limits.rule_memory) lim->lua_memory = c->limits.rule_memory;
    if (c->limits.rule_timeout_ms) lim->lua_timeout_ms = c->limits.rule_timeout_ms;
    if (c->limits.rule_instructions) lim->lua_instructions = c->limits.rule_instructions;
    if (c->limits.max_file_size) lim->max_file_size = c->limits.max_file_size;
    if (c->limits.max_expansion) lim->max_expansion = c->limits.max_expansion;
    if (c->limits.max_reach_configs) lim->max_reach_configs = (size_t)c->limits.max_reach_configs;
}

static int in_list(const char *id, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], id) == 0) return 1;
    return 0;
}

static int unknown_rule(const iamg_config *c, const cpos *at, const char *id, iamg_error *err)
{
    return ig_error_set(err, IAMG_EUSAGE, c->path, at->line, at->col,
                        "unknown rule id '%s' (see 'iamguard rules')", id);
}

static int param_error(const iamg_config *c, const cpos *at, iamg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int param_error(const iamg_config *c, const cpos *at, iamg_error *err, const char *fmt, ...)
{
    char msg[IAMG_ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ig_error_set(err, IAMG_EUSAGE, c->path, at->line, at->col, "%s", msg);
}

/* A scalar that reads as text: strings, and numbers as written (account
 * ids are numbers to YAML). */
static const char *text_of(const tnode *n)
{
    return n->type == TN_STRING || n->type == TN_NUMBER ? n->u.s : NULL;
}

/* Set one configured parameter, checked against the rule's declaration. */
static int apply_param(const iamg_config *c, iamg_engine *e, const rule_cfg *rc,
                       const param_cfg *pc, iamg_error *err)
{
    const iamg_rule_info *ri = iamg_engine_find_rule(e, rc->id);
    const iamg_rule_param *decl = NULL;
    for (size_t i = 0; i < ri->nparams; i++)
        if (strcmp(ri->params[i].name, pc->name) == 0) decl = &ri->params[i];
    if (!decl) {
        iamg_error e2;
        iamg_engine_set_param_text(e, rc->id, pc->name, "", &e2); /* says which exist */
        return param_error(c, &pc->key_at, err, "%s", e2.message);
    }
    const tnode *v = pc->value;
    iamg_param_value pv;
    memset(&pv, 0, sizeof pv);
    pv.type = decl->default_value.type;
    const char *want = "";
    char *end = NULL;
    switch (pv.type) {
    case IAMG_PARAM_BOOLEAN:
        want = "true or false";
        if (v->type != TN_BOOL) break;
        pv.boolean = strcmp(v->u.s, "true") == 0;
        return iamg_engine_set_param(e, rc->id, pc->name, &pv, err);
    case IAMG_PARAM_INTEGER:
        want = "a whole number";
        if (v->type != TN_NUMBER) break;
        errno = 0;
        pv.integer = strtoll(v->u.s, &end, 10);
        if (errno || *end) break;
        return iamg_engine_set_param(e, rc->id, pc->name, &pv, err);
    case IAMG_PARAM_NUMBER:
        want = "a number";
        if (v->type != TN_NUMBER) break;
        errno = 0;
        pv.number = strtod(v->u.s, &end);
        if (errno || *end) break;
        return iamg_engine_set_param(e, rc->id, pc->name, &pv, err);
    case IAMG_PARAM_STRING:
        want = "a string";
        if (!(pv.string = text_of(v))) break;
        return iamg_engine_set_param(e, rc->id, pc->name, &pv, err);
    case IAMG_PARAM_LIST: {
        want = "a list of strings";
        if (v->type == TN_NULL) return iamg_engine_set_param(e, rc->id, pc->name, &pv, err);
        if (text_of(v)) {
            const char *one[1] = {text_of(v)};
            pv.list = one;
            pv.nlist = 1;
            return iamg_engine_set_param(e, rc->id, pc->name, &pv, err);
        }
        if (v->type != TN_ARRAY) break;
        const char **items = ig_calloc(v->n ? v->n : 1, sizeof *items);
        if (!items) return ig_error_set(err, IAMG_ENOMEM, c->path, 0, 0, "out of memory");
        for (uint32_t i = 0; i < v->n; i++) {
            if (!(items[i] = text_of(&v->u.items[i]))) {
                ig_free((void *)items);
                return param_error(c, &pc->item_at[i], err,
                                   "item %u of parameter '%s' of rule %s must be a string, not %s",
                                   i + 1, pc->name, rc->id, a_type(&v->u.items[i]));
            }
        }
        pv.list = items;
        pv.nlist = v->n;
        int r = iamg_engine_set_param(e, rc->id, pc->name, &pv, err);
        ig_free((void *)items);
        return r;
    }
    }
    /* A number of the wrong kind (5.0 for a whole number, .inf) is named as
     * written: "must be a number, not a number" would say nothing. */
    if (v->type == TN_NUMBER)
        return param_error(c, &pc->value_at, err, "parameter '%s' of rule %s must be %s, not %.64s",
                           pc->name, rc->id, want, v->u.s);
    return param_error(c, &pc->value_at, err, "parameter '%s' of rule %s must be %s, not %s",
                       pc->name, rc->id, want, a_type(v));
}

int iamg_config_apply(const iamg_config *c, iamg_engine *e, const char *const *only, size_t nonly,
                      const char *const *skip, size_t nskip, iamg_error *err)
{
    const config_impl *ci = (const config_impl *)c;
    int rc;
    if (c) {
        /* Packs first: their rules are built in, and a folder's rule with
         * the same id is then the one reported as a duplicate. */
        for (size_t i = 0; i < c->npacks; i++) {
            iamg_error e2;
            rc = iamg_engine_add_pack(e, c->packs[i], &e2);
            if (rc)
                return ig_error_set(err, rc, c->path, ci->pack_pos[i].line, ci->pack_pos[i].col,
                                    "%s", e2.message);
        }
        for (size_t i = 0; i < c->nrule_dirs; i++) {
            iamg_error e2;
            rc = iamg_engine_add_rules_dir(e, c->rule_dirs[i], &e2);
            if (rc)
                return ig_error_set(err, rc, c->path, ci->dir_pos[i].line, ci->dir_pos[i].col,
                                    "rule folder '%s': %s", c->rule_dirs[i], e2.message);
        }
        /* Checked even where the caller's lists win: a typo is still a typo. */
        for (size_t i = 0; i < c->nonly; i++)
            if (!iamg_engine_find_rule(e, c->only[i]))
                return unknown_rule(c, &ci->only_pos[i], c->only[i], err);
        for (size_t i = 0; i < c->nskip; i++)
            if (!iamg_engine_find_rule(e, c->skip[i]))
                return unknown_rule(c, &ci->skip_pos[i], c->skip[i], err);
        for (size_t i = 0; i < c->nlevels; i++)
            if (!iamg_engine_find_rule(e, c->levels[i].rule))
                return unknown_rule(c, &ci->level_pos[i], c->levels[i].rule, err);
        for (size_t i = 0; i < ci->nrule_cfgs; i++) {
            const rule_cfg *rc_ = &ci->rule_cfgs[i];
            if (!iamg_engine_find_rule(e, rc_->id)) return unknown_rule(c, &rc_->at, rc_->id, err);
            for (size_t j = 0; j < rc_->nparams; j++)
                if ((rc = apply_param(c, e, rc_, &rc_->params[j], err))) return rc;
        }
    }
    const char *const *eff_only = nonly ? only : (c ? c->only : NULL);
    size_t neff_only = nonly ? nonly : (c ? c->nonly : 0);
    size_t cap = (c ? c->nskip : 0) + nskip;
    const char **eff_skip = ig_calloc(cap ? cap : 1, sizeof *eff_skip);
    if (!eff_skip) return ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory");
    size_t neff_skip = 0;
    for (size_t i = 0; c && i < c->nskip; i++)
        if (!in_list(c->skip[i], only, nonly)) eff_skip[neff_skip++] = c->skip[i];
    for (size_t i = 0; i < nskip; i++)
        eff_skip[neff_skip++] = skip[i];
    rc = iamg_engine_select(e, eff_only, neff_only, eff_skip, neff_skip, err);
    ig_free(eff_skip);
    if (rc) return rc;
    for (size_t i = 0; c && i < c->nlevels; i++) {
        const iamg_config_level *l = &c->levels[i];
        if (l->level == IAMG_LEVEL_NONE && in_list(l->rule, only, nonly)) continue;
        rc = iamg_engine_set_level(e, l->rule, l->level, err);
        if (rc) return rc;
    }
    return 0;
}

void iamg_config_free(iamg_config *c)
{
    if (!c) return;
    config_impl *ci = (config_impl *)c;
    ig_arena_free(&ci->a);
    ig_free(ci);
}
