/*
 * package.c - `model package --gguf FILE [--license FILE]... [--chat-template FILE]
 * [--context-size N] [--push] REF`: turn a GGUF file (or every shard of a
 * split one) into a model in the store, as Docker Model Runner's
 * `docker model package` does: an OCI manifest whose config is
 * application/vnd.docker.ai.model.config.v0.1+json and whose layers are the
 * GGUF shards, licences and chat template, each stored as a blob.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"
#include "../runtime/gguf.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const package_usage[] = {
    "model package --gguf FILE [--license FILE]... [--chat-template FILE] [--context-size N] [--push] REF",
    NULL,
};

#define MAX_SHARDS 1000
#define MAX_ARRAY_ITEMS 50 /* DMR leaves longer arrays (vocabularies) out of the config */

/* "<prefix>-00001-of-00003.gguf" -> the paths of all 3 shards; otherwise just path. */
static char **shard_paths(const char *path, int *n)
{
    size_t len = strlen(path);
    const char *tail = len >= 20 ? path + len - 20 : NULL; /* "-00001-of-00003.gguf" */
    unsigned first, total;
    char dummy;
    if (tail && sscanf(tail, "-%5u-of-%5u.gguf%c", &first, &total, &dummy) == 2 && tail[0] == '-' &&
        tail[6] == '-' && first == 1 && total >= 1 && total <= MAX_SHARDS) {
        char **v = calloc(total, sizeof *v);
        if (!v)
            return NULL;
        for (unsigned i = 0; i < total; i++) {
            if (asprintf(&v[i], "%.*s-%05u-of-%05u.gguf", (int)(len - 20), path, i + 1, total) < 0) {
                for (unsigned k = 0; k < i; k++)
                    free(v[k]);
                free(v);
                return NULL;
            }
        }
        *n = (int)total;
        return v;
    }
    char **v = calloc(1, sizeof *v);
    if (!v || !(v[0] = strdup(path))) {
        free(v);
        return NULL;
    }
    *n = 1;
    return v;
}

/* gpustack/gguf-parser's parameter string without its space: "8.03B", "16.78M", "292.9K". */
static void format_params(uint64_t n, char *buf, size_t size)
{
    static const struct { double base; const char *unit; } units[] = {
        { 1e15, "Q" }, { 1e12, "T" }, { 1e9, "B" }, { 1e6, "M" }, { 1e3, "K" },
    };
    if (n == 0) {
        snprintf(buf, size, "0");
        return;
    }
    double base = 1;
    const char *unit = "";
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if ((double)n >= units[i].base) {
            base = units[i].base;
            unit = units[i].unit;
            break;
        }
    snprintf(buf, size, "%.2f", (double)n / base);
    size_t len = strlen(buf);
    if (len > 3 && !strcmp(buf + len - 3, ".00"))
        buf[len - 3] = '\0';
    len = strlen(buf);
    snprintf(buf + len, size - len, "%s", unit);
}

struct gguf_facts {
    char arch[128];
    char quant[64];
    uint64_t params;
    uint64_t context;
    cJSON *kv; /* the "gguf" map */
};

static int64_t tensor_elements(const struct gguf_tensor *t)
{
    int64_t n = 1;
    for (uint32_t d = 0; d < t->n_dims; d++)
        n *= t->ne[d];
    return n;
}

/* Read every shard's header; the first one carries the metadata. */
static int read_facts(char **paths, int n, struct gguf_facts *f)
{
    uint64_t by_type[64] = { 0 };
    memset(f, 0, sizeof *f);
    for (int i = 0; i < n; i++) {
        struct gguf *g = gguf_open(paths[i]);
        if (!g)
            return error("%s", err_msg());
        for (uint64_t t = 0; t < g->n_tensors; t++) {
            int64_t ne = tensor_elements(&g->tensors[t]);
            f->params += (uint64_t)ne;
            if (g->tensors[t].type < 64)
                by_type[g->tensors[t].type] += (uint64_t)ne;
        }
        if (i > 0) {
            gguf_close(g);
            continue;
        }
        struct gguf_str s;
        if (gguf_get_str(g, "general.architecture", &s) == 0)
            snprintf(f->arch, sizeof f->arch, "%.*s", (int)(s.len < 127 ? s.len : 127), s.ptr);
        uint32_t ftype;
        const char *qn = NULL;
        if (gguf_get_u32(g, "general.file_type", &ftype) == 0)
            qn = gguf_file_type_name(ftype);
        if (qn)
            snprintf(f->quant, sizeof f->quant, "%s", qn);
        char key[200];
        snprintf(key, sizeof key, "%s.context_length", f->arch[0] ? f->arch : "llama");
        uint64_t ctx;
        if (gguf_get_u64(g, key, &ctx) == 0 && ctx > 0 && ctx <= INT32_MAX)
            f->context = ctx;
        f->kv = cJSON_CreateObject();
        for (uint64_t k = 0; k < g->n_kv; k++) {
            char *v = gguf_value_to_string(&g->kv[k].val, MAX_ARRAY_ITEMS);
            if (!v)
                continue; /* arrays over 50 items are left out, as DMR does */
            char *name = gguf_strdup(g->kv[k].key);
            if (name && !cJSON_GetObjectItemCaseSensitive(f->kv, name))
                cJSON_AddStringToObject(f->kv, name, v);
            free(name);
            free(v);
        }
        gguf_close(g);
    }
    if (!f->quant[0]) {
        /* no general.file_type: name the type holding most of the weights */
        int best = -1;
        for (int t = 0; t < 64; t++)
            if (by_type[t] && (best < 0 || by_type[t] > by_type[best]))
                best = t;
        const char *tn = best >= 0 ? ggml_type_name((uint32_t)best) : NULL;
        snprintf(f->quant, sizeof f->quant, "%s", tn ? tn : "unknown");
    }
    return 0;
}

static void add_desc(cJSON *arr, const char *media_type, uint64_t size, const char *digest)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "mediaType", media_type);
    cJSON_AddNumberToObject(d, "size", (double)size);
    cJSON_AddStringToObject(d, "digest", digest);
    if (arr)
        cJSON_AddItemToArray(arr, d);
}

struct layer {
    const char *media_type;
    char digest[DIGEST_LEN + 1];
    uint64_t size;
};

static int check_readable(const char *what, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return error("%s %s: %s", what, path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return error("%s %s is not a regular file", what, path);
    return 0;
}

int cmd_package(int argc, const char **argv)
{
    const char *gguf = NULL, *tmpl = NULL;
    struct opt_list licenses = { 0 };
    int64_t ctx_size = 0;
    int push = 0;
    struct option opts[] = {
        OPT_STRING(0, "gguf", &gguf, "FILE", "the GGUF file (for a split model: its first shard, *-00001-of-0000N.gguf)"),
        OPT_LIST('l', "license", &licenses, "FILE", "a licence file to ship with the model (repeatable)"),
        OPT_STRING(0, "chat-template", &tmpl, "FILE", "a Jinja chat template to ship with the model"),
        OPT_INT64(0, "context-size", &ctx_size, "N", "context size to record (default: the model's own)"),
        OPT_BOOL(0, "push", &push, "push the model to its registry after packaging"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, package_usage);
    if (argc != 1 || !gguf) {
        if (!gguf)
            error("--gguf FILE is required");
        else
            error(argc ? "give exactly one model reference" : "a model reference (REF) is required, e.g. myorg/model:Q4_K_M");
        usage_with_options(package_usage, opts);
    }
    const char *refname = argv[0];
    struct ref ref;
    if (ref_parse(refname, &ref) < 0) {
        opt_list_free(&licenses);
        return error_err(), EXIT_FAIL;
    }
    if (ref.digest[0]) {
        opt_list_free(&licenses);
        return error("cannot package as \"%s\": give a name and tag, not a digest", refname), EXIT_USAGE;
    }
    if (ctx_size < 0 || ctx_size > INT32_MAX) {
        opt_list_free(&licenses);
        return error("--context-size must be between 1 and %d", INT32_MAX), EXIT_USAGE;
    }

    int rc = EXIT_FAIL, n_shards = 0, n_layers = 0, config_written = 0, manifest_written = 0,
        manifest_committed = 0;
    char config_digest[DIGEST_LEN + 1], manifest_digest[DIGEST_LEN + 1];
    char **shards = shard_paths(gguf, &n_shards);
    struct layer *layers = NULL;
    struct gguf_facts facts = { 0 };
    struct store *s = NULL;
    cJSON *config = NULL, *manifest = NULL;
    char *config_text = NULL, *manifest_text = NULL;
    if (!shards) {
        error("out of memory");
        goto out;
    }
    /* check every input before writing anything */
    for (int i = 0; i < n_shards; i++)
        if (check_readable(n_shards > 1 ? "GGUF shard" : "GGUF file", shards[i]) < 0)
            goto out;
    for (int i = 0; i < licenses.n; i++)
        if (check_readable("licence file", licenses.items[i]) < 0)
            goto out;
    if (tmpl && check_readable("chat template", tmpl) < 0)
        goto out;
    if (read_facts(shards, n_shards, &facts) < 0)
        goto out;
    if (ctx_size > 0)
        facts.context = (uint64_t)ctx_size;

    if (!(s = cmd_store_open()))
        goto out;
    layers = calloc((size_t)(n_shards + licenses.n + 1), sizeof *layers);
    if (!layers) {
        error("out of memory");
        goto out;
    }
    uint64_t gguf_bytes = 0;
    for (int i = 0; i < n_shards; i++, n_layers++) {
        layers[n_layers].media_type = MT_GGUF;
        if (store_put_file(s, shards[i], layers[n_layers].digest, &layers[n_layers].size) < 0) {
            error_err();
            goto out;
        }
        gguf_bytes += layers[n_layers].size;
    }
    for (int i = 0; i < licenses.n; i++, n_layers++) {
        layers[n_layers].media_type = MT_LICENSE;
        if (store_put_file(s, licenses.items[i], layers[n_layers].digest, &layers[n_layers].size) < 0) {
            error_err();
            goto out;
        }
    }
    if (tmpl) {
        layers[n_layers].media_type = MT_CHAT_TEMPLATE;
        if (store_put_file(s, tmpl, layers[n_layers].digest, &layers[n_layers].size) < 0) {
            error_err();
            goto out;
        }
        n_layers++;
    }

    /* the config, in the field order of DMR's Go struct */
    char params[32], size[32], created[32];
    format_params(facts.params, params, sizeof params);
    format_size_dmr(gguf_bytes, size, sizeof size);
    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH"); /* reproducible packages */
    if (sde && *sde)
        now = (time_t)strtoll(sde, NULL, 10);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    config = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(config, "config");
    cJSON_AddStringToObject(c, "format", "gguf");
    cJSON_AddStringToObject(c, "quantization", facts.quant);
    cJSON_AddStringToObject(c, "parameters", params);
    if (facts.arch[0])
        cJSON_AddStringToObject(c, "architecture", facts.arch);
    cJSON_AddStringToObject(c, "size", size);
    cJSON_AddItemToObject(c, "gguf", facts.kv);
    facts.kv = NULL;
    if (facts.context)
        cJSON_AddNumberToObject(c, "context_size", (double)facts.context);
    cJSON *d = cJSON_AddObjectToObject(config, "descriptor");
    cJSON_AddStringToObject(d, "created", created);
    cJSON *rootfs = cJSON_AddObjectToObject(config, "rootfs");
    cJSON_AddStringToObject(rootfs, "type", "rootfs");
    cJSON *diff_ids = cJSON_AddArrayToObject(rootfs, "diff_ids");
    for (int i = 0; i < n_layers; i++)
        cJSON_AddItemToArray(diff_ids, cJSON_CreateString(layers[i].digest));
    config_text = cJSON_PrintUnformatted(config);
    if (!config_text || store_put_blob(s, config_text, strlen(config_text), config_digest) < 0) {
        error_err();
        goto out;
    }
    config_written = 1;

    manifest = cJSON_CreateObject();
    cJSON_AddNumberToObject(manifest, "schemaVersion", 2);
    cJSON_AddStringToObject(manifest, "mediaType", MT_OCI_MANIFEST);
    cJSON *cd = cJSON_CreateObject();
    cJSON_AddStringToObject(cd, "mediaType", MT_MODEL_CONFIG);
    cJSON_AddNumberToObject(cd, "size", (double)strlen(config_text));
    cJSON_AddStringToObject(cd, "digest", config_digest);
    cJSON_AddItemToObject(manifest, "config", cd);
    cJSON *la = cJSON_AddArrayToObject(manifest, "layers");
    for (int i = 0; i < n_layers; i++)
        add_desc(la, layers[i].media_type, layers[i].size, layers[i].digest);
    manifest_text = cJSON_PrintUnformatted(manifest);
    if (!manifest_text || store_put_blob(s, manifest_text, strlen(manifest_text), manifest_digest) < 0) {
        error_err();
        goto out;
    }
    manifest_written = 1;
    char fam[REF_STR_MAX], shown[REF_STR_MAX];
    ref_format(&ref, REF_FAMILIAR, fam, sizeof fam);
    const char *tags[] = { fam };
    if (store_commit_model(s, manifest_digest, tags, 1) < 0) {
        error_err();
        goto out;
    }
    manifest_committed = 1;
    printf("Packaged %s: %s %s %s, %s (ID %.12s)\n", ref_format(&ref, REF_DISPLAY, shown, sizeof shown),
           facts.arch[0] ? facts.arch : "unknown", params, facts.quant, size, manifest_digest + 7);
    rc = EXIT_OK;
    if (push) {
        store_close(s);
        s = NULL;
        const char *pargv[] = { "push", refname, NULL };
        rc = cmd_push(2, pargv);
    }
out:
    if (rc != EXIT_OK && s && n_layers + config_written + manifest_written > 0 && !manifest_committed) {
        /* a failed package leaves the store as it was: drop the blobs it added */
        const char **ds = calloc((size_t)n_layers + 2, sizeof *ds);
        int nd = 0;
        for (int i = 0; ds && i < n_layers; i++)
            if (layers[i].digest[0])
                ds[nd++] = layers[i].digest;
        if (ds && config_written)
            ds[nd++] = config_digest;
        if (ds && manifest_written)
            ds[nd++] = manifest_digest;
        if (ds)
            store_discard_blobs(s, ds, nd);
        free(ds);
    }
    store_close(s);
    cJSON_Delete(config);
    cJSON_Delete(manifest);
    cJSON_Delete(facts.kv);
    free(config_text);
    free(manifest_text);
    free(layers);
    for (int i = 0; i < n_shards; i++)
        free(shards[i]);
    free(shards);
    opt_list_free(&licenses);
    return rc;
}
