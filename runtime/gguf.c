/*
 * gguf.c - GGUF reader: header, key/values, tensor table (see gguf.h).
 *
 * Everything read from the file is untrusted. A cursor walks the buffer and
 * every read first checks that the bytes exist; every count is compared with
 * what the remaining bytes could possibly hold BEFORE anything is allocated
 * for it, so a 40-byte hostile file cannot ask for gigabytes. Nested arrays
 * are bounded in depth. Tensor extents are checked for overflow and against
 * the file size, so the loader can trust t->data[0 .. t->size).
 */
#include "gguf.h"

#include "../common/err.h"
#include "../common/strbuf.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GGUF_MAGIC "GGUF"
#define GGUF_MAX_NESTING 8

/* ---- allocation arena: everything a parse allocates, freed at once -------- */

struct arena_block {
    struct arena_block *next;
    max_align_t data[];
};

static void *arena_alloc(struct gguf *g, size_t size)
{
    struct arena_block *b = calloc(1, sizeof *b + (size ? size : 1));
    if (!b) {
        err_set("out of memory (%zu bytes)", size);
        return NULL;
    }
    b->next = g->arena_;
    g->arena_ = b;
    return b->data;
}

static void arena_free(struct gguf *g)
{
    struct arena_block *b = g->arena_;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    g->arena_ = NULL;
}

/* ---- cursor ------------------------------------------------------------------ */

struct cursor {
    const uint8_t *p;
    uint64_t off;
    uint64_t size;
    uint32_t version;
};

static uint64_t remaining(const struct cursor *c)
{
    return c->size - c->off;
}

static int need(struct cursor *c, uint64_t n, const char *what)
{
    if (n > remaining(c))
        return err_set("truncated file: %s at offset %" PRIu64 " needs %" PRIu64
                       " bytes, only %" PRIu64 " left",
                       what, c->off, n, remaining(c));
    return 0;
}

static int rd_bytes(struct cursor *c, void *out, uint64_t n, const char *what)
{
    if (need(c, n, what) < 0)
        return -1;
    memcpy(out, c->p + c->off, n);
    c->off += n;
    return 0;
}

static int rd_u32(struct cursor *c, uint32_t *v, const char *what)
{
    return rd_bytes(c, v, 4, what);
}

static int rd_u64(struct cursor *c, uint64_t *v, const char *what)
{
    return rd_bytes(c, v, 8, what);
}

/* Counts and lengths are u32 in GGUF v1, u64 from v2 on. */
static int rd_count(struct cursor *c, uint64_t *v, const char *what)
{
    if (c->version == 1) {
        uint32_t v32;
        if (rd_u32(c, &v32, what) < 0)
            return -1;
        *v = v32;
        return 0;
    }
    return rd_u64(c, v, what);
}

static unsigned count_size(const struct cursor *c)
{
    return c->version == 1 ? 4 : 8;
}

static int rd_str(struct cursor *c, struct gguf_str *s, const char *what)
{
    uint64_t len;
    if (rd_count(c, &len, what) < 0 || need(c, len, what) < 0)
        return -1;
    s->ptr = (const char *)c->p + c->off;
    s->len = len;
    c->off += len;
    return 0;
}

static size_t vtype_size(enum gguf_vtype t)
{
    switch (t) {
    case GGUF_UINT8: case GGUF_INT8: case GGUF_BOOL: return 1;
    case GGUF_UINT16: case GGUF_INT16: return 2;
    case GGUF_UINT32: case GGUF_INT32: case GGUF_FLOAT32: return 4;
    case GGUF_UINT64: case GGUF_INT64: case GGUF_FLOAT64: return 8;
    default: return 0;
    }
}

/* Decode one fixed-size scalar at p into v (p may be unaligned). */
static void decode_scalar(enum gguf_vtype t, const uint8_t *p, struct gguf_value *v)
{
    v->type = t;
    switch (t) {
    case GGUF_UINT8: v->v.u64 = p[0]; break;
    case GGUF_INT8: v->v.i64 = (int8_t)p[0]; break;
    case GGUF_BOOL: v->v.b = p[0] != 0; break;
    case GGUF_UINT16: { uint16_t x; memcpy(&x, p, 2); v->v.u64 = x; break; }
    case GGUF_INT16: { int16_t x; memcpy(&x, p, 2); v->v.i64 = x; break; }
    case GGUF_UINT32: { uint32_t x; memcpy(&x, p, 4); v->v.u64 = x; break; }
    case GGUF_INT32: { int32_t x; memcpy(&x, p, 4); v->v.i64 = x; break; }
    case GGUF_FLOAT32: { float x; memcpy(&x, p, 4); v->v.f64 = x; break; }
    case GGUF_UINT64: { uint64_t x; memcpy(&x, p, 8); v->v.u64 = x; break; }
    case GGUF_INT64: { int64_t x; memcpy(&x, p, 8); v->v.i64 = x; break; }
    case GGUF_FLOAT64: { double x; memcpy(&x, p, 8); v->v.f64 = x; break; }
    default: break;
    }
}

static int rd_value(struct gguf *g, struct cursor *c, enum gguf_vtype t, struct gguf_value *v, int depth);

static int rd_array(struct gguf *g, struct cursor *c, struct gguf_array *a, int depth)
{
    uint32_t et;
    uint64_t n;
    if (depth >= GGUF_MAX_NESTING)
        return err_set("arrays nested deeper than %d levels at offset %" PRIu64, GGUF_MAX_NESTING, c->off);
    if (rd_u32(c, &et, "array element type") < 0 || rd_count(c, &n, "array length") < 0)
        return -1;
    if (et >= GGUF_VTYPE_COUNT)
        return err_set("array at offset %" PRIu64 " has unknown element type %u", c->off, et);
    a->type = (enum gguf_vtype)et;
    a->n = n;
    size_t es = vtype_size(a->type);
    if (es) {
        if (n > remaining(c) / es)
            return err_set("truncated file: array of %" PRIu64 " %s at offset %" PRIu64 " exceeds the file",
                           n, gguf_vtype_name(a->type), c->off);
        a->data = c->p + c->off;
        c->off += n * es;
        return 0;
    }
    /* Variable-size elements: each needs at least a length (string) or a
     * type and a length (array), which bounds n by the bytes left. */
    uint64_t min_elem = a->type == GGUF_STRING ? count_size(c) : 4 + count_size(c);
    if (n > remaining(c) / min_elem)
        return err_set("truncated file: array of %" PRIu64 " %s at offset %" PRIu64 " exceeds the file",
                       n, gguf_vtype_name(a->type), c->off);
    if (a->type == GGUF_STRING) {
        a->strs = arena_alloc(g, (size_t)n * sizeof *a->strs);
        if (!a->strs)
            return -1;
        for (uint64_t i = 0; i < n; i++)
            if (rd_str(c, &a->strs[i], "string array element") < 0)
                return -1;
        return 0;
    }
    a->items = arena_alloc(g, (size_t)n * sizeof *a->items);
    if (!a->items)
        return -1;
    for (uint64_t i = 0; i < n; i++)
        if (rd_value(g, c, GGUF_ARRAY, &a->items[i], depth + 1) < 0)
            return -1;
    return 0;
}

static int rd_value(struct gguf *g, struct cursor *c, enum gguf_vtype t, struct gguf_value *v, int depth)
{
    v->type = t;
    if (t == GGUF_STRING)
        return rd_str(c, &v->v.str, "string value");
    if (t == GGUF_ARRAY)
        return rd_array(g, c, &v->v.arr, depth);
    size_t es = vtype_size(t);
    if (!es)
        return err_set("unknown value type %d at offset %" PRIu64, (int)t, c->off);
    if (need(c, es, gguf_vtype_name(t)) < 0)
        return -1;
    decode_scalar(t, c->p + c->off, v);
    c->off += es;
    return 0;
}

/* ---- key/value lookups ---------------------------------------------------------- */

int gguf_str_eq(struct gguf_str s, const char *z)
{
    size_t n = strlen(z);
    return s.len == n && memcmp(s.ptr, z, n) == 0;
}

char *gguf_strdup(struct gguf_str s)
{
    char *z = malloc((size_t)s.len + 1);
    if (!z)
        return NULL;
    memcpy(z, s.ptr, (size_t)s.len);
    z[s.len] = '\0';
    return z;
}

const struct gguf_value *gguf_get(const struct gguf *g, const char *key)
{
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (gguf_str_eq(g->kv[i].key, key))
            return &g->kv[i].val;
    return NULL;
}

static int is_unsigned(enum gguf_vtype t)
{
    return t == GGUF_UINT8 || t == GGUF_UINT16 || t == GGUF_UINT32 || t == GGUF_UINT64;
}

static int is_signed(enum gguf_vtype t)
{
    return t == GGUF_INT8 || t == GGUF_INT16 || t == GGUF_INT32 || t == GGUF_INT64;
}

/* An integer value as sign and magnitude (so any int64 or uint64 compares safely): 0, or -1 when not an integer. */
static int int_value(const struct gguf_value *v, int *neg, uint64_t *mag)
{
    if (is_unsigned(v->type)) {
        *neg = 0;
        *mag = v->v.u64;
        return 0;
    }
    if (is_signed(v->type)) {
        *neg = v->v.i64 < 0;
        *mag = *neg ? (uint64_t)(-(v->v.i64 + 1)) + 1 : (uint64_t)v->v.i64;
        return 0;
    }
    return -1;
}

static int wrong_type(const char *key, const struct gguf_value *v, const char *want)
{
    return err_set("metadata key '%s' is %s, expected %s", key, gguf_vtype_name(v->type), want);
}

int gguf_get_u64(const struct gguf *g, const char *key, uint64_t *out)
{
    const struct gguf_value *v = gguf_get(g, key);
    int neg;
    uint64_t mag;
    if (!v)
        return 1;
    if (int_value(v, &neg, &mag) < 0 || neg)
        return wrong_type(key, v, "an unsigned integer");
    *out = mag;
    return 0;
}

int gguf_get_u32(const struct gguf *g, const char *key, uint32_t *out)
{
    uint64_t x;
    int r = gguf_get_u64(g, key, &x);
    if (r != 0)
        return r;
    if (x > UINT32_MAX)
        return err_set("metadata key '%s' = %" PRIu64 " is out of range", key, x);
    *out = (uint32_t)x;
    return 0;
}

int gguf_get_i32(const struct gguf *g, const char *key, int32_t *out)
{
    const struct gguf_value *v = gguf_get(g, key);
    int neg;
    uint64_t mag;
    if (!v)
        return 1;
    if (int_value(v, &neg, &mag) < 0)
        return wrong_type(key, v, "an integer");
    if ((!neg && mag > INT32_MAX) || (neg && mag > (uint64_t)INT32_MAX + 1))
        return err_set("metadata key '%s' is out of range for a 32-bit integer", key);
    *out = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
    return 0;
}

int gguf_get_f32(const struct gguf *g, const char *key, float *out)
{
    const struct gguf_value *v = gguf_get(g, key);
    if (!v)
        return 1;
    if (v->type == GGUF_FLOAT32 || v->type == GGUF_FLOAT64)
        *out = (float)v->v.f64;
    else if (is_unsigned(v->type))
        *out = (float)v->v.u64;
    else if (is_signed(v->type))
        *out = (float)v->v.i64;
    else
        return wrong_type(key, v, "a number");
    return 0;
}

int gguf_get_bool(const struct gguf *g, const char *key, int *out)
{
    const struct gguf_value *v = gguf_get(g, key);
    if (!v)
        return 1;
    if (v->type != GGUF_BOOL)
        return wrong_type(key, v, "a bool");
    *out = v->v.b;
    return 0;
}

int gguf_get_str(const struct gguf *g, const char *key, struct gguf_str *out)
{
    const struct gguf_value *v = gguf_get(g, key);
    if (!v)
        return 1;
    if (v->type != GGUF_STRING)
        return wrong_type(key, v, "a string");
    *out = v->v.str;
    return 0;
}

int gguf_get_arr(const struct gguf *g, const char *key, enum gguf_vtype elem, const struct gguf_array **out)
{
    const struct gguf_value *v = gguf_get(g, key);
    if (!v)
        return 1;
    if (v->type != GGUF_ARRAY)
        return wrong_type(key, v, "an array");
    if (v->v.arr.type != elem)
        return err_set("metadata key '%s' is an array of %s, expected %s", key,
                       gguf_vtype_name(v->v.arr.type), gguf_vtype_name(elem));
    *out = &v->v.arr;
    return 0;
}

int64_t gguf_arr_i64(const struct gguf_array *a, uint64_t i)
{
    struct gguf_value v;
    size_t es = vtype_size(a->type);
    if (!es || i >= a->n)
        return 0;
    decode_scalar(a->type, a->data + i * es, &v);
    if (is_unsigned(v.type))
        return (int64_t)v.v.u64;
    if (is_signed(v.type))
        return v.v.i64;
    if (v.type == GGUF_BOOL)
        return v.v.b;
    return (int64_t)v.v.f64;
}

double gguf_arr_f64(const struct gguf_array *a, uint64_t i)
{
    struct gguf_value v;
    size_t es = vtype_size(a->type);
    if (!es || i >= a->n)
        return 0;
    decode_scalar(a->type, a->data + i * es, &v);
    if (v.type == GGUF_FLOAT32 || v.type == GGUF_FLOAT64)
        return v.v.f64;
    if (is_unsigned(v.type))
        return (double)v.v.u64;
    if (is_signed(v.type))
        return (double)v.v.i64;
    return v.v.b;
}

/* ---- values as text (the model config's "gguf" map) ------------------------------ */

/* A value's text is built with strbuf; an allocation failure anywhere makes
 * the whole conversion fail, so it is remembered instead of checked per call. */
struct sbuf {
    struct strbuf s;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (!b->oom && strbuf_add(&b->s, s, n) < 0)
        b->oom = 1;
}

static void sb_scalar(struct sbuf *b, const struct gguf_value *v)
{
    char tmp[64];
    int n = 0;
    if (is_unsigned(v->type))
        n = snprintf(tmp, sizeof tmp, "%" PRIu64, v->v.u64);
    else if (is_signed(v->type))
        n = snprintf(tmp, sizeof tmp, "%" PRId64, v->v.i64);
    else if (v->type == GGUF_FLOAT32)
        n = snprintf(tmp, sizeof tmp, "%.7g", v->v.f64);
    else if (v->type == GGUF_FLOAT64)
        n = snprintf(tmp, sizeof tmp, "%.15g", v->v.f64);
    else if (v->type == GGUF_BOOL)
        n = snprintf(tmp, sizeof tmp, "%s", v->v.b ? "true" : "false");
    if (n > 0)
        sb_add(b, tmp, (size_t)n);
}

static int sb_value(struct sbuf *b, const struct gguf_value *v, uint64_t max_items, int quote)
{
    if (v->type == GGUF_STRING) {
        if (quote)
            sb_add(b, "\"", 1);
        sb_add(b, v->v.str.ptr, (size_t)v->v.str.len);
        if (quote)
            sb_add(b, "\"", 1);
        return 0;
    }
    if (v->type != GGUF_ARRAY) {
        sb_scalar(b, v);
        return 0;
    }
    const struct gguf_array *a = &v->v.arr;
    if (a->n > max_items)
        return -1;
    sb_add(b, "[", 1);
    for (uint64_t i = 0; i < a->n; i++) {
        struct gguf_value e;
        if (i)
            sb_add(b, ", ", 2);
        if (a->type == GGUF_STRING) {
            e.type = GGUF_STRING;
            e.v.str = a->strs[i];
        } else if (a->type == GGUF_ARRAY) {
            e = a->items[i];
        } else {
            decode_scalar(a->type, a->data + i * vtype_size(a->type), &e);
        }
        if (sb_value(b, &e, max_items, 1) < 0)
            return -1;
    }
    sb_add(b, "]", 1);
    return 0;
}

char *gguf_value_to_string(const struct gguf_value *v, uint64_t max_items)
{
    struct sbuf b = { { 0 }, 0 };
    if (sb_value(&b, v, max_items, 0) < 0 || b.oom) {
        free(b.s.p);
        return NULL;
    }
    return strbuf_take(&b.s);
}

/* ---- tensors ---------------------------------------------------------------------- */

const struct gguf_tensor *gguf_find_tensor(const struct gguf *g, const char *name)
{
    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (!strcmp(g->tensors[i].name, name))
            return &g->tensors[i];
    return NULL;
}

/* Reads one tensor info and checks its shape and type; extents are checked later. */
static int rd_tensor_info(struct gguf *g, struct cursor *c, struct gguf_tensor *t, uint64_t idx)
{
    struct gguf_str name;
    uint32_t n_dims, type;
    if (rd_str(c, &name, "tensor name") < 0)
        return -1;
    if (name.len == 0 || name.len > 256 || memchr(name.ptr, '\0', (size_t)name.len))
        return err_set("tensor %" PRIu64 " has an invalid name (length %" PRIu64 ")", idx, name.len);
    char *z = arena_alloc(g, (size_t)name.len + 1);
    if (!z)
        return -1;
    memcpy(z, name.ptr, (size_t)name.len);
    t->name = z;
    if (rd_u32(c, &n_dims, "tensor dimension count") < 0)
        return -1;
    if (n_dims == 0 || n_dims > GGUF_MAX_DIMS)
        return err_set("tensor '%s' has %u dimensions (1 to %d allowed)", z, n_dims, GGUF_MAX_DIMS);
    t->n_dims = n_dims;
    for (int d = 0; d < GGUF_MAX_DIMS; d++)
        t->ne[d] = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        uint64_t ne;
        if (rd_count(c, &ne, "tensor dimension") < 0)
            return -1;
        if (ne > (uint64_t)INT64_MAX)
            return err_set("tensor '%s' dimension %u is out of range", z, d);
        t->ne[d] = (int64_t)ne;
    }
    if (rd_u32(c, &type, "tensor type") < 0 || rd_u64(c, &t->offset, "tensor offset") < 0)
        return -1;
    const struct ggml_type_traits *tr = ggml_get_type_traits(type);
    if (!tr)
        return err_set("tensor '%s' has unknown type id %u", z, type);
    t->type = type;
    if (t->ne[0] % tr->blck_size)
        return err_set("tensor '%s': row length %" PRId64 " is not a multiple of the %s block size %" PRId64,
                       z, t->ne[0], tr->name, tr->blck_size);
    /* size = rows * row bytes, with every product checked for overflow */
    uint64_t rows = 1, size = (uint64_t)(t->ne[0] / tr->blck_size);
    for (int d = 1; d < GGUF_MAX_DIMS; d++) {
        if (t->ne[d] && rows > UINT64_MAX / (uint64_t)t->ne[d])
            return err_set("tensor '%s' has too many elements", z);
        rows *= (uint64_t)t->ne[d];
    }
    if (size && rows > UINT64_MAX / size / tr->type_size)
        return err_set("tensor '%s' is too large", z);
    t->size = size * rows * tr->type_size;
    return 0;
}

/* ---- whole file --------------------------------------------------------------------- */

static struct gguf *parse(const void *data, uint64_t size, uint64_t file_size, int header_only)
{
    struct gguf *g = calloc(1, sizeof *g);
    if (!g) {
        err_set("out of memory");
        return NULL;
    }
    struct cursor c = { .p = data, .off = 0, .size = size, .version = 3 };
    char magic[4];
    uint64_t n_tensors, n_kv;
    g->base = data;
    g->size = file_size;

    if (size < 4 || memcmp(data, GGUF_MAGIC, 4) != 0) {
        err_set("not a GGUF file (it does not start with \"GGUF\")");
        goto fail;
    }
    if (rd_bytes(&c, magic, 4, "magic") < 0 || rd_u32(&c, &g->version, "version") < 0)
        goto fail;
    if (g->version < 1 || g->version > 3) {
        err_set("unsupported GGUF version %u (1, 2 and 3 are supported)", g->version);
        goto fail;
    }
    c.version = g->version;
    if (rd_count(&c, &n_tensors, "tensor count") < 0 || rd_count(&c, &n_kv, "key/value count") < 0)
        goto fail;

    /* a key/value takes at least a key length, a type and a 1-byte value */
    if (n_kv > remaining(&c) / (count_size(&c) + 4 + 1)) {
        err_set("truncated file: %" PRIu64 " key/values cannot fit in %" PRIu64 " bytes", n_kv, remaining(&c));
        goto fail;
    }
    g->kv = arena_alloc(g, (size_t)n_kv * sizeof *g->kv);
    if (!g->kv)
        goto fail;
    for (uint64_t i = 0; i < n_kv; i++) {
        struct gguf_kv *kv = &g->kv[i];
        uint32_t t;
        if (rd_str(&c, &kv->key, "key") < 0 || rd_u32(&c, &t, "value type") < 0)
            goto fail;
        if (t >= GGUF_VTYPE_COUNT) {
            err_set("key '%.*s' has unknown value type %u", (int)(kv->key.len > 200 ? 200 : kv->key.len),
                    kv->key.ptr, t);
            goto fail;
        }
        if (rd_value(g, &c, (enum gguf_vtype)t, &kv->val, 0) < 0) {
            err_prefix("key '%.*s'", (int)(kv->key.len > 200 ? 200 : kv->key.len), kv->key.ptr);
            goto fail;
        }
        for (uint64_t j = 0; j < i; j++)
            if (g->kv[j].key.len == kv->key.len && !memcmp(g->kv[j].key.ptr, kv->key.ptr, (size_t)kv->key.len)) {
                err_set("duplicate key '%.*s'", (int)(kv->key.len > 200 ? 200 : kv->key.len), kv->key.ptr);
                goto fail;
            }
        g->n_kv = i + 1;
    }

    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    const struct gguf_value *al = gguf_get(g, "general.alignment");
    if (al) {
        if (al->type != GGUF_UINT32 || al->v.u64 == 0 || (al->v.u64 & (al->v.u64 - 1))) {
            err_set("general.alignment must be a power-of-two uint32");
            goto fail;
        }
        g->alignment = al->v.u64;
    }

    /* a tensor info takes at least a name length, 1 name byte, n_dims, one dim, type, offset */
    if (n_tensors > remaining(&c) / (count_size(&c) * 2 + 1 + 4 + 4 + 8)) {
        err_set("truncated file: %" PRIu64 " tensor infos cannot fit in %" PRIu64 " bytes", n_tensors,
                remaining(&c));
        goto fail;
    }
    g->tensors = arena_alloc(g, (size_t)n_tensors * sizeof *g->tensors);
    if (!g->tensors)
        goto fail;
    for (uint64_t i = 0; i < n_tensors; i++) {
        if (rd_tensor_info(g, &c, &g->tensors[i], i) < 0)
            goto fail;
        g->n_tensors = i + 1;
    }
    /* duplicate names: a hash would be faster; models have at most a few thousand tensors */
    for (uint64_t i = 0; i < g->n_tensors; i++)
        for (uint64_t j = i + 1; j < g->n_tensors; j++)
            if (!strcmp(g->tensors[i].name, g->tensors[j].name)) {
                err_set("duplicate tensor '%s'", g->tensors[i].name);
                goto fail;
            }

    g->data_offset = (c.off + g->alignment - 1) / g->alignment * g->alignment;
    uint64_t avail = file_size >= g->data_offset ? file_size - g->data_offset : 0;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        struct gguf_tensor *t = &g->tensors[i];
        if (t->offset % g->alignment) {
            err_set("tensor '%s' offset %" PRIu64 " is not aligned to %" PRIu64, t->name, t->offset, g->alignment);
            goto fail;
        }
        if (t->offset > avail || t->size > avail - t->offset) {
            err_set("tensor '%s' data ends past the end of the file (offset %" PRIu64 " + %" PRIu64
                    " bytes > %" PRIu64 " bytes of data): the file is truncated or corrupt",
                    t->name, t->offset, t->size, avail);
            goto fail;
        }
        if (t->offset + t->size > g->data_size)
            g->data_size = t->offset + t->size;
        t->data = header_only ? NULL : g->base + g->data_offset + t->offset;
    }
    return g;

fail:
    gguf_close(g);
    return NULL;
}

struct gguf *gguf_parse(const void *data, uint64_t size)
{
    return parse(data, size, size, 0);
}

struct gguf *gguf_parse_header(const void *data, uint64_t size, uint64_t file_size)
{
    if (file_size < size)
        file_size = size;
    return parse(data, size, file_size, 1);
}

struct gguf *gguf_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        err_errno("%s", path);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        err_errno("%s", path);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set("%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_size == 0) {
        err_set("%s: not a GGUF file (it is empty)", path);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        err_errno("%s: mmap", path);
        return NULL;
    }
    struct gguf *g = gguf_parse(map, (uint64_t)st.st_size);
    if (!g) {
        err_prefix("%s", path);
        munmap(map, (size_t)st.st_size);
        return NULL;
    }
    g->map_ = map;
    g->map_size_ = (size_t)st.st_size;
    return g;
}

void gguf_close(struct gguf *g)
{
    if (!g)
        return;
    arena_free(g);
    if (g->map_)
        munmap(g->map_, g->map_size_);
    if (g->hp_)
        munmap(g->hp_, g->hp_size_);
    free(g);
}

/* ---- names ---------------------------------------------------------------------------- */

const char *gguf_vtype_name(enum gguf_vtype t)
{
    static const char *const names[GGUF_VTYPE_COUNT] = {
        "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
        "bool", "string", "array", "uint64", "int64", "float64",
    };
    return (unsigned)t < GGUF_VTYPE_COUNT ? names[t] : "unknown";
}

const char *gguf_file_type_name(uint32_t ftype)
{
    /* llama.cpp's llama_ftype values; the gaps are retired types */
    static const char *const names[] = {
        [0] = "F32",      [1] = "F16",      [2] = "Q4_0",     [3] = "Q4_1",
        [7] = "Q8_0",     [8] = "Q5_0",     [9] = "Q5_1",     [10] = "Q2_K",
        [11] = "Q3_K_S",  [12] = "Q3_K_M",  [13] = "Q3_K_L",  [14] = "Q4_K_S",
        [15] = "Q4_K_M",  [16] = "Q5_K_S",  [17] = "Q5_K_M",  [18] = "Q6_K",
        [19] = "IQ2_XXS", [20] = "IQ2_XS",  [21] = "Q2_K_S",  [22] = "IQ3_XS",
        [23] = "IQ3_XXS", [24] = "IQ1_S",   [25] = "IQ4_NL",  [26] = "IQ3_S",
        [27] = "IQ3_M",   [28] = "IQ2_S",   [29] = "IQ2_M",   [30] = "IQ4_XS",
        [31] = "IQ1_M",   [32] = "BF16",    [36] = "TQ1_0",   [37] = "TQ2_0",
    };
    if (ftype < sizeof names / sizeof names[0])
        return names[ftype];
    return NULL;
}
