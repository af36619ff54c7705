/*
 * settings.h - per-model settings in the store's index (`model configure`).
 *
 * Name/value text pairs keyed by model ID, so every tag of a model shares
 * them and they leave with the model (ON DELETE CASCADE). The store does not
 * know what the names mean: cmd/configure.c checks them against the
 * generation settings table (runtime/gen-params.h) before storing.
 *
 * The table is created by the first write (CREATE TABLE IF NOT EXISTS in the
 * writing transaction) rather than by a numbered migration, so that this
 * file adds to the index without renumbering the store's schema versions;
 * reads of an index without it see no settings.
 */
#ifndef STORE_SETTINGS_H
#define STORE_SETTINGS_H

struct store;

struct store_setting {
    char *name;
    char *value;
};

/* Every setting of model_id ("sha256:<hex>"), ordered by name, in a malloc'd
 * array the caller frees with store_settings_free(). *n may be 0. */
int store_settings_get(struct store *s, const char *model_id, struct store_setting **out, int *n);
void store_settings_free(struct store_setting *v, int n);

/* Set (value non-NULL) or remove (value NULL) one setting, in one transaction. */
int store_setting_put(struct store *s, const char *model_id, const char *name, const char *value);

/* Remove every setting of model_id. */
int store_settings_reset(struct store *s, const char *model_id);

#endif
