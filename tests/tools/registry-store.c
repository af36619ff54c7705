/*
 * registry-store.c - a window on the store for the registry tests, which
 * must not depend on other commands being finished:
 *
 *   registry-store dump            one line per model: "<id> <tag> <tag>..."
 *   registry-store tag SRC DST     store_tag()
 *   registry-store rm REF          store_remove(force)
 *
 * Uses $MODEL_HOME like `model`.
 */
#include "../../common/err.h"
#include "../../store/store.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: registry-store dump | tag SRC DST | rm REF\n");
        return 2;
    }
    struct store *s = store_open(NULL);
    if (!s) {
        fprintf(stderr, "registry-store: %s\n", err_msg());
        return 1;
    }
    int rc = 0;
    if (!strcmp(argv[1], "dump")) {
        struct store_model *m;
        size_t n;
        if (store_list(s, &m, &n) < 0) {
            rc = 1;
        } else {
            for (size_t i = 0; i < n; i++) {
                printf("%s", m[i].id);
                for (int t = 0; t < m[i].n_tags; t++)
                    printf(" %s", m[i].tags[t]);
                printf("\n");
            }
            store_models_free(m, n);
        }
    } else if (!strcmp(argv[1], "tag") && argc == 4) {
        rc = store_tag(s, argv[2], argv[3]) < 0;
    } else if (!strcmp(argv[1], "rm") && argc == 3) {
        rc = store_remove(s, argv[2], 1, NULL) < 0;
    } else {
        fprintf(stderr, "registry-store: bad arguments\n");
        rc = 2;
    }
    if (rc == 1)
        fprintf(stderr, "registry-store: %s\n", err_msg());
    store_close(s);
    return rc;
}
