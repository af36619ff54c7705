/*
 * chat-template.h - turns a conversation into the prompt text a model was
 * trained on, by rendering the model's own chat template (the GGUF key
 * tokenizer.chat_template, or the artifact's template layer) the way
 * Hugging Face transformers does: Jinja2 semantics, trim_blocks and
 * lstrip_blocks on, raise_exception() and strftime_now() available.
 *
 *     cJSON *msgs = cJSON_Parse("[{\"role\":\"user\",\"content\":\"Hi\"}]");
 *     struct chat_render_opts o = { .bos_token = "<s>", .eos_token = "</s>",
 *                                   .add_generation_prompt = 1 };
 *     const char *notice;
 *     const char *src = chat_template_or_default(gguf_template, &notice);
 *     if (notice) fprintf(stderr, "%s\n", notice);        // cmd/ prints it
 *     char *prompt = chat_template_render(src, msgs, &o);
 *     if (!prompt) die_err();   // "chat template: template line 3, column 9: ..."
 *
 * Sessions that render every turn should compile once (chat_template_new)
 * and call chat_template_apply per turn.
 *
 * Variables the template sees: messages (the JSON array as given: role,
 * content, tool_calls, tool_call_id, ... with content a string, null, or a
 * list of parts), tools (the JSON array, or none when NULL), documents
 * (none), add_generation_prompt (bool), bos_token, eos_token (strings, ""
 * when NULL), and every member of `extra` (e.g. enable_thinking,
 * date_string) unless it names one of the above.
 */
#ifndef RUNTIME_CHAT_TEMPLATE_H
#define RUNTIME_CHAT_TEMPLATE_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

struct chat_render_opts {
    const char *bos_token;         /* NULL = "" */
    const char *eos_token;         /* NULL = "" */
    int add_generation_prompt;     /* end with the header of the assistant's turn */
    const cJSON *tools;            /* JSON array of tool schemas, or NULL */
    const cJSON *extra;            /* JSON object of more variables, or NULL */
    time_t now;                    /* clock for strftime_now(); 0 = the current time */
    size_t max_output;             /* bytes; 0 = 16 MiB */
};

struct chat_template;

/* Compile a template. NULL with err_msg() ("chat template: template line L,
 * column C: ...") when it has a syntax error or uses an unknown filter. */
struct chat_template *chat_template_new(const char *source);
/* Render a conversation (a JSON array of message objects). Returns the
 * malloc'd prompt (its length in *len when len is not NULL), or NULL with
 * err_msg(), e.g. the template's own raise_exception() message. */
char *chat_template_apply(const struct chat_template *t, const cJSON *messages, const struct chat_render_opts *o,
                          size_t *len);
void chat_template_free(struct chat_template *t);

/* Compile, apply and free in one call. */
char *chat_template_render(const char *source, const cJSON *messages, const struct chat_render_opts *o);

/* The built-in template for models that carry none: ChatML
 * (<|im_start|>role\ncontent<|im_end|>\n ..., then <|im_start|>assistant\n). */
const char *chat_template_default(void);

/* `source` when it is a non-empty template, else the default with *notice
 * set to a one-line message for the user (NULL when no notice is due).
 * notice may be NULL. */
const char *chat_template_or_default(const char *source, const char **notice);

struct gguf;

/* The chat template a GGUF carries: tokenizer.chat_template, or with a name,
 * tokenizer.chat_template.NAME (e.g. "tool_use"). malloc'd; NULL when the key
 * is absent (err_msg() names it) or not a string. */
char *chat_template_from_gguf(const struct gguf *g, const char *name);

/* The text of the BOS and EOS tokens (tokenizer.ggml.bos_token_id /
 * eos_token_id in tokenizer.ggml.tokens), as the template's bos_token and
 * eos_token. Each malloc'd, "" when the GGUF does not say; 0, or -1 with
 * err_msg() when an id is out of range or out of memory. */
int chat_special_tokens_from_gguf(const struct gguf *g, char **bos, char **eos);

/* The prompt format a template implements, told from marker strings in its
 * source; for choosing defaults (stop strings, reasoning display), never
 * for rendering. */
enum chat_family {
    CHAT_FAMILY_UNKNOWN,
    CHAT_FAMILY_DEEPSEEK_R1,       /* <｜User｜> <｜Assistant｜> with <think> */
    CHAT_FAMILY_LLAMA3,            /* <|start_header_id|> ... <|eot_id|> */
    CHAT_FAMILY_CHATML,            /* <|im_start|> ... <|im_end|> (Qwen, many others) */
    CHAT_FAMILY_MISTRAL,           /* [INST] ... [/INST] */
    CHAT_FAMILY_GEMMA,             /* <start_of_turn> ... <end_of_turn> */
    CHAT_FAMILY_PHI,               /* <|user|> ... <|end|>, or Phi-4's <|im_sep|> */
};
enum chat_family chat_template_family(const char *source);
/* "deepseek-r1", "llama3", "chatml", "mistral", "gemma", "phi", "unknown". */
const char *chat_family_name(enum chat_family f);

#endif
