/*
 * The embedding contract of include/iamguard/iamguard.h, through the public
 * API only: an engine with options and a rule folder, scans of a file and of
 * a named buffer, every field of a finding, SARIF to a stream, and the
 * threading promise (several threads scanning with one engine at once get
 * the results of a lone scan).
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamguard/iamguard.h"

#define RULES_DIR IAMG_SOURCE_DIR "/examples/rules"
#define POLICY IAMG_SOURCE_DIR "/examples/policies/ci-deploy-role.json"

static const char ADMIN_POLICY[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": [\n"
    "  {\"Sid\": \"Admin\", \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}\n";

static const char CFN_YAML[] = "Resources:\n"
                               "  Ops:\n"
                               "    Type: AWS::IAM::Role\n"
                               "    Properties:\n"
                               "      Policies:\n"
                               "        - PolicyName: sessions\n"
                               "          PolicyDocument:\n"
                               "            Statement:\n"
                               "              - Effect: Allow\n"
                               "                Action: ssm:StartSession\n"
                               "                Resource: '*'\n";

static iamg_engine *new_engine(int with_rules_dir)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.limits.lua_memory = (size_t)16 << 20;
    eo.limits.lua_timeout_ms = 2000;
    iamg_engine *e = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_limits(e)->lua_memory, (size_t)16 << 20);
    if (with_rules_dir)
        cr_assert_eq(iamg_engine_add_rules_dir(e, RULES_DIR, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_diag_count(e), 0);
    return e;
}

Test(embed, engine_with_options_and_rule_folder)
{
    iamg_engine *e = new_engine(1);
    cr_assert_not_null(iamg_engine_find_rule(e, "IAM-SSM-1"));
    const iamg_rule_info *user = iamg_engine_find_rule(e, "EXAMPLE-ADMIN-1");
    cr_assert_not_null(user);
    cr_assert_eq(user->builtin, 0);
    cr_assert_eq(user->level, IAMG_LEVEL_WARNING);

    /* Without built-in rules, only the folder's. */
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *bare = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &bare, &err), 0);
    cr_assert_eq(iamg_engine_rule_count(bare), 0);
    cr_assert_eq(iamg_engine_add_rules_dir(bare, IAMG_SOURCE_DIR "/no-such-folder", &err),
                 IAMG_EIO);
    cr_assert_neq(err.message[0], '\0');
    iamg_engine_free(bare);
    iamg_engine_free(e);
    iamg_engine_free(NULL);
    iamg_results_free(NULL);
}

/* Option structs carry the layout version their initializer set; a struct
 * that was not built from the macro is refused before any field is read. */
Test(embed, option_versions)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;
    iamg_limits lim = IAMG_LIMITS_INIT;
    cr_assert_eq(eo.version, IAMG_ENGINE_OPTIONS_VERSION);
    cr_assert_eq(eo.builtin_rules, 1);
    cr_assert_eq(eo.limits.max_file_size, lim.max_file_size);
    cr_assert_eq(eo.limits.lua_memory, lim.lua_memory);
    cr_assert_eq(eo.limits.max_results, lim.max_results);
    cr_assert_eq(so.version, IAMG_SCAN_OPTIONS_VERSION);
    cr_assert_null(so.base_dir);
    cr_assert_eq(so.jobs, 0);
    cr_assert_eq(oo.version, IAMG_OUTPUT_OPTIONS_VERSION);
    cr_assert_eq(lim.lua_timeout_ms, 5000);

    iamg_engine *e = (iamg_engine *)&eo;
    iamg_error err;
    eo.version = 0;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), IAMG_EUSAGE);
    cr_assert_null(e);
    cr_assert(strstr(err.message, "iamg_engine_options.version is 0") != NULL, "%s", err.message);
    eo.version = IAMG_ENGINE_OPTIONS_VERSION + 1;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), IAMG_EUSAGE);

    e = new_engine(0);
    iamg_results *r = (iamg_results *)&err;
    so.version = 0;
    cr_assert_eq(iamg_scan_buffer(e, "p.json", ADMIN_POLICY, strlen(ADMIN_POLICY), &so, &r, &err),
                 IAMG_EUSAGE);
    cr_assert_null(r);
    cr_assert(strstr(err.message, "iamg_scan_options") != NULL, "%s", err.message);
    const char *paths[] = {POLICY};
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), IAMG_EUSAGE);
    so.version = IAMG_SCAN_OPTIONS_VERSION;
    cr_assert_eq(iamg_scan_buffer(e, "p.json", ADMIN_POLICY, strlen(ADMIN_POLICY), &so, &r, &err),
                 0, "%s", err.message);

    /* Writers refuse before writing anything. */
    static const iamg_writer_fn writers[] = {iamg_write_sarif, iamg_write_json, iamg_write_text};
    oo.version = 0;
    for (size_t i = 0; i < 3; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        cr_assert_not_null(f);
        cr_assert_eq(writers[i](f, e, r, &oo, &err), IAMG_EUSAGE, "writer %zu", i);
        cr_assert(strstr(err.message, "iamg_output_options") != NULL, "%s", err.message);
        fclose(f);
        cr_assert_eq(len, 0, "writer %zu wrote %zu bytes", i, len);
        free(text);
    }
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(embed, scan_a_file)
{
    iamg_engine *e = new_engine(0);
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = IAMG_SOURCE_DIR;
    so.jobs = 1;
    const char *paths[] = {POLICY};
    iamg_results *r = NULL;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_results_count(r), 1);
    const iamg_finding *f = iamg_results_get(r, 0);
    cr_assert_str_eq(f->rule_id, "IAM-SSM-1");
    cr_assert_eq(f->level, IAMG_LEVEL_ERROR);
    cr_assert_str_eq(f->path, "examples/policies/ci-deploy-role.json");
    cr_assert_eq(f->line, 13);
    cr_assert_eq(f->column, 18);
    cr_assert_gt(f->end_column, f->column);
    cr_assert(strstr(f->message, "ssm:SendCommand") != NULL);
    cr_assert_str_eq(f->statement, "RunDeployScripts");
    cr_assert_str_eq(f->element, "Action");
    cr_assert_str_eq(f->origin.kind, "identity");
    cr_assert_str_eq(f->origin.format, "policy");
    cr_assert_null(f->suppressed);
    cr_assert_null(iamg_results_get(r, 1));
    cr_assert_eq(iamg_results_diag_count(r), 0);
    cr_assert_eq(iamg_results_max_level(r), IAMG_LEVEL_ERROR);
    cr_assert_eq(iamg_results_stats(r)->documents, 1);
    iamg_results_free(r);

    const char *missing[] = {IAMG_SOURCE_DIR "/no-such-file.json"};
    r = (iamg_results *)&err; /* must be reset to NULL on failure */
    cr_assert_eq(iamg_scan_paths(e, missing, 1, &so, &r, &err), IAMG_EIO);
    cr_assert_null(r);
    iamg_engine_free(e);
}

Test(embed, scan_a_named_buffer)
{
    iamg_engine *e = new_engine(1);
    iamg_results *r = NULL;
    iamg_error err;
    /* The buffer is read during the call only: clobber it afterwards. */
    char *copy = strdup(ADMIN_POLICY);
    cr_assert_eq(iamg_scan_buffer(e, "inline/admin.json", copy, strlen(copy), NULL, &r, &err), 0,
                 "%s", err.message);
    memset(copy, 'x', strlen(copy));
    free(copy);
    cr_assert_eq(iamg_results_count(r), 3); /* both SSM rules and the user rule */
    int admin = 0;
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        cr_assert_str_eq(f->path, "inline/admin.json");
        cr_assert_eq(f->line, 2);
        cr_assert(strstr(f->snippet, "\"Sid\": \"Admin\"") != NULL);
        if (!strcmp(f->rule_id, "EXAMPLE-ADMIN-1")) admin = 1;
    }
    cr_assert(admin);
    iamg_results_free(r);

    /* The name's extension picks YAML; origin tells the holder. */
    cr_assert_eq(iamg_scan_buffer(e, "stack.yaml", CFN_YAML, sizeof CFN_YAML - 1, NULL, &r, &err),
                 0);
    cr_assert_eq(iamg_results_count(r), 1);
    const iamg_finding *f = iamg_results_get(r, 0);
    cr_assert_str_eq(f->rule_id, "IAM-SSM-2");
    cr_assert_eq(f->line, 10);
    cr_assert_str_eq(f->origin.format, "cloudformation");
    cr_assert_str_eq(f->origin.logical_id, "Ops");
    cr_assert_str_eq(f->origin.policy_name, "sessions");
    iamg_results_free(r);

    /* A broken input is a diagnostic, not a failure of the call. */
    cr_assert_eq(iamg_scan_buffer(e, "broken.json", "{\"Statement\": [", 15, NULL, &r, &err), 0);
    cr_assert_eq(iamg_results_count(r), 0);
    cr_assert_eq(iamg_results_diag_count(r), 1);
    cr_assert_eq(iamg_results_diag(r, 0)->code, IAMG_EPARSE);
    cr_assert_eq(iamg_results_diag(r, 0)->line, 1);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(embed, sarif_to_a_stream)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = NULL;
    iamg_error err;
    cr_assert_eq(
        iamg_scan_buffer(e, "p.json", ADMIN_POLICY, sizeof ADMIN_POLICY - 1, NULL, &r, &err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    cr_assert_not_null(mem);
    iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;
    oo.category = "embedded";
    cr_assert_eq(iamg_write_sarif(mem, e, r, &oo, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_write_sarif(mem, e, r, NULL, &err), 0); /* NULL options: defaults */
    cr_assert_eq(fclose(mem), 0);
    cr_assert(strstr(text, "\"version\": \"2.1.0\"") != NULL);
    cr_assert(strstr(text, "\"id\": \"embedded/\"") != NULL);
    cr_assert(strstr(text, "\"ruleId\": \"IAM-SSM-1\"") != NULL);
    free(text);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* ---- several threads, one engine ---- */

#define THREADS 4
#define ROUNDS 5

typedef struct job {
    iamg_engine *e;
    int index;
    char *summary; /* rule path:line:col per finding, or NULL on failure */
} job;

static char *summarise(const iamg_results *r)
{
    size_t cap = 256 * (iamg_results_count(r) + 1), n = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        n += (size_t)snprintf(s + n, cap - n, "%s %s:%u:%u\n", f->rule_id, f->path, f->line,
                              f->column);
    }
    return s;
}

static void *scan_thread(void *arg)
{
    job *j = arg;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = IAMG_SOURCE_DIR;
    so.jobs = (unsigned)(1 + j->index % 2); /* each scan also runs its own workers */
    const char *paths[] = {IAMG_SOURCE_DIR "/examples"};
    for (int round = 0; round < ROUNDS; round++) {
        iamg_results *r = NULL;
        iamg_error err;
        if (iamg_scan_paths(j->e, paths, 1, &so, &r, &err)) return NULL;
        char *s = summarise(r);
        iamg_results_free(r);
        if (!s) return NULL;
        if (j->summary && strcmp(j->summary, s) != 0) {
            free(s);
            free(j->summary);
            j->summary = NULL;
            return NULL;
        }
        free(j->summary);
        j->summary = s;
    }
    return NULL;
}

Test(embed, one_engine_many_threads)
{
    iamg_engine *e = new_engine(1);
    job lone = {e, 0, NULL};
    scan_thread(&lone);
    cr_assert_not_null(lone.summary);
    cr_assert_neq(lone.summary[0], '\0');

    pthread_t t[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){e, i, NULL};
        cr_assert_eq(pthread_create(&t[i], NULL, scan_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        cr_assert_not_null(jobs[i].summary, "thread %d failed or saw different results", i);
        cr_assert_str_eq(jobs[i].summary, lone.summary);
        free(jobs[i].summary);
    }
    free(lone.summary);
    iamg_engine_free(e);
}
