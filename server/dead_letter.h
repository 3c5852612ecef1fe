/*
 * dead_letter: refused events are counted and kept as bad rows (bad_row.h)
 * on their stream's dead_letter_stream.
 *
 * What is kept: every record refused by validation (its own 400 or
 * InvalidEvent entry), the record over the size limit that fails a whole
 * request (413; only it: the others were not refused), and a body that is
 * not JSON at all (its bytes, cut as bad_row.h says). Requests refused for
 * their shape (no records array, over 500 records, ...) or before their
 * body was read (headers, API key, rate) are not events and are not kept.
 *
 * DESIGN. The request's HTTP thread builds the rows of one request into a
 * batch that owns all of its memory (rows, records, ticket) and submits it
 * to the pipeline under the dead-letter stream's own index (pipeline.h), so
 * it goes through the same batching, retries and deadline as records, in
 * calls of its own. The client's answer never waits for it: the request
 * only hands the batch over. Whoever resolves the batch's last row (the
 * sender thread, or the drain) frees it and counts the rows not written,
 * which are logged without their payload (at most a line a second). A
 * batch that cannot be built or submitted is counted as lost at once.
 * Counters are atomics, plus refusals.h's table; thread-safe.
 */
#ifndef SG_DEAD_LETTER_H
#define SG_DEAD_LETTER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "ingest_parse.h"
#include "pipeline.h"

#define SG_DEAD_LETTER_MAX_SERIES 4096 /* label sets of streamgate_refused_events_total */

struct sg_dead_letter;

/* Where refused events came from: the request, as the answer names it. */
struct sg_dead_letter_origin {
    size_t stream_idx;      /* index into cfg->streams */
    const char *request_id; /* borrowed for the call */
    const char *api_key_id; /* NULL: no API key */
    int64_t received_at_ms; /* wall clock, Unix milliseconds */
    int64_t refused_at_ms;  /* wall clock, Unix milliseconds */
    int64_t deadline_ms;    /* monotonic: the request's deadline, which the rows share */
    const char *body;       /* the request body, borrowed for the call */
    size_t body_len;
};

struct sg_dead_letter_stats {
    uint64_t rows;    /* bad rows handed to the pipeline */
    uint64_t written; /* stored in a dead-letter stream */
    uint64_t failed;  /* lost: not built, not admitted, or not stored by the deadline */
};

/* A new context over cfg and p (both borrowed; both must outlive it, and
 * the pipeline must be freed first: it resolves every batch). NULL on OOM. */
struct sg_dead_letter *sg_dead_letter_new(const struct sg_config *cfg, struct sg_pipeline *p);

/* NULL-safe. */
void sg_dead_letter_free(struct sg_dead_letter *dl);

/*
 * Counts the refusals of one parsed request (`in` as sg_ingest_parse left
 * it with status `st`) and, when the stream has a dead-letter stream, keeps
 * each as a bad row. Never fails the request; copies what it needs, so the
 * body and `in` may be freed on return. Thread-safe.
 */
void sg_dead_letter_keep(struct sg_dead_letter *dl, const struct sg_dead_letter_origin *o,
                         const struct sg_ingest *in, enum sg_ingest_status st);

void sg_dead_letter_get_stats(struct sg_dead_letter *dl, struct sg_dead_letter_stats *out);

/* Appends the Prometheus text of the refusal and dead-letter counters.
 * Returns 0, or the buffer's failure. */
int sg_dead_letter_metrics(struct sg_dead_letter *dl, struct sg_buf *out);

#endif
