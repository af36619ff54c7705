/*
 * gguf-writer.h - writes GGUF files (version 3, or 1 and 2 for tests).
 *
 * Used by the tests (hostile and truncated files), the benchmark-model
 * generator and the memory-check test (a sparse file with a 70B header).
 * Keys and tensors are written in the order they are added; tensor data
 * is aligned to general.alignment (32 unless a uint32 key says otherwise).
 * All copies are owned by the writer; gguf_writer_free() releases them.
 */
#ifndef RUNTIME_GGUF_WRITER_H
#define RUNTIME_GGUF_WRITER_H

#include "gguf.h"

#include <stdint.h>

struct gguf_writer;

struct gguf_writer *gguf_writer_new(uint32_t version);
void gguf_writer_free(struct gguf_writer *w);

void gguf_writer_u32(struct gguf_writer *w, const char *key, uint32_t v);
void gguf_writer_i32(struct gguf_writer *w, const char *key, int32_t v);
void gguf_writer_u64(struct gguf_writer *w, const char *key, uint64_t v);
void gguf_writer_f32(struct gguf_writer *w, const char *key, float v);
void gguf_writer_bool(struct gguf_writer *w, const char *key, int v);
void gguf_writer_str(struct gguf_writer *w, const char *key, const char *v);
/* An array of fixed-size elements (elem: GGUF_UINT8 .. GGUF_FLOAT64, not STRING/ARRAY). */
void gguf_writer_arr(struct gguf_writer *w, const char *key, enum gguf_vtype elem, const void *data, uint64_t n);
void gguf_writer_arr_str(struct gguf_writer *w, const char *key, const char *const *v, uint64_t n);

/* Any value read by the GGUF reader (to copy metadata from another file). */
void gguf_writer_value(struct gguf_writer *w, const char *key, const struct gguf_value *v);

/* A tensor of ggml type `type` with shape ne[0..n_dims-1] (ne[0] = row length).
 * data: ggml_row_size(type, ne[0]) * rows bytes, copied; NULL leaves the
 * bytes unwritten (zeros, or a hole in a sparse file). */
void gguf_writer_tensor(struct gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                        const int64_t *ne, const void *data);

/* The whole file in memory (malloc'd) or on disk. With sparse set, the file
 * is only extended to its full size over the tensor data (ftruncate), so a
 * 40 GiB model header takes a few KiB of disk. 0 or -1 with err_msg(). */
int gguf_writer_to_buffer(struct gguf_writer *w, uint8_t **out, uint64_t *size);
int gguf_writer_to_file(struct gguf_writer *w, const char *path, int sparse);

#endif
