/*
 * ps.c - `model ps`: the models a running `model serve` has loaded, with
 * their memory, slots in use and when they will be unloaded.
 */
#include "builtin.h"
#include "parse-options.h"
#include "server-client.h"
#include "usage.h"
#include "../runtime/memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "in 4m 10s", "busy", "never" from the server's expires_at. */
static void until(const cJSON *m, char *buf, size_t n)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "expires_at");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(m, "state");
    if (cJSON_IsString(st) && !strcmp(st->valuestring, "busy")) {
        snprintf(buf, n, "busy");
        return;
    }
    if (!cJSON_IsString(e)) {
        snprintf(buf, n, "never");
        return;
    }
    struct tm tm = { 0 };
    if (!strptime(e->valuestring, "%Y-%m-%dT%H:%M:%S", &tm)) {
        snprintf(buf, n, "%s", e->valuestring);
        return;
    }
    long secs = (long)(timegm(&tm) - time(NULL));
    if (secs < 0)
        secs = 0;
    if (secs >= 3600)
        snprintf(buf, n, "in %ldh %ldm", secs / 3600, secs / 60 % 60);
    else if (secs >= 60)
        snprintf(buf, n, "in %ldm %lds", secs / 60, secs % 60);
    else
        snprintf(buf, n, "in %lds", secs);
}

int cmd_ps(int argc, const char **argv)
{
    int json = 0;
    static const char *const usage[] = { "model ps [--json]", NULL };
    struct option opts[] = {
        OPT_BOOL(0, "json", &json, "print the server's answer as JSON"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if (argc)
        usage_with_options(usage, opts);
    cJSON *j;
    if (server_call("/api/ps", NULL, &j) < 0)
        return EXIT_FAIL;
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(j, "models");
    if (json) {
        char *s = cJSON_Print(models ? models : j);
        puts(s ? s : "[]");
        free(s);
        cJSON_Delete(j);
        return EXIT_OK;
    }
    printf("%-40s %10s %7s %8s  %s\n", "MODEL", "MEMORY", "SLOTS", "CONTEXT", "UNTIL");
    const cJSON *m;
    cJSON_ArrayForEach(m, models)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(m, "size");
        const cJSON *slots = cJSON_GetObjectItemCaseSensitive(m, "slots");
        const cJSON *active = cJSON_GetObjectItemCaseSensitive(m, "active");
        const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(m, "context_length");
        char mem[32], u[64], sl[32];
        memory_format(cJSON_IsNumber(size) ? (uint64_t)size->valuedouble : 0, mem, sizeof mem);
        snprintf(sl, sizeof sl, "%d/%d", cJSON_IsNumber(active) ? active->valueint : 0,
                 cJSON_IsNumber(slots) ? slots->valueint : 0);
        until(m, u, sizeof u);
        printf("%-40s %10s %7s %8d  %s\n", cJSON_IsString(name) ? name->valuestring : "?", mem, sl,
               cJSON_IsNumber(ctx) ? ctx->valueint : 0, u);
    }
    cJSON_Delete(j);
    return EXIT_OK;
}
