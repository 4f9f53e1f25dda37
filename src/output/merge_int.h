/*
 * output/merge_int.h - the state of iamg_merge (include/iamguard/merge.h),
 * shared by output/merge.c (reading and checking the shards, references,
 * the public functions) and output/merge_run.c (building the merged run).
 */
#ifndef IAMG_OUTPUT_MERGE_INT_H
#define IAMG_OUTPUT_MERGE_INT_H

#include <jansson.h>

#include "iamguard/merge.h"

/* One result or notification, with what it is sorted by. */
typedef struct merge_item {
    json_t *v;
    char *path; /* decoded artifact URI of its first location, "" when none */
    json_int_t line, col;
    const char *rule; /* results: rule id, or "" */
    size_t seq;       /* order of reading: breaks every tie, so output is deterministic */
    size_t input;     /* index of the file it came from */
} merge_item;

typedef struct merge_items {
    merge_item *v;
    size_t n, cap;
} merge_items;

struct iamg_merge {
    const char *const *paths; /* during iamg_merge_load only */
    json_t **docs;
    size_t ndocs;
    json_t *rules;       /* merged driver.rules */
    json_t *notif_descs; /* merged driver.notifications */
    merge_items results, notes, config_notes;
    json_t *invocation; /* merged, or NULL when no input has one */
    int have_invocation;
    int successful;
    json_t *props; /* merged run.properties, or NULL */
    size_t seq;
    json_t *doc; /* the merged log */
    iamg_merge_summary summary;
    /* Kept for iamg_merge_results: */
    json_t *all_results;       /* every result in merged order, max_results or not */
    json_t *documents;         /* the shards' run.properties.documentList entries */
    int documents_missing;     /* a run checked documents but did not list them */
    char *base_dir, *category; /* see iamg_merge_base_dir, iamg_merge_category */
};

/* The scanned path an artifact URI names, as a new string: the path of a
 * file: URI or the relative reference, percent-decoded; a trailing '/' cut
 * when strip_slash (a folder's URI). NULL uri gives "". NULL when out of
 * memory. */
char *ig_merge_uri_path(const char *uri, int strip_slash);

/* Add v, sorted by its first location, rule and reading order. -1 when out
 * of memory. */
int ig_merge_item_add(merge_items *l, json_t *v, const char *rule, size_t seq, size_t input);
/* Order of location, then rule, then reading. */
int ig_merge_item_cmp(const void *a, const void *b);
/* Order of location alone. */
int ig_merge_item_cmp_pos(const merge_item *a, const merge_item *b);
/* Index of the element of `arr` whose "id" is id, or -1. */
long ig_merge_find_id(json_t *arr, const char *id);

/* Build m->doc from what was gathered (the first run gives the shape and
 * the key order), keeping at most max_results results (0: all). 0 or
 * IAMG_ENOMEM. */
int ig_merge_build(iamg_merge *m, json_t *first_run, size_t max_results);

/* Set m->base_dir and m->category from the merged run. 0 or IAMG_ENOMEM. */
int ig_merge_run_info(iamg_merge *m);

#endif
