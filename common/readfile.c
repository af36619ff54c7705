/* readfile.c - whole files and streams into memory (see readfile.h). */
#include "readfile.h"

#include "err.h"

#include <stdlib.h>

char *read_stream(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n + 1 < cap)
            break;
        char *nb = realloc(buf, cap *= 2);
        if (!nb)
            free(buf);
        buf = nb;
    }
    if (!buf) {
        err_set("out of memory");
        return NULL;
    }
    if (ferror(f)) {
        err_errno("read error");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_errno("cannot open '%s'", path);
        return NULL;
    }
    char *buf = read_stream(f, len);
    fclose(f);
    if (!buf)
        err_prefix("%s", path);
    return buf;
}
