/*
 * jinja-render.c - renders a template file with variables from a JSON file,
 * for debugging templates and comparing with Jinja2 by hand:
 *     build/rel/tools/jinja-render TEMPLATE [VARS.json [NOW_EPOCH]]
 * Prints the output (no newline added); on error prints err_msg() to stderr
 * and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/err.h"
#include "../../runtime/jinja.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = 0;
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: jinja-render TEMPLATE [VARS.json [NOW_EPOCH]]\n");
        return 2;
    }
    size_t tlen, vlen;
    char *src = slurp(argv[1], &tlen);
    if (!src) {
        perror(argv[1]);
        return 1;
    }
    cJSON *vars = NULL;
    if (argc > 2) {
        char *vs = slurp(argv[2], &vlen);
        vars = vs ? cJSON_Parse(vs) : NULL;
        free(vs);
        if (!vars) {
            fprintf(stderr, "%s: not valid JSON\n", argv[2]);
            free(src);
            return 1;
        }
    }
    struct jinja_render_opts ro = { 0 };
    if (argc > 3)
        ro.now = (time_t)strtoll(argv[3], NULL, 10);
    int rc = 0;
    struct jinja_template *t = jinja_compile(src, tlen, NULL);
    size_t n;
    char *out = t ? jinja_render(t, vars, &ro, &n) : NULL;
    if (out) {
        fwrite(out, 1, n, stdout);
    } else {
        fprintf(stderr, "%s\n", err_msg());
        rc = 1;
    }
    free(out);
    jinja_free(t);
    cJSON_Delete(vars);
    free(src);
    return rc;
}
