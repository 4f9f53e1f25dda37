#include "load/sarif_read.h"

#include <string.h>

json_t *ig_sarif_driver(json_t *run)
{
    json_t *driver = NULL;
    if (json_unpack(run, "{s:{s:o}}", "tool", "driver", &driver)) return NULL;
    return driver;
}

/* The id of element `ix` (a JSON integer) of descriptor list `list`. */
static const char *id_at(json_t *list, json_t *ix)
{
    if (!json_is_integer(ix) || json_integer_value(ix) < 0) return NULL;
    return json_string_value(
        json_object_get(json_array_get(list, (size_t)json_integer_value(ix)), "id"));
}

const char *ig_sarif_result_rule(json_t *res, json_t *rules)
{
    const char *id = json_string_value(json_object_get(res, "ruleId"));
    if (id) return id;
    json_t *ref = json_object_get(res, "rule");
    if ((id = json_string_value(json_object_get(ref, "id")))) return id;
    json_t *ix = json_object_get(res, "ruleIndex");
    return id_at(rules, json_is_integer(ix) ? ix : json_object_get(ref, "index"));
}

void ig_sarif_result_where(json_t *res, json_t *artifacts, sarif_where *w)
{
    memset(w, 0, sizeof *w);
    json_t *al = NULL, *region = NULL;
    json_t *loc = json_array_get(json_object_get(res, "locations"), 0);
    if (json_unpack(loc, "{s:{s?o,s?o}}", "physicalLocation", "artifactLocation", &al, "region",
                    &region))
        return;
    w->uri = json_string_value(json_object_get(al, "uri"));
    json_t *aix = json_object_get(al, "index");
    if (!w->uri && artifacts && json_is_integer(aix) && json_integer_value(aix) >= 0) {
        json_t *art = json_array_get(artifacts, (size_t)json_integer_value(aix));
        const char *uri = NULL;
        if (!json_unpack(art, "{s:{s:s}}", "location", "uri", &uri)) w->uri = uri;
    }
    w->line = json_integer_value(json_object_get(region, "startLine"));
    w->column = json_integer_value(json_object_get(region, "startColumn"));
}
