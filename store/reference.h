/*
 * reference.h - model references ("smollm2", "ai/smollm2:Q4_K_M",
 * "localhost:5000/team/m@sha256:...") parsed and normalised the way Docker
 * Model Runner does (pkg/distribution: normalizeModelName and the
 * distribution/reference grammar):
 *
 *   - surrounding spaces are trimmed; "hf.co/" is rewritten "huggingface.co/";
 *   - the first path component is a registry when it contains '.' or ':' or
 *     is "localhost"; otherwise the registry is docker.io (API host
 *     registry-1.docker.io; "index.docker.io" and "registry-1.docker.io" are
 *     spelled docker.io too);
 *   - a name without '/' gets the org "ai/" ("smollm2" -> "ai/smollm2"), as
 *     does a single component under docker.io ("docker.io/x" -> "ai/x");
 *   - the tag is the ':' after the last '/'; missing or empty -> "latest"
 *     (unless a digest "@sha256:<64 hex>" is given, which then names the model);
 *   - the name (registry and path) is lower-cased, the tag keeps its case;
 *   - the result must match the OCI grammars: path components
 *     [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*, tag [A-Za-z0-9_][A-Za-z0-9._-]{0,127},
 *     whole name at most 255 characters.
 *
 * Forms of one reference:
 *   ref_format(r, REF_CANONICAL) "docker.io/ai/smollm2:latest" (registry always)
 *   ref_format(r, REF_FAMILIAR)  "ai/smollm2:latest"  (what the store keeps as a tag, like DMR)
 *   ref_format(r, REF_DISPLAY)   "smollm2"            (docker.io/, ai/ and :latest stripped)
 * Model IDs (12 or 64 lower-case hex, or "sha256:<64 hex>") are not names of
 * a repository; store_resolve() tries them as IDs first (ref_looks_like_id()).
 */
#ifndef STORE_REFERENCE_H
#define STORE_REFERENCE_H

#include <stddef.h>

#define REF_DEFAULT_REGISTRY "docker.io"
#define REF_DEFAULT_API_HOST "registry-1.docker.io"
#define REF_DEFAULT_ORG "ai"
#define REF_DEFAULT_TAG "latest"
#define REF_NAME_MAX 255 /* registry + '/' + path */
#define REF_TAG_MAX 128
#define REF_DIGEST_LEN 71 /* "sha256:" + 64 hex */
#define REF_STR_MAX 512   /* enough for any formatted reference, with its NUL */

struct ref {
    char registry[REF_NAME_MAX + 1];   /* "docker.io", "localhost:5000", "huggingface.co" */
    char path[REF_NAME_MAX + 1];       /* repository path: "ai/smollm2", "team/m" */
    char tag[REF_TAG_MAX + 1];         /* "latest", "Q4_K_M"; "" when only a digest was given */
    char digest[REF_DIGEST_LEN + 1];   /* "sha256:<64 hex>" or "" */
};

enum ref_form {
    REF_CANONICAL, /* registry/path[:tag][@digest] */
    REF_FAMILIAR,  /* as CANONICAL without "docker.io/" */
    REF_DISPLAY,   /* as FAMILIAR without "ai/" and ":latest" */
    REF_REPO,      /* registry/path only: "docker.io/ai/smollm2" */
};

/* Parse and normalise. 0 on success; -1 with err_msg() saying what is wrong
 * with the text ("invalid reference \"A B\": ..."). */
int ref_parse(const char *text, struct ref *out);

/* Write the reference in the given form into buf (always NUL-terminated).
 * Returns buf. REF_STR_MAX bytes are always enough. */
char *ref_format(const struct ref *r, enum ref_form form, char *buf, size_t size);

/* Shortcut: parse `tag` (a stored familiar name) and format it for display;
 * falls back to the text itself when it does not parse. */
char *ref_display(const char *text, char *buf, size_t size);

/* The host to talk to: "registry-1.docker.io" for docker.io, else the registry. */
const char *ref_api_host(const struct ref *r);

/* 1 when the registry defaults to plain http, as in DMR: "localhost",
 * "localhost:PORT", "127.0.0.1[:PORT]" and "*.local[:PORT]". */
int ref_is_insecure_default(const struct ref *r);

/* 1 when text is 12 or 64 lower-case hex characters, or "sha256:<64 hex>". */
int ref_looks_like_id(const char *text);

/* 1 when s is "sha256:" followed by exactly 64 lower-case hex characters. */
int digest_is_valid(const char *s);

#endif
