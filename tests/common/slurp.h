/*
 * The tests' one way to read a whole file.
 */
#ifndef IAMG_TESTS_SLURP_H
#define IAMG_TESTS_SLURP_H

#include <stdio.h>
#include <stdlib.h>

/* The bytes of the file at path, followed by a NUL (so text can be used as a
 * C string), their number in *len when len is not NULL. NULL when the file
 * cannot be opened or memory runs out; free() the result. Reads until end
 * of file, so pipes and files that grow work too. */
static __attribute__((unused)) char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    while (data) {
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
        if (n + 1 == cap) {
            char *more = realloc(data, cap * 2);
            if (!more) {
                free(data);
                data = NULL;
                break;
            }
            data = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (!data) return NULL;
    data[n] = '\0';
    if (len) *len = n;
    return data;
}

#endif
