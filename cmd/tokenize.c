/*
 * tokenize.c - `model tokenize MODEL TEXT`: the token ids of a text under the
 * model's own tokenizer, printed like `llama-tokenize --ids` so the two can
 * be compared directly.
 */
#include "builtin.h"
#include "model-open.h"
#include "parse-options.h"
#include "usage.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../runtime/gguf.h"
#include "../runtime/tokenizer.h"
#include "../runtime/utf8.h"
#include "../common/readfile.h"

static const char *const tokenize_usage[] = {
    "model tokenize [options] MODEL TEXT",
    "model tokenize [options] MODEL -f FILE",
    "model tokenize [options] MODEL < FILE",
    NULL,
};

/* The header holding the tokenizer: the (first) GGUF of a file or store model. */
static struct gguf *open_model_gguf(const char *model_arg)
{
    char **paths = NULL;
    int n = 0;
    if (resolve_model(model_arg, &paths, &n) < 0)
        return NULL;
    struct gguf *g = gguf_open(paths[0]);
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return g;
}

/* A piece for a terminal: valid UTF-8 as it is, the rest escaped. */
static void print_piece(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        size_t k = utf8_char_len((const unsigned char *)p + i, n - i);
        if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c == '\\')
            fputs("\\\\", stdout);
        else if (k == 0 || c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            fwrite(p + i, 1, k, stdout);
        i += k ? k : 1;
    }
}

/* The piece as JSON text: bytes that are not valid UTF-8 become U+FFFD. */
static char *piece_json(const char *p, size_t n)
{
    char *s = malloc(3 * n + 1);
    size_t o = 0;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_char_len((const unsigned char *)p + i, n - i);
        if (k == 0) {
            memcpy(s + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(s + o, p + i, k);
            o += k;
            i += k;
        }
    }
    s[o] = 0;
    return s;
}

static int print_json(const char *model, const struct tokenizer *t, const int32_t *ids, size_t n, int pieces)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", model);
    cJSON_AddNumberToObject(root, "n_tokens", (double)n);
    cJSON *arr = cJSON_AddArrayToObject(root, "ids");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(ids[i]));
    if (pieces) {
        cJSON *pa = cJSON_AddArrayToObject(root, "pieces");
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *p = tokenizer_piece(t, ids[i], &len);
            char *s = piece_json(p, len);
            cJSON_AddItemToArray(pa, cJSON_CreateString(s ? s : ""));
            free(s);
        }
    }
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!out)
        return error("out of memory");
    puts(out);
    free(out);
    return 0;
}

int cmd_tokenize(int argc, const char **argv)
{
    int no_bos = 0, no_special = 0, json = 0, pieces = 0, count = 0;
    const char *file = NULL;
    struct option opts[] = {
        OPT_BOOL(0, "no-bos", &no_bos, "do not add the BOS token the model asks for"),
        OPT_BOOL(0, "no-parse-special", &no_special,
                 "treat control-token text (e.g. <|eot_id|>) as plain text; user-defined tokens such as <think> "
                 "still match"),
        OPT_STRING('f', "file", &file, "FILE", "tokenize the exact bytes of FILE instead of TEXT"),
        OPT_BOOL(0, "show-pieces", &pieces, "print one token per line with the text it stands for"),
        OPT_BOOL(0, "count", &count, "print only the number of tokens"),
        OPT_BOOL(0, "json", &json, "print {\"model\", \"n_tokens\", \"ids\"} (and \"pieces\") as JSON"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, tokenize_usage);
    if (argc < 1 || argc > 2 || (argc == 2 && file))
        usage_with_options(tokenize_usage, opts);

    char *text = NULL;
    size_t len = 0;
    if (argc == 2) {
        len = strlen(argv[1]);
        text = malloc(len + 1);
        if (text)
            memcpy(text, argv[1], len + 1);
    } else if (file) {
        FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
        if (!f)
            return error("cannot open '%s': %s", file, strerror(errno)), EXIT_FAIL;
        text = read_stream(f, &len);
        if (f != stdin)
            fclose(f);
        if (!text)
            return error("%s: %s", file, err_msg()), EXIT_FAIL;
    } else if (!isatty(0)) {
        text = read_stream(stdin, &len);
        if (!text)
            return error("stdin: %s", err_msg()), EXIT_FAIL;
    } else {
        error("no text: give TEXT, -f FILE, or pipe the text in");
        usage_with_options(tokenize_usage, opts);
    }
    if (!text)
        return error("out of memory"), EXIT_FAIL;

    int rc = EXIT_FAIL;
    struct gguf *g = open_model_gguf(argv[0]);
    struct tokenizer *t = NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    if (!g) {
        error_err();
        goto out;
    }
    if (!(t = tokenizer_load(g))) {
        error("%s: %s", argv[0], err_msg());
        goto out;
    }
    if (tokenizer_warning(t))
        warn("%s", tokenizer_warning(t));
    if (tokenizer_encode(t, text, len, !no_bos, !no_special, &ids, &n)) {
        error("%s%s", err_msg(), strstr(err_msg(), "UTF-8") ? ": convert the text to UTF-8 first (e.g. iconv)" : "");
        goto out;
    }
    if (json) {
        if (print_json(argv[0], t, ids, n, pieces))
            goto out;
    } else if (count) {
        printf("%zu\n", n);
    } else if (pieces) {
        for (size_t i = 0; i < n; i++) {
            size_t pl;
            const char *p = tokenizer_piece(t, ids[i], &pl);
            printf("%6d -> '", ids[i]);
            print_piece(p, pl);
            fputs("'\n", stdout);
        }
    } else {
        putchar('[');
        for (size_t i = 0; i < n; i++)
            printf(i ? ", %d" : "%d", ids[i]);
        puts("]");
    }
    rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
out:
    free(ids);
    tokenizer_free(t);
    gguf_close(g);
    free(text);
    return rc;
}
