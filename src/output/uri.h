/*
 * output/uri.h - file paths as the URIs SARIF viewers resolve.
 *
 * GitHub code scanning matches a result to a file of the repository by its
 * artifactLocation.uri, a URI reference relative to the checkout root. A
 * path is a byte string and a URI is not: spaces, '%', '#', '?', brackets
 * and every non-ASCII byte must be percent-encoded or the viewer looks up
 * another file (or none).
 */
#ifndef IAMG_OUT_URI_H
#define IAMG_OUT_URI_H

#include <stddef.h>

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

#endif
