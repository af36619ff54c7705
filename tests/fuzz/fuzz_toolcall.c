/* fuzz_toolcall.c - libFuzzer target: the tool-call parser on arbitrary model output, whole and
 * fed in pieces, and the OpenAI messages check on arbitrary JSON (both see untrusted text). */
#include "../../server/openai.h"
#include "../../server/toolcall.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;

    struct tool_call *calls;
    int n;
    char *content;
    if (toolcall_parse(text, &calls, &n, &content) >= 0) {
        toolcall_calls_free(calls, n);
        free(content);
    }
    /* in pieces whose sizes come from the first byte */
    struct toolcall_parser *p = toolcall_new();
    size_t step = size ? (size_t)(data[0] % 13) + 1 : 1, len = strlen(text);
    for (size_t i = 0; p && i < len; i += step) {
        const char *out;
        size_t k;
        toolcall_feed(p, text + i, i + step <= len ? step : len - i, &out, &k);
    }
    char *rest;
    if (p && toolcall_finish(p, &calls, &n, &rest) >= 0) {
        toolcall_calls_free(calls, n);
        free(rest);
    }
    toolcall_free(p);

    cJSON *j = cJSON_Parse(text);
    char err[256];
    cJSON_Delete(openai_messages(j, err, sizeof err));
    openai_check_tools(j, err, sizeof err);
    cJSON_Delete(j);
    free(text);
    return 0;
}
