/* fuzz_model.c - libFuzzer target: the loader's tensor-table validation
 * (hyper-parameters, every tensor's shape, type and bounds) on arbitrary
 * GGUF bytes, then one token through the forward pass of whatever passes. */
#include "../../runtime/forward.h"
#include "../../runtime/gguf.h"
#include "../../runtime/model.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gguf *g = gguf_parse(data, size);
    if (!g)
        return 0;
    struct model *m = model_from_gguf(g);
    if (!m)
        return 0;
    /* keep the work bounded: one token, a context of two */
    if ((uint64_t)m->hp.n_embd * m->hp.n_vocab <= (1u << 22)) {
        struct forward_state *s = forward_state_new(m, 2, 1, KV_F32);
        float *logits = malloc((size_t)m->hp.n_vocab * sizeof *logits);
        int32_t tok = 0;
        if (s && logits)
            forward(s, &tok, 1, 0, 0, logits);
        free(logits);
        forward_state_free(s);
    }
    model_free(m);
    return 0;
}
