/* test_registry.c - registry client pieces that need no network:
 * WWW-Authenticate parsing, plain-http host rules, origins, manifest checks,
 * credentials files, memory estimate, backoff. */
#include "test.h"
#include "../common/err.h"
#include "../registry/auth.h"
#include "../registry/client.h"
#include "../registry/http.h"
#include "../registry/oci-manifest.h"
#include "../registry/registry.h"
#include "../store/store.h"

#include <stdlib.h>
#include <sys/stat.h>

TEST(challenge_bearer_docker_hub)
{
    struct challenge c[4];
    int n = auth_parse_challenges("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                                  "scope=\"repository:ai/smollm2:pull\"",
                                  c, 4);
    CHECK_INT(n, 1);
    CHECK_STR(c[0].scheme, "Bearer");
    CHECK_STR(c[0].realm, "https://auth.docker.io/token");
    CHECK_STR(c[0].service, "registry.docker.io");
    CHECK_STR(c[0].scope, "repository:ai/smollm2:pull");
}

TEST(challenge_scope_with_comma_and_error)
{
    struct challenge c[4];
    int n = auth_parse_challenges("bearer realm=\"http://127.0.0.1:5/token\", service=\"s\", "
                                  "scope=\"repository:a/b:pull,push\", error=\"insufficient_scope\"",
                                  c, 4);
    CHECK_INT(n, 1);
    CHECK_STR(c[0].scope, "repository:a/b:pull,push");
    CHECK_STR(c[0].error, "insufficient_scope");
    CHECK(auth_pick(c, n) == &c[0]);
}

TEST(challenge_several_schemes_prefers_bearer)
{
    struct challenge c[4];
    int n = auth_parse_challenges("Basic realm=\"reg\", Bearer realm=\"https://t/x\",service=svc", c, 4);
    CHECK_INT(n, 2);
    CHECK_STR(c[0].scheme, "Basic");
    CHECK_STR(c[0].realm, "reg");
    CHECK_STR(c[1].realm, "https://t/x");
    CHECK_STR(c[1].service, "svc"); /* unquoted token value */
    CHECK_STR(auth_pick(c, n)->scheme, "Bearer");
}

TEST(challenge_quoted_escapes_and_garbage)
{
    struct challenge c[4];
    CHECK_INT(auth_parse_challenges("Basic realm=\"a \\\"quoted\\\" realm\"", c, 4), 1);
    CHECK_STR(c[0].realm, "a \"quoted\" realm");
    CHECK_INT(auth_parse_challenges("", c, 4), -1);
    CHECK_INT(auth_parse_challenges(NULL, c, 4), -1);
    CHECK_INT(auth_parse_challenges("Basic", c, 4), 1);
    CHECK(auth_pick(c, 1) != NULL);
    /* an unterminated quote and an overlong realm must not overflow */
    char big[5000];
    memset(big, 'x', sizeof big);
    memcpy(big, "Bearer realm=\"", 14);
    big[sizeof big - 1] = 0;
    CHECK_INT(auth_parse_challenges(big, c, 4), 1);
    CHECK(strlen(c[0].realm) < sizeof c[0].realm);
    CHECK_INT(auth_parse_challenges("Negotiate", c, 4), 1);
    CHECK(auth_pick(c, 1) == NULL);
}

TEST(plain_http_hosts)
{
    unsetenv("MODEL_INSECURE_REGISTRIES");
    CHECK(http_host_allows_plain("localhost"));
    CHECK(http_host_allows_plain("localhost:5000"));
    CHECK(http_host_allows_plain("LOCALHOST:5000"));
    CHECK(http_host_allows_plain("127.0.0.1:5000"));
    CHECK(http_host_allows_plain("127.200.3.4"));
    CHECK(http_host_allows_plain("[::1]:5000"));
    CHECK(http_host_allows_plain("::1"));
    CHECK(http_host_allows_plain("printer.local:8080"));
    CHECK(!http_host_allows_plain("128.0.0.1:5000"));
    CHECK(!http_host_allows_plain("registry-1.docker.io"));
    CHECK(!http_host_allows_plain("local"));
    CHECK(!http_host_allows_plain("evil.local.example.com"));
    CHECK(!http_host_allows_plain("localhost.example.com"));
    setenv("MODEL_INSECURE_REGISTRIES", "reg.lan:5000, other.lan", 1);
    CHECK(http_host_allows_plain("reg.lan:5000"));
    CHECK(!http_host_allows_plain("reg.lan:6000"));
    CHECK(http_host_allows_plain("other.lan:1234"));
    CHECK(!http_host_allows_plain("reg.lan.evil"));
    unsetenv("MODEL_INSECURE_REGISTRIES");
}

TEST(url_rules)
{
    unsetenv("MODEL_INSECURE_REGISTRIES");
    CHECK(http_url_allowed("https://registry-1.docker.io/v2/"));
    CHECK(http_url_allowed("http://127.0.0.1:5000/v2/"));
    CHECK(http_url_allowed("http://[::1]:5000/v2/"));
    CHECK(!http_url_allowed("http://registry.example.com/v2/"));
    CHECK(!http_url_allowed("ftp://127.0.0.1/x"));
    CHECK(!http_url_allowed("file:///etc/passwd"));
    CHECK(http_same_origin("https://a.b/v2/x", "https://A.B:443/other"));
    CHECK(!http_same_origin("https://a.b/v2/x", "http://a.b/v2/x")); /* downgrade */
    CHECK(!http_same_origin("https://a.b/v2/x", "https://cdn.a.b/v2/x"));
    CHECK(!http_same_origin("http://127.0.0.1:5/x", "http://localhost:5/x"));
    CHECK(!http_same_origin("http://127.0.0.1:5/x", "http://127.0.0.1:6/x"));
    char *u = http_resolve_location("http://127.0.0.1:5/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/abc?_state=x");
    CHECK_STR(u, "http://127.0.0.1:5/v2/a/blobs/uploads/abc?_state=x");
    free(u);
}

TEST(headers_case_insensitive_and_retry_after)
{
    char *lines[] = { strdup("content-type: application/json"), strdup("Retry-After: 7"),
                      strdup("docker-content-digest:sha256:ab") };
    struct http_headers h = { lines, 3, 3 };
    CHECK_STR(http_header(&h, "Content-Type"), "application/json");
    CHECK_STR(http_header(&h, "Docker-Content-Digest"), "sha256:ab");
    CHECK(http_header(&h, "Content") == NULL);
    CHECK_INT(http_retry_after(&h), 7);
    for (int i = 0; i < 3; i++)
        free(lines[i]);
}

static const char *good_manifest =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.docker.ai.model.config.v0.1+json\",\"size\":10,"
    "\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},"
    "\"layers\":[{\"mediaType\":\"application/vnd.docker.ai.gguf.v3\",\"size\":1000,"
    "\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"}]}";

TEST(manifest_parse_accepts_model_and_checks_content_type)
{
    struct oci_manifest m;
    CHECK_INT(oci_manifest_parse(good_manifest, strlen(good_manifest), "application/vnd.oci.image.manifest.v1+json", &m), 0);
    CHECK_INT(m.n_layers, 1);
    CHECK_INT(m.layers[0].size, 1000);
    CHECK_STR(m.digest + 7, m.digest + 7); /* filled */
    char d[72];
    sha256_buf(good_manifest, strlen(good_manifest), d);
    CHECK_STR(m.digest, d);
    oci_manifest_free(&m);
    CHECK_INT(oci_manifest_parse(good_manifest, strlen(good_manifest),
                                 "application/vnd.docker.distribution.manifest.v2+json", &m), -1);
    CHECK(strstr(err_msg(), "Content-Type") != NULL);
}

static int parse_variant(const char *from, const char *to)
{
    char buf[2048];
    const char *p = strstr(good_manifest, from);
    if (!p)
        return 99;
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - good_manifest), good_manifest, to, p + strlen(from));
    struct oci_manifest m;
    int rc = oci_manifest_parse(buf, strlen(buf), NULL, &m);
    if (rc == 0)
        oci_manifest_free(&m);
    return rc;
}

TEST(manifest_parse_refuses_hostile_or_foreign)
{
    CHECK_INT(parse_variant("vnd.docker.ai.model.config.v0.1+json", "vnd.oci.image.config.v1+json"), -1);
    CHECK(strstr(err_msg(), "application/vnd.oci.image.config.v1+json") != NULL);
    CHECK_INT(parse_variant("vnd.docker.ai.model.config.v0.1+json", "vnd.docker.ai.model.config.v0.2+json"), 0);
    CHECK_INT(parse_variant("vnd.docker.ai.model.config.v0.1+json", "vnd.cncf.model.config.v1+json"), 0);
    CHECK_INT(parse_variant("\"size\":1000", "\"size\":-1"), -1);
    CHECK_INT(parse_variant("\"size\":1000", "\"size\":1e300"), -1);
    CHECK_INT(parse_variant("\"size\":1000", "\"size\":1.5"), -1);
    CHECK_INT(parse_variant("\"size\":10,", "\"size\":99999999999,"), -1); /* config too big */
    CHECK_INT(parse_variant("sha256:2222", "sha512:2222"), -1);
    CHECK_INT(parse_variant("\"schemaVersion\":2", "\"schemaVersion\":1"), -1);
    CHECK_INT(parse_variant("vnd.docker.ai.gguf.v3", "vnd.docker.ai.license"), -1); /* no weights */
    CHECK_INT(parse_variant("image.manifest.v1+json", "image.index.v1+json"), -1);
    CHECK_INT(oci_manifest_parse("[1,2]", 5, NULL, &(struct oci_manifest){ 0 }), -1);
    /* too many layers */
    size_t cap = 200000, len = 0;
    char *big = malloc(cap);
    len += (size_t)snprintf(big, cap, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.docker.ai."
                                      "model.config.v0.1+json\",\"size\":1,\"digest\":\"sha256:%064d\"},\"layers\":[", 1);
    for (int i = 0; i < MANIFEST_MAX_LAYERS + 1; i++)
        len += (size_t)snprintf(big + len, cap - len, "%s{\"mediaType\":\"application/vnd.docker.ai.gguf.v3\",\"size\":1,"
                                                      "\"digest\":\"sha256:%064d\"}", i ? "," : "", i);
    len += (size_t)snprintf(big + len, cap - len, "]}");
    struct oci_manifest m;
    CHECK_INT(oci_manifest_parse(big, len, NULL, &m), -1);
    CHECK(strstr(err_msg(), "layers") != NULL);
    free(big);
}

TEST(credentials_file_roundtrip_and_docker_config)
{
    const char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/cfg", dir);
    setenv("MODEL_CONFIG_DIR", path, 1);
    snprintf(path, sizeof path, "%s/docker", dir);
    setenv("DOCKER_CONFIG", path, 1);
    char *u = NULL, *p = NULL;
    CHECK_INT(creds_lookup("reg.example:5000", &u, &p), 0);
    CHECK_INT(creds_store("reg.example:5000", "ann", "pa:ss"), 0);
    CHECK_INT(creds_lookup("reg.example:5000", &u, &p), 1);
    CHECK_STR(u, "ann");
    CHECK_STR(p, "pa:ss");
    free(u);
    free(p);
    char *cp = creds_path();
    struct stat st;
    CHECK(stat(cp, &st) == 0 && (st.st_mode & 0777) == 0600);
    free(cp);
    CHECK_INT(creds_erase("reg.example:5000"), 1);
    CHECK_INT(creds_erase("reg.example:5000"), 0);
    CHECK_INT(creds_lookup("reg.example:5000", &u, &p), 0);
    /* Docker's file, Docker Hub's key */
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/docker/config.json", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"%s\"}}}", "Ym9iOnNlY3JldA==");
    fclose(f);
    CHECK_INT(creds_lookup("docker.io", &u, &p), 1);
    CHECK_STR(u, "bob");
    CHECK_STR(p, "secret");
    free(u);
    free(p);
    unsetenv("MODEL_CONFIG_DIR");
    unsetenv("DOCKER_CONFIG");
}

TEST(base64)
{
    char *e = b64_encode("alice:wonderland", 16);
    CHECK_STR(e, "YWxpY2U6d29uZGVybGFuZA==");
    size_t n;
    char *d = b64_decode(e, &n);
    CHECK_STR(d, "alice:wonderland");
    CHECK_INT(n, 16);
    free(e);
    free(d);
    CHECK(b64_decode("abc", &n) == NULL);
}

TEST(memory_estimate_from_config)
{
    const char *cfg = "{\"config\":{\"gguf\":{\"general.architecture\":\"llama\",\"llama.block_count\":\"32\","
                      "\"llama.embedding_length\":\"4096\",\"llama.attention.head_count\":\"32\","
                      "\"llama.attention.head_count_kv\":\"8\",\"llama.context_length\":\"131072\"}}}";
    int ctx = 0;
    uint64_t w = 4920000000ull;
    uint64_t m = registry_estimate_memory(cfg, strlen(cfg), w, &ctx);
    CHECK_INT(ctx, 4096);
    /* 2 (K,V) x 2 bytes x 32 layers x 4096 tokens x 8 heads x 128 = 512 MiB */
    CHECK_INT(m - w, 536870912);
    CHECK_INT(registry_estimate_memory("{}", 2, 100, &ctx), 100);
    CHECK_INT(ctx, 0);
    const char *bad = "{\"config\":{\"gguf\":{\"general.architecture\":\"llama\",\"llama.block_count\":\"-5\"}}}";
    CHECK_INT(registry_estimate_memory(bad, strlen(bad), 7, &ctx), 7);
    setenv("MODEL_HOST_MEMORY", "12345", 1);
    CHECK_INT(registry_host_memory(), 12345);
    unsetenv("MODEL_HOST_MEMORY");
    CHECK(registry_host_memory() > 0);
}

TEST(normalize_host_and_backoff)
{
    char h[300];
    CHECK_INT(registry_normalize_host("https://Reg.Example:5000/v2/", h, sizeof h), 0);
    CHECK_STR(h, "reg.example:5000");
    CHECK_INT(registry_normalize_host("index.docker.io", h, sizeof h), 0);
    CHECK_STR(h, "docker.io");
    CHECK_INT(registry_normalize_host("bad host", h, sizeof h), -1);
    unsetenv("MODEL_RETRY_BASE_MS");
    CHECK_INT(registry_backoff_ms(1, -1), 1000);
    CHECK_INT(registry_backoff_ms(3, -1), 4000);
    CHECK_INT(registry_backoff_ms(20, -1), 30000);
    CHECK_INT(registry_backoff_ms(1, 5), 5000);
}
