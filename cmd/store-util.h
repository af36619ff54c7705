/*
 * store-util.h - what the store commands share: opening the store with a
 * printed error, human-readable times and sizes, the DMR model JSON.
 */
#ifndef CMD_STORE_UTIL_H
#define CMD_STORE_UTIL_H

#include "../store/store.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* store_open(NULL), printing the error; NULL on failure. */
struct store *cmd_store_open(void);

/* Docker's HumanDuration of now - t followed by " ago": "3 minutes ago", "About an hour ago". */
char *format_ago(int64_t t, time_t now, char *buf, size_t n);
/* Decimal size as DMR's df prints it: "12.41MB", "0B". */
char *format_size_decimal(uint64_t bytes, char *buf, size_t n);

/* DMR's model object: {"id","tags","created","config"} (config is the
 * "config" member of the config blob). NULL on a bad config blob. */
cJSON *model_to_json(const struct store_model *m);

/* JSON with two-space indentation (cJSON_Print indents with tabs), malloc'd. */
char *json_pretty(const cJSON *j);

/* Print j compactly on one line of stdout (the --json output of bench, eval
 * and perplexity), then delete it. */
void json_print_line(cJSON *j);

/* The "config" object of a model's config blob (a new cJSON the caller
 * deletes), or NULL. */
cJSON *model_config(const struct store_model *m);
/* A string member of the config object, "" when absent. */
const char *config_str(const cJSON *config, const char *key);
/* The context length: config.context_size, else gguf "<arch>.context_length"; 0 when unknown. */
uint64_t config_context(const cJSON *config);

#endif
