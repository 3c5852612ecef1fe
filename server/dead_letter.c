/*
 * dead_letter: refused events -> counters and bad rows on the dead-letter
 * stream (see dead_letter.h).
 */
#include "dead_letter.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bad_row.h"
#include "clock.h"
#include "kinesis/kinesis_codec.h"
#include "log.h"
#include "record.h"
#include "refusals.h"

struct sg_dead_letter {
    const struct sg_config *cfg;
    struct sg_pipeline *pipeline;
    struct sg_refusals *refusals;
    struct sg_metrics metrics;       /* the dead-letter rows of metrics.h */
    atomic_int_fast64_t last_log_ms; /* monotonic; loss lines at most one a second */
    atomic_uint_fast64_t suppressed;
};

/* The bad rows of one request, owning everything the pipeline borrows. */
struct batch {
    struct sg_ticket ticket; /* first: on_batch_done finds the batch from it */
    struct sg_dead_letter *dl;
    const char *stream; /* the route's name (config: outlives the batch) */
    char request_id[64];
    size_t n;
    struct sg_result *results;
    struct sg_record *records;
    struct sg_buf entries;
};

/* One refusal: the item (NULL for a body that is not JSON) and its reason. */
struct refusal {
    const struct sg_ingest_item *it;
    char path[96];
    const char *rule;
    const char *event_type; /* "" unless the name is a catalog type */
    const char *message;
    const char *payload;
    size_t payload_len;
};

struct sg_dead_letter *sg_dead_letter_new(const struct sg_config *cfg, struct sg_pipeline *p)
{
    struct sg_dead_letter *dl = calloc(1, sizeof *dl);
    if (!dl)
        return NULL;
    dl->cfg = cfg;
    dl->pipeline = p;
    dl->refusals = sg_refusals_new(SG_DEAD_LETTER_MAX_SERIES);
    if (!dl->refusals) {
        free(dl);
        return NULL;
    }
    atomic_store(&dl->last_log_ms, INT64_MIN / 2);
    return dl;
}

void sg_dead_letter_free(struct sg_dead_letter *dl)
{
    if (!dl)
        return;
    sg_refusals_free(dl->refusals);
    free(dl);
}

/* ---- reasons ------------------------------------------------------------ */

/* The path, rule and event type of an item's refusal, as validation set
 * them (ingest_parse.h). */
static void item_reason(const struct sg_ingest_item *it, struct refusal *r)
{
    snprintf(r->path, sizeof r->path, "%s", it->path[0] ? it->path : "$");
    r->rule = it->rule[0] ? it->rule : "other";
    r->event_type = it->event_type;
    r->message = it->message;
}

/* The refusals of a parsed request, into rs (room for in->n + 1). */
static size_t collect(const struct sg_dead_letter_origin *o, const struct sg_ingest *in,
                      enum sg_ingest_status st, struct refusal *rs)
{
    size_t n = 0;
    if (st == SG_INGEST_BAD_REQUEST && in->not_json) {
        rs[0] = (struct refusal){.it = NULL,
                                 .rule = "json",
                                 .event_type = "",
                                 .message = in->message,
                                 .payload = o->body,
                                 .payload_len = o->body_len};
        snprintf(rs[0].path, sizeof rs[0].path, "$");
        return 1;
    }
    if (st == SG_INGEST_TOO_LARGE && in->n > 0) {
        const struct sg_ingest_item *it = &in->items[in->n - 1];
        rs[0] = (struct refusal){
            .it = it, .rule = "record_size", .event_type = it->event_type, .message = in->message};
        snprintf(rs[0].path, sizeof rs[0].path, "$");
        n = 1;
    } else if (st == SG_INGEST_OK) {
        for (size_t i = 0; i < in->n; i++)
            if (!in->items[i].valid) {
                rs[n].it = &in->items[i];
                item_reason(&in->items[i], &rs[n++]);
            }
    }
    for (size_t i = 0; i < n; i++) {
        rs[i].payload = o->body + rs[i].it->data_off;
        rs[i].payload_len = rs[i].it->data_sent_len;
    }
    return n;
}

/* ---- losses --------------------------------------------------------------- */

/* Counts `n` rows lost and logs why, without any payload; at most one line
 * a second, with the count of lines left out since. */
static void lose(struct sg_dead_letter *dl, const char *stream, const char *request_id, size_t n,
                 const char *why)
{
    sg_metrics_add(&dl->metrics, SG_M_DEAD_LETTER_FAILED, n);
    int64_t now = sg_clock_ms(), last = atomic_load(&dl->last_log_ms);
    if (now - last < 1000 || !atomic_compare_exchange_strong(&dl->last_log_ms, &last, now)) {
        atomic_fetch_add(&dl->suppressed, 1);
        return;
    }
    const struct sg_stream_config *sc = sg_config_find_stream(dl->cfg, stream, strlen(stream));
    sg_log(SG_LOG_WARN,
           "dead letter: %zu bad row(s) of stream %s (request %s) not written to %s: %.300s "
           "(%llu similar messages suppressed)",
           n, stream, request_id, sc ? sc->dead_letter_stream : "?", why,
           (unsigned long long)atomic_exchange(&dl->suppressed, 0));
}

static void free_batch(struct batch *b)
{
    sg_ticket_clear(&b->ticket);
    sg_buf_free(&b->entries);
    free(b->results);
    free(b->records);
    free(b);
}

/* The batch's last row is resolved (sg_ticket_done_fn): count and free. */
static void on_batch_done(struct sg_ticket *t)
{
    struct batch *b = (struct batch *)t;
    size_t lost = 0;
    const struct sg_result *first = NULL;
    for (size_t i = 0; i < b->n; i++)
        if (b->results[i].outcome != SG_OUTCOME_OK) {
            lost++;
            first = first ? first : &b->results[i];
        }
    sg_metrics_add(&b->dl->metrics, SG_M_DEAD_LETTER_WRITTEN, b->n - lost);
    if (lost) {
        const char *a = first->text ? first->text : "no answer";
        const char *m = sg_result_b(first);
        char why[400];
        snprintf(why, sizeof why, "%s: %.300s", a, m);
        lose(b->dl, b->stream, b->request_id, lost, why);
    }
    free_batch(b);
}

/* ---- building -------------------------------------------------------------- */

/* Appends the row of refusal r as a PutRecords entry keyed by the request
 * id, so that a request's rows share a shard and keep their order there;
 * *bytes gets its Kinesis size. Returns 0 or -1 (no memory, over the ceiling). */
static int append_row(struct batch *b, const struct sg_dead_letter_origin *o,
                      const struct refusal *r, struct sg_buf *row, struct sg_buf *name,
                      size_t *bytes)
{
    struct sg_bad_row_reason reason = {r->path, r->rule, r->message};
    bool has_name = false;
    if (r->it && r->payload_len)
        has_name = sg_bad_row_event_name((struct sg_json_span){r->payload, r->payload_len}, name);
    struct sg_bad_row br = {
        .failed_at_ms = o->refused_at_ms,
        .received_at_ms = o->received_at_ms,
        .reasons = &reason,
        .n_reasons = 1,
        .event_name = has_name ? (name->data ? name->data : "") : NULL,
        .event_name_len = has_name ? name->len : 0,
        .stream = b->stream,
        .request_id = o->request_id,
        .api_key_id = o->api_key_id,
        .payload = r->payload,
        .payload_len = r->payload_len,
    };
    size_t key_len = strlen(b->request_id);
    sg_buf_reset(row);
    if (sg_bad_row_append(row, &br, NULL) != SG_BUF_OK ||
        sg_kinesis_append_entry(&b->entries, row->data, row->len, b->request_id, key_len, NULL) !=
            0)
        return -1;
    *bytes = row->len + key_len;
    return 0;
}

/* A batch of the n refusals' rows, ready to submit; NULL when it cannot be
 * built (memory, ceiling). */
static struct batch *build(struct sg_dead_letter *dl, const struct sg_dead_letter_origin *o,
                           const struct refusal *rs, size_t n, size_t *total)
{
    struct batch *b = calloc(1, sizeof *b);
    size_t *offs = calloc(n, sizeof *offs);
    struct sg_buf row, name;
    sg_buf_init(&row, SG_BAD_ROW_MAX);
    sg_buf_init(&name, 0);
    int rc = -1;
    if (!b || !offs)
        goto out;
    b->dl = dl;
    b->n = n;
    b->stream = dl->cfg->streams[o->stream_idx].name;
    /* The request id is a UUID (http_server.c): a valid partition key. */
    snprintf(b->request_id, sizeof b->request_id, "%s", o->request_id[0] ? o->request_id : "-");
    b->results = calloc(n, sizeof *b->results);
    b->records = calloc(n, sizeof *b->records);
    /* Payloads are parts of the body, escaping at most doubles JSON text
     * (a body that is not JSON is one row, cut), base64 adds a third. */
    sg_buf_init(&b->entries, 4 * o->body_len + n * (SG_BAD_ROW_FIXED_MAX + 1024) + 65536);
    if (!b->results || !b->records)
        goto out;
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t bytes;
        offs[i] = b->entries.len;
        if (append_row(b, o, &rs[i], &row, &name, &bytes) != 0)
            goto out;
        b->records[i].kinesis_bytes = bytes;
        *total += bytes;
    }
    b->ticket.results = b->results;
    b->ticket.n_results = n;
    b->ticket.deadline_ms = o->deadline_ms;
    b->ticket.done = on_batch_done;
    atomic_store(&b->ticket.pending, n + 1); /* +1: ours, until submitted */
    for (size_t i = 0; i < n; i++) {
        struct sg_record *r = &b->records[i];
        r->ticket = &b->ticket;
        r->index = (uint32_t)i;
        r->if_expired = SG_OUTCOME_TIMEOUT;
        r->entry = b->entries.data + offs[i];
        r->entry_len = (i + 1 < n ? offs[i + 1] : b->entries.len) - offs[i];
        r->next = i + 1 < n ? &b->records[i + 1] : NULL;
    }
    rc = 0;
out:
    free(offs);
    sg_buf_free(&row);
    sg_buf_free(&name);
    if (rc != 0 && b) {
        free_batch(b);
        b = NULL;
    }
    return b;
}

static const char *submit_refusal(enum sg_submit_result r)
{
    switch (r) {
    case SG_SUBMIT_UNREACHABLE:
        return "the dead-letter stream's endpoint cannot be reached";
    case SG_SUBMIT_DRAINING:
        return "the gateway is shutting down";
    case SG_SUBMIT_QUEUE_FULL:
    case SG_SUBMIT_OK:
        break;
    }
    return "the dead-letter stream's queue is full";
}

void sg_dead_letter_keep(struct sg_dead_letter *dl, const struct sg_dead_letter_origin *o,
                         const struct sg_ingest *in, enum sg_ingest_status st)
{
    if (!dl || o->stream_idx >= dl->cfg->n_streams)
        return;
    const char *stream = dl->cfg->streams[o->stream_idx].name;
    struct refusal one, *rs = in->n ? calloc(in->n, sizeof *rs) : &one;
    if (!rs)
        return; /* out of memory: nothing more can be done for them */
    size_t n = collect(o, in, st, rs);
    for (size_t i = 0; i < n; i++)
        sg_refusals_count(dl->refusals, stream, rs[i].event_type, rs[i].rule, 1);
    size_t idx = sg_pipeline_dead_letter_index(dl->pipeline, o->stream_idx), bytes = 0;
    struct batch *b = n && idx != SIZE_MAX ? build(dl, o, rs, n, &bytes) : NULL;
    if (n && idx != SIZE_MAX && !b)
        lose(dl, stream, o->request_id, n, "the bad rows could not be built (out of memory)");
    if (rs != &one)
        free(rs);
    if (!b)
        return;
    enum sg_submit_result sub = sg_pipeline_submit(dl->pipeline, idx, &b->records[0], n, bytes);
    if (sub != SG_SUBMIT_OK) {
        lose(dl, stream, o->request_id, n, submit_refusal(sub));
        free_batch(b);
        return;
    }
    sg_metrics_add(&dl->metrics, SG_M_DEAD_LETTER_ROWS, n);
    sg_ticket_release(&b->ticket); /* may complete (and free) it at once */
}

void sg_dead_letter_read_metrics(struct sg_dead_letter *dl, struct sg_metrics_snapshot *into)
{
    sg_metrics_read(&dl->metrics, into);
    sg_refusals_read_metrics(dl->refusals, into);
}

int sg_dead_letter_write_refusals(struct sg_dead_letter *dl, struct sg_buf *out)
{
    return sg_refusals_write(dl->refusals, out);
}
