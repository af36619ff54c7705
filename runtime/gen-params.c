/*
 * gen-params.c - settings table, model-family defaults and sources (see
 * gen-params.h).
 *
 * The family table is short on purpose: an entry exists only where the
 * model's authors publish settings that differ from llama.cpp's defaults
 * and the GGUF does not carry them. DeepSeek's R1 model card asks for
 * temperature 0.6, top-p 0.95 and no system prompt.
 */
#include "gen-params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "gguf.h"

struct param_info {
    const char *name;
    double min, max;
    int integer;
};

static const struct param_info info[GP_COUNT] = {
    [GP_TEMPERATURE] = { "temperature", 0.0, 100.0, 0 },
    [GP_TOP_P] = { "top_p", 0.0, 1.0, 0 },
    [GP_TOP_K] = { "top_k", 0.0, 1e9, 1 },
    [GP_MIN_P] = { "min_p", 0.0, 1.0, 0 },
    [GP_REPEAT_PENALTY] = { "repeat_penalty", 1e-6, 100.0, 0 },
    [GP_SEED] = { "seed", -1.0, 18446744073709551615.0, 1 },
    [GP_NUM_CTX] = { "num_ctx", 0.0, 16777216.0, 1 },
    [GP_NUM_PREDICT] = { "num_predict", -1.0, 1e9, 1 },
};

struct family {
    const char *label;
    const char *name_has[2];     /* general.name/basename must contain both (case-insensitive), or */
    const char *template_has[2]; /* the chat template must contain both */
    double temperature, top_p;
    int fold_system;
};

static const struct family families[] = {
    { "DeepSeek-R1 distill", { "deepseek-r1", "distill" }, { "<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>", "</think>" },
      0.6, 0.95, 1 },
};

const char *gen_param_name(enum gen_param p)
{
    return p < GP_COUNT ? info[p].name : "?";
}

int gen_param_lookup(const char *name)
{
    for (int i = 0; i < GP_COUNT; i++)
        if (!strcmp(name, info[i].name))
            return i;
    /* the spellings of `run`'s flags, so configure and /set accept both */
    static const struct { const char *alias; int p; } aliases[] = {
        { "temp", GP_TEMPERATURE }, { "top-p", GP_TOP_P }, { "top-k", GP_TOP_K }, { "min-p", GP_MIN_P },
        { "repeat-penalty", GP_REPEAT_PENALTY }, { "context-size", GP_NUM_CTX }, { "ctx-size", GP_NUM_CTX },
        { "max-tokens", GP_NUM_PREDICT },
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(name, aliases[i].alias))
            return aliases[i].p;
    return -1;
}

const char *gen_source_name(const struct gen_params *p, enum gen_param which)
{
    static __thread char buf[96];
    switch (p->src[which]) {
    case SRC_BUILTIN: return "built-in default";
    case SRC_FAMILY:
        snprintf(buf, sizeof buf, "%s defaults", p->family ? p->family : "model family");
        return buf;
    case SRC_MODEL: return "model file";
    case SRC_CONFIGURE: return "model configure";
    case SRC_FLAG: return "command line";
    case SRC_SET: return "/set";
    }
    return "?";
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return 0;
}

static int name_matches(const struct gguf *g, const char *const has[2])
{
    static const char *const keys[] = { "general.name", "general.basename", "general.finetune" };
    char joined[1024] = "";
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        struct gguf_str s;
        if (gguf_get_str(g, keys[i], &s) == 0) {
            size_t have = strlen(joined), n = s.len < sizeof joined - have - 2 ? s.len : sizeof joined - have - 2;
            memcpy(joined + have, s.ptr, n);
            joined[have + n] = ' ';
            joined[have + n + 1] = 0;
        }
    }
    return joined[0] && contains_ci(joined, has[0]) && contains_ci(joined, has[1]);
}

void gen_params_defaults(struct gen_params *p, const struct gguf *g, const char *tmpl)
{
    struct sampler_params sp;
    sampler_defaults(&sp);
    memset(p, 0, sizeof *p);
    p->v[GP_TEMPERATURE] = 0.8;
    p->v[GP_TOP_P] = sp.top_p;
    p->v[GP_TOP_K] = sp.top_k;
    p->v[GP_MIN_P] = sp.min_p;
    p->v[GP_REPEAT_PENALTY] = sp.repeat_penalty;
    p->v[GP_SEED] = -1;
    p->v[GP_NUM_CTX] = 0;
    p->v[GP_NUM_PREDICT] = -1;

    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        const struct family *f = &families[i];
        if ((g && name_matches(g, f->name_has)) ||
            (tmpl && strstr(tmpl, f->template_has[0]) && strstr(tmpl, f->template_has[1]))) {
            p->family = f->label;
            p->fold_system = f->fold_system;
            gen_params_set_num(p, GP_TEMPERATURE, f->temperature, SRC_FAMILY);
            gen_params_set_num(p, GP_TOP_P, f->top_p, SRC_FAMILY);
            break;
        }
    }
    if (!g)
        return;
    static const struct { const char *key; enum gen_param p; } keys[] = {
        { "general.sampling.temp", GP_TEMPERATURE }, { "general.sampling.top_p", GP_TOP_P },
        { "general.sampling.top_k", GP_TOP_K }, { "general.sampling.min_p", GP_MIN_P },
        { "general.sampling.penalty_repeat", GP_REPEAT_PENALTY },
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        float f;
        if (gguf_get_f32(g, keys[i].key, &f) == 0)
            gen_params_set_num(p, keys[i].p, f, SRC_MODEL); /* out-of-range values are ignored */
    }
    err_clear();
}

int gen_params_set_num(struct gen_params *p, enum gen_param which, double v, enum gen_source src)
{
    if (which >= GP_COUNT)
        return err_set("unknown parameter");
    const struct param_info *in = &info[which];
    if (!(v >= in->min && v <= in->max) || (in->integer && v != floor(v))) {
        if (which == GP_SEED)
            return err_set("seed must be a whole number from 0 up, or -1 for a random seed");
        if (in->integer)
            return err_set("%s must be a whole number from %.0f to %.0f", in->name, in->min, in->max);
        return err_set("%s must be a number from %g to %g", in->name, in->min, in->max);
    }
    if (which == GP_NUM_CTX && v != 0 && v < 16)
        return err_set("num_ctx must be at least 16 (or 0 for the default)");
    p->v[which] = v;
    p->src[which] = src;
    return 0;
}

int gen_params_set(struct gen_params *p, const char *name, const char *value, enum gen_source src)
{
    int which = gen_param_lookup(name);
    if (which < 0)
        return err_set("unknown parameter '%s' (known: temperature, top_p, top_k, min_p, repeat_penalty, seed, "
                       "num_ctx, num_predict)",
                       name);
    if (which == GP_SEED && !strcmp(value, "random"))
        return gen_params_set_num(p, GP_SEED, -1, src);
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end || errno || !isfinite(v))
        return err_set("%s: '%s' is not a number", info[which].name, value);
    return gen_params_set_num(p, (enum gen_param)which, v, src);
}

void gen_params_format(const struct gen_params *p, enum gen_param which, char *buf, unsigned size)
{
    double v = p->v[which];
    if (which == GP_SEED && v < 0)
        snprintf(buf, size, "random");
    else if (which == GP_NUM_PREDICT && v < 0)
        snprintf(buf, size, "unlimited");
    else if (which == GP_NUM_CTX && v == 0)
        snprintf(buf, size, "default");
    else if (info[which].integer)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%g", v);
}

void gen_params_sampler(const struct gen_params *p, struct sampler_params *out)
{
    sampler_defaults(out);
    out->temp = (float)p->v[GP_TEMPERATURE];
    out->top_p = (float)p->v[GP_TOP_P];
    out->top_k = (int)p->v[GP_TOP_K];
    out->min_p = (float)p->v[GP_MIN_P];
    out->repeat_penalty = (float)p->v[GP_REPEAT_PENALTY];
    if (p->v[GP_SEED] >= 0)
        out->seed = (uint64_t)p->v[GP_SEED];
}
