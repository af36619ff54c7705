/*
 * auth.h - registry authentication: WWW-Authenticate challenges, stored
 * credentials, and bearer tokens (distribution's token protocol, section 2.1
 * of distribution-and-peers.md).
 */
#ifndef REGISTRY_AUTH_H
#define REGISTRY_AUTH_H

#include <stddef.h>
#include <time.h>

/* One challenge of a WWW-Authenticate header. */
struct challenge {
    char scheme[16]; /* "Bearer" or "Basic" (as sent; compare case-insensitively) */
    char realm[1024];
    char service[256];
    char scope[512];
    char error[64]; /* e.g. "insufficient_scope" */
};

/* Parse a WWW-Authenticate value that may hold several challenges
 * ("Bearer realm=\"x\",service=\"y\", Basic realm=\"z\""). Fills up to max
 * entries and returns how many, or -1 when nothing parses. */
int auth_parse_challenges(const char *value, struct challenge *out, int max);

/* The challenge to answer: Bearer preferred over Basic; NULL when none. */
const struct challenge *auth_pick(const struct challenge *c, int n);

/* Username and password for a registry host ("host[:port]"), looked up in
 * our credentials file (model login) first, then in Docker's
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json "auths" (keys
 * "host", "https://host", "http://host", "https://host/v1/", and
 * "https://index.docker.io/v1/" for Docker Hub). Returns 1 found, 0 not. */
int creds_lookup(const char *host, char **user, char **pass);

/* Path of our credentials file: $MODEL_CONFIG_DIR/credentials.json, else
 * $XDG_CONFIG_HOME/model/credentials.json, else ~/.config/model/credentials.json.
 * Not in the store: a store may be shared, credentials are one user's. */
char *creds_path(void);

/* Store (mode 0600, written atomically) or remove the entry of host.
 * creds_erase returns 1 when an entry was removed, 0 when there was none. */
int creds_store(const char *host, const char *user, const char *pass);
int creds_erase(const char *host);

/* base64 helpers used by both the Docker config and Basic auth. */
char *b64_encode(const void *data, size_t len);
/* Decode into a NUL-terminated malloc'd buffer; NULL on invalid input. */
char *b64_decode(const char *text, size_t *len);

/* A bearer token and when it stops being valid. */
struct token {
    char *value;
    time_t expires; /* absolute; refetch a little before */
};
void token_clear(struct token *t);
int token_valid(const struct token *t);

/* Ask the challenge's realm for a token covering `scopes` (NULL-terminated
 * list of "repository:NAME:ACTIONS"), with Basic credentials when user is
 * not NULL (anonymous otherwise). Parses "token" or "access_token" and
 * "expires_in" (default 60 s). */
int auth_fetch_token(const struct challenge *c, const char *const *scopes, const char *user,
                     const char *pass, struct token *out);

#endif
