/*
 * oci-manifest.h - fetching and checking model manifests (DMR's artifact format:
 * an OCI image manifest whose config is a model config and whose layers are
 * GGUF files, licences, templates).
 */
#ifndef REGISTRY_OCI_MANIFEST_H
#define REGISTRY_OCI_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

struct registry;

#define MANIFEST_MAX_BYTES (4u << 20) /* registries accept at least 4 MB; larger is hostile */
#define MANIFEST_MAX_LAYERS 1024
#define CONFIG_MAX_BYTES (4u << 20)

struct descriptor {
    char media_type[256];
    char digest[72]; /* "sha256:<64 hex>" */
    uint64_t size;
};

struct oci_manifest {
    char *raw; /* exact bytes as served (what the digest covers) */
    size_t raw_len;
    char digest[72];
    char media_type[256];
    struct descriptor config;
    struct descriptor *layers;
    int n_layers;
};

void oci_manifest_free(struct oci_manifest *m);

/* Parse and validate raw manifest bytes (also used for manifests read from
 * the store): schemaVersion 2, a manifest (not index) media type, digests
 * "sha256:<64 hex>", sizes within bounds, at most MANIFEST_MAX_LAYERS layers,
 * and a model config type we accept. content_type (may be NULL) must agree
 * with the body's mediaType. Takes a copy of raw. */
int oci_manifest_parse(const char *raw, size_t len, const char *content_type, struct oci_manifest *m);

/* 1 when the config media type is one we can pull (v0.1, v0.2, ModelPack). */
int manifest_config_supported(const char *media_type);
/* 1 when a layer media type holds GGUF weights. */
int manifest_layer_is_gguf(const char *media_type);

/* GET the manifest named by tag or digest (following an index one level),
 * check Content-Type, Docker-Content-Digest and, when ref is a digest, that
 * the bytes hash to it. The manifest digest is the sha256 of the bytes. */
int oci_manifest_fetch(struct registry *r, const char *tag_or_digest, struct oci_manifest *m);

/* The Accept header listing every manifest type we understand. */
extern const char *const MANIFEST_ACCEPT;

#endif
