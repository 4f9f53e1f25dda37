/*
 * The SARIF writer on findings from scanning the input: iamg_scan_buffer
 * with the built-in rules plus a rule that reports every statement with a
 * message made of the statement's Sid scrambled into arbitrary bytes
 * (invalid UTF-8, control bytes, NUL), then iamg_write_sarif into memory.
 * The output must be valid JSON (jansson refuses invalid UTF-8 too) with the
 * shape GitHub needs; the JSON and text writers run on the same results.
 *
 * A first byte below 0x20 (other than a line break or tab) chooses the file
 * name: its low bits the extension, and with bit 2 set the name is the
 * input's first line, so odd bytes reach the URI encoder and the artifact
 * table. Any other input is scanned whole, as .json when it starts with '{'
 * or '[', else as .yaml.
 */
#include "fuzz_common.h"

#include <jansson.h>

#include "iamguard/iamguard.h"

static const char FUZZ_RULE[] =
    "local elems = {'Action', 'NotAction', 'Resource', 'NotResource', 'Condition',\n"
    "               'Principal', 'NotPrincipal', 'Effect', 'Sid'}\n"
    "local levels = {'note', 'warning', 'error'}\n"
    "return {\n"
    "  id = 'FUZZ-1', level = 'note', short_description = 'Reports every statement.',\n"
    "  check = function(policy, report)\n"
    "    for _, st in ipairs(policy.statements) do\n"
    "      local sid = st.sid or ''\n"
    "      local bytes = {}\n"
    "      for i = 1, math.min(#sid, 64) do\n"
    "        bytes[i] = string.char((string.byte(sid, i) * 7) % 256)\n"
    "      end\n"
    "      local element\n"
    "      for k = 0, #elems - 1 do\n"
    "        local e = elems[(st.index + k) % #elems + 1]\n"
    "        if st:has(e) then element = e break end\n"
    "      end\n"
    "      report{ statement = st, element = element, index = 1,\n"
    "              level = levels[st.index % 3 + 1],\n"
    "              message = sid .. ' / ' .. table.concat(bytes) }\n"
    "    end\n"
    "    report{ message = 'document in ' .. (policy.origin.container or policy.file or '?') }\n"
    "  end }\n";

static iamg_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    iamg_error err;
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    /* A rule stuck in a loop must not make a run look like a hang. */
    eo.limits.lua_timeout_ms = 500;
    eo.limits.lua_instructions = 2000000;
    if (iamg_engine_new(&eo, &engine, &err) != 0 ||
        iamg_engine_add_rule_source(engine, "fuzz.lua", FUZZ_RULE, sizeof FUZZ_RULE - 1, &err) !=
            0 ||
        iamg_engine_diag_count(engine) != 0) {
        fprintf(stderr, "engine: %s\n", err.message);
        abort();
    }
    return 0;
}

static json_t *get(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        fprintf(stderr, "SARIF: no '%s'\n", key);
        fuzz_fail("SARIF shape");
    }
    return v;
}

static void check_sarif(const char *text, size_t len, const iamg_results *r)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    if (!doc) {
        fprintf(stderr, "SARIF is not valid JSON: %s at line %d column %d\n", je.text, je.line,
                je.column);
        fuzz_fail("SARIF output is not valid JSON");
    }
    FUZZ_CHECK(strcmp(json_string_value(get(doc, "version")), "2.1.0") == 0);
    json_t *runs = get(doc, "runs");
    FUZZ_CHECK(json_array_size(runs) == 1);
    json_t *run = json_array_get(runs, 0);
    json_t *rules = get(get(get(run, "tool"), "driver"), "rules");
    json_t *results = get(run, "results");
    size_t findings = 0;
    for (size_t i = 0; i < iamg_results_count(r); i++)
        findings += iamg_results_get(r, i)->suppressed == NULL;
    /* Every finding is a result; input problems may add more. */
    FUZZ_CHECK(json_array_size(results) >= findings);
    size_t i;
    json_t *res;
    json_array_foreach(results, i, res)
    {
        const char *id = json_string_value(get(res, "ruleId"));
        json_int_t idx = json_integer_value(get(res, "ruleIndex"));
        FUZZ_CHECK(id && idx >= 0 && (size_t)idx < json_array_size(rules));
        FUZZ_CHECK(strcmp(json_string_value(get(json_array_get(rules, (size_t)idx), "id")), id) ==
                   0);
        FUZZ_CHECK(json_string_length(get(get(res, "message"), "text")) > 0);
        json_t *locs = json_object_get(res, "locations");
        if (locs) {
            json_t *reg =
                json_object_get(get(json_array_get(locs, 0), "physicalLocation"), "region");
            if (reg) {
                json_int_t line = json_integer_value(get(reg, "startLine"));
                FUZZ_CHECK(line >= 1);
                json_t *sc = json_object_get(reg, "startColumn"),
                       *ec = json_object_get(reg, "endColumn");
                if (sc) FUZZ_CHECK(json_integer_value(sc) >= 1);
                if (sc && ec) FUZZ_CHECK(json_integer_value(ec) > json_integer_value(sc));
            }
        }
    }
    json_decref(doc);
}

typedef int (*writer)(FILE *, const iamg_engine *, const iamg_results *,
                      const iamg_output_options *, iamg_error *);

static char *render(writer w, const iamg_results *r, size_t *len)
{
    char *text = NULL;
    *len = 0;
    FILE *f = open_memstream(&text, len);
    FUZZ_CHECK(f != NULL);
    iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;
    oo.working_directory = "/src/repo";
    oo.category = "fuzz";
    oo.include_suppressed = 1;
    iamg_error err;
    int rc = w(f, engine, r, &oo, &err);
    FUZZ_CHECK(fclose(f) == 0);
    if (rc != 0) {
        fprintf(stderr, "writer: %s\n", err.message);
        fuzz_fail("writer failed");
    }
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (256u << 10)) return 0;
    static const char *const exts[] = {".json", ".yaml", ".template", ".yml"};
    uint8_t mode = data[0];
    char name[300];
    size_t skip = 0;
    if (mode >= 0x20 || mode == '\n' || mode == '\r' || mode == '\t') {
        /* Text as it is (seeds are real files): named by its look. */
        snprintf(name, sizeof name, "dir/policy%s", mode == '{' || mode == '[' ? ".json" : ".yaml");
    } else if (mode & 4) {
        size_t n = 1;
        while (n < size && n < 200 && data[n] != '\n' && data[n] != '\0')
            n++;
        snprintf(name, sizeof name, "%.*s%s", (int)(n - 1), (const char *)data + 1, exts[mode & 3]);
        skip = n < size ? n + 1 : n;
    } else {
        snprintf(name, sizeof name, "dir/policy%s", exts[mode & 3]);
        skip = 1;
    }
    data += skip;
    size -= skip;

    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    so.today = "2024-01-01";
    iamg_results *r = NULL;
    iamg_error err;
    int rc = iamg_scan_buffer(engine, name, data, size, &so, &r, &err);
    if (rc != 0) {
        fprintf(stderr, "scan: %s\n", err.message);
        fuzz_fail("iamg_scan_buffer failed");
    }
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        FUZZ_CHECK(f->line >= 1 && f->column >= 1 && f->end_column > f->column);
        FUZZ_CHECK(f->message && f->path && f->rule_id && f->fingerprint && f->snippet);
    }
    size_t len;
    char *text = render(iamg_write_sarif, r, &len);
    check_sarif(text, len, r);
    free(text);
    text = render(iamg_write_json, r, &len);
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    if (!doc) {
        fprintf(stderr, "JSON report: %s\n", je.text);
        fuzz_fail("JSON report is not valid JSON");
    }
    json_decref(doc);
    free(text);
    text = render(iamg_write_text, r, &len);
    free(text);
    iamg_results_free(r);
    return 0;
}
