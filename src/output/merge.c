/*
 * output/merge.c - iamg_merge (include/iamguard/merge.h): reading the SARIF
 * logs of the shards of one scan, checking that they belong together, and
 * pointing every reference at its place in the merged descriptor lists.
 * The merged run itself is built by output/merge_run.c.
 *
 * This works on the SARIF text with jansson rather than on iamguard's
 * results, since the shards' results exist only as SARIF by then.
 */
#include "output/merge_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/sarif_read.h"
#include "output/atomic.h"
#include "output/jbuild.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/errors.h"
#include "util/uri.h"

/* ---- items: results and notifications, sortable ---- */

char *ig_merge_uri_path(const char *uri, int strip_slash)
{
    if (!uri) return ig_strdup("");
    const char *p = ig_uri_file_path(uri);
    if (!p) p = uri;
    size_t n = strlen(p);
    if (strip_slash && n > 1 && p[n - 1] == '/') n--;
    char *out = ig_malloc(n + 1);
    if (!out) return NULL;
    out[ig_pct_decode(p, n, out, NULL, 0)] = '\0';
    return out;
}

int ig_merge_item_add(merge_items *l, json_t *v, const char *rule, size_t seq, size_t input)
{
    if (IG_ARRAY_GROW(l->v, l->n, l->cap, 256)) return -1;
    sarif_where at;
    ig_sarif_result_where(v, NULL, &at);
    merge_item *it = &l->v[l->n];
    it->v = v;
    it->path = ig_merge_uri_path(at.uri, 0);
    if (!it->path) return -1;
    it->line = at.line;
    it->col = at.column;
    it->rule = rule ? rule : "";
    it->seq = seq;
    it->input = input;
    l->n++;
    return 0;
}

static void items_free(merge_items *l)
{
    for (size_t i = 0; i < l->n; i++)
        ig_free(l->v[i].path);
    ig_free(l->v);
    memset(l, 0, sizeof *l);
}

int ig_merge_item_cmp_pos(const merge_item *a, const merge_item *b)
{
    int c = strcmp(a->path, b->path);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return 0;
}

int ig_merge_item_cmp(const void *pa, const void *pb)
{
    const merge_item *a = pa, *b = pb;
    int c = ig_merge_item_cmp_pos(a, b);
    if (c) return c;
    if ((c = strcmp(a->rule, b->rule))) return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* ---- descriptors and references ---- */

long ig_merge_find_id(json_t *arr, const char *id)
{
    size_t i;
    json_t *v;
    if (!id) return -1;
    json_array_foreach(arr, i, v)
    {
        const char *x = json_string_value(json_object_get(v, "id"));
        if (x && strcmp(x, id) == 0) return (long)i;
    }
    return -1;
}

/* Add the descriptors of `from` that `into` lacks (by id), in their order. */
static int unite(json_t *into, json_t *from)
{
    size_t i;
    json_t *v;
    json_array_foreach(from, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (!id || ig_merge_find_id(into, id) >= 0) continue;
        if (json_array_append(into, v)) return -1;
    }
    return 0;
}

/* The id a reference ({"id", "index"}) names in its own run's descriptor list. */
static const char *ref_id(json_t *ref, json_t *own)
{
    const char *id = json_string_value(json_object_get(ref, "id"));
    if (id) return id;
    json_t *ix = json_object_get(ref, "index");
    if (!json_is_integer(ix) || json_integer_value(ix) < 0) return NULL;
    return json_string_value(
        json_object_get(json_array_get(own, (size_t)json_integer_value(ix)), "id"));
}

/* Point a reference at its descriptor's place in the merged list. */
static int reindex(json_t *ref, const char *id, json_t *merged)
{
    if (!json_is_object(ref) || !json_object_get(ref, "index")) return 0;
    long at = ig_merge_find_id(merged, id);
    if (at < 0) {
        json_object_del(ref, "index"); /* the descriptor is not in the merged list */
        return 0;
    }
    return json_object_set_new(ref, "index", json_integer(at));
}

static int add_notifications(iamg_merge *m, merge_items *l, json_t *arr, json_t *own_descs,
                             json_t *own_rules, size_t input)
{
    size_t i;
    json_t *n;
    json_array_foreach(arr, i, n)
    {
        json_t *d = json_object_get(n, "descriptor");
        if (json_is_object(d)) {
            const char *id = ref_id(d, own_descs);
            if (id && reindex(d, id, m->notif_descs)) return -1;
        }
        json_t *ar = json_object_get(n, "associatedRule");
        if (json_is_object(ar)) {
            const char *id = ref_id(ar, own_rules);
            if (id && reindex(ar, id, m->rules)) return -1;
        }
        if (ig_merge_item_add(l, n, "", m->seq++, input)) return -1;
    }
    return 0;
}

/* Fold invocation `inv` into the merged one: success is an AND, times the
 * widest span, notifications gathered separately, any other member kept
 * only when every shard agrees on it (a shard's own command line is not
 * the merged run's). */
static int merge_invocation(iamg_merge *m, json_t *inv)
{
    json_t *ok = json_object_get(inv, "executionSuccessful");
    if (!json_is_true(ok)) m->successful = 0;
    if (!m->have_invocation) {
        m->invocation = json_deep_copy(inv);
        if (!m->invocation) return -1;
        json_object_del(m->invocation, "toolExecutionNotifications");
        json_object_del(m->invocation, "toolConfigurationNotifications");
        m->have_invocation = 1;
        return 0;
    }
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(m->invocation, tmp, key, v)
    {
        json_t *o = json_object_get(inv, key);
        if (!strcmp(key, "executionSuccessful")) continue;
        if (o && (!strcmp(key, "startTimeUtc") || !strcmp(key, "endTimeUtc")) &&
            json_is_string(o) && json_is_string(v)) {
            int c = strcmp(json_string_value(o), json_string_value(v));
            if ((key[0] == 's' && c < 0) || (key[0] == 'e' && c > 0))
                json_object_set(m->invocation, key, o);
            continue;
        }
        if (!o || !json_equal(o, v)) json_object_del(m->invocation, key);
    }
    return 0;
}

/* Counts of the whole tree that every shard makes alike (the Terraform
 * files the walk meets, which are not sliced): the largest, not the sum. */
static int tree_count(const char *key)
{
    return strcmp(key, "terraformFiles") == 0;
}

/* Sum counts, OR flags, merge objects; keep anything else only where all
 * shards agree (null marks a value to drop once every shard is in). */
static void merge_props(json_t *into, json_t *from)
{
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach(from, key, v)
    {
        json_t *o = json_object_get(into, key);
        if (o && tree_count(key) && json_is_integer(o) && json_is_integer(v)) {
            if (json_integer_value(v) > json_integer_value(o)) json_object_set(into, key, v);
        } else if (!o) {
            if (json_is_number(v) || json_is_boolean(v) || json_is_object(v))
                json_object_set_new(into, key, json_deep_copy(v));
            else
                json_object_set_new(into, key, json_null()); /* not in every shard */
        } else if (json_is_integer(o) && json_is_integer(v)) {
            json_object_set_new(into, key,
                                json_integer(json_integer_value(o) + json_integer_value(v)));
        } else if (json_is_number(o) && json_is_number(v)) {
            json_object_set_new(into, key, json_real(json_number_value(o) + json_number_value(v)));
        } else if (json_is_boolean(o) && json_is_boolean(v)) {
            json_object_set_new(into, key, json_boolean(json_is_true(o) || json_is_true(v)));
        } else if (json_is_object(o) && json_is_object(v)) {
            merge_props(o, v);
        } else if (!json_equal(o, v)) {
            json_object_set_new(into, key, json_null());
        }
    }
    json_object_foreach_safe(into, tmp, key, v)
    {
        if (!json_object_get(from, key) && !json_is_number(v) && !json_is_boolean(v) &&
            !json_is_object(v))
            json_object_set_new(into, key, json_null());
    }
}

/* ---- checking the inputs ---- */

static const char *tool_name(json_t *run)
{
    const char *n = json_string_value(json_object_get(ig_sarif_driver(run), "name"));
    return n ? n : "";
}

static const char *tool_version(json_t *run)
{
    json_t *d = ig_sarif_driver(run);
    const char *v = json_string_value(json_object_get(d, "semanticVersion"));
    if (!v) v = json_string_value(json_object_get(d, "version"));
    return v ? v : "";
}

static const char *category(json_t *run)
{
    const char *c = NULL;
    if (json_unpack(run, "{s:{s:s}}", "automationDetails", "id", &c)) c = NULL;
    return c ? c : "";
}

static int invalid(iamg_error *err, const char *path, const char *msg)
{
    return ig_error_set(err, IAMG_EINVALID, path, 0, 0, "%s", msg);
}

static int oom(iamg_error *err)
{
    return ig_error_set(err, IAMG_ENOMEM, "merge", 0, 0, "out of memory");
}

/* Every input is SARIF 2.1.0 and every run of the same tool, version,
 * category and column kind; *first_run is the first run. */
static int check_inputs(iamg_merge *m, json_t **first_run, iamg_error *err)
{
    json_t *first = NULL;
    const char *first_path = NULL;
    char msg[1024];
    for (size_t k = 0; k < m->ndocs; k++) {
        json_t *doc = m->docs[k];
        const char *path = m->paths[k];
        const char *version = json_string_value(json_object_get(doc, "version"));
        json_t *runs = json_object_get(doc, "runs");
        if (!json_is_object(doc) || !version || strcmp(version, "2.1.0") != 0 ||
            !json_is_array(runs))
            return invalid(
                err, path,
                "not a SARIF 2.1.0 log (needs \"version\": \"2.1.0\" and a \"runs\" array)");
        size_t ri;
        json_t *run;
        json_array_foreach(runs, ri, run)
        {
            json_t *results = json_object_get(run, "results");
            if (!json_is_object(run) || !json_is_object(ig_sarif_driver(run)) ||
                !tool_name(run)[0] ||
                (results && !json_is_array(results) && !json_is_null(results))) {
                snprintf(msg, sizeof msg,
                         "runs[%zu] is not a valid SARIF run (tool.driver.name, results)", ri);
                return invalid(err, path, msg);
            }
            if (json_object_get(run, "artifacts")) {
                snprintf(msg, sizeof msg,
                         "runs[%zu] has an artifacts table, which merge does not renumber: "
                         "merge only reports written by iamguard scan",
                         ri);
                return invalid(err, path, msg);
            }
            if (!first) {
                first = run;
                first_path = path;
            } else if (strcmp(tool_name(run), tool_name(first)) ||
                       strcmp(tool_version(run), tool_version(first))) {
                snprintf(msg, sizeof msg,
                         "written by %s %s, but %s by %s %s: merge only the shards of one scan",
                         tool_name(run), tool_version(run), first_path, tool_name(first),
                         tool_version(first));
                return invalid(err, path, msg);
            } else if (strcmp(category(run), category(first))) {
                snprintf(msg, sizeof msg,
                         "category '%s', but %s has '%s': merge only the shards of one scan "
                         "(the same --sarif-category)",
                         category(run), first_path, category(first));
                return invalid(err, path, msg);
            } else {
                const char *ck = json_string_value(json_object_get(run, "columnKind"));
                const char *fk = json_string_value(json_object_get(first, "columnKind"));
                if ((ck || fk) && (!ck || !fk || strcmp(ck, fk))) {
                    snprintf(msg, sizeof msg, "columnKind differs from %s's", first_path);
                    return invalid(err, path, msg);
                }
            }
        }
    }
    if (!first) return invalid(err, m->paths[0], "no runs to merge");
    *first_run = first;
    return 0;
}

/* Take in every run: descriptors first, so references can be pointed at
 * their merged places, then results, invocations and properties. */
static int gather(iamg_merge *m, iamg_error *err)
{
    char msg[1024];
    m->rules = json_array();
    m->notif_descs = json_array();
    m->documents = json_array();
    if (!m->rules || !m->notif_descs || !m->documents) return oom(err);
    for (size_t k = 0; k < m->ndocs; k++) {
        size_t ri;
        json_t *run;
        json_array_foreach(json_object_get(m->docs[k], "runs"), ri, run)
        {
            json_t *driver = ig_sarif_driver(run);
            if (unite(m->rules, json_object_get(driver, "rules")) ||
                unite(m->notif_descs, json_object_get(driver, "notifications")))
                return oom(err);
        }
    }
    m->successful = 1;
    for (size_t k = 0; k < m->ndocs; k++) {
        size_t ri;
        json_t *run;
        json_array_foreach(json_object_get(m->docs[k], "runs"), ri, run)
        {
            json_t *driver = ig_sarif_driver(run);
            json_t *own_rules = json_object_get(driver, "rules");
            json_t *own_descs = json_object_get(driver, "notifications");
            size_t i;
            json_t *res;
            json_array_foreach(json_object_get(run, "results"), i, res)
            {
                if (!json_is_object(res)) {
                    snprintf(msg, sizeof msg, "runs[%zu].results[%zu] is not an object", ri, i);
                    return invalid(err, m->paths[k], msg);
                }
                const char *id = ig_sarif_result_rule(res, own_rules);
                if (id) {
                    if (json_object_get(res, "ruleIndex")) {
                        long at = ig_merge_find_id(m->rules, id);
                        if (at >= 0)
                            json_object_set_new(res, "ruleIndex", json_integer(at));
                        else
                            json_object_del(res, "ruleIndex");
                    }
                    if (reindex(json_object_get(res, "rule"), id, m->rules)) return oom(err);
                }
                if (ig_merge_item_add(&m->results, res, id, m->seq++, k)) return oom(err);
            }
            json_t *inv;
            json_array_foreach(json_object_get(run, "invocations"), i, inv)
            {
                if (!json_is_object(inv)) continue;
                if (add_notifications(m, &m->notes,
                                      json_object_get(inv, "toolExecutionNotifications"), own_descs,
                                      own_rules, k) ||
                    add_notifications(m, &m->config_notes,
                                      json_object_get(inv, "toolConfigurationNotifications"),
                                      own_descs, own_rules, k) ||
                    merge_invocation(m, inv))
                    return oom(err);
            }
            json_t *props = json_object_get(run, "properties");
            /* The documents a shard lists are gathered apart: a merged
             * SARIF run does not list them, as an unsharded one does not. */
            json_t *dl = json_object_get(props, "documentList");
            if (json_is_array(dl)) {
                if (json_array_extend(m->documents, dl)) return oom(err);
            } else if (json_integer_value(json_object_get(props, "documents")) > 0) {
                m->documents_missing = 1;
            }
            if (json_is_object(props)) {
                if (!m->props)
                    m->props = json_deep_copy(props);
                else
                    merge_props(m->props, props);
                if (!m->props) return oom(err);
                json_object_del(m->props, "documentList");
            }
        }
    }
    return 0;
}

/* Shards never share a file, so a result two inputs both hold means the
 * same shard (or the whole scan) was given twice. */
static int check_overlap(iamg_merge *m, iamg_error *err)
{
    for (size_t i = 1; i < m->results.n; i++) {
        const merge_item *a = &m->results.v[i - 1], *b = &m->results.v[i];
        if (a->input != b->input && !ig_merge_item_cmp_pos(a, b) && !strcmp(a->rule, b->rule) &&
            json_equal(a->v, b->v))
            return ig_error_set(
                err, IAMG_EINVALID, "", 0, 0,
                "%s and %s both report %s at %s:%lld: they overlap (the same shard twice, "
                "or a whole scan with its shards?); merge the shards of one scan, each once",
                m->paths[a->input], m->paths[b->input], a->rule, a->path, (long long)a->line);
    }
    return 0;
}

/* ---- verdicts on the merged run ---- */

/* "error" > "warning" > "note" > "none", as iamg_level. */
static iamg_level result_level(json_t *res, json_t *rules)
{
    const char *kind = json_string_value(json_object_get(res, "kind"));
    if (kind && strcmp(kind, "fail") != 0) return IAMG_LEVEL_NONE;
    const char *lv = json_string_value(json_object_get(res, "level"));
    if (!lv) {
        json_t *ix = json_object_get(res, "ruleIndex");
        json_t *rule =
            json_is_integer(ix) ? json_array_get(rules, (size_t)json_integer_value(ix)) : NULL;
        if (json_unpack(rule, "{s:{s:s}}", "defaultConfiguration", "level", &lv)) lv = NULL;
    }
    int l = iamg_level_parse(lv ? lv : "warning");
    return l < 0 ? IAMG_LEVEL_NONE : (iamg_level)l;
}

static int suppressed(json_t *res)
{
    json_t *s = json_object_get(res, "suppressions");
    size_t i;
    json_t *v;
    if (!json_array_size(s)) return 0;
    json_array_foreach(s, i, v)
    {
        const char *st = json_string_value(json_object_get(v, "status"));
        if (st && strcmp(st, "accepted") != 0) return 0; /* underReview, rejected */
    }
    return 1;
}

/* The statuses a single scan would have given. */
static void summarize(iamg_merge *m)
{
    iamg_merge_summary *s = &m->summary;
    json_t *run = json_array_get(json_object_get(m->doc, "runs"), 0);
    json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
    json_t *results = json_object_get(run, "results");
    json_t *rules = json_object_get(ig_sarif_driver(run), "rules");
    size_t i;
    json_t *v;
    s->results = json_array_size(results);
    s->complete = !inv || json_is_true(json_object_get(inv, "executionSuccessful"));
    json_array_foreach(json_object_get(inv, "toolExecutionNotifications"), i, v)
    {
        const char *lv = json_string_value(json_object_get(v, "level"));
        if (lv && strcmp(lv, "error") == 0) s->complete = 0;
    }
    s->max_level = IAMG_LEVEL_NONE;
    s->include_suppressed =
        json_is_true(json_object_get(json_object_get(run, "properties"), "includeSuppressed"));
    json_array_foreach(results, i, v)
    {
        if (json_array_size(json_object_get(v, "suppressions"))) s->include_suppressed = 1;
        iamg_level l = suppressed(v) ? IAMG_LEVEL_NONE : result_level(v, rules);
        if (l > s->max_level) s->max_level = l;
    }
}

/* ---- the public functions ---- */

int iamg_merge_load(const char *const *paths, size_t npaths, const iamg_merge_options *opts,
                    iamg_merge **out, iamg_error *err)
{
    iamg_merge_options dflt = IAMG_MERGE_OPTIONS_INIT;
    if (!opts) opts = &dflt;
    *out = NULL;
    int rc = ig_options_check(opts->version, IAMG_MERGE_OPTIONS_VERSION, "iamg_merge_options", err);
    if (rc) return rc;
    if (!npaths) return ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "no SARIF file to merge");
    iamg_merge *m = ig_calloc(1, sizeof *m);
    if (!m) return oom(err);
    m->paths = paths;
    m->ndocs = npaths;
    m->docs = ig_calloc(npaths, sizeof *m->docs);
    if (!m->docs) {
        rc = oom(err);
        goto done;
    }
    for (size_t k = 0; k < npaths; k++) {
        json_error_t je;
        m->docs[k] = json_load_file(paths[k], 0, &je);
        if (!m->docs[k]) {
            if (je.line > 0)
                rc = ig_error_set(err, IAMG_EPARSE, paths[k], (unsigned)je.line,
                                  (unsigned)(je.column > 0 ? je.column : 0), "not JSON: %s",
                                  je.text);
            else
                rc = ig_error_set(err, IAMG_EIO, paths[k], 0, 0, "%s", je.text);
            goto done;
        }
    }
    json_t *first_run = NULL;
    if ((rc = check_inputs(m, &first_run, err)) || (rc = gather(m, err))) goto done;
    if (m->results.n > 1)
        qsort(m->results.v, m->results.n, sizeof *m->results.v, ig_merge_item_cmp);
    if ((rc = check_overlap(m, err))) goto done;
    if ((rc = ig_merge_build(m, first_run, opts->max_results))) {
        oom(err);
        goto done;
    }
    summarize(m);
    if ((rc = ig_merge_run_info(m))) {
        oom(err);
        goto done;
    }
done:
    m->paths = NULL;
    /* Only the merged log is kept. */
    json_decref(m->rules);
    json_decref(m->notif_descs);
    json_decref(m->invocation);
    json_decref(m->props);
    m->rules = m->notif_descs = m->invocation = m->props = NULL;
    items_free(&m->results);
    items_free(&m->notes);
    items_free(&m->config_notes);
    for (size_t k = 0; m->docs && k < m->ndocs; k++)
        json_decref(m->docs[k]);
    ig_free(m->docs);
    m->docs = NULL;
    if (rc) {
        iamg_merge_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

const iamg_merge_summary *iamg_merge_get_summary(const iamg_merge *m)
{
    return &m->summary;
}

int iamg_merge_write(FILE *out, const iamg_merge *m, iamg_error *err)
{
    ig_jb jb = {0};
    return ig_jb_dump(&jb, m->doc, JSON_INDENT(2), out, "the merged SARIF report", err);
}

static int write_merged(FILE *out, void *ud, iamg_error *err)
{
    return iamg_merge_write(out, ud, err);
}

int iamg_merge_write_file(const char *path, const iamg_merge *m, iamg_error *err)
{
    return ig_write_atomic(path, write_merged, (void *)m, err);
}

void iamg_merge_free(iamg_merge *m)
{
    if (!m) return;
    json_decref(m->doc);
    json_decref(m->all_results);
    ig_free(m->base_dir);
    ig_free(m->category);
    json_decref(m->documents);
    ig_free(m);
}
