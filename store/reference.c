/* reference.c - parse, normalise and print model references (see reference.h). */
#include "reference.h"

#include "../common/err.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int is_lower_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_hex_lower(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int digest_is_valid(const char *s)
{
    if (!s || strncmp(s, "sha256:", 7))
        return 0;
    for (int i = 0; i < 64; i++)
        if (!is_hex_lower((unsigned char)s[7 + i]))
            return 0;
    return s[71] == '\0';
}

int ref_looks_like_id(const char *text)
{
    if (!text)
        return 0;
    if (!strncmp(text, "sha256:", 7))
        return digest_is_valid(text);
    size_t n = strlen(text);
    if (n != 12 && n != 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_hex_lower((unsigned char)text[i]))
            return 0;
    return 1;
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*. Returns "" when
 * valid, a description of the problem, or NULL for a bad character (the
 * caller names it). */
static const char *component_problem(const char *c, size_t n)
{
    if (n == 0)
        return "has an empty path component (\"//\", or a leading or trailing \"/\")";
    for (size_t i = 0; i < n; i++)
        if (!is_lower_alnum((unsigned char)c[i]) && !strchr("._-", c[i]))
            return NULL;
    if (!is_lower_alnum((unsigned char)c[0]) || !is_lower_alnum((unsigned char)c[n - 1]))
        return "has a path component that does not start and end with a letter or digit";
    for (size_t i = 0; i < n;) {
        if (is_lower_alnum((unsigned char)c[i])) {
            i++;
            continue;
        }
        size_t run = 1;
        while (i + run < n && c[i + run] == c[i])
            run++;
        if (c[i] == '.' && run > 1)
            return "has \"..\" in a path component";
        if (c[i] == '_' && run > 2)
            return "has more than two '_' in a row in a path component";
        if (!is_lower_alnum((unsigned char)c[i + run]))
            return "has two different separators ('.', '_', '-') in a row in a path component";
        i += run;
    }
    return "";
}

/* registry host: DNS labels, or [IPv6], with an optional :port */
static const char *registry_problem(const char *h)
{
    const char *p = h;
    if (*p == '[') {
        const char *end = strchr(p, ']');
        if (!end || end == p + 1)
            return "has an unterminated or empty [IPv6] registry address";
        for (const char *q = p + 1; q < end; q++)
            if (!is_hex_lower((unsigned char)*q) && *q != ':' && *q != '.')
                return "has a bad character in its [IPv6] registry address";
        p = end + 1;
    } else {
        size_t label = 0;
        for (; *p && *p != ':'; p++) {
            if (*p == '.') {
                if (label == 0 || p[-1] == '-')
                    return "has an empty or badly formed label in its registry host";
                label = 0;
                continue;
            }
            if (*p == '-' && label == 0)
                return "has a registry host label starting with '-'";
            if (!is_lower_alnum((unsigned char)*p) && *p != '-')
                return "has a bad character in its registry host";
            label++;
        }
        if (label == 0 || p[-1] == '-')
            return "has an empty or badly formed label in its registry host";
    }
    if (*p == ':') {
        p++;
        long port = 0;
        int digits = 0;
        for (; *p; p++, digits++) {
            if (!isdigit((unsigned char)*p))
                return "has a registry port that is not a number";
            port = port * 10 + (*p - '0');
            if (port > 65535)
                return "has a registry port above 65535";
        }
        if (!digits)
            return "has an empty registry port";
    } else if (*p) {
        return "has a bad character in its registry host";
    }
    return NULL;
}

static int tag_ok(const char *t, const char **why)
{
    size_t n = strlen(t);
    if (n > REF_TAG_MAX) {
        *why = "has a tag longer than 128 characters";
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (isalnum(c) && c < 128)
            continue;
        if (c == '_' || (i > 0 && (c == '.' || c == '-')))
            continue;
        *why = i == 0 ? "has a tag that does not start with a letter, digit or '_'"
                      : "has a character not allowed in a tag (letters, digits, '_', '.', '-')";
        return 0;
    }
    return 1;
}

#define FAIL(...) (err_set(__VA_ARGS__), -1)

int ref_parse(const char *text, struct ref *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return FAIL("invalid reference: none given");
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    if (len == 0)
        return FAIL("invalid reference \"\": a model name is needed, e.g. \"smollm2\" or \"ai/smollm2:latest\"");
    if (len > 1024)
        return FAIL("invalid reference: %zu characters is longer than any valid name", len);

    char buf[1100 + 16];
    const char *hf = "hf.co/";
    if (len > strlen(hf) && !strncasecmp(text, hf, strlen(hf)))
        snprintf(buf, sizeof buf, "huggingface.co/%.*s", (int)(len - strlen(hf)), text + strlen(hf));
    else
        snprintf(buf, sizeof buf, "%.*s", (int)len, text);
    char shown[80];
    snprintf(shown, sizeof shown, "%.*s%s", len > 60 ? 60 : (int)len, text, len > 60 ? "..." : "");

    for (const char *p = buf; *p; p++)
        if (isspace((unsigned char)*p) || (unsigned char)*p < 32 || (unsigned char)*p >= 127)
            return FAIL("invalid reference \"%s\": contains a space, control or non-ASCII character", shown);

    /* @digest */
    char *at = strchr(buf, '@');
    if (at) {
        *at = '\0';
        const char *d = at + 1;
        if (strchr(d, '@'))
            return FAIL("invalid reference \"%s\": more than one '@'", shown);
        if (strncmp(d, "sha256:", 7)) {
            if (strchr(d, ':'))
                return FAIL("invalid reference \"%s\": unsupported digest algorithm (only sha256)", shown);
            return FAIL("invalid reference \"%s\": the digest after '@' must be \"sha256:\" and 64 hex digits",
                        shown);
        }
        if (!digest_is_valid(d))
            return FAIL("invalid reference \"%s\": the digest after '@' must be \"sha256:\" and 64 lower-case "
                        "hex digits", shown);
        snprintf(out->digest, sizeof out->digest, "%s", d);
    }

    /* :tag after the last '/' */
    char *slash = strrchr(buf, '/');
    char *colon = strchr(slash ? slash : buf, ':');
    const char *tag = "";
    if (colon) {
        *colon = '\0';
        tag = colon + 1;
    }
    if (!*buf)
        return FAIL("invalid reference \"%s\": the model name is empty", shown);
    const char *why = NULL;
    if (*tag && !tag_ok(tag, &why))
        return FAIL("invalid reference \"%s\": %s", shown, why);
    snprintf(out->tag, sizeof out->tag, "%s", *tag ? tag : (out->digest[0] ? "" : REF_DEFAULT_TAG));

    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);

    /* registry: the first component, when it looks like a host */
    char *path = buf;
    char *first_slash = strchr(buf, '/');
    if (first_slash) {
        size_t n = (size_t)(first_slash - buf);
        if (memchr(buf, '.', n) || memchr(buf, ':', n) || (n == 9 && !strncmp(buf, "localhost", 9))) {
            *first_slash = '\0';
            if (strlen(buf) > REF_NAME_MAX)
                return FAIL("invalid reference \"%s\": registry host too long", shown);
            snprintf(out->registry, sizeof out->registry, "%.*s", REF_NAME_MAX, buf);
            path = first_slash + 1;
            if ((why = registry_problem(out->registry)))
                return FAIL("invalid reference \"%s\": %s", shown, why);
        }
    }
    if (!out->registry[0] || !strcmp(out->registry, "index.docker.io") ||
        !strcmp(out->registry, "registry-1.docker.io"))
        snprintf(out->registry, sizeof out->registry, "%s", REF_DEFAULT_REGISTRY);

    /* path components */
    for (const char *c = path;;) {
        const char *end = strchr(c, '/');
        size_t n = end ? (size_t)(end - c) : strlen(c);
        const char *problem = component_problem(c, n);
        if (!problem) {
            for (size_t i = 0; i < n; i++)
                if (!is_lower_alnum((unsigned char)c[i]) && !strchr("._-", c[i]))
                    return FAIL("invalid reference \"%s\": character '%c' is not allowed in a name "
                                "(lower-case letters, digits, '.', '_', '-', '/')", shown, c[i]);
        } else if (*problem) {
            return FAIL("invalid reference \"%s\": %s", shown, problem);
        }
        if (!end)
            break;
        c = end + 1;
    }

    int docker = !strcmp(out->registry, REF_DEFAULT_REGISTRY);
    int add_org = docker && !strchr(path, '/');
    if (strlen(out->registry) + 1 + strlen(path) + (add_org ? 3 : 0) > REF_NAME_MAX)
        return FAIL("invalid reference \"%s\": the name is longer than %d characters", shown, REF_NAME_MAX);
    snprintf(out->path, sizeof out->path, "%s%.*s", add_org ? REF_DEFAULT_ORG "/" : "", REF_NAME_MAX - 4, path);
    return 0;
}

char *ref_format(const struct ref *r, enum ref_form form, char *buf, size_t size)
{
    int docker = !strcmp(r->registry, REF_DEFAULT_REGISTRY);
    const char *path = r->path;
    int with_registry = form == REF_CANONICAL || form == REF_REPO || !docker;
    if (form == REF_DISPLAY && docker && !strncmp(path, REF_DEFAULT_ORG "/", strlen(REF_DEFAULT_ORG) + 1))
        path += strlen(REF_DEFAULT_ORG) + 1;
    const char *tag = r->tag;
    if (form == REF_REPO || (form == REF_DISPLAY && !strcmp(tag, REF_DEFAULT_TAG)))
        tag = "";
    const char *digest = form == REF_REPO ? "" : r->digest;
    snprintf(buf, size, "%s%s%s%s%s%s%s", with_registry ? r->registry : "", with_registry ? "/" : "", path,
             *tag ? ":" : "", tag, *digest ? "@" : "", digest);
    return buf;
}

char *ref_display(const char *text, char *buf, size_t size)
{
    struct ref r;
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", err_msg());
    if (ref_parse(text, &r) < 0) {
        err_set("%s", saved);
        snprintf(buf, size, "%s", text);
        return buf;
    }
    return ref_format(&r, REF_DISPLAY, buf, size);
}

const char *ref_api_host(const struct ref *r)
{
    return strcmp(r->registry, REF_DEFAULT_REGISTRY) ? r->registry : REF_DEFAULT_API_HOST;
}

int ref_is_insecure_default(const struct ref *r)
{
    char host[REF_NAME_MAX + 1];
    snprintf(host, sizeof host, "%s", r->registry);
    if (host[0] == '[') {
        char *end = strchr(host, ']');
        if (end)
            end[1] = '\0';
        return !strcmp(host, "[::1]");
    }
    char *colon = strchr(host, ':');
    if (colon)
        *colon = '\0';
    size_t n = strlen(host);
    return !strcmp(host, "localhost") || !strcmp(host, "127.0.0.1") ||
           (n > 6 && !strcmp(host + n - 6, ".local"));
}
