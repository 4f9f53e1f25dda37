#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/errors.h"

int ig_read_file(const char *path, uint64_t max, char **data, size_t *len, iamg_error *err)
{
    *data = NULL;
    *len = 0;
    if (ig_fault_read_should_fail())
        return ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot read file: injected read failure");
    /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot open file: %s", strerror(errno));
    struct stat st;
    int rc = 0;
    char *p = NULL;
    if (fstat(fd, &st) != 0) {
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot stat file: %s", strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = ig_error_set(err, IAMG_ESKIP, path, 0, 0, "is a folder, not a file");
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = ig_error_set(err, IAMG_ESKIP, path, 0, 0,
                          "not a regular file (FIFO, socket or device): skipped");
        goto done;
    }
    if ((uint64_t)st.st_size > max) {
        rc = ig_error_set(
            err, IAMG_ELIMIT, path, 0, 0,
            "file is %llu bytes, more than the limit of %llu (--max-file-size): skipped",
            (unsigned long long)st.st_size, (unsigned long long)max);
        goto done;
    }
    size_t cap = (size_t)st.st_size + 1;
    p = ig_malloc(cap);
    if (!p) {
        rc = ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory reading file");
        goto done;
    }
    size_t n = 0;
    for (;;) {
        if (n + 1 >= cap) {
            /* The buffer holds what fstat promised: one byte more says
             * whether the file grew meanwhile, without growing the buffer
             * of every file that did not. */
            char extra;
            ssize_t r = read(fd, &extra, 1);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
                rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot read file: %s",
                                  strerror(errno));
                goto done;
            }
            if (r == 0) break;
            /* It grew: read on, within the limit. */
            if (cap - 1 >= max) {
                rc =
                    ig_error_set(err, IAMG_ELIMIT, path, 0, 0,
                                 "file grew past the limit of %llu bytes while being read: skipped",
                                 (unsigned long long)max);
                goto done;
            }
            size_t ncap = cap * 2 > max + 1 ? (size_t)max + 1 : cap * 2;
            char *np = ig_realloc(p, ncap);
            if (!np) {
                rc = ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory reading file");
                goto done;
            }
            p = np;
            cap = ncap;
            p[n++] = extra;
            continue;
        }
        ssize_t r = read(fd, p + n, cap - 1 - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot read file: %s", strerror(errno));
            goto done;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    p[n] = '\0';
    *data = p;
    *len = n;
    p = NULL;
done:
    ig_free(p);
    close(fd);
    return rc;
}
