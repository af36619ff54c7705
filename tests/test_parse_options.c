/* test_parse_options.c - the option-table parser shared by every command. */
#include "test.h"
#include "../cmd/parse-options.h"

static const char *const usage[] = { "model x [options] ARGS", NULL };

TEST(parses_long_short_and_positionals)
{
    int force = 0, n = 5;
    float temp = 0.8f;
    const char *out = NULL;
    struct opt_list lic = { 0 };
    struct option opts[] = {
        OPT_BOOL('f', "force", &force, "force"),
        OPT_INT('n', "max-tokens", &n, "N", "tokens"),
        OPT_FLOAT(0, "temp", &temp, "T", "temperature"),
        OPT_STRING('o', "output", &out, "FILE", "output"),
        OPT_LIST(0, "license", &lic, "FILE", "licences"),
        OPT_END(),
    };
    const char *argv[] = { "x", "a", "-f", "--max-tokens=12", "--temp", "-0.5", "-ofile", "--license", "L1",
                           "--license=L2", "b", "--", "--not-an-option", NULL };
    int argc = parse_options(13, argv, opts, usage);
    CHECK_INT(argc, 3);
    CHECK_STR(argv[0], "a");
    CHECK_STR(argv[1], "b");
    CHECK_STR(argv[2], "--not-an-option");
    CHECK_INT(force, 1);
    CHECK_INT(n, 12);
    CHECK_NEAR(temp, -0.5, 1e-6);
    CHECK_STR(out, "file");
    CHECK_INT(lic.n, 2);
    CHECK_STR(lic.items[1], "L2");
    opt_list_free(&lic);
}

TEST(negated_bool_and_size_suffix)
{
    int color = 1;
    int64_t ctx = 0;
    struct option opts[] = {
        OPT_BOOL(0, "color", &color, "colour"),
        OPT_INT64('c', "ctx-size", &ctx, "N", "context"),
        OPT_END(),
    };
    const char *argv[] = { "x", "--no-color", "-c", "8K", NULL };
    CHECK_INT(parse_options(4, argv, opts, usage), 0);
    CHECK_INT(color, 0);
    CHECK_INT(ctx, 8192);
}
