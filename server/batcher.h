/*
 * batcher: the bounded queue of one stream, cut into PutRecords batches.
 *
 * DESIGN. HTTP threads submit the records of one request at once; the sender
 * thread takes batches. One mutex guards the queue; nobody calls out while
 * holding it. Records wait in two places:
 *   - the ready FIFO: fresh records, sent when a batch is full (records or
 *     bytes) or the oldest has waited `linger_ms`;
 *   - the retry heap: failed records ordered by their backoff time.
 * Admission is all-or-nothing per request and bounded by records and bytes
 * counted from submit until each record is resolved (queued + in flight +
 * waiting for retry), so memory cannot grow without bound: when a request
 * does not fit, submit refuses it and the client gets 503 at once.
 */
#ifndef SG_BATCHER_H
#define SG_BATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct sg_batcher_limits {
    unsigned linger_ms;
    unsigned batch_max_records; /* <= 500 */
    size_t batch_max_bytes;     /* data + partition keys per call */
    size_t queue_max_records;
    size_t queue_max_bytes;
};

struct sg_batcher_stats {
    size_t outstanding_records; /* admitted, not yet resolved */
    size_t outstanding_bytes;
    size_t ready;    /* waiting for their first send */
    size_t retrying; /* waiting for a retry */
};

struct sg_batcher;

/* Returns a new empty batcher, or NULL on OOM. The limits are copied. */
struct sg_batcher *sg_batcher_new(const struct sg_batcher_limits *limits);

/* Frees the batcher. It must hold no records (all resolved). NULL-safe. */
void sg_batcher_free(struct sg_batcher *b);

/*
 * Admits and enqueues the list `first` (linked by ->next, `n` records,
 * `bytes` Kinesis bytes in all). All or nothing.
 * [out] wake: true when the sender should look now (a batch is full, or the
 *       queue was empty and the sender does not watch it: sg_batcher_watch).
 * Returns 0, or -1 when the queue bounds would be exceeded (nothing queued).
 */
int sg_batcher_submit(struct sg_batcher *b, struct sg_record *first, size_t n, size_t bytes,
                      int64_t now_ms, bool *wake);

/* Puts a failed record back to be retried at r->not_before_ms (sender). */
void sg_batcher_requeue(struct sg_batcher *b, struct sg_record *r);

/* Releases the admission of `n` resolved records of `bytes` in all. */
void sg_batcher_release(struct sg_batcher *b, size_t n, size_t bytes);

/*
 * Takes the next batch if one is due at `now_ms` (or any records at all when
 * `flush` is set): due retries first, then the oldest fresh records, up to the
 * batch limits. Returns the number of records linked from *out (0 if none
 * due); *out_bytes their Kinesis bytes; *next_due_ms when a batch will next be
 * due (INT64_MAX if the queue is empty).
 */
size_t sg_batcher_take(struct sg_batcher *b, int64_t now_ms, bool flush, struct sg_record **out,
                       size_t *out_bytes, int64_t *next_due_ms);

/* Like sg_batcher_take, but fresh records are due at once (no linger): used
 * when the stream has no call in flight, so that an idle pipe never makes a
 * record wait. While calls are in flight, batches form on their own. */
size_t sg_batcher_take_now(struct sg_batcher *b, int64_t now_ms, struct sg_record **out,
                           size_t *out_bytes, int64_t *next_due_ms);

/* The sender, once per pass after its takes: `watch` says that it has calls
 * in flight on the stream and so looks at the queue again within linger_ms
 * (until then a submit into the empty queue does not wake it). Returns when
 * the sender must look next: the queue's next due time (fresh records due at
 * once with `no_linger`, as sg_batcher_take_now), and no later than now_ms +
 * linger_ms while watched. Taken under the same lock as the submits, so a
 * record that arrived after the last take is never left for an idle sleep. */
int64_t sg_batcher_watch(struct sg_batcher *b, bool watch, bool no_linger, int64_t now_ms);

void sg_batcher_get_stats(struct sg_batcher *b, struct sg_batcher_stats *out);

#endif
