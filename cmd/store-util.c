/* store-util.c - helpers shared by the store commands (see store-util.h). */
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct store *cmd_store_open(void)
{
    struct store *s = store_open(NULL);
    if (!s)
        error_err();
    return s;
}

char *format_ago(int64_t t, time_t now, char *buf, size_t n)
{
    double secs = difftime(now, (time_t)t);
    if (secs < 0)
        secs = 0;
    long s = (long)secs, minutes = (long)(secs / 60);
    long hours = lround(secs / 3600);
    if (s < 1)
        snprintf(buf, n, "Less than a second ago");
    else if (s == 1)
        snprintf(buf, n, "1 second ago");
    else if (s < 60)
        snprintf(buf, n, "%ld seconds ago", s);
    else if (minutes == 1)
        snprintf(buf, n, "About a minute ago");
    else if (minutes < 60)
        snprintf(buf, n, "%ld minutes ago", minutes);
    else if (hours == 1)
        snprintf(buf, n, "About an hour ago");
    else if (hours < 48)
        snprintf(buf, n, "%ld hours ago", hours);
    else if (hours < 24 * 7 * 2)
        snprintf(buf, n, "%ld days ago", hours / 24);
    else if (hours < 24 * 30 * 2)
        snprintf(buf, n, "%ld weeks ago", hours / 24 / 7);
    else if (hours < 24 * 365 * 2)
        snprintf(buf, n, "%ld months ago", hours / 24 / 30);
    else
        snprintf(buf, n, "%ld years ago", hours / 24 / 365);
    return buf;
}

char *format_size_decimal(uint64_t bytes, char *buf, size_t n)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
    double v = (double)bytes;
    int u = 0;
    while (v >= 1000 && u < 6) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%lluB", (unsigned long long)bytes);
    else
        snprintf(buf, n, "%.2f%s", v, units[u]);
    return buf;
}

cJSON *model_config(const struct store_model *m)
{
    if (!m->config)
        return NULL;
    cJSON *root = cJSON_ParseWithLength(m->config, m->config_len);
    if (!root)
        return NULL;
    cJSON *c = cJSON_DetachItemFromObjectCaseSensitive(root, "config");
    cJSON_Delete(root);
    if (c && !cJSON_IsObject(c)) {
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

const char *config_str(const cJSON *config, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(config, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

uint64_t config_context(const cJSON *config)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(config, "context_size");
    if (cJSON_IsNumber(v) && v->valuedouble > 0)
        return (uint64_t)v->valuedouble;
    const char *arch = config_str(config, "architecture");
    const cJSON *gguf = cJSON_GetObjectItemCaseSensitive(config, "gguf");
    char key[300];
    snprintf(key, sizeof key, "%s.context_length", *arch ? arch : "llama");
    v = cJSON_GetObjectItemCaseSensitive(gguf, key);
    if (cJSON_IsString(v))
        return strtoull(v->valuestring, NULL, 10);
    return 0;
}

cJSON *model_to_json(const struct store_model *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", m->id);
    cJSON *tags = cJSON_AddArrayToObject(o, "tags");
    for (int i = 0; i < m->n_tags; i++)
        cJSON_AddItemToArray(tags, cJSON_CreateString(m->tags[i]));
    cJSON_AddNumberToObject(o, "created", (double)m->created);
    cJSON *c = model_config(m);
    cJSON_AddItemToObject(o, "config", c ? c : cJSON_CreateObject());
    return o;
}

void json_print_line(cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    if (s)
        printf("%s\n", s);
    free(s);
    cJSON_Delete(j);
}

char *json_pretty(const cJSON *j)
{
    char *t = cJSON_Print(j);
    if (!t)
        return NULL;
    /* cJSON escapes tabs inside strings, so every raw tab is layout */
    size_t tabs = 0;
    for (const char *p = t; *p; p++)
        tabs += *p == '\t';
    char *out = malloc(strlen(t) + tabs + 1);
    if (!out)
        return t;
    char *o = out;
    for (const char *p = t; *p; p++) {
        if (*p != '\t') {
            *o++ = *p;
        } else if (p > t && p[-1] == ':') {
            *o++ = ' ';
        } else {
            *o++ = ' ';
            *o++ = ' ';
        }
    }
    *o = '\0';
    free(t);
    return out;
}
