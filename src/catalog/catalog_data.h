/*
 * catalog/catalog_data.h - the text of data/iam-catalog.txt, compiled
 * into the library by cmake/embed_catalog.cmake.
 */
#ifndef IAMG_CATALOG_CATALOG_DATA_H
#define IAMG_CATALOG_CATALOG_DATA_H

#include <stddef.h>

extern const char ig_catalog_text[];
extern const size_t ig_catalog_text_len;
/* The package version of the V line, e.g. "0.21.202609261". */
extern const char ig_catalog_data_version[];

#endif
