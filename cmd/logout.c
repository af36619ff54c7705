/*
 * logout.c - `model logout REGISTRY`: forget the credentials `model login`
 * stored for it (Docker's own config.json is left alone).
 */
#include "builtin.h"
#include "parse-options.h"
#include "usage.h"
#include "../registry/auth.h"
#include "../registry/registry.h"

#include <stdio.h>

static const char *const logout_usage[] = {
    "model logout REGISTRY",
    NULL,
};

int cmd_logout(int argc, const char **argv)
{
    struct option opts[] = { OPT_END() };
    argc = parse_options(argc, argv, opts, logout_usage);
    if (argc != 1)
        usage_with_options(logout_usage, opts);
    char host[300];
    if (registry_normalize_host(argv[0], host, sizeof host) < 0)
        return error_err(), EXIT_USAGE;
    int r = creds_erase(host);
    if (r < 0)
        return error_err(), EXIT_FAIL;
    if (r == 0)
        printf("Not logged in to %s\n", host);
    else
        printf("Removed the credentials for %s\n", host);
    return EXIT_OK;
}
