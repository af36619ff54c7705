/* tag.c - `model tag SOURCE TARGET`: give a model another name (no tag means "latest"). */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <stdio.h>

static const char *const tag_usage[] = { "model tag SOURCE TARGET", NULL };

int cmd_tag(int argc, const char **argv)
{
    struct option opts[] = { OPT_END() };
    argc = parse_options(argc, argv, opts, tag_usage);
    if (argc != 2) {
        error("give the model to tag and its new name, e.g. 'model tag smollm2 myorg/smollm2:v1'");
        usage_with_options(tag_usage, opts);
    }
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    int rc = store_tag(s, argv[0], argv[1]);
    store_close(s);
    if (rc < 0)
        return error_err(), EXIT_FAIL;
    struct ref r;
    char shown[REF_STR_MAX];
    ref_parse(argv[1], &r);
    printf("Tagged %s as %s\n", argv[0], ref_format(&r, REF_DISPLAY, shown, sizeof shown));
    return EXIT_OK;
}
