/*
 * gguf.h - reader of GGUF files (versions 1, 2 and 3), shared by the store
 * (`model package` reads the metadata) and the runtime (the loader binds the
 * tensors).
 *
 * The file is mapped read-only (gguf_open) or given as a buffer
 * (gguf_parse, used by the fuzzer); nothing is copied: strings and array
 * elements point into that memory and are NOT NUL-terminated. Every count,
 * length and offset is checked against the size of the data before it is
 * used, so a truncated or hostile file yields an error (err_msg()), never a
 * read past the end or an allocation larger than the file could describe.
 *
 * Layout (all little-endian): magic "GGUF", u32 version, tensor count and
 * key/value count (u64; u32 in v1), the key/values, the tensor infos
 * (name, n_dims, dims, type, offset), padding to `general.alignment`
 * (default 32), then the tensor data. Tensor offsets are relative to the
 * start of that data section.
 */
#ifndef RUNTIME_GGUF_H
#define RUNTIME_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "../kernels/ggml-type.h"

enum gguf_vtype {
    GGUF_UINT8 = 0,
    GGUF_INT8 = 1,
    GGUF_UINT16 = 2,
    GGUF_INT16 = 3,
    GGUF_UINT32 = 4,
    GGUF_INT32 = 5,
    GGUF_FLOAT32 = 6,
    GGUF_BOOL = 7,
    GGUF_STRING = 8,
    GGUF_ARRAY = 9,
    GGUF_UINT64 = 10,
    GGUF_INT64 = 11,
    GGUF_FLOAT64 = 12,
    GGUF_VTYPE_COUNT
};

#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4

/* A string inside the file: ptr[0..len-1], not NUL-terminated. */
struct gguf_str {
    const char *ptr;
    uint64_t len;
};

struct gguf_value;

struct gguf_array {
    enum gguf_vtype type;          /* element type */
    uint64_t n;                    /* element count */
    const uint8_t *data;           /* fixed-size elements: raw little-endian bytes (possibly unaligned) */
    struct gguf_str *strs;         /* GGUF_STRING elements: n entries */
    struct gguf_value *items;      /* GGUF_ARRAY elements (nested arrays): n entries */
};

struct gguf_value {
    enum gguf_vtype type;
    union {
        uint64_t u64;              /* UINT8/16/32/64 */
        int64_t i64;               /* INT8/16/32/64 */
        double f64;                /* FLOAT32/64 */
        int b;                     /* BOOL */
        struct gguf_str str;       /* STRING */
        struct gguf_array arr;     /* ARRAY */
    } v;
};

struct gguf_kv {
    struct gguf_str key;
    struct gguf_value val;
};

struct gguf_tensor {
    const char *name;              /* NUL-terminated copy */
    uint32_t n_dims;
    int64_t ne[GGUF_MAX_DIMS];     /* ne[0] = row length; unused dims are 1 */
    uint32_t type;                 /* enum ggml_type */
    uint64_t offset;               /* from the start of the data section */
    uint64_t size;                 /* bytes */
    const void *data;              /* base + data_offset + offset */
};

struct gguf {
    uint32_t version;
    uint64_t n_kv;
    struct gguf_kv *kv;
    uint64_t n_tensors;
    struct gguf_tensor *tensors;
    uint64_t alignment;            /* general.alignment, default 32 */
    uint64_t data_offset;          /* file offset of the tensor data section */
    uint64_t data_size;            /* bytes from data_offset to the end of the last tensor */
    const uint8_t *base;           /* the whole file */
    uint64_t size;
    /* private */
    void *map_;
    size_t map_size_;
    void *hp_;                     /* the tensor data in huge pages (gguf_move_to_hugepages), or NULL */
    size_t hp_size_;
    void *arena_;
};

/* Map and parse a file. NULL with err_msg() naming the file and the problem. */
struct gguf *gguf_open(const char *path);
/* Parse a buffer that must outlive the result. NULL with err_msg() on error. */
struct gguf *gguf_parse(const void *data, uint64_t size);
/* Parse only the header (key/values and tensor infos) from a prefix of a file
 * whose full size is file_size: tensor data bounds are checked against
 * file_size, data pointers are NULL. For sparse or remote files. */
struct gguf *gguf_parse_header(const void *data, uint64_t size, uint64_t file_size);
void gguf_close(struct gguf *g);
/* Serve a mapped file's tensor data from a private copy in transparent huge
 * pages (faster to stream; see gguf-hugepages.c). Does nothing when THP is
 * off or memory for the copy cannot be had. */
void gguf_move_to_hugepages(struct gguf *g);
/* Transparent huge pages are on ("always" or "madvise"); when off or unknown
 * the copy would buy nothing. */
int gguf_hugepages_available(void);

/* Key/values. */
const struct gguf_value *gguf_get(const struct gguf *g, const char *key);
/* Typed getters: 0 found (and *out set), 1 absent (*out untouched), -1 present
 * with an incompatible type (err set). Integer getters accept any integer type
 * whose value fits; the float getter accepts floats and integers. */
int gguf_get_u32(const struct gguf *g, const char *key, uint32_t *out);
int gguf_get_u64(const struct gguf *g, const char *key, uint64_t *out);
int gguf_get_i32(const struct gguf *g, const char *key, int32_t *out);
int gguf_get_f32(const struct gguf *g, const char *key, float *out);
int gguf_get_bool(const struct gguf *g, const char *key, int *out);
int gguf_get_str(const struct gguf *g, const char *key, struct gguf_str *out);
/* An array value: 0 found, 1 absent, -1 not an array or elements not of type elem. */
int gguf_get_arr(const struct gguf *g, const char *key, enum gguf_vtype elem, const struct gguf_array **out);

/* Element i of a fixed-size numeric array, converted. */
int64_t gguf_arr_i64(const struct gguf_array *a, uint64_t i);
double gguf_arr_f64(const struct gguf_array *a, uint64_t i);

/* Strings. */
char *gguf_strdup(struct gguf_str s);          /* malloc'd NUL-terminated copy */
int gguf_str_eq(struct gguf_str s, const char *z);

/* A value as text, for the model config's "gguf" map: numbers as printed by
 * %g/%llu, bools as true/false, strings as they are, arrays as a JSON-like
 * list. Arrays with more than max_items elements return NULL (left out). */
char *gguf_value_to_string(const struct gguf_value *v, uint64_t max_items);

/* Tensors. */
const struct gguf_tensor *gguf_find_tensor(const struct gguf *g, const char *name);

/* Names. */
const char *gguf_vtype_name(enum gguf_vtype t);
/* llama.cpp's name for general.file_type ("Q4_K_M", "F16", "IQ2_XXS"), or NULL. */
const char *gguf_file_type_name(uint32_t ftype);

#endif
