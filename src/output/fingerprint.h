/*
 * output/fingerprint.h - GitHub's primaryLocationLineHash.
 *
 * GitHub code scanning tracks an alert across commits by rule, path and this
 * per-line rolling hash. iamguard computes it exactly as GitHub's upload step
 * does (see ../shared/sarif/FINGERPRINTS.md) so alerts stay stable however
 * the SARIF is uploaded.
 */
#ifndef IAMG_OUT_FINGERPRINT_H
#define IAMG_OUT_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct line_hashes {
    uint64_t *hash;       /* hash[i] is the hash of line i + 1 (or of lines[i]) */
    uint32_t *occurrence; /* 1-based count of hash[i] among lines 1..i+1 (..lines[i]) */
    uint32_t nlines;      /* lines in the text */
    uint32_t *lines;      /* NULL, or the only lines held, sorted (ig_fingerprint_some_lines) */
    size_t nwanted;
} line_hashes;

/* Hash every line of data[0..len) (read as UTF-8). 0, or -1 when out of memory. */
int ig_fingerprint_lines(const char *data, size_t len, line_hashes *out);
void ig_fingerprint_free(line_hashes *h);

/* The same for lines[0..n) only (any order, repeats allowed; 0 and lines
 * past the end as in ig_fingerprint_format), in memory for those lines
 * alone: two passes over the text instead of a hash per line of a huge file
 * kept. 0, or -1 when out of memory. */
int ig_fingerprint_some_lines(const char *data, size_t len, const uint32_t *lines, size_t n,
                              line_hashes *out);

/* "hex:occurrence" for `line` (1-based; lines past the end use the last
 * line, line 0 uses line 1, as GitHub does for results without a region).
 * out must hold 32 bytes; "" for a line that `h` does not hold. */
void ig_fingerprint_format(const line_hashes *h, uint32_t line, char out[32]);

#endif
