/*
 * record: one record on its way to Kinesis, and the ticket that tells the
 * client's request when all of its records have an answer.
 *
 * Ownership: the HTTP request owns its ticket, its records and the buffer
 * holding their pre-encoded PutRecords entries, all in one place. The
 * pipeline borrows the records from submit until it resolves each one
 * (exactly once). The request cannot finish before its ticket's pending count
 * reaches zero, so the borrowed memory outlives every use by the pipeline.
 */
#ifndef SG_RECORD_H
#define SG_RECORD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "kinesis/hash_key.h"

/* The final answer for one record; also the candidate answer while it waits
 * to be retried (what it would be if its deadline passed now). */
enum sg_outcome {
    SG_OUTCOME_PENDING = 0,
    SG_OUTCOME_OK,          /* a = SequenceNumber, b = ShardId */
    SG_OUTCOME_INVALID,     /* refused by validation: a = field, b = message */
    SG_OUTCOME_THROTTLED,   /* Kinesis throttled until the deadline: 503 */
    SG_OUTCOME_UNAVAILABLE, /* Kinesis unreachable or no credentials: 503 */
    SG_OUTCOME_REFUSED,     /* non-retryable Kinesis error: 502 */
    SG_OUTCOME_TIMEOUT,     /* 5xx / time-outs until the deadline: 504 */
};

/* Room in the result itself for the usual answer, "<SequenceNumber>\0<ShardId>\0"
 * (56 digits and "shardId-" with 12 digits): no malloc per record on the way
 * back; longer texts (error messages) are malloc'd. */
#define SG_RESULT_INLINE_TEXT 88

struct sg_result {
    enum sg_outcome outcome;
    uint32_t b_offset; /* where b starts in text */
    char *text;        /* "a\0b\0" (see sg_outcome): inline_text or malloc'd, owned by the ticket */
    char inline_text[SG_RESULT_INLINE_TEXT];
};

struct sg_ticket;
typedef void (*sg_ticket_done_fn)(struct sg_ticket *t);

struct sg_ticket {
    atomic_size_t pending;     /* records not yet resolved (+1 while submitting) */
    struct sg_result *results; /* one per record of the request */
    size_t n_results;
    int64_t deadline_ms;     /* monotonic; no retry starts after it */
    char encryption_type[8]; /* from Kinesis' answer, "" if none */
    sg_ticket_done_fn done;  /* called once, by whoever resolves the last record */
};

struct sg_record {
    struct sg_record *next;       /* queue link, owned by whoever holds the record */
    struct sg_record *next_group; /* pipeline: next group sent on its own (isolation) */
    struct sg_ticket *ticket;
    uint32_t index; /* into ticket->results */
    uint32_t attempts;
    int64_t not_before_ms;      /* earliest retry time */
    enum sg_outcome if_expired; /* answer if the deadline passes before success */
    size_t kinesis_bytes;       /* data + partition key, as Kinesis counts them */
    const char *entry;          /* {"Data":"...","PartitionKey":"..."}, borrowed; NULL
                                 * on aggregating streams (built from key and data) */
    size_t entry_len;
    /* Aggregating streams only (sg_ingest_item): the raw key and data,
     * borrowed like entry, and the key's hash key. */
    const char *key, *data;
    size_t key_len, data_len;
    sg_hash_key hash;
    char last_error[96]; /* "Code: message" of the last failure */
};

/* Resolves record r: stores the outcome and the two strings (copied), then
 * counts down the ticket and calls ticket->done when it was the last one.
 * Thread-safe for distinct records of one ticket. */
void sg_record_resolve(struct sg_record *r, enum sg_outcome outcome, const char *a, const char *b);

/* Counts down the submitter's extra hold; calls done if nothing is pending. */
void sg_ticket_release(struct sg_ticket *t);

/* Frees the result strings. */
void sg_ticket_clear(struct sg_ticket *t);

/* A resolved result's two texts (see sg_outcome); "" before it is resolved. */
static inline const char *sg_result_a(const struct sg_result *r)
{
    return r->text ? r->text : "";
}

static inline const char *sg_result_b(const struct sg_result *r)
{
    return r->text ? r->text + r->b_offset : "";
}

#endif
