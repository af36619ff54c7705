/* fuzz_jinja.c - libFuzzer target: the Jinja interpreter on arbitrary template
 * text, rendered with a small chat conversation. Compile errors, render errors
 * and limits are fine; crashes, leaks and undefined behaviour are not. */
#include "../../runtime/jinja.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cJSON *vars;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vars)
        vars = cJSON_Parse("{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", "
                           "\"content\": \"U\"}, {\"role\": \"assistant\", \"content\": null, \"tool_calls\": "
                           "[{\"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": {\"a\": 1}}}]},"
                           "{\"role\": \"tool\", \"content\": [{\"type\": \"text\", \"text\": \"T\"}]}],"
                           "\"add_generation_prompt\": true, \"bos_token\": \"<s>\", \"eos_token\": \"</s>\","
                           "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}");
    struct jinja_template *t = jinja_compile((const char *)data, size, NULL);
    if (t) {
        struct jinja_render_opts o = { .now = 1, .max_output = 1 << 20, .max_memory = 64 << 20 };
        free(jinja_render(t, vars, &o, NULL));
        jinja_free(t);
    }
    return 0;
}
