/*
 * server-client.c - a small libcurl client for the server's admin calls
 * (see server-client.h).
 */
#include "server-client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"
#include "../common/strbuf.h"
#include "../common/version.h"

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
    struct strbuf *b = ud;
    size_t k = size * nmemb;
    if (b->n + k > (16u << 20) || strbuf_add(b, data, k) < 0)
        return 0;
    return k;
}

int server_call(const char *path, const char *json, cJSON **out)
{
    const char *host = getenv("MODEL_HOST");
    char url[1024];
    if (!host || !*host)
        host = "127.0.0.1:12434";
    int has_scheme = !strncmp(host, "http://", 7) || !strncmp(host, "https://", 8);
    size_t hl = strlen(host);
    snprintf(url, sizeof url, "%s%.*s%s", has_scheme ? "" : "http://", (int)(hl && host[hl - 1] == '/' ? hl - 1 : hl),
             host, path);

    CURL *c = curl_easy_init();
    if (!c)
        return error("cannot start libcurl");
    struct strbuf b = { 0 };
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "model/" MODEL_VERSION);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (json) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        free(b.p);
        return error("cannot reach the server at %s: %s\n  start one with `model serve`, or point MODEL_HOST at it",
                     host, curl_easy_strerror(rc));
    }
    cJSON *j = b.p ? cJSON_Parse(b.p) : NULL;
    if (status >= 400) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        int r = error("the server at %s answered %ld: %s", host, status,
                      cJSON_IsString(m) ? m->valuestring : cJSON_IsString(e) ? e->valuestring : (b.p ? b.p : ""));
        cJSON_Delete(j);
        free(b.p);
        return r;
    }
    free(b.p);
    if (!j)
        return error("the server at %s did not answer JSON (is it `model serve`?)", host);
    *out = j;
    return 0;
}
