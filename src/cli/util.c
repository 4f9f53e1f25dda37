#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

cli_exit cli_worse(cli_exit a, cli_exit b)
{
    static const int rank[] = {0, 1, 3, 2}; /* by value: OK, FINDINGS, USAGE, INCOMPLETE */
    return rank[a] >= rank[b] ? a : b;
}

int cli_strlist_add(cli_strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

void cli_strlist_free(cli_strlist *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* The last few escapes, freed as the ring turns: a printf may take several. */
#define ESC_RING 8
static char *esc_ring[ESC_RING];
static unsigned esc_next;

static const char *escape_with(const char *s, unsigned flags)
{
    if (!s) return NULL;
    size_t n = iamg_escape(NULL, 0, s, flags);
    char *e = malloc(n + 1);
    if (!e) return "(out of memory)";
    iamg_escape(e, n + 1, s, flags);
    free(esc_ring[esc_next]);
    esc_ring[esc_next] = e;
    esc_next = (esc_next + 1) % ESC_RING;
    return e;
}

const char *cli_esc(const char *s)
{
    return escape_with(s, 0);
}

const char *cli_esc_line(const char *s)
{
    return escape_with(s, IAMG_ESCAPE_LINE_START);
}

const char *cli_esc_lines(const char *s)
{
    return escape_with(s, IAMG_ESCAPE_KEEP_NEWLINES);
}

void cli_error(const iamg_error *err)
{
    fputs("iamguard: ", stderr);
    if (err->path[0]) {
        fputs(cli_esc(err->path), stderr);
        if (err->line) fprintf(stderr, ":%u", err->line);
        if (err->line && err->column) fprintf(stderr, ":%u", err->column);
        fputs(": ", stderr);
    }
    fprintf(stderr, "%s\n", cli_esc(err->message[0] ? err->message : iamg_strerror(err->code)));
}

/* Messages name files and quote arguments: the whole line is escaped, so
 * none of that can start a line of its own. */
void cli_errorf(const char *fmt, ...)
{
    char small[512], *msg = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (!msg) msg = small;
    fprintf(stderr, "iamguard: %s\n", n < 0 ? fmt : cli_esc(msg));
    if (msg != small) free(msg);
}

int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) return -1;
    *out = v;
    return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
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
        end++;
        if (*end == 'i') end++;
        if (*end == 'B' || *end == 'b') end++;
        if (*end) return -1;
    }
    if (v > (UINT64_MAX >> shift)) return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int cli_set_param(iamg_engine *e, const char *arg)
{
    const char *eq = strchr(arg, '=');
    const char *dot = NULL;
    for (const char *p = arg; eq && p < eq; p++)
        if (*p == '.') dot = p;
    if (!eq || !dot || dot == arg || dot + 1 == eq) {
        cli_errorf("--param needs RULE-ID.NAME=VALUE, not '%s'", arg);
        return -1;
    }
    char id[256], name[128];
    if ((size_t)(dot - arg) >= sizeof id || (size_t)(eq - dot - 1) >= sizeof name) {
        cli_errorf("--param '%s': rule id or parameter name too long", arg);
        return -1;
    }
    memcpy(id, arg, (size_t)(dot - arg));
    id[dot - arg] = '\0';
    memcpy(name, dot + 1, (size_t)(eq - dot - 1));
    name[eq - dot - 1] = '\0';
    iamg_error err;
    if (iamg_engine_set_param_text(e, id, name, eq + 1, &err)) {
        cli_errorf("--param %s: %s", arg, err.message);
        return -1;
    }
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

const char *cli_format_for(const char *path, const char *fallback)
{
    if (!path) return fallback;
    if (ends_with(path, ".sarif") || ends_with(path, ".sarif.json")) return "sarif";
    if (ends_with(path, ".json")) return "json";
    if (ends_with(path, ".xml")) return "junit";
    if (ends_with(path, ".html") || ends_with(path, ".htm")) return "html";
    if (ends_with(path, ".txt")) return "text";
    return fallback;
}

iamg_writer_fn cli_writer_for(const char *format)
{
    static const struct {
        const char *name;
        iamg_writer_fn fn;
    } writers[] = {{"text", iamg_write_text},   {"json", iamg_write_json},
                   {"sarif", iamg_write_sarif}, {"gitlab", iamg_write_gitlab},
                   {"junit", iamg_write_junit}, {"html", iamg_write_html}};
    for (size_t i = 0; i < sizeof writers / sizeof *writers; i++)
        if (!strcmp(format, writers[i].name)) return writers[i].fn;
    return NULL;
}
