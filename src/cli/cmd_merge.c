/*
 * cli/cmd_merge.c - `iamguard merge`: the SARIF files of the shards of one
 * scan (--shard K/N, possibly on several machines) into one run, as if the
 * scan had run in one go.
 *
 * This works on the SARIF text with jansson rather than on iamguard's
 * results, since the shards' results exist only as SARIF by then. Inputs
 * must be runs of one tool and one category: merging different scans would
 * make GitHub close the alerts of the category that disappears.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char merge_usage[] =
    "usage: iamguard merge [options] FILE.sarif...\n"
    "\n"
    "Combine the SARIF reports of the shards of one scan (iamguard scan --shard K/N)\n"
    "into one run, as if the scan had not been split: rules are united by id,\n"
    "results concatenated and sorted by file, line, column and rule, rule indices\n"
    "recomputed, invocations merged (successful only if every shard was),\n"
    "notifications merged without repeats, and run property counts summed.\n"
    "All inputs must come from the same tool and version, with the same\n"
    "--sarif-category. See docs/SCALE.md.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE        write the merged report to FILE (atomically) instead of stdout\n"
    "      --fail-on LEVEL      exit 1 when a result that is not suppressed is at or above\n"
    "                           LEVEL: none (default), note, warning or error\n"
    "      --max-results N      keep at most N results, as GitHub code scanning accepts\n"
    "                           (default 25000; 0 = no limit); the rest are counted\n"
    "\n"
    "Exit status: 0 merged, 1 results at or above --fail-on, 2 usage error or an\n"
    "input that is not SARIF 2.1.0 or does not belong with the others, 3 merged, but\n"
    "some shard did not complete (a failed rule, an input not checked, a cut run).\n";

enum { OPT_FAIL_ON = 256, OPT_MAX_RESULTS, OPT_HELP };

static const struct option merge_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"max-results", required_argument, NULL, OPT_MAX_RESULTS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

/* One result or notification, with what it is sorted by. */
typedef struct item {
    json_t *v;
    char *path; /* decoded artifact URI of its first location, "" when none */
    json_int_t line, col;
    const char *rule; /* results: rule id, or "" */
    size_t seq;       /* order of reading: breaks every tie, so output is deterministic */
    size_t input;     /* index of the file it came from */
} item;

typedef struct itemlist {
    item *v;
    size_t n, cap;
} itemlist;

typedef struct merger {
    const char *const *paths;
    json_t **docs;
    size_t ndocs;
    json_t *rules;       /* merged driver.rules */
    json_t *notif_descs; /* merged driver.notifications */
    itemlist results, notes, config_notes;
    json_t *invocation; /* merged, or NULL when no input has one */
    int have_invocation;
    int successful;
    json_t *props; /* merged run.properties, or NULL */
    size_t seq;
} merger;

static int fail(const char *path, const char *msg)
{
    cli_errorf("%s: %s", path, msg);
    return -1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The path an artifact URI names, for sorting as the scan sorts paths:
 * percent-escapes decoded, "file://" dropped from absolute URIs. */
static char *uri_path(const char *uri)
{
    if (!uri) return strdup("");
    if (strncmp(uri, "file://", 7) == 0) uri += 7;
    size_t n = strlen(uri);
    char *out = malloc(n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (uri[i] == '%' && i + 2 < n && (h = hexval((unsigned char)uri[i + 1])) >= 0 &&
            (l = hexval((unsigned char)uri[i + 2])) >= 0) {
            *o++ = (char)(h * 16 + l);
            i += 2;
        } else {
            *o++ = uri[i];
        }
    }
    *o = '\0';
    return out;
}

static int item_add(itemlist *l, json_t *v, const char *rule, size_t seq, size_t input)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        item *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return -1;
        l->v = nv;
        l->cap = cap;
    }
    json_t *pl =
        json_object_get(json_array_get(json_object_get(v, "locations"), 0), "physicalLocation");
    json_t *region = json_object_get(pl, "region");
    item *it = &l->v[l->n];
    it->v = v;
    it->path = uri_path(
        json_string_value(json_object_get(json_object_get(pl, "artifactLocation"), "uri")));
    if (!it->path) return -1;
    it->line = json_integer_value(json_object_get(region, "startLine"));
    it->col = json_integer_value(json_object_get(region, "startColumn"));
    it->rule = rule ? rule : "";
    it->seq = seq;
    it->input = input;
    l->n++;
    return 0;
}

static void items_free(itemlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
}

static int cmp_pos(const item *a, const item *b)
{
    int c = strcmp(a->path, b->path);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return 0;
}

static int cmp_item(const void *pa, const void *pb)
{
    const item *a = pa, *b = pb;
    int c = cmp_pos(a, b);
    if (c) return c;
    if ((c = strcmp(a->rule, b->rule))) return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Index of the element of `arr` whose "id" is id, or -1. */
static long find_id(json_t *arr, const char *id)
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
        if (!id || find_id(into, id) >= 0) continue;
        if (json_array_append(into, v)) return -1;
    }
    return 0;
}

/* The id a reference ({"id", "index"} or a result's ruleId / ruleIndex)
 * names in its own run's descriptor list. */
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
    long at = find_id(merged, id);
    if (at < 0) {
        json_object_del(ref, "index"); /* the descriptor is not in the merged list */
        return 0;
    }
    return json_object_set_new(ref, "index", json_integer(at));
}

static const char *result_rule(json_t *res, json_t *own_rules)
{
    const char *id = json_string_value(json_object_get(res, "ruleId"));
    if (id) return id;
    json_t *ref = json_object_get(res, "rule");
    if ((id = ref_id(ref, own_rules))) return id;
    json_t *ix = json_object_get(res, "ruleIndex");
    if (!json_is_integer(ix) || json_integer_value(ix) < 0) return NULL;
    return json_string_value(
        json_object_get(json_array_get(own_rules, (size_t)json_integer_value(ix)), "id"));
}

static int add_notifications(merger *m, itemlist *l, json_t *arr, json_t *own_descs,
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
        if (item_add(l, n, "", m->seq++, input)) return -1;
    }
    return 0;
}

/* Fold invocation `inv` into the merged one: success is an AND, times the
 * widest span, notifications gathered separately, any other member kept
 * only when every shard agrees on it (a shard's own command line is not
 * the merged run's). */
static int merge_invocation(merger *m, json_t *inv)
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

/* Sum counts, OR flags, merge objects; keep anything else only where all
 * shards agree. */
static void merge_props(json_t *into, json_t *from)
{
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach(from, key, v)
    {
        json_t *o = json_object_get(into, key);
        if (!o) {
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

/* Keep in `into` only what `from` has too: equal values, and the common
 * part of objects. Shards on different machines differ in their checkout
 * folder (originalUriBaseIds), and which shard comes first must not decide
 * what the merged run says. */
static void intersect(json_t *into, json_t *from)
{
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(into, tmp, key, v)
    {
        json_t *o = json_object_get(from, key);
        if (o && json_is_object(v) && json_is_object(o))
            intersect(v, o);
        else if (!o || !json_equal(o, v))
            json_object_del(into, key);
    }
}

/* Run members merge rebuilds itself; the others are intersected. */
static int rebuilt(const char *key)
{
    static const char *const keys[] = {"tool",       "results",           "invocations",
                                       "properties", "automationDetails", "columnKind"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!strcmp(key, keys[i])) return 1;
    return 0;
}

static void drop_nulls(json_t *obj)
{
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, key, v)
    {
        if (json_is_null(v))
            json_object_del(obj, key);
        else if (json_is_object(v))
            drop_nulls(v);
    }
}

static const char *tool_name(json_t *run)
{
    const char *n = json_string_value(
        json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "name"));
    return n ? n : "";
}

static const char *tool_version(json_t *run)
{
    json_t *d = json_object_get(json_object_get(run, "tool"), "driver");
    const char *v = json_string_value(json_object_get(d, "semanticVersion"));
    if (!v) v = json_string_value(json_object_get(d, "version"));
    return v ? v : "";
}

static const char *category(json_t *run)
{
    const char *c =
        json_string_value(json_object_get(json_object_get(run, "automationDetails"), "id"));
    return c ? c : "";
}

/* Check every input and every run, then take them in. */
static int gather(merger *m, json_t **first_run)
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
            return fail(
                path, "not a SARIF 2.1.0 log (needs \"version\": \"2.1.0\" and a \"runs\" array)");
        size_t ri;
        json_t *run;
        json_array_foreach(runs, ri, run)
        {
            json_t *results = json_object_get(run, "results");
            json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
            if (!json_is_object(run) || !json_is_object(driver) || !tool_name(run)[0] ||
                (results && !json_is_array(results) && !json_is_null(results))) {
                snprintf(msg, sizeof msg,
                         "runs[%zu] is not a valid SARIF run (tool.driver.name, results)", ri);
                return fail(path, msg);
            }
            if (json_object_get(run, "artifacts")) {
                snprintf(msg, sizeof msg,
                         "runs[%zu] has an artifacts table, which merge does not renumber: "
                         "merge only reports written by iamguard scan",
                         ri);
                return fail(path, msg);
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
                return fail(path, msg);
            } else if (strcmp(category(run), category(first))) {
                snprintf(msg, sizeof msg,
                         "category '%s', but %s has '%s': merge only the shards of one scan "
                         "(the same --sarif-category)",
                         category(run), first_path, category(first));
                return fail(path, msg);
            } else {
                const char *ck = json_string_value(json_object_get(run, "columnKind"));
                const char *fk = json_string_value(json_object_get(first, "columnKind"));
                if ((ck || fk) && (!ck || !fk || strcmp(ck, fk))) {
                    snprintf(msg, sizeof msg, "columnKind differs from %s's", first_path);
                    return fail(path, msg);
                }
            }
        }
    }
    if (!first) return fail(m->paths[0], "no runs to merge");
    *first_run = first;

    /* Descriptors first, so references can be pointed at their merged places. */
    m->rules = json_array();
    m->notif_descs = json_array();
    if (!m->rules || !m->notif_descs) return fail("merge", "out of memory");
    for (size_t k = 0; k < m->ndocs; k++) {
        size_t ri;
        json_t *run;
        json_array_foreach(json_object_get(m->docs[k], "runs"), ri, run)
        {
            json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
            if (unite(m->rules, json_object_get(driver, "rules")) ||
                unite(m->notif_descs, json_object_get(driver, "notifications")))
                return fail("merge", "out of memory");
        }
    }
    m->successful = 1;
    for (size_t k = 0; k < m->ndocs; k++) {
        size_t ri;
        json_t *run;
        json_array_foreach(json_object_get(m->docs[k], "runs"), ri, run)
        {
            json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
            json_t *own_rules = json_object_get(driver, "rules");
            json_t *own_descs = json_object_get(driver, "notifications");
            size_t i;
            json_t *res;
            json_array_foreach(json_object_get(run, "results"), i, res)
            {
                if (!json_is_object(res)) {
                    snprintf(msg, sizeof msg, "runs[%zu].results[%zu] is not an object", ri, i);
                    return fail(m->paths[k], msg);
                }
                const char *id = result_rule(res, own_rules);
                if (id) {
                    if (json_object_get(res, "ruleIndex")) {
                        long at = find_id(m->rules, id);
                        if (at >= 0)
                            json_object_set_new(res, "ruleIndex", json_integer(at));
                        else
                            json_object_del(res, "ruleIndex");
                    }
                    if (reindex(json_object_get(res, "rule"), id, m->rules))
                        return fail("merge", "out of memory");
                }
                if (item_add(&m->results, res, id, m->seq++, k))
                    return fail("merge", "out of memory");
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
                    return fail("merge", "out of memory");
            }
            json_t *props = json_object_get(run, "properties");
            if (json_is_object(props)) {
                if (!m->props)
                    m->props = json_deep_copy(props);
                else
                    merge_props(m->props, props);
                if (!m->props) return fail("merge", "out of memory");
            }
        }
    }
    return 0;
}

/* Sorted, with notifications that several shards share (a rule that failed
 * to load, an expired allowlist entry) kept once. */
static json_t *sorted_notes(itemlist *l)
{
    if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, cmp_item);
    json_t *arr = json_array();
    if (!arr) return NULL;
    size_t group = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (cmp_pos(&l->v[i], &l->v[group]) != 0) group = i;
        int dup = 0;
        for (size_t j = group; j < i && !dup; j++)
            dup = json_equal(l->v[j].v, l->v[i].v);
        if (!dup && json_array_append(arr, l->v[i].v)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* "error" > "warning" > "note" > "none", as iamg_level. */
static int result_level(json_t *res, json_t *rules)
{
    const char *kind = json_string_value(json_object_get(res, "kind"));
    if (kind && strcmp(kind, "fail") != 0) return IAMG_LEVEL_NONE;
    const char *lv = json_string_value(json_object_get(res, "level"));
    if (!lv) {
        json_t *ix = json_object_get(res, "ruleIndex");
        json_t *rule =
            json_is_integer(ix) ? json_array_get(rules, (size_t)json_integer_value(ix)) : NULL;
        lv = json_string_value(
            json_object_get(json_object_get(rule, "defaultConfiguration"), "level"));
    }
    int l = iamg_level_parse(lv ? lv : "warning");
    return l < 0 ? IAMG_LEVEL_NONE : l;
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

/* Build the merged log. The first run gives the shape and the key order;
 * every member merge knows about is then replaced. */
static json_t *build(merger *m, json_t *first_run, unsigned long long max_results, size_t *omitted)
{
    json_t *run = json_deep_copy(first_run);
    json_t *doc = json_object();
    json_t *results = json_array();
    if (!run || !doc || !results) goto oom;
    for (size_t k = 0; k < m->ndocs; k++) {
        size_t ri;
        json_t *other;
        json_array_foreach(json_object_get(m->docs[k], "runs"), ri, other)
        {
            const char *key;
            json_t *v;
            void *tmp;
            json_object_foreach_safe(run, tmp, key, v)
            {
                if (rebuilt(key)) continue;
                json_t *o = json_object_get(other, key);
                if (o && json_is_object(v) && json_is_object(o))
                    intersect(v, o);
                else if (!o || !json_equal(o, v))
                    json_object_del(run, key);
            }
        }
    }
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    if (json_object_get(driver, "rules") && json_object_set(driver, "rules", m->rules)) goto oom;
    if (json_object_get(driver, "notifications") &&
        json_object_set(driver, "notifications", m->notif_descs))
        goto oom;

    size_t keep = m->results.n;
    if (max_results && keep > max_results) keep = (size_t)max_results;
    *omitted = m->results.n - keep;
    for (size_t i = 0; i < keep; i++)
        if (json_array_append(results, m->results.v[i].v)) goto oom;

    if (m->have_invocation) {
        json_t *inv = m->invocation;
        json_t *notes = sorted_notes(&m->notes);
        json_t *cnotes = sorted_notes(&m->config_notes);
        if (!notes || !cnotes) {
            json_decref(notes);
            json_decref(cnotes);
            goto oom;
        }
        if (*omitted) {
            long di = find_id(m->notif_descs, "iamguard/truncated");
            char text[400];
            snprintf(text, sizeof text,
                     "%zu of %zu results were left out when the shards were merged: a run holds "
                     "at most %llu (GitHub code scanning rejects more). Fix or allowlist the most "
                     "frequent findings, or split the scan into several categories.",
                     *omitted, m->results.n, max_results);
            json_t *n = json_pack("{s:s,s:{s:s}}", "level", "warning", "message", "text", text);
            if (n && di >= 0)
                json_object_set_new(
                    n, "descriptor",
                    json_pack("{s:s,s:I}", "id", "iamguard/truncated", "index", (json_int_t)di));
            if (!n || json_array_append_new(notes, n)) {
                json_decref(notes);
                json_decref(cnotes);
                goto oom;
            }
            m->successful = 0;
        }
        json_object_set_new(inv, "executionSuccessful", json_boolean(m->successful));
        if (json_array_size(notes))
            json_object_set_new(inv, "toolExecutionNotifications", notes);
        else
            json_decref(notes);
        if (json_array_size(cnotes))
            json_object_set_new(inv, "toolConfigurationNotifications", cnotes);
        else
            json_decref(cnotes);
        json_t *invs = json_array();
        if (!invs || json_array_append(invs, inv) || json_object_set_new(run, "invocations", invs))
            goto oom;
    } else {
        json_object_del(run, "invocations");
    }
    if (json_object_set_new(run, "results", results)) {
        results = NULL;
        goto oom;
    }
    results = NULL;
    if (m->props) {
        drop_nulls(m->props);
        if (*omitted) {
            json_object_set_new(m->props, "truncated", json_true());
            json_t *prev = json_object_get(m->props, "omittedResults");
            json_object_set_new(
                m->props, "omittedResults",
                json_integer((json_is_integer(prev) ? json_integer_value(prev) : 0) +
                             (json_int_t)*omitted));
        }
        json_object_set(run, "properties", m->props);
    }
    const char *schema = json_string_value(json_object_get(m->docs[0], "$schema"));
    if (schema) json_object_set_new(doc, "$schema", json_string(schema));
    json_object_set_new(doc, "version", json_string("2.1.0"));
    json_t *runs = json_array();
    if (!runs || json_array_append_new(runs, run)) {
        json_decref(runs);
        run = NULL;
        goto oom;
    }
    run = NULL;
    if (json_object_set_new(doc, "runs", runs)) goto oom;
    return doc;
oom:
    json_decref(run);
    json_decref(results);
    json_decref(doc);
    cli_errorf("out of memory");
    return NULL;
}

static int dump(json_t *doc, FILE *f)
{
    return json_dumpf(doc, f, JSON_INDENT(2)) != 0 || fputc('\n', f) == EOF || fflush(f) == EOF ||
           ferror(f);
}

/* Write to a temporary file next to `path` and rename it into place, so CI
 * never uploads a half-written report. Devices and pipes (-o /dev/stdout)
 * are written directly: they cannot be replaced by a rename. */
static int write_atomic(json_t *doc, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *f = fopen(path, "w");
        int bad = !f || dump(doc, f);
        if (f && fclose(f)) bad = 1;
        if (bad) cli_errorf("%s: cannot write: %s", path, strerror(errno));
        return bad ? -1 : 0;
    }
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) return cli_errorf("out of memory"), -1;
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_errorf("%s: cannot create a temporary file next to it: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    /* mkstemp makes 0600; a report gets the mode any new file would. */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um); /* on failure the report is only more private */
    FILE *f = fdopen(fd, "w");
    int bad = !f || dump(doc, f) || fsync(fileno(f)) != 0;
    int e = errno;
    if (f ? fclose(f) != 0 : close(fd) != 0) bad = 1;
    if (!bad && rename(tmp, path) != 0) {
        e = errno;
        bad = 1;
    }
    if (bad) {
        cli_errorf("%s: cannot write: %s", path, strerror(e ? e : EIO));
        unlink(tmp);
    }
    free(tmp);
    return bad ? -1 : 0;
}

int cli_cmd_merge(int argc, char **argv)
{
    const char *output = NULL;
    int fail_on = IAMG_LEVEL_NONE;
    unsigned long long max_results = 25000;
    cli_exit status = EXIT_OK;
    merger m;
    memset(&m, 0, sizeof m);
    json_t *doc = NULL;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", merge_options, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case OPT_FAIL_ON:
            fail_on = iamg_level_parse(optarg);
            if (fail_on < 0) {
                cli_errorf("--fail-on must be none, note, warning or error, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MAX_RESULTS:
            if (cli_parse_uint(optarg, 100000000, &max_results)) {
                cli_errorf("--max-results needs a whole number (0 = no limit), not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_HELP:
            fputs(merge_usage, stdout);
            return EXIT_OK;
        default:
            fputs("Try 'iamguard merge --help'.\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_errorf("merge needs at least one SARIF file (try 'iamguard merge shard-*.sarif -o "
                   "all.sarif')");
        return EXIT_USAGE;
    }
    m.paths = (const char *const *)argv + optind;
    m.ndocs = (size_t)(argc - optind);
    m.docs = calloc(m.ndocs, sizeof *m.docs);
    if (!m.docs) {
        cli_errorf("out of memory");
        return EXIT_USAGE;
    }
    for (size_t k = 0; k < m.ndocs; k++) {
        json_error_t je;
        m.docs[k] = json_load_file(m.paths[k], 0, &je);
        if (!m.docs[k]) {
            if (je.line > 0)
                cli_errorf("%s:%d:%d: not JSON: %s", m.paths[k], je.line, je.column, je.text);
            else
                cli_errorf("%s: %s", m.paths[k], je.text);
            status = EXIT_USAGE;
            goto done;
        }
    }
    json_t *first_run = NULL;
    if (gather(&m, &first_run)) {
        status = EXIT_USAGE;
        goto done;
    }
    /* Shards never share a file, so a result two inputs both hold means the
     * same shard (or the whole scan) was given twice. */
    if (m.results.n > 1) qsort(m.results.v, m.results.n, sizeof *m.results.v, cmp_item);
    for (size_t i = 1; i < m.results.n; i++) {
        const item *a = &m.results.v[i - 1], *b = &m.results.v[i];
        if (a->input != b->input && !cmp_pos(a, b) && !strcmp(a->rule, b->rule) &&
            json_equal(a->v, b->v)) {
            cli_errorf("%s and %s both report %s at %s:%lld: they overlap (the same shard twice, "
                       "or a whole scan with its shards?); merge the shards of one scan, each once",
                       m.paths[a->input], m.paths[b->input], a->rule, a->path, (long long)a->line);
            status = EXIT_USAGE;
            goto done;
        }
    }
    size_t omitted = 0;
    doc = build(&m, first_run, max_results, &omitted);
    if (!doc) {
        status = EXIT_USAGE;
        goto done;
    }
    if (output && strcmp(output, "-") != 0) {
        if (write_atomic(doc, output)) {
            status = EXIT_USAGE;
            goto done;
        }
    } else if (dump(doc, stdout)) {
        cli_errorf("cannot write to standard output: %s", strerror(errno));
        status = EXIT_USAGE;
        goto done;
    }
    if (omitted)
        cli_errorf("warning: %zu results were left out: a run holds at most %llu (--max-results)",
                   omitted, max_results);

    /* The same statuses a single scan would have given. */
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
    size_t i;
    json_t *v;
    if (inv && !json_is_true(json_object_get(inv, "executionSuccessful"))) status = EXIT_INCOMPLETE;
    json_array_foreach(json_object_get(inv, "toolExecutionNotifications"), i, v)
    {
        const char *lv = json_string_value(json_object_get(v, "level"));
        if (lv && strcmp(lv, "error") == 0) status = EXIT_INCOMPLETE;
    }
    if (fail_on > IAMG_LEVEL_NONE) {
        json_t *rules =
            json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
        json_array_foreach(json_object_get(run, "results"), i, v)
        {
            if (!suppressed(v) && result_level(v, rules) >= fail_on) {
                status = cli_worse(status, EXIT_FINDINGS);
                break;
            }
        }
    }
done:
    json_decref(doc);
    json_decref(m.rules);
    json_decref(m.notif_descs);
    json_decref(m.invocation);
    json_decref(m.props);
    items_free(&m.results);
    items_free(&m.notes);
    items_free(&m.config_notes);
    for (size_t k = 0; k < m.ndocs; k++)
        json_decref(m.docs[k]);
    free(m.docs);
    return status;
}
