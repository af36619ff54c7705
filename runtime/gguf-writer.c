/*
 * gguf-writer.c - builds GGUF files for tests and benchmark models (see gguf-writer.h).
 *
 * The header is assembled in memory (a few KiB to a few MiB for large
 * vocabularies); tensor data is appended behind it at aligned offsets.
 * Allocation failures abort: this is test and tooling code.
 */
#include "gguf-writer.h"

#include "../common/err.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct wtensor {
    char *name;
    uint32_t type, n_dims;
    int64_t ne[GGUF_MAX_DIMS];
    uint64_t size, offset;
    uint8_t *data;
};

struct gguf_writer {
    uint32_t version;
    uint64_t alignment;
    uint64_t n_kv;
    uint8_t *kv;          /* serialised key/values */
    size_t kv_len, kv_cap;
    struct wtensor *t;
    uint64_t n_t;
};

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "gguf-writer: out of memory\n");
        abort();
    }
    return p;
}


static void put(struct gguf_writer *w, const void *src, size_t n)
{
    if (n == 0)
        return;
    if (w->kv_len + n > w->kv_cap) {
        w->kv_cap = (w->kv_len + n) * 2 + 256;
        w->kv = xrealloc(w->kv, w->kv_cap);
    }
    memcpy(w->kv + w->kv_len, src, n);
    w->kv_len += n;
}

static void put_count(struct gguf_writer *w, uint64_t n)
{
    if (w->version == 1) {
        uint32_t n32 = (uint32_t)n;
        put(w, &n32, 4);
    } else {
        put(w, &n, 8);
    }
}

static void put_str(struct gguf_writer *w, const char *s)
{
    size_t n = strlen(s);
    put_count(w, n);
    put(w, s, n);
}

static void put_key(struct gguf_writer *w, const char *key, enum gguf_vtype t)
{
    uint32_t t32 = (uint32_t)t;
    put_str(w, key);
    put(w, &t32, 4);
    w->n_kv++;
}

struct gguf_writer *gguf_writer_new(uint32_t version)
{
    struct gguf_writer *w = xrealloc(NULL, sizeof *w);
    memset(w, 0, sizeof *w);
    w->version = version;
    w->alignment = GGUF_DEFAULT_ALIGNMENT;
    return w;
}

void gguf_writer_free(struct gguf_writer *w)
{
    if (!w)
        return;
    for (uint64_t i = 0; i < w->n_t; i++) {
        free(w->t[i].name);
        free(w->t[i].data);
    }
    free(w->t);
    free(w->kv);
    free(w);
}

void gguf_writer_u32(struct gguf_writer *w, const char *key, uint32_t v)
{
    put_key(w, key, GGUF_UINT32);
    put(w, &v, 4);
    if (!strcmp(key, "general.alignment") && v && !(v & (v - 1)))
        w->alignment = v;
}

void gguf_writer_i32(struct gguf_writer *w, const char *key, int32_t v)
{
    put_key(w, key, GGUF_INT32);
    put(w, &v, 4);
}

void gguf_writer_u64(struct gguf_writer *w, const char *key, uint64_t v)
{
    put_key(w, key, GGUF_UINT64);
    put(w, &v, 8);
}

void gguf_writer_f32(struct gguf_writer *w, const char *key, float v)
{
    put_key(w, key, GGUF_FLOAT32);
    put(w, &v, 4);
}

void gguf_writer_bool(struct gguf_writer *w, const char *key, int v)
{
    uint8_t b = v != 0;
    put_key(w, key, GGUF_BOOL);
    put(w, &b, 1);
}

void gguf_writer_str(struct gguf_writer *w, const char *key, const char *v)
{
    put_key(w, key, GGUF_STRING);
    put_str(w, v);
}

static size_t elem_size(enum gguf_vtype t)
{
    switch (t) {
    case GGUF_UINT8: case GGUF_INT8: case GGUF_BOOL: return 1;
    case GGUF_UINT16: case GGUF_INT16: return 2;
    case GGUF_UINT32: case GGUF_INT32: case GGUF_FLOAT32: return 4;
    default: return 8;
    }
}

void gguf_writer_arr(struct gguf_writer *w, const char *key, enum gguf_vtype elem, const void *data, uint64_t n)
{
    uint32_t e = (uint32_t)elem;
    put_key(w, key, GGUF_ARRAY);
    put(w, &e, 4);
    put_count(w, n);
    put(w, data, (size_t)n * elem_size(elem));
}

void gguf_writer_arr_str(struct gguf_writer *w, const char *key, const char *const *v, uint64_t n)
{
    uint32_t e = GGUF_STRING;
    put_key(w, key, GGUF_ARRAY);
    put(w, &e, 4);
    put_count(w, n);
    for (uint64_t i = 0; i < n; i++)
        put_str(w, v[i]);
}

static void put_value(struct gguf_writer *w, const struct gguf_value *v)
{
    switch (v->type) {
    case GGUF_STRING:
        put_count(w, v->v.str.len);
        put(w, v->v.str.ptr, (size_t)v->v.str.len);
        break;
    case GGUF_ARRAY: {
        const struct gguf_array *a = &v->v.arr;
        uint32_t e = (uint32_t)a->type;
        put(w, &e, 4);
        put_count(w, a->n);
        for (uint64_t i = 0; i < a->n; i++) {
            if (a->type == GGUF_STRING) {
                put_count(w, a->strs[i].len);
                put(w, a->strs[i].ptr, (size_t)a->strs[i].len);
            } else if (a->type == GGUF_ARRAY) {
                put_value(w, &a->items[i]);
            }
        }
        if (a->type != GGUF_STRING && a->type != GGUF_ARRAY)
            put(w, a->data, (size_t)a->n * elem_size(a->type));
        break;
    }
    case GGUF_FLOAT32: {
        float f = (float)v->v.f64;
        put(w, &f, 4);
        break;
    }
    case GGUF_FLOAT64:
        put(w, &v->v.f64, 8);
        break;
    case GGUF_BOOL: {
        uint8_t b = v->v.b != 0;
        put(w, &b, 1);
        break;
    }
    default: /* integers: the low bytes of the 64-bit value, little-endian */
        put(w, &v->v.u64, elem_size(v->type));
        break;
    }
}

void gguf_writer_value(struct gguf_writer *w, const char *key, const struct gguf_value *v)
{
    put_key(w, key, v->type);
    put_value(w, v);
    if (!strcmp(key, "general.alignment") && v->type == GGUF_UINT32 && v->v.u64 && !(v->v.u64 & (v->v.u64 - 1)))
        w->alignment = v->v.u64;
}

void gguf_writer_tensor(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                        const int64_t *ne, const void *data)
{
    w->t = xrealloc(w->t, sizeof *w->t * (size_t)(w->n_t + 1));
    struct wtensor *t = &w->t[w->n_t++];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->type = type;
    t->n_dims = n_dims;
    uint64_t rows = 1;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        t->ne[d] = d < n_dims ? ne[d] : 1;
        if (d > 0)
            rows *= (uint64_t)t->ne[d];
    }
    t->size = ggml_row_size(type, t->ne[0]) * rows;
    if (data) {
        t->data = xrealloc(NULL, (size_t)t->size);
        memcpy(t->data, data, (size_t)t->size);
    }
}

/* Serialises the header (magic .. tensor infos, padded) and assigns offsets. */
static uint8_t *build_header(struct gguf_writer *w, uint64_t *hdr_len, uint64_t *data_len)
{
    struct gguf_writer h = { .version = w->version };
    uint32_t ver = w->version;
    put(&h, "GGUF", 4);
    put(&h, &ver, 4);
    put_count(&h, w->n_t);
    put_count(&h, w->n_kv);
    put(&h, w->kv, w->kv_len);
    uint64_t off = 0;
    for (uint64_t i = 0; i < w->n_t; i++) {
        struct wtensor *t = &w->t[i];
        put_str(&h, t->name);
        put(&h, &t->n_dims, 4);
        for (uint32_t d = 0; d < t->n_dims; d++)
            put_count(&h, (uint64_t)t->ne[d]);
        put(&h, &t->type, 4);
        t->offset = off;
        put(&h, &t->offset, 8);
        off += (t->size + w->alignment - 1) / w->alignment * w->alignment;
    }
    static const uint8_t zeros[64];
    while (h.kv_len % w->alignment)
        put(&h, zeros, 1);
    *hdr_len = h.kv_len;
    *data_len = off;
    return h.kv;
}

int gguf_writer_to_buffer(struct gguf_writer *w, uint8_t **out, uint64_t *size)
{
    uint64_t hl, dl;
    uint8_t *hdr = build_header(w, &hl, &dl);
    uint8_t *b = xrealloc(NULL, (size_t)(hl + dl));
    memcpy(b, hdr, (size_t)hl);
    memset(b + hl, 0, (size_t)dl);
    free(hdr);
    for (uint64_t i = 0; i < w->n_t; i++)
        if (w->t[i].data)
            memcpy(b + hl + w->t[i].offset, w->t[i].data, (size_t)w->t[i].size);
    *out = b;
    *size = hl + dl;
    return 0;
}

int gguf_writer_to_file(struct gguf_writer *w, const char *path, int sparse)
{
    uint64_t hl, dl;
    uint8_t *hdr = build_header(w, &hl, &dl);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = -1;
    if (fd < 0) {
        err_errno("%s", path);
        goto out;
    }
    if (pwrite(fd, hdr, (size_t)hl, 0) != (ssize_t)hl) {
        err_errno("%s: write", path);
        goto out;
    }
    for (uint64_t i = 0; i < w->n_t; i++) {
        const struct wtensor *t = &w->t[i];
        if (!t->data || sparse)
            continue;
        if (pwrite(fd, t->data, (size_t)t->size, (off_t)(hl + t->offset)) != (ssize_t)t->size) {
            err_errno("%s: write", path);
            goto out;
        }
    }
    if (ftruncate(fd, (off_t)(hl + dl)) < 0) {
        err_errno("%s: truncate", path);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = err_errno("%s: close", path);
    free(hdr);
    return rc;
}
