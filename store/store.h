/*
 * store.h - the local, content-addressed model store.
 *
 * Layout under the root ($MODEL_HOME, else $XDG_DATA_HOME/model, else
 * ~/.local/share/model; created on first open):
 *
 *   layout.json                  {"version":"1"}: marks a directory as a store
 *   index.db                     SQLite index (WAL): models, tags, blobs, model_blobs
 *   lock                         flock(): writers share it, prune/repair take it alone
 *   blobs/sha256/<hex>           every blob: GGUF layers, licences, templates,
 *                                configs and the manifests themselves
 *   blobs/sha256/<hex>.partial   a blob being written (resumable download)
 *   blobs/sha256/tmp-*.partial   a blob of not yet known digest being written
 *
 * A model is an OCI manifest (DMR's artifact format, see distribution-and-
 * peers.md section 1); its ID is the manifest digest "sha256:<hex>", shown as
 * the first 12 hex. Blob files are written to a .partial file, fsynced,
 * hashed and renamed into place (then the directory is fsynced), so a blob
 * path always holds exactly the bytes its name promises. The index changes
 * in one SQLite transaction per operation (BEGIN IMMEDIATE, busy timeout), so
 * two `model` processes never corrupt it. A blob file is removed only when no
 * model in the index references it.
 *
 * All functions return 0 (or a pointer) on success and -1 (or NULL) after
 * err_set() on failure, unless noted. Digests are always the full
 * "sha256:<64 hex>" text. Not thread-safe per handle: open one per thread.
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "reference.h"

/* Media types of DMR's artifact format (docker/model-spec, model-runner). */
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_MODEL_CONFIG "application/vnd.docker.ai.model.config.v0.1+json"
#define MT_MODEL_CONFIG_V02 "application/vnd.docker.ai.model.config.v0.2+json"
#define MT_CNCF_CONFIG "application/vnd.cncf.model.config.v1+json"
#define MT_GGUF "application/vnd.docker.ai.gguf.v3"
#define MT_LICENSE "application/vnd.docker.ai.license"
#define MT_CHAT_TEMPLATE "application/vnd.docker.ai.chat.template.jinja"
#define MT_MMPROJ "application/vnd.docker.ai.mmproj"
#define MT_MMPROJ_SPEC "application/vnd.docker.ai.gguf.v3.mmproj"

#define DIGEST_LEN 71          /* strlen("sha256:") + 64 */
#define SHORT_ID_LEN 12

struct store;

/* ---- opening -------------------------------------------------------------- */

/* The root a store_open(NULL) would use, malloc'd; NULL when neither
 * $MODEL_HOME, $XDG_DATA_HOME nor $HOME is set. */
char *store_default_root(void);

/* Open (creating the layout and the index when missing) the store at root,
 * or at store_default_root() when root is NULL. Migrates an older index
 * schema (PRAGMA user_version) in one transaction; refuses a newer one. */
struct store *store_open(const char *root);
void store_close(struct store *s);
const char *store_root(const struct store *s);

/* ---- blobs ----------------------------------------------------------------- */

/* Path of the blob file of digest (whether or not it exists), malloc'd.
 * NULL when digest is not "sha256:<64 hex>". */
char *store_blob_path(const struct store *s, const char *digest);

/* 1 when the blob file exists, 0 when not, -1 on a bad digest. */
int store_has_blob(const struct store *s, const char *digest);

/* Size of the blob file in *size: 0, or -1 when missing. */
int store_blob_size(const struct store *s, const char *digest, uint64_t *size);

/* Read a whole (small) blob into memory, NUL-terminated; refuses blobs over
 * max_size bytes. The caller frees *data. */
int store_read_blob(const struct store *s, const char *digest, size_t max_size,
                    char **data, size_t *len);

/* Store len bytes as a blob (a manifest or config); its digest is written
 * into digest_out (DIGEST_LEN + 1 bytes). Existing identical blobs are kept. */
int store_put_blob(struct store *s, const void *data, size_t len, char *digest_out);

/*
 * Streaming blob writer, for downloads and for packaging big files.
 *
 *   w = blob_writer_open(s, "sha256:...", 1);      resume blobs/sha256/<hex>.partial
 *   off = blob_writer_offset(w);                    ask the registry for bytes off-
 *   blob_writer_write(w, buf, n) ...                append
 *   blob_writer_commit(w, NULL);                    fsync, check sha256, rename
 *
 * expected: the digest the bytes must have, or NULL when it is not known
 * yet (a temporary name is used; commit reports the digest it found).
 * resume: with an expected digest, keep and append to an existing partial
 * file (its bytes are re-hashed on open); 0 truncates it.
 * Two writers of the same expected digest (two pulls of one layer) take
 * turns: the second open waits until the first commits or aborts, then
 * finds the blob stored (its commit just drops the copy) or resumes the
 * partial. The store's lock is held shared from the first writer until
 * store_close(), so prune and rm never take a blob about to be committed.
 * blob_writer_restart() truncates to 0 (the server ignored a Range request).
 * commit: fsync, compare the sha256 with expected (mismatch: the partial is
 * deleted and the error names the blob and both digests), rename onto
 * blobs/sha256/<hex> (when that blob already exists, the partial is simply
 * removed), fsync the directory. digest_out (DIGEST_LEN + 1 bytes, may be
 * NULL) receives the digest. commit and abort free the writer, whatever
 * they return. abort(w, keep): keep the partial for a later resume or not.
 */
struct blob_writer;
struct blob_writer *blob_writer_open(struct store *s, const char *expected, int resume);
uint64_t blob_writer_offset(const struct blob_writer *w);
int blob_writer_write(struct blob_writer *w, const void *data, size_t len);
int blob_writer_restart(struct blob_writer *w);
int blob_writer_commit(struct blob_writer *w, char *digest_out);
void blob_writer_abort(struct blob_writer *w, int keep_partial);

/* Copy a whole file into the store as a blob (hashing while copying). */
int store_put_file(struct store *s, const char *path, char *digest_out, uint64_t *size_out);

/* ---- models ---------------------------------------------------------------- */

/* A model as resolved from the index and its manifest/config blobs. */
struct store_model {
    char id[DIGEST_LEN + 1];            /* manifest digest "sha256:<hex>" */
    char config_digest[DIGEST_LEN + 1];
    char *manifest;                     /* raw manifest JSON (NUL-terminated) */
    size_t manifest_len;
    char *config;                       /* raw config JSON (NUL-terminated) */
    size_t config_len;
    char **gguf_paths;                  /* GGUF layer blob paths, in manifest order (shards) */
    int n_gguf;
    char **license_paths;
    int n_license;
    char *template_path;                /* chat template layer, or NULL */
    char *mmproj_path;                  /* multimodal projector layer, or NULL */
    char **tags;                        /* familiar names "ai/smollm2:latest", sorted */
    int n_tags;
    int64_t created;                    /* unix seconds, from config descriptor.created (else when added) */
    uint64_t size;                      /* bytes of all layers */
};
void store_model_free(struct store_model *m);

/* Which model `text` names: a 12- or 64-hex ID or "sha256:<hex>" (tried as
 * IDs first, as DMR does), "name@sha256:<hex>" (the manifest digest), or a
 * name (normalised by ref_parse: "smollm2" is ai/smollm2:latest). Fills *m.
 * -1 when not found: err_msg() is "model \"X\" not found" (also naming an
 * ambiguous short ID). `matched_tag` (REF_STR_MAX bytes, may be NULL)
 * receives the familiar tag when text named a tag, "" for an ID. */
int store_resolve(struct store *s, const char *text, struct store_model *m, char *matched_tag);

/* Every model, ordered by ID; *out is an array of *n models the caller frees
 * with store_models_free(). */
int store_list(struct store *s, struct store_model **out, size_t *n);
void store_models_free(struct store_model *models, size_t n);

/*
 * Record a model whose manifest blob (and every blob it references) is in
 * the store, with tags (familiar names, e.g. from ref_format(REF_FAMILIAR)),
 * in ONE transaction. A tag that named another model moves to this one (that
 * model stays, untagged or with its other tags). Refuses when the manifest
 * or any config/layer blob is missing or its size differs from its
 * descriptor, naming the blob.
 */
int store_commit_model(struct store *s, const char *manifest_digest,
                       const char *const *tags, int n_tags);

/* Several models in ONE transaction (`model load`): all or none. */
struct store_commit {
    const char *manifest_digest;
    const char *const *tags;
    int n_tags;
};
int store_commit_models(struct store *s, const struct store_commit *c, int n);

/* Point tag (a reference text, normalised) at the model `src` resolves to. */
int store_tag(struct store *s, const char *src, const char *tag);

/*
 * Remove, with DMR's semantics: when `text` is a tag of a model with other
 * tags, only the tag is removed (*untagged set to 1). When it is an ID (or
 * the last tag) of a model with several tags, refuse unless force. Otherwise
 * the model and its tags leave the index in one transaction, then the blob
 * files no other model references are deleted (unless another process is
 * writing to the store: then they stay for `prune`). result (may be NULL):
 */
struct store_rm_result {
    int untagged;                       /* 1: only a tag was removed */
    char id[DIGEST_LEN + 1];            /* the model concerned */
    char tag[REF_STR_MAX];       /* the tag removed, when untagged */
    uint64_t freed;                     /* bytes of blob files deleted */
    int blobs_deleted;
    int blobs_kept;                     /* still used by other models */
    int blobs_left;                     /* unused, but left for prune: another process was writing */
};
int store_remove(struct store *s, const char *text, int force, struct store_rm_result *res);

/* Undo the blobs of a failed operation (package, load): delete those of the
 * given digests that no model references, when no other process is writing
 * (else they stay for prune). Never fails; returns how many were deleted. */
int store_discard_blobs(struct store *s, const char *const *digests, int n);

/* ---- housekeeping ---------------------------------------------------------- */

struct store_usage {
    size_t models;                      /* models in the index */
    size_t tags;
    uint64_t blob_bytes;                /* unique bytes of blob files referenced by models */
    uint64_t shared_bytes;              /* bytes of blobs referenced by 2+ models */
    uint64_t reclaimable;               /* orphan blob files + partial files (what prune frees) */
    size_t orphan_blobs;
    size_t partials;
};
int store_usage(struct store *s, struct store_usage *u);

/* Remove blob files no model references and partial files, holding the store
 * lock exclusively (fails, naming the cause, while another process writes).
 * dry_run: count only. Counts and bytes in *files / *bytes. */
int store_prune(struct store *s, int dry_run, size_t *files, uint64_t *bytes);

/* Called by store_verify for each blob checked; status 0 ok, 1 corrupt, 2 missing. */
typedef void (*store_verify_cb)(void *ctx, const char *digest, const char *model_id, int status,
                                const char *detail);
/* Re-hash the blobs of the models named (all models when n == 0): every
 * blob file must exist and hash to its name (and have its descriptor's
 * size). repair: delete corrupt blob files (the next pull fetches them
 * again). Returns the number of bad blobs (0 all good), or -1 on error. */
int store_verify(struct store *s, const char *const *refs, int n, int repair,
                 store_verify_cb cb, void *ctx);

/* Hold the store lock exclusively (non-blocking): 0 ok, -1 when another
 * process is writing (err set). Released by store_close(). */
int store_lock_exclusive(struct store *s);

/* ---- helpers shared with cmd/ and registry/ -------------------------------- */

/* sha256 of a file, "sha256:<hex>" into digest_out, its size into *size. */
int sha256_file(const char *path, char *digest_out, uint64_t *size);
/* sha256 of a buffer. */
void sha256_buf(const void *data, size_t len, char *digest_out);

/* DMR's size string: 1024-based, two decimals, no space: "4.58GiB", "1.13MiB". */
char *format_size_dmr(uint64_t bytes, char *buf, size_t n);

#endif
