/*
 * refusals: counts of refused events by stream, event type and reason, for
 * /metrics as streamgate_refused_events_total{stream,event_type,reason}.
 *
 * Labels stay bounded whatever clients send: `stream` is a configured
 * stream's name, `event_type` a catalog type's event_type (lowercase
 * letters, digits, underscore, 1-64 bytes) or "unknown", `reason` one of
 * the rule ids of sg_refusals_rules (anything else counts as "other").
 * At most `max_series` label sets are kept; refusals past that are counted
 * without labels (streamgate_refused_events_unlabelled_total).
 *
 * Thread-safe: one mutex around the table (refusals are the uncommon path;
 * a counter is a few instructions under it).
 */
#ifndef SG_REFUSALS_H
#define SG_REFUSALS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "metrics.h"

struct sg_refusals;

/* The rule ids a refusal may name (NULL-terminated). */
extern const char *const sg_refusals_rules[];

/* Returns an empty table for up to max_series label sets, or NULL (OOM). */
struct sg_refusals *sg_refusals_new(size_t max_series);

/* NULL-safe. */
void sg_refusals_free(struct sg_refusals *r);

/*
 * Counts `n` refusals. [in] stream: borrowed and kept (a configured stream's
 * name: it outlives the table); event_type and rule: copied, NULL or "" for
 * unknown.
 */
void sg_refusals_count(struct sg_refusals *r, const char *stream, const char *event_type,
                       const char *rule, uint64_t n);

/* Appends the sample lines of streamgate_refused_events_total, one per
 * label set (its head comes from metrics.h). Returns 0 or the buffer's
 * failure. */
int sg_refusals_write(struct sg_refusals *r, struct sg_buf *out);

/* Adds the refusals counted without labels into `into` (metrics.h). */
void sg_refusals_read_metrics(struct sg_refusals *r, struct sg_metrics_snapshot *into);

#endif
