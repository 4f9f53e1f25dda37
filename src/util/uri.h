/*
 * util/uri.h - file paths as URIs, and back.
 *
 * Writing: file paths as the URIs SARIF viewers resolve. *
 * GitHub code scanning matches a result to a file of the repository by its
 * artifactLocation.uri, a URI reference relative to the checkout root. A
 * path is a byte string and a URI is not: spaces, '%', '#', '?', brackets
 * and every non-ASCII byte must be percent-encoded or the viewer looks up
 * another file (or none).
 */
#ifndef IAMG_UTIL_URI_H
#define IAMG_UTIL_URI_H

#include <stddef.h>
#include <stdint.h>

/*
 * The URI reference of a scanned file's path: a path relative to the scan's
 * base becomes a relative reference ("policies/a%20b.json", never "./...");
 * an absolute path becomes a "file:///..." URI. Bytes are encoded as they
 * are, so a file name that is not valid UTF-8 still names the same file.
 * New string (caller frees with ig_free), NULL when out of memory.
 */
char *ig_uri_from_path(const char *path);

/* The "file:///.../" URI of an absolute folder, always ending in '/', as
 * SARIF wants for base URIs. New string, NULL when out of memory. */
char *ig_uri_from_dir(const char *dir);

/* 1 when path is absolute (lies outside the scan's base). */
int ig_uri_path_is_absolute(const char *path);

/* ---- reading: percent-escapes (RFC 3986) and file: URIs ---- */

/* IG_PCT_PLUS: '+' stands for a space (form encoding, as the IAM API's
 * URL-encoded policies use). */
#define IG_PCT_PLUS 1

/*
 * Decode the percent-escapes of s[0..n) into out, which has room for n
 * bytes (decoding never lengthens); "%" not followed by two hex digits is
 * kept as it is. When map is not NULL, map[k] is set to the offset in s of
 * output byte k, and map[len] to n, so positions in the decoded text lead
 * back to the encoded one. Returns the decoded length; out is not
 * NUL-terminated, and may hold NUL bytes (from "%00").
 */
size_t ig_pct_decode(const char *s, size_t n, char *out, uint32_t *map, unsigned flags);

/* The path of a local file: URI ("file:///x", "file://localhost/x",
 * "file:/x"), still percent-encoded, pointing into uri; NULL when uri is
 * not a file: URI or names another host. */
const char *ig_uri_file_path(const char *uri);

#endif
