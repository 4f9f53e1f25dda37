/*
 * cli/engine_load.c - the engine of `scan`, also loaded by `merge` so that
 * reports written from merged shards describe the same rules.
 */
#include <stddef.h>

#include "cli.h"

int cli_engine_load(const iamg_engine_options *eo, const cli_rule_sources *rs,
                    const iamg_config *config, iamg_engine **out)
{
    iamg_engine *engine = NULL;
    iamg_error err;
    *out = NULL;
    if (iamg_engine_new(eo, &engine, &err)) {
        cli_error(&err);
        return -1;
    }
    for (size_t i = 0; i < rs->packs->n; i++) {
        if (iamg_engine_add_pack(engine, rs->packs->v[i], &err)) {
            cli_errorf("--pack: %s", err.message);
            goto fail;
        }
    }
    for (size_t i = 0; i < rs->rules_dirs->n; i++) {
        if (iamg_engine_add_rules_dir(engine, rs->rules_dirs->v[i], &err)) {
            cli_error(&err);
            goto fail;
        }
    }
    if (iamg_config_apply(config, engine, rs->only->v, rs->only->n, rs->skip->v, rs->skip->n,
                          &err)) {
        cli_error(&err);
        goto fail;
    }
    const char *managed = rs->managed_path;
    if (!managed && config) managed = config->managed_policies;
    if (managed && iamg_engine_set_managed_policies(engine, managed, &err)) {
        cli_error(&err);
        goto fail;
    }
    for (size_t i = 0; i < rs->params->n; i++)
        if (cli_set_param(engine, rs->params->v[i])) goto fail;
    *out = engine;
    return 0;
fail:
    iamg_engine_free(engine);
    return -1;
}
