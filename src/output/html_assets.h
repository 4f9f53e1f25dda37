/*
 * output/html_assets.h - the HTML report's page, compiled in.
 *
 * cmake/embed_html.cmake builds it from src/output/html/: report.html with
 * report.css and report.js inlined and their SHA-256 hashes in its
 * Content-Security-Policy. The results' JSON goes between head and tail.
 */
#ifndef IAMG_OUTPUT_HTML_ASSETS_H
#define IAMG_OUTPUT_HTML_ASSETS_H

#include <stddef.h>

extern const char ig_html_head[];
extern const size_t ig_html_head_len;
extern const char ig_html_tail[];
extern const size_t ig_html_tail_len;

#endif
