#include "util/array.h"

#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

int ig_array_grow(void *arrayp, size_t *cap, size_t elem, size_t first)
{
    size_t ncap;
    if (*cap == 0)
        ncap = first ? first : 1;
    else if (*cap > SIZE_MAX / 2)
        return -1;
    else
        ncap = *cap * 2;
    if (ncap > SIZE_MAX / elem) return -1;
    /* The array pointer is read and written as bytes: arrayp points to a
     * T *, which POSIX guarantees has the representation of a void *. */
    void *v;
    memcpy(&v, arrayp, sizeof v);
    void *nv = ig_realloc(v, ncap * elem);
    if (!nv) return -1;
    memcpy(arrayp, &nv, sizeof nv);
    *cap = ncap;
    return 0;
}
