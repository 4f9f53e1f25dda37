/*
 * output/merge_run.c - the merged run of iamg_merge: the first shard's run
 * gives the shape and the key order; members the merge rebuilds (rules,
 * results, invocations, properties) are replaced, and any other member is
 * kept only as far as every shard agrees on it.
 */
#include "output/merge_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/sarif_read.h"

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

/* Run members the merge rebuilds itself; the others are intersected. */
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

/* Sorted, with notifications that several shards share (a rule that failed
 * to load, an expired allowlist entry) kept once. */
static json_t *sorted_notes(merge_items *l)
{
    if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, ig_merge_item_cmp);
    json_t *arr = json_array();
    if (!arr) return NULL;
    size_t group = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (ig_merge_item_cmp_pos(&l->v[i], &l->v[group]) != 0) group = i;
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

/* The notification that says results were left out. */
static json_t *truncation_note(iamg_merge *m, size_t max_results)
{
    long di = ig_merge_find_id(m->notif_descs, "iamguard/truncated");
    char text[400];
    snprintf(text, sizeof text,
             "%zu of %zu results were left out when the shards were merged: a run holds "
             "at most %zu (GitHub code scanning rejects more). Fix or allowlist the most "
             "frequent findings, or split the scan into several categories.",
             m->summary.omitted, m->results.n, max_results);
    json_t *n = json_pack("{s:s,s:{s:s}}", "level", "warning", "message", "text", text);
    if (n && di >= 0)
        json_object_set_new(
            n, "descriptor",
            json_pack("{s:s,s:I}", "id", "iamguard/truncated", "index", (json_int_t)di));
    return n;
}

/* The one merged invocation, with the shards' notifications; -1 when out of memory. */
static int set_invocation(iamg_merge *m, json_t *run, size_t max_results)
{
    if (!m->have_invocation) {
        json_object_del(run, "invocations");
        return 0;
    }
    json_t *inv = m->invocation;
    json_t *notes = sorted_notes(&m->notes);
    json_t *cnotes = sorted_notes(&m->config_notes);
    if (!notes || !cnotes) goto oom;
    if (m->summary.omitted) {
        json_t *n = truncation_note(m, max_results);
        if (!n || json_array_append_new(notes, n)) goto oom;
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
        return -1;
    return 0;
oom:
    json_decref(notes);
    json_decref(cnotes);
    return -1;
}

int ig_merge_build(iamg_merge *m, json_t *first_run, size_t max_results)
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
    json_t *driver = ig_sarif_driver(run);
    if (json_object_get(driver, "rules") && json_object_set(driver, "rules", m->rules)) goto oom;
    if (json_object_get(driver, "notifications") &&
        json_object_set(driver, "notifications", m->notif_descs))
        goto oom;

    m->all_results = json_array();
    if (!m->all_results) goto oom;
    for (size_t i = 0; i < m->results.n; i++)
        if (json_array_append(m->all_results, m->results.v[i].v)) goto oom;
    size_t keep = m->results.n;
    if (max_results && keep > max_results) keep = max_results;
    m->summary.omitted = m->results.n - keep;
    for (size_t i = 0; i < keep; i++)
        if (json_array_append(results, m->results.v[i].v)) goto oom;
    if (set_invocation(m, run, max_results)) goto oom;
    if (json_object_set_new(run, "results", results)) {
        results = NULL;
        goto oom;
    }
    results = NULL;
    if (m->props) {
        drop_nulls(m->props);
        if (m->summary.omitted) {
            json_object_set_new(m->props, "truncated", json_true());
            json_t *prev = json_object_get(m->props, "omittedResults");
            json_object_set_new(
                m->props, "omittedResults",
                json_integer((json_is_integer(prev) ? json_integer_value(prev) : 0) +
                             (json_int_t)m->summary.omitted));
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
    m->doc = doc;
    return 0;
oom:
    json_decref(run);
    json_decref(results);
    json_decref(doc);
    return IAMG_ENOMEM;
}
