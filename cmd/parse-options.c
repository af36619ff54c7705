/* parse-options.c - the option-table parser every command uses (see parse-options.h). */
#include "parse-options.h"
#include "usage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_usage(FILE *f, const char *const *usage, const struct option *opts)
{
    for (int i = 0; usage && usage[i]; i++)
        fprintf(f, "%s %s\n", i ? "   or:" : "usage:", usage[i]);
    fputc('\n', f);
    for (const struct option *o = opts; o->kind != OPT_KIND_END; o++) {
        char left[64];
        int n = 0;
        if (o->kind == OPT_KIND_GROUP) {
            fprintf(f, "\n%s\n", o->help);
            continue;
        }
        if (o->short_name && o->long_name)
            n = snprintf(left, sizeof left, "-%c, --%s", o->short_name, o->long_name);
        else if (o->short_name)
            n = snprintf(left, sizeof left, "-%c", o->short_name);
        else
            n = snprintf(left, sizeof left, "    --%s", o->long_name);
        if (o->argh && n > 0 && (size_t)n < sizeof left)
            snprintf(left + n, sizeof left - (size_t)n, " %s", o->argh);
        fprintf(f, "    %-26s %s\n", left, o->help ? o->help : "");
    }
    fprintf(f, "    %-26s %s\n", "-h, --help", "show this help");
}

void usage_with_options(const char *const *usage, const struct option *opts)
{
    print_usage(stderr, usage, opts);
    exit(EXIT_USAGE);
}

void opt_list_free(struct opt_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static long long parse_int_suffix(const char *s, int allow_suffix, int *ok)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    *ok = (errno == 0 && end != s);
    if (*ok && allow_suffix && *end) {
        long long mul = 1;
        switch (*end) {
        case 'k': case 'K': mul = 1024LL; break;
        case 'm': case 'M': mul = 1024LL * 1024; break;
        case 'g': case 'G': mul = 1024LL * 1024 * 1024; break;
        default: *ok = 0;
        }
        if (*ok && end[1] != '\0' && !(end[1] == 'i' && end[2] == 'B' && !end[3]) &&
            !(end[1] == 'B' && !end[2]))
            *ok = 0;
        v *= mul;
    } else if (*end) {
        *ok = 0;
    }
    return v;
}

/* Store `arg` into option o; returns 0 or -1 with a message printed. */
static int set_value(const struct option *o, const char *arg, const char *shown)
{
    int ok = 1;
    switch (o->kind) {
    case OPT_KIND_INT: {
        long long v = parse_int_suffix(arg, 0, &ok);
        if (!ok || v < -2147483647LL || v > 2147483647LL)
            return error("option '%s' expects an integer, got '%s'", shown, arg);
        *(int *)o->value = (int)v;
        return 0;
    }
    case OPT_KIND_INT64: {
        long long v = parse_int_suffix(arg, 1, &ok);
        if (!ok)
            return error("option '%s' expects an integer (K/M/G suffixes allowed), got '%s'", shown, arg);
        *(int64_t *)o->value = v;
        return 0;
    }
    case OPT_KIND_FLOAT: {
        char *end;
        errno = 0;
        float v = strtof(arg, &end);
        if (errno || end == arg || *end)
            return error("option '%s' expects a number, got '%s'", shown, arg);
        *(float *)o->value = v;
        return 0;
    }
    case OPT_KIND_STRING:
        *(const char **)o->value = arg;
        return 0;
    case OPT_KIND_LIST: {
        struct opt_list *l = o->value;
        const char **items = realloc(l->items, sizeof *items * (size_t)(l->n + 1));
        if (!items)
            die("out of memory");
        l->items = items;
        l->items[l->n++] = arg;
        return 0;
    }
    default:
        return error("internal: option '%s' takes no value", shown);
    }
}

static int is_negative_number(const char *s)
{
    return s[0] == '-' && ((s[1] >= '0' && s[1] <= '9') || (s[1] == '.' && s[2] >= '0' && s[2] <= '9'));
}

int parse_options(int argc, const char **argv, const struct option *opts,
                  const char *const *usage)
{
    int out = 0, only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || a[1] == '\0' || is_negative_number(a)) {
            argv[out++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_args = 1;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_usage(stdout, usage, opts);
            exit(EXIT_OK);
        }
        const struct option *o = NULL;
        const char *inline_val = NULL;
        int negated = 0;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            for (const struct option *p = opts; p->kind != OPT_KIND_END; p++) {
                if (p->long_name && strlen(p->long_name) == len && !strncmp(p->long_name, name, len)) {
                    o = p;
                    break;
                }
                if (p->kind == OPT_KIND_BOOL && p->long_name && len > 3 && !strncmp(name, "no-", 3) &&
                    strlen(p->long_name) == len - 3 && !strncmp(p->long_name, name + 3, len - 3)) {
                    o = p;
                    negated = 1;
                    break;
                }
            }
            if (!o) {
                error("unknown option '%.*s'", (int)(len + 2), a);
                usage_with_options(usage, opts);
            }
            if (eq)
                inline_val = eq + 1;
        } else {
            for (const struct option *p = opts; p->kind != OPT_KIND_END; p++)
                if (p->short_name && p->short_name == a[1]) {
                    o = p;
                    break;
                }
            if (!o) {
                error("unknown switch '%c'", a[1]);
                usage_with_options(usage, opts);
            }
            if (a[2]) {
                if (o->kind == OPT_KIND_BOOL) {
                    /* bundled booleans: -qf */
                    *(int *)o->value = 1;
                    for (const char *c = a + 2; *c; c++) {
                        const struct option *q = NULL;
                        for (const struct option *p = opts; p->kind != OPT_KIND_END; p++)
                            if (p->short_name == *c && p->kind == OPT_KIND_BOOL)
                                q = p;
                        if (!q) {
                            error("unknown switch '%c'", *c);
                            usage_with_options(usage, opts);
                        }
                        *(int *)q->value = 1;
                    }
                    continue;
                }
                inline_val = a + 2;
            }
        }
        char shown[80];
        if (a[1] == '-')
            snprintf(shown, sizeof shown, "--%s", o->long_name);
        else
            snprintf(shown, sizeof shown, "-%c", o->short_name);
        if (o->kind == OPT_KIND_BOOL) {
            if (inline_val) {
                error("option '%s' takes no value", shown);
                usage_with_options(usage, opts);
            }
            *(int *)o->value = !negated;
            continue;
        }
        if (!inline_val) {
            if (i + 1 >= argc) {
                error("option '%s' requires a value", shown);
                usage_with_options(usage, opts);
            }
            inline_val = argv[++i];
        }
        if (set_value(o, inline_val, shown) < 0)
            exit(EXIT_USAGE);
    }
    argv[out] = NULL;
    return out;
}
