/*
 * unload.c - `model unload MODEL... | --all`: a running `model serve` frees
 * the model's memory now instead of after its keep-alive (requests in
 * flight for it are cancelled).
 */
#include "builtin.h"
#include "parse-options.h"
#include "server-client.h"
#include "usage.h"

#include <stdio.h>
#include <stdlib.h>

static int unload(const char *model)
{
    cJSON *req = cJSON_CreateObject(), *j;
    if (model)
        cJSON_AddStringToObject(req, "model", model);
    else
        cJSON_AddTrueToObject(req, "all");
    char *body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    int rc = body ? server_call("/api/unload", body, &j) : error("out of memory");
    free(body);
    if (rc < 0)
        return -1;
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(j, "unloaded"), *n;
    if (cJSON_GetArraySize(names) == 0 && model)
        printf("%s was not loaded\n", model);
    else if (cJSON_GetArraySize(names) == 0)
        printf("no model was loaded\n");
    cJSON_ArrayForEach(n, names)
        if (cJSON_IsString(n))
            printf("Unloaded %s\n", n->valuestring);
    cJSON_Delete(j);
    return 0;
}

int cmd_unload(int argc, const char **argv)
{
    int all = 0;
    static const char *const usage[] = { "model unload MODEL...", "model unload --all", NULL };
    struct option opts[] = {
        OPT_BOOL('a', "all", &all, "unload every loaded model"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if ((all && argc) || (!all && !argc))
        usage_with_options(usage, opts);
    if (all)
        return unload(NULL) < 0 ? EXIT_FAIL : EXIT_OK;
    int failed = 0;
    for (int i = 0; i < argc; i++)
        failed |= unload(argv[i]) < 0;
    return failed ? EXIT_FAIL : EXIT_OK;
}
