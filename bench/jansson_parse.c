/*
 * jansson_parse - the baseline iamguard's speed is measured against: read
 * every file under the given folders and parse it with jansson, nothing more.
 * Single-threaded, like a one-core scan.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static size_t files, bytes, failed;

static void parse_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    json_error_t err;
    json_t *v = buf ? json_loadb(buf, n, JSON_DECODE_ANY, &err) : NULL;
    if (!v) failed++;
    json_decref(v);
    free(buf);
    files++;
    bytes += n;
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        parse_file(dir);
        return;
    }
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            walk(path);
        else if (S_ISREG(st.st_mode))
            parse_file(path);
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        walk(argv[i]);
    fprintf(stderr, "%zu files, %zu bytes, %zu not JSON\n", files, bytes, failed);
    return 0;
}
