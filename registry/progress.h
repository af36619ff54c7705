/*
 * progress.h - download/upload progress, drawn the way curl does it.
 *
 * The transfer code only records numbers (progress_update); drawing is
 * throttled here. On a terminal: one line per blob (short digest, bytes
 * done/total, speed, ETA) and a total line, redrawn in place at most ~8
 * times a second. Not a terminal: one plain line every few seconds and a
 * last one at the end. Bytes already on disk from an earlier attempt count
 * as done from the start, and no number ever goes backwards.
 */
#ifndef REGISTRY_PROGRESS_H
#define REGISTRY_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct progress;

/* out: where to draw (stderr usually); quiet: draw nothing. verb: "Pulling", "Pushing". */
struct progress *progress_new(FILE *out, int quiet, const char *verb);
/* Add an item; already: bytes present before this run. Returns its index. */
int progress_add(struct progress *p, const char *label, uint64_t total, uint64_t already);
/* Bytes done of item i (resumed bytes included). Draws when due. */
void progress_update(struct progress *p, int i, uint64_t done);
/* Mark item i finished ("done", "exists", "mounted", "failed"). */
void progress_item_done(struct progress *p, int i, const char *how);
/* Draw if the throttle allows. */
void progress_tick(struct progress *p);
/* Final drawing; frees p. */
void progress_end(struct progress *p);

/* "1.23 MiB" style sizes shared by progress and summaries. */
char *progress_fmt_bytes(uint64_t n, char *buf, size_t size);

#endif
