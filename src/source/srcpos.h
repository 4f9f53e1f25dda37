/*
 * source/srcpos.h - from byte offsets to the line/column users see.
 *
 * A tsource is a run of bytes a tree was parsed from: a file, or text decoded
 * from a string inside another tsource (a policy JSON string in a Terraform
 * plan, a URL-encoded policy in an account dump). For a decoded source,
 * map[i] is the offset in the parent of the bytes that produced byte i, so any
 * position resolves to the outermost file.
 *
 * Lines are 1-based and end at LF, CRLF or a lone CR. Columns are 1-based and
 * count UTF-16 code units, the unit SARIF uses by default (columnKind
 * "utf16CodeUnits") and GitHub and VS Code display: a tab is one column, an
 * astral character two. A UTF-8 byte-order mark is not part of line 1.
 *
 * Every query costs at most a few hundred bytes of decoding, however long
 * the line: a minified policy or a Terraform plan is one line of megabytes,
 * and a column counted from the line start would make each finding cost the
 * length of the file. Files with such lines get UTF-16 checkpoints: the
 * running count of code units every SRCPOS_STRIDE bytes, taken from one
 * decoding pass over the whole file. That pass meets every line start on a
 * character boundary (a line break is never part of a multi-byte sequence),
 * so counting from a checkpoint gives exactly the count from the line start.
 */
#ifndef IAMG_SOURCE_SRCPOS_H
#define IAMG_SOURCE_SRCPOS_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

/* Bytes between UTF-16 checkpoints, and the line length from which a file
 * gets them (shorter lines are decoded from their start). */
#define SRCPOS_STRIDE 256
#define SRCPOS_LONG_LINE 1024
/* Bytes between points of the line index: a line is found by scanning at
 * most about twice this from the point before it. A start per line would
 * cost 4 bytes a line, 12 MB for a 100 MB account dump. */
#define SRCPOS_GAP 512

/* A point of the line index: offset `off` lies on line `line`, which starts
 * at `start`. Points are line starts, and points inside lines longer than
 * SRCPOS_GAP, so that no two are more than 2 * SRCPOS_GAP bytes apart. */
typedef struct srcpoint {
    uint32_t off, line, start;
} srcpoint;

typedef struct srcmark {
    uint32_t off;   /* first character boundary at or after k * SRCPOS_STRIDE */
    uint32_t units; /* UTF-16 code units in data[0..off) */
} srcmark;

/*
 * The offsets of a decoded source into its parent, packed: the first entry
 * of every SRCMAP_BLOCK, and per entry a 4-bit step from the one before
 * (a byte of a JSON or URL escape moves the offset by 2 to 12, any other by
 * 1). A block with a step outside 0..14 (a YAML line fold over deep
 * indentation) is kept whole in `wide`. 0.56 bytes an entry instead of 4:
 * the policies of a Terraform plan are JSON text in strings, and their maps
 * took more memory than the plan itself.
 */
#define SRCMAP_BLOCK 64
#define SRCMAP_WIDE 15 /* the step of every entry of a wide block */

typedef struct srcmap {
    const uint32_t *base;        /* per block: its first entry */
    const uint8_t *steps;        /* SRCMAP_BLOCK / 2 bytes per block, low nibble first */
    const uint32_t *wide;        /* SRCMAP_BLOCK entries per wide block */
    const uint32_t *wide_blocks; /* their block numbers, ascending */
    uint32_t nwide;
} srcmap;

typedef struct tsource tsource;
struct tsource {
    const char *path; /* display path of the outermost file */
    const char *data; /* the bytes (not necessarily NUL-terminated) */
    uint32_t len;
    const tsource *parent; /* NULL for a file */
    const uint32_t *map;   /* decoded sources: len + 1 entries into parent, or NULL: */
    srcmap packed;         /* the same entries packed (ig_tsource_init_packed) */
    /* Line index of a file, built on first use: most files have no finding
     * and never need one. */
    srcpoint *points; /* sorted by offset (and so by line) */
    uint32_t npoints;
    uint32_t nlines;
    srcmark *marks;     /* len / SRCPOS_STRIDE + 1 entries, or NULL: no long line */
    arena *index_arena; /* where ig_tsource_pos may build the index; NULL: scan instead */
};

typedef struct srcpos {
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based, UTF-16 code units */
    uint32_t off;  /* byte offset in the outermost file */
} srcpos;

/* A file source over data[0..len). The line index is allocated in `a` on
 * first use. Sizes above UINT32_MAX - 1 are the caller's to refuse. */
void ig_tsource_init_file(tsource *s, const char *path, const char *data, size_t len);

/* A source decoded from parent: map must have len + 1 entries. */
void ig_tsource_init_decoded(tsource *s, const tsource *parent, const char *data, uint32_t len,
                             const uint32_t *map);

/* The same, with the map packed into `a` (map itself is not kept and may
 * be freed). 0, or -1 when out of memory. */
int ig_tsource_init_packed(tsource *s, const tsource *parent, const char *data, uint32_t len,
                           const uint32_t *map, arena *a);

/* The outermost file of a source. */
const tsource *ig_tsource_file(const tsource *s);

/* Byte offset in the outermost file for offset `off` of `s`. */
uint32_t ig_tsource_file_offset(const tsource *s, uint32_t off);

/* Build the line index of a file source, with UTF-16 checkpoints when a
 * line is longer than SRCPOS_LONG_LINE (idempotent). 0 or -1 (no memory). */
int ig_tsource_index(tsource *file, arena *a);

/* Resolve an offset of `s` (which may be decoded) to line/column in its file.
 * Uses the file's line index, building it first when the file has an
 * index_arena; without either it scans the file from the start. */
srcpos ig_tsource_pos(const tsource *s, uint32_t off);

/* Line/column of an offset in a file given only its bytes (no index): used by
 * parsers for error messages, which happen once. */
srcpos ig_srcpos_scan(const char *data, size_t len, size_t off);

/* Bytes of line `line` (1-based) of an indexed file, without its terminator
 * and without a leading BOM. Constant time. */
void ig_tsource_line(const tsource *file, uint32_t line, const char **text, uint32_t *len);

/* Byte offset in an indexed file of column `col` (UTF-16, 1-based) of line
 * `line`: the line start plus ig_utf8_bytes_for_utf16(text, len, col - 1),
 * so never past the line's end. 0 when the line does not exist. */
uint32_t ig_tsource_col_offset(const tsource *file, uint32_t line, uint32_t col);

/* UTF-16 code units in text[0..n) (invalid bytes count one each). */
uint32_t ig_utf16_units(const char *text, size_t n);

#endif
