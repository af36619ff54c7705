/*
 * catalog.c - request model names to GGUF files (see catalog.h). The store
 * is opened per call: a store handle is not shared between threads, and an
 * open is cheap next to loading a model.
 */
#include "catalog.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/err.h"
#include "../store/reference.h"
#include "../store/store.h"

struct file_model {
    char *name;
    char *norm;          /* ref_format(REF_FAMILIAR) of name, to compare like the CLI */
    char *real;
    int64_t created;
    uint64_t size;
};

struct catalog {
    char *store_root;
    struct file_model *files;
    int n_files;
};

void catalog_entry_free(struct catalog_entry *e)
{
    if (!e)
        return;
    free(e->name);
    free(e->key);
    for (int i = 0; i < e->n_paths; i++)
        free(e->paths[i]);
    free(e->paths);
    free(e->template_path);
    memset(e, 0, sizeof *e);
}

void catalog_entries_free(struct catalog_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        catalog_entry_free(&e[i]);
    free(e);
}

/* "ai/x:latest", "x" and "X" all give "ai/x:latest"; text that is no reference stays itself. */
static char *normalise(const char *name)
{
    struct ref r;
    char buf[512];
    if (ref_parse(name, &r) < 0) {
        err_clear();
        return strdup(name);
    }
    return strdup(ref_format(&r, REF_FAMILIAR, buf, sizeof buf));
}

struct catalog *catalog_new(const char *store_root, const char *const *files, int n_files)
{
    struct catalog *c = calloc(1, sizeof *c);
    if (!c || (n_files && !(c->files = calloc((size_t)n_files, sizeof *c->files)))) {
        free(c);
        err_set("out of memory");
        return NULL;
    }
    if (store_root && !(c->store_root = strdup(store_root)))
        goto oom;
    for (int i = 0; i < n_files; i++) {
        struct file_model *f = &c->files[c->n_files];
        struct stat st;
        char real[PATH_MAX];
        const char *base = strrchr(files[i], '/');
        base = base ? base + 1 : files[i];
        size_t len = strlen(base);
        if (len < 6 || strcmp(base + len - 5, ".gguf")) {
            err_set("%s: not a .gguf file", files[i]);
            goto fail;
        }
        if (!realpath(files[i], real) || stat(real, &st) < 0) {
            err_errno("%s", files[i]);
            goto fail;
        }
        c->n_files++;
        if (!(f->name = strndup(base, len - 5)) || !(f->real = strdup(real)) || !(f->norm = normalise(f->name)))
            goto oom;
        f->created = (int64_t)st.st_mtime;
        f->size = (uint64_t)st.st_size;
    }
    return c;
oom:
    err_set("out of memory");
fail:
    catalog_free(c);
    return NULL;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_files; i++) {
        free(c->files[i].name);
        free(c->files[i].norm);
        free(c->files[i].real);
    }
    free(c->files);
    free(c->store_root);
    free(c);
}

static int entry_from_file(const struct file_model *f, struct catalog_entry *out)
{
    memset(out, 0, sizeof *out);
    out->paths = calloc(1, sizeof *out->paths);
    if (!out->paths || !(out->name = strdup(f->name)) || !(out->key = strdup(f->real)) ||
        !(out->paths[0] = strdup(f->real))) {
        catalog_entry_free(out);
        return err_set("out of memory");
    }
    out->n_paths = 1;
    out->created = f->created;
    out->size = f->size;
    return 0;
}

static int entry_from_store(const struct store_model *m, const char *name, struct catalog_entry *out)
{
    memset(out, 0, sizeof *out);
    if (m->n_gguf < 1)
        return err_set("model %s has no GGUF layer", name);
    if (!(out->name = strdup(name)) || !(out->key = strdup(m->id)) ||
        !(out->paths = calloc((size_t)m->n_gguf, sizeof *out->paths)))
        goto oom;
    for (int i = 0; i < m->n_gguf; i++, out->n_paths++)
        if (!(out->paths[i] = strdup(m->gguf_paths[i])))
            goto oom;
    if (m->template_path && !(out->template_path = strdup(m->template_path)))
        goto oom;
    out->created = m->created;
    out->size = m->size;
    return 0;
oom:
    catalog_entry_free(out);
    return err_set("out of memory");
}

int catalog_resolve(struct catalog *c, const char *name, struct catalog_entry *out)
{
    char *norm = normalise(name);
    if (!norm)
        return err_set("out of memory");
    for (int i = 0; i < c->n_files; i++)
        if (!strcmp(c->files[i].name, name) || !strcmp(c->files[i].norm, norm)) {
            free(norm);
            return entry_from_file(&c->files[i], out);
        }
    free(norm);

    struct store *s = store_open(c->store_root);
    if (!s)
        return -1;
    struct store_model m;
    char tag[REF_NAME_MAX + 140];
    int rc = store_resolve(s, name, &m, tag);
    store_close(s);
    if (rc < 0)
        return -1;
    rc = entry_from_store(&m, *tag ? tag : (m.n_tags ? m.tags[0] : m.id), out);
    store_model_free(&m);
    return rc;
}

int catalog_list(struct catalog *c, struct catalog_entry **out, size_t *n)
{
    struct store_model *models = NULL;
    size_t n_models = 0, count = 0, cap = (size_t)c->n_files;
    struct store *s = store_open(c->store_root);

    *out = NULL;
    *n = 0;
    /* An unreadable store still leaves the command-line files to list. */
    if (s && store_list(s, &models, &n_models) < 0)
        n_models = 0;
    if (s)
        store_close(s);
    err_clear();
    for (size_t i = 0; i < n_models; i++)
        cap += models[i].n_tags ? (size_t)models[i].n_tags : 1;
    struct catalog_entry *e = calloc(cap ? cap : 1, sizeof *e);
    if (!e) {
        store_models_free(models, n_models);
        return err_set("out of memory");
    }
    for (int i = 0; i < c->n_files; i++)
        if (entry_from_file(&c->files[i], &e[count]) == 0)
            count++;
    for (size_t i = 0; i < n_models; i++) {
        if (models[i].n_tags == 0) {
            if (entry_from_store(&models[i], models[i].id, &e[count]) == 0)
                count++;
            continue;
        }
        for (int t = 0; t < models[i].n_tags; t++)
            if (entry_from_store(&models[i], models[i].tags[t], &e[count]) == 0)
                count++;
    }
    store_models_free(models, n_models);
    err_clear();
    *out = e;
    *n = count;
    return 0;
}
