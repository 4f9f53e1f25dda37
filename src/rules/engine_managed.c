/* The engine's source of managed policies (engine.h). */
#include "iamguard/engine.h"

#include <string.h>

#include "principal/managed.h"
#include "rules/ruleset.h"

int iamg_engine_set_managed_policies(iamg_engine *e, const char *path, iamg_error *err)
{
    managed_store *s;
    int rc = ig_managed_open(&s, path, err);
    if (rc) return rc;
    ig_managed_free(e->managed);
    e->managed = s;
    return 0;
}

void iamg_engine_managed_info(const iamg_engine *e, iamg_managed_info *out)
{
    managed_info mi;
    if (e && e->managed)
        ig_managed_info(e->managed, &mi);
    else
        ig_managed_embedded_info(&mi);
    memset(out, 0, sizeof *out);
    out->source = mi.source;
    out->version = mi.version;
    out->date = mi.date;
}
