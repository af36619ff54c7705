/* fuzz_gguf.c - libFuzzer target: the GGUF reader and tensor-table checks on arbitrary bytes. */
#include "../../runtime/gguf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gguf *g = gguf_parse(data, size);
    if (g) {
        /* touch what a loader touches: every key as text, every tensor's bytes */
        for (uint64_t i = 0; i < g->n_kv; i++)
            free(gguf_value_to_string(&g->kv[i].val, 64));
        volatile uint8_t sink = 0;
        for (uint64_t i = 0; i < g->n_tensors; i++) {
            const struct gguf_tensor *t = &g->tensors[i];
            if (t->size)
                sink ^= ((const uint8_t *)t->data)[0] ^ ((const uint8_t *)t->data)[t->size - 1];
        }
        (void)sink;
        gguf_close(g);
    }
    /* and as a header prefix of a larger file */
    g = gguf_parse_header(data, size, (uint64_t)size * 4);
    gguf_close(g);
    return 0;
}
