/* test_reference.c - reference parsing and normalisation, table-driven, against
 * Docker Model Runner's rules (distribution-and-peers.md 1.6). */
#include "test.h"
#include "../common/err.h"
#include "../store/reference.h"

struct good {
    const char *in, *canonical, *familiar, *display;
};

static const struct good goods[] = {
    { "smollm2", "docker.io/ai/smollm2:latest", "ai/smollm2:latest", "smollm2" },
    { "smollm2:latest", "docker.io/ai/smollm2:latest", "ai/smollm2:latest", "smollm2" },
    { "ai/smollm2", "docker.io/ai/smollm2:latest", "ai/smollm2:latest", "smollm2" },
    { "ai/gemma3:v1", "docker.io/ai/gemma3:v1", "ai/gemma3:v1", "gemma3:v1" },
    { "myorg/gemma3:latest", "docker.io/myorg/gemma3:latest", "myorg/gemma3:latest", "myorg/gemma3" },
    { "docker.io/ai/smollm2", "docker.io/ai/smollm2:latest", "ai/smollm2:latest", "smollm2" },
    { "index.docker.io/ai/smollm2:1", "docker.io/ai/smollm2:1", "ai/smollm2:1", "smollm2:1" },
    { "registry-1.docker.io/ai/x", "docker.io/ai/x:latest", "ai/x:latest", "x" },
    { "docker.io/foo", "docker.io/ai/foo:latest", "ai/foo:latest", "foo" },
    { "library/foo", "docker.io/library/foo:latest", "library/foo:latest", "library/foo" },
    { "deepseek-r1-distill-llama:8B-Q4_K_M", "docker.io/ai/deepseek-r1-distill-llama:8B-Q4_K_M",
      "ai/deepseek-r1-distill-llama:8B-Q4_K_M", "deepseek-r1-distill-llama:8B-Q4_K_M" },
    { "SmolLM2:Q4_K_M", "docker.io/ai/smollm2:Q4_K_M", "ai/smollm2:Q4_K_M", "smollm2:Q4_K_M" },
    { "  smollm2  ", "docker.io/ai/smollm2:latest", "ai/smollm2:latest", "smollm2" },
    { "smollm2:", "docker.io/ai/smollm2:latest", "ai/smollm2:latest", "smollm2" },
    { "localhost/m", "localhost/m:latest", "localhost/m:latest", "localhost/m" },
    { "localhost:5000/team/m:v2", "localhost:5000/team/m:v2", "localhost:5000/team/m:v2", "localhost:5000/team/m:v2" },
    { "LOCALHOST:5000/M", "localhost:5000/m:latest", "localhost:5000/m:latest", "localhost:5000/m" },
    { "127.0.0.1:5000/m", "127.0.0.1:5000/m:latest", "127.0.0.1:5000/m:latest", "127.0.0.1:5000/m" },
    { "[::1]:5000/m:t", "[::1]:5000/m:t", "[::1]:5000/m:t", "[::1]:5000/m:t" },
    { "ghcr.io/org/sub/model:1.0", "ghcr.io/org/sub/model:1.0", "ghcr.io/org/sub/model:1.0", "ghcr.io/org/sub/model:1.0" },
    { "hf.co/bartowski/model", "huggingface.co/bartowski/model:latest", "huggingface.co/bartowski/model:latest",
      "huggingface.co/bartowski/model" },
    { "hf.co/org/m:Q4_K_M", "huggingface.co/org/m:Q4_K_M", "huggingface.co/org/m:Q4_K_M", "huggingface.co/org/m:Q4_K_M" },
    { "a.b_c__d-e---f", "docker.io/ai/a.b_c__d-e---f:latest", "ai/a.b_c__d-e---f:latest", "a.b_c__d-e---f" },
    { "x:_t", "docker.io/ai/x:_t", "ai/x:_t", "x:_t" },
    { "x:1.2-rc_3", "docker.io/ai/x:1.2-rc_3", "ai/x:1.2-rc_3", "x:1.2-rc_3" },
    { "0123456789ab", "docker.io/ai/0123456789ab:latest", "ai/0123456789ab:latest", "0123456789ab" },
    { "ai/smollm2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "docker.io/ai/smollm2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "ai/smollm2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "smollm2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
    { "smollm2:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "docker.io/ai/smollm2:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "ai/smollm2:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "smollm2:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
    { "my-registry.example.com:443/a/b", "my-registry.example.com:443/a/b:latest",
      "my-registry.example.com:443/a/b:latest", "my-registry.example.com:443/a/b" },
};

struct bad {
    const char *in, *why; /* why: a piece of the expected message */
};

static const struct bad bads[] = {
    { "", "a model name is needed" },
    { "   ", "a model name is needed" },
    { "a b", "space" },
    { "ai//x", "empty path component" },
    { "/x", "empty path component" },
    { "ai/x/", "empty path component" },
    { "-x", "start and end with a letter or digit" },
    { "x-", "start and end with a letter or digit" },
    { "a..b", "\"..\"" },
    { "a___b", "more than two '_'" },
    { "a.-b", "different separators" },
    { "a!b", "character '!'" },
    { "x:-tag", "does not start with a letter, digit or '_'" },
    { "x:.t", "does not start with a letter, digit or '_'" },
    { "x:a+b", "not allowed in a tag" },
    { "x:a:b", "not allowed in a tag" },
    { "x@sha256:abc", "64 lower-case hex" },
    { "x@md5:0123", "unsupported digest algorithm" },
    { "x@1234", "must be \"sha256:\"" },
    { "x@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "lower-case hex" },
    { "x@@sha256:0", "more than one '@'" },
    { "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "model name is empty" },
    { ":tag", "model name is empty" },
    { "localhost:99999/x", "port above 65535" },
    { "localhost:/x", "empty registry port" },
    { "localhost:5x/x", "port that is not a number" },
    { "-bad.host/x", "starting with '-'" },
    { "bad..host/x", "badly formed label" },
    { "[::1/x", "unterminated" },
    { "caf\xc3\xa9", "non-ASCII" },
};

TEST(valid_references_normalise_like_dmr)
{
    for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++) {
        struct ref r;
        char b[512];
        int rc = ref_parse(goods[i].in, &r);
        if (rc != 0) {
            test_fail_at(__FILE__, __LINE__, "ref_parse(\"%s\") failed: %s", goods[i].in, err_msg());
            continue;
        }
        CHECK_STR(ref_format(&r, REF_CANONICAL, b, sizeof b), goods[i].canonical);
        CHECK_STR(ref_format(&r, REF_FAMILIAR, b, sizeof b), goods[i].familiar);
        CHECK_STR(ref_format(&r, REF_DISPLAY, b, sizeof b), goods[i].display);
        /* the familiar form parses back to the same reference */
        struct ref again;
        CHECK_INT(ref_parse(goods[i].familiar, &again), 0);
        CHECK_STR(ref_format(&again, REF_CANONICAL, b, sizeof b), goods[i].canonical);
    }
}

TEST(invalid_references_say_why)
{
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        struct ref r;
        err_clear();
        if (ref_parse(bads[i].in, &r) == 0) {
            test_fail_at(__FILE__, __LINE__, "ref_parse(\"%s\") accepted an invalid reference", bads[i].in);
            continue;
        }
        if (!strstr(err_msg(), bads[i].why))
            test_fail_at(__FILE__, __LINE__, "ref_parse(\"%s\"): message \"%s\" lacks \"%s\"", bads[i].in,
                         err_msg(), bads[i].why);
        if (!strstr(err_msg(), "invalid reference"))
            test_fail_at(__FILE__, __LINE__, "message \"%s\" does not say \"invalid reference\"", err_msg());
    }
}

TEST(table_has_at_least_40_cases)
{
    CHECK(sizeof goods / sizeof goods[0] + sizeof bads / sizeof bads[0] >= 40);
}

TEST(too_long_names_are_refused)
{
    char name[300];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    struct ref r;
    CHECK(ref_parse(name, &r) < 0);
    CHECK(strstr(err_msg(), "longer than 255") != NULL);
    char tag[140] = "x:";
    memset(tag + 2, 't', 130);
    tag[132] = '\0';
    CHECK(ref_parse(tag, &r) < 0);
    CHECK(strstr(err_msg(), "longer than 128") != NULL);
    /* 128 characters is the limit, and allowed */
    tag[2 + 128] = '\0';
    CHECK_INT(ref_parse(tag, &r), 0);
}

TEST(parts_and_hosts)
{
    struct ref r;
    CHECK_INT(ref_parse("smollm2", &r), 0);
    CHECK_STR(r.registry, "docker.io");
    CHECK_STR(r.path, "ai/smollm2");
    CHECK_STR(r.tag, "latest");
    CHECK_STR(r.digest, "");
    CHECK_STR(ref_api_host(&r), "registry-1.docker.io");
    CHECK_INT(ref_is_insecure_default(&r), 0);
    char b[512];
    CHECK_STR(ref_format(&r, REF_REPO, b, sizeof b), "docker.io/ai/smollm2");

    CHECK_INT(ref_parse("localhost:5000/m", &r), 0);
    CHECK_STR(ref_api_host(&r), "localhost:5000");
    CHECK_INT(ref_is_insecure_default(&r), 1);
    CHECK_INT(ref_parse("box.local/m", &r), 0);
    CHECK_INT(ref_is_insecure_default(&r), 1);
    CHECK_INT(ref_parse("ghcr.io/m/x", &r), 0);
    CHECK_INT(ref_is_insecure_default(&r), 0);

    /* a digest alone leaves the tag empty */
    CHECK_INT(ref_parse("x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &r), 0);
    CHECK_STR(r.tag, "");
}

TEST(ids_and_digests)
{
    CHECK_INT(ref_looks_like_id("0123456789ab"), 1);
    CHECK_INT(ref_looks_like_id("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 1);
    CHECK_INT(ref_looks_like_id("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 1);
    CHECK_INT(ref_looks_like_id("0123456789AB"), 0);
    CHECK_INT(ref_looks_like_id("0123456789a"), 0);
    CHECK_INT(ref_looks_like_id("smollm2"), 0);
    CHECK_INT(digest_is_valid("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 1);
    CHECK_INT(digest_is_valid("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"), 0);
    CHECK_INT(digest_is_valid("sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 0);
}

TEST(display_of_stored_names)
{
    char b[512];
    CHECK_STR(ref_display("ai/gemma3:latest", b, sizeof b), "gemma3");
    CHECK_STR(ref_display("ai/gemma3:v1", b, sizeof b), "gemma3:v1");
    CHECK_STR(ref_display("myorg/gemma3:latest", b, sizeof b), "myorg/gemma3");
    CHECK_STR(ref_display("huggingface.co/bartowski/model:latest", b, sizeof b), "huggingface.co/bartowski/model");
    CHECK_STR(ref_display("not valid!", b, sizeof b), "not valid!");
}

/* Random texts never crash the parser, and whatever it accepts prints in a
 * form that parses back to the same reference. */
TEST(random_texts_round_trip)
{
    static const char alphabet[] = "abcXYZ019._-/:@ sha256:localhost[]";
    unsigned seed = 12345;
    int accepted = 0;
    for (int i = 0; i < 20000; i++) {
        char text[80];
        int n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            text[k] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        text[n] = '\0';
        struct ref r, again;
        if (ref_parse(text, &r) < 0) {
            CHECK(strstr(err_msg(), "invalid reference") != NULL);
            continue;
        }
        char a[REF_STR_MAX], b[REF_STR_MAX], c[REF_STR_MAX];
        accepted++;
        ref_format(&r, REF_CANONICAL, a, sizeof a);
        ref_format(&r, REF_FAMILIAR, b, sizeof b);
        if (ref_parse(b, &again) != 0) {
            test_fail_at(__FILE__, __LINE__, "\"%s\" -> \"%s\" does not parse: %s", text, b, err_msg());
            continue;
        }
        CHECK_STR(ref_format(&again, REF_CANONICAL, c, sizeof c), a);
    }
    printf("    %d of 20000 random texts were valid references\n", accepted);
    CHECK(accepted > 200);
}
