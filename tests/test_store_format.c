/* test_store_format.c - the human-readable forms the store commands print:
 * Docker's "3 minutes ago", DMR's df sizes, two-space JSON. */
#include "test.h"
#include "../cmd/store-util.h"

TEST(ago_like_docker)
{
    char b[64];
    time_t now = 1000000000;
    CHECK_STR(format_ago(now, now, b, sizeof b), "Less than a second ago");
    CHECK_STR(format_ago(now - 1, now, b, sizeof b), "1 second ago");
    CHECK_STR(format_ago(now - 45, now, b, sizeof b), "45 seconds ago");
    CHECK_STR(format_ago(now - 90, now, b, sizeof b), "About a minute ago");
    CHECK_STR(format_ago(now - 180, now, b, sizeof b), "3 minutes ago");
    CHECK_STR(format_ago(now - 3600, now, b, sizeof b), "About an hour ago");
    CHECK_STR(format_ago(now - 5 * 3600, now, b, sizeof b), "5 hours ago");
    CHECK_STR(format_ago(now - 3 * 86400, now, b, sizeof b), "3 days ago");
    CHECK_STR(format_ago(now - 21 * 86400, now, b, sizeof b), "3 weeks ago");
    CHECK_STR(format_ago(now - 90 * 86400, now, b, sizeof b), "3 months ago");
    CHECK_STR(format_ago(now - 3 * 365 * 86400, now, b, sizeof b), "3 years ago");
    CHECK_STR(format_ago(now + 100, now, b, sizeof b), "Less than a second ago"); /* clock skew */
}

TEST(decimal_sizes_like_dmr_df)
{
    char b[32];
    CHECK_STR(format_size_decimal(0, b, sizeof b), "0B");
    CHECK_STR(format_size_decimal(999, b, sizeof b), "999B");
    CHECK_STR(format_size_decimal(1000, b, sizeof b), "1.00kB");
    CHECK_STR(format_size_decimal(79300000, b, sizeof b), "79.30MB");
    CHECK_STR(format_size_decimal(4920734720ULL, b, sizeof b), "4.92GB");
}

TEST(json_two_space_indent)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "a", "tab\there");
    cJSON *in = cJSON_AddObjectToObject(o, "b");
    cJSON_AddNumberToObject(in, "c", 1);
    char *t = json_pretty(o);
    CHECK_STR(t, "{\n  \"a\": \"tab\\there\",\n  \"b\": {\n    \"c\": 1\n  }\n}");
    free(t);
    cJSON_Delete(o);
}

TEST(context_from_config)
{
    cJSON *c = cJSON_Parse("{\"architecture\":\"qwen2\",\"gguf\":{\"qwen2.context_length\":\"32768\"}}");
    CHECK_INT(config_context(c), 32768);
    cJSON_AddNumberToObject(c, "context_size", 4096);
    CHECK_INT(config_context(c), 4096);
    cJSON_Delete(c);
    CHECK_INT(config_context(NULL), 0);
}
