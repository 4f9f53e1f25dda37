/*
 * rules/sandbox_mem.c - the sandbox's allocator: exact accounting of every
 * byte a state holds, and a cap that Lua answers with a memory error.
 */
#include <stddef.h>

#include "rules/sandbox_int.h"
#include "util/alloc.h"

static void note_refusal(sandbox *sb, const void *ptr, size_t osize, size_t nsize)
{
    if (sb->refusal_pending && ptr == sb->refused_ptr && osize == sb->refused_osize &&
        nsize == sb->refused_nsize) {
        /* the retry after the emergency collection failed as well */
        ig_sb_trip(sb, SB_MEMORY);
        sb->refusal_pending = 0;
        return;
    }
    sb->refusal_pending = 1;
    sb->refused_ptr = ptr;
    sb->refused_osize = osize;
    sb->refused_nsize = nsize;
}

void *ig_sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sandbox *sb = ud;
    size_t old = ptr ? osize : 0; /* without a block, osize is a type tag */
    if (nsize == 0) {
        ig_free(ptr);
        sb->used -= old;
        return NULL;
    }
    if (nsize <= old) {
        /* Lua assumes shrinking never fails; the old block is big enough. */
        void *p = ig_realloc(ptr, nsize);
        sb->used -= old - nsize;
        return p ? p : ptr;
    }
    if (sb->refusal_pending &&
        !(ptr == sb->refused_ptr && osize == sb->refused_osize && nsize == sb->refused_nsize)) {
        /* a different request came first: the refusal was not retried */
        sb->refusal_pending = 0;
        ig_sb_trip(sb, SB_MEMORY);
    }
    if (sb->depth > 0 && sb->deadline_ns) {
        sb->clock_bytes += nsize - old;
        if (++sb->clock_allocs >= CLOCK_EVERY_ALLOCS || sb->clock_bytes >= CLOCK_EVERY_BYTES) {
            sb->clock_allocs = 0;
            sb->clock_bytes = 0;
            ig_sb_check_deadline(sb);
        }
    }
    /* After a CPU trip nothing may grow, so C code that is busy allocating
     * (table.concat, string.rep) unwinds at its next allocation. After a
     * memory trip the cap alone applies, which leaves the message handler
     * room to run. */
    int cpu_tripped = sb->tripped == SB_INSTRUCTIONS || sb->tripped == SB_TIMEOUT;
    if ((cpu_tripped && sb->depth > 0) || nsize - old > sb->lim.memory - sb->used) {
        note_refusal(sb, ptr, osize, nsize);
        return NULL;
    }
    void *p = ig_realloc(ptr, nsize);
    if (!p) {
        note_refusal(sb, ptr, osize, nsize);
        return NULL;
    }
    sb->refusal_pending = 0;
    sb->used += nsize - old;
    return p;
}
