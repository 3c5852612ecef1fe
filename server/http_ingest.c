/*
 * http_ingest: PUT /streams/{stream}/record(s).
 *
 * Refuse early, before reading the body: wrong method (405), unknown stream
 * (404), non-JSON content type (415), declared length over the limit (413),
 * stream queue full (503). Then read the body into a bounded buffer
 * (decompressed on the way when it is gzip or deflate, inflate.h: every
 * limit is on the decompressed bytes, and the bytes as sent are held to
 * the same limit), parse
 * it into ready-made PutRecords entries (ingest_parse.c), submit the valid
 * records all at once and suspend the connection: no thread waits for
 * Kinesis. The ticket's completion resumes the connection and the answer is
 * built from each record's own outcome. Refused events are handed to
 * dead_letter.c before the answer, which never waits for them.
 */
#include "http_internal.h"
#include "http_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "http_respond.h"
#include "lit.h"
#include "pipeline.h"
#include "retry.h"

/* Reserved for a body before its bytes arrive: most single-record bodies
 * fit; larger ones grow by doubling as they arrive (a 10 MiB body in about
 * a dozen reallocs). Reserving more up front, for the declared length, let
 * 3,500 slow bodies of the slow-client load test pin 64 KiB each. */
#define BODY_PRERESERVE (4 * 1024)

static size_t body_limit(const struct sg_http_request *req)
{
    const struct sg_policy *pol = req->policy;
    return req->route == SG_RT_RECORD ? pol->max_body_record : pol->max_body_records;
}

/* application/json, optionally with parameters; a missing type counts as
 * JSON, as API Gateway assumes. */
static bool json_content_type(const char *ct)
{
    if (!ct || !*ct)
        return true;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return SG_LIT_EQ_NOCASE(ct, n, "application/json");
}

enum MHD_Result sg_http_ingest_begin(struct sg_http_request *req)
{
    if (strcmp(req->method, "PUT") != 0)
        return sg_http_method_not_allowed(req, "PUT");
    const char *ct =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!json_content_type(ct))
        return sg_http_fail(req, SG_ANSWER_UNSUPPORTED_MEDIA_TYPE,
                            "Unsupported Media Type: send Content-Type: application/json");
    const char *cl =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > body_limit(req)) {
        char msg[96];
        snprintf(msg, sizeof msg, "Request body is over the %zu-byte limit", body_limit(req));
        return sg_http_fail(req, SG_ANSWER_TOO_LARGE, msg);
    }
    sg_buf_init(&req->body, body_limit(req));
    if (req->coding != SG_CODING_IDENTITY &&
        !(req->inflate = sg_inflate_new(req->coding, body_limit(req))))
        return sg_http_fail(req, SG_ANSWER_UNAVAILABLE, "Service Unavailable: out of memory");
    /* Start at the declared length instead of doubling up from 256 bytes,
     * but never reserve more than BODY_PRERESERVE before the bytes arrive: a
     * slow client declaring 10 MiB must not pin memory per connection. */
    size_t want = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
    if (want && sg_buf_reserve(&req->body, want < BODY_PRERESERVE ? want : BODY_PRERESERVE) != 0)
        return sg_http_fail(req, SG_ANSWER_UNAVAILABLE, "Service Unavailable: out of memory");
    return MHD_YES;
}

/* Why the pipeline refused a request's records (all answered 503). */
static const char *submit_refusal(enum sg_submit_result r)
{
    switch (r) {
    case SG_SUBMIT_UNREACHABLE:
        return "Kinesis is unavailable: its endpoint cannot be reached; retry later";
    case SG_SUBMIT_DRAINING:
        return "Service Unavailable: the gateway is shutting down; retry (another instance will "
               "answer)";
    case SG_SUBMIT_QUEUE_FULL:
    case SG_SUBMIT_OK:
        break;
    }
    return "Service Unavailable: the gateway's queue for this stream is full; retry later";
}

static enum MHD_Result respond_ingest_error(struct sg_http_request *req, enum sg_ingest_status st)
{
    return sg_http_fail(req, sg_answer_for_ingest(st), req->ingest.message);
}

/* The first invalid item's message, prefixed with its place in a batch. */
static enum MHD_Result respond_all_invalid(struct sg_http_request *req);

static void on_ticket_done(struct sg_ticket *t)
{
    struct sg_http_request *req =
        (struct sg_http_request *)((char *)t - offsetof(struct sg_http_request, ticket));
    MHD_resume_connection(req->conn);
}

/* Links the valid items into records for the pipeline. */
static int build_records(struct sg_http_request *req)
{
    struct sg_ingest *in = &req->ingest;
    if (in->n == 1) { /* no allocation for the usual single record */
        req->results = &req->one_result;
        req->records = &req->one_record;
    } else {
        /* Not calloc: a result is mostly room for its texts (record.h). */
        req->results = malloc(in->n * sizeof *req->results);
        req->records = calloc(in->n_valid, sizeof *req->records);
        if (!req->results || !req->records)
            return -1;
        for (size_t i = 0; i < in->n; i++) {
            req->results[i].outcome = SG_OUTCOME_PENDING;
            req->results[i].text = NULL;
        }
    }
    req->ticket.results = req->results;
    req->ticket.n_results = in->n;
    /* From the body's end, not the request's start: a body uploaded
     * slowly (10 MiB at 256 KiB/s takes 40 s) must not reach Kinesis with
     * its time already spent. */
    req->ticket.deadline_ms = sg_clock_ms() + req->gw->cfg->deadline_ms;
    req->ticket.done = on_ticket_done;
    atomic_store(&req->ticket.pending, in->n_valid + 1);
    struct sg_record *prev = NULL;
    size_t k = 0;
    for (size_t i = 0; i < in->n; i++) {
        const struct sg_ingest_item *it = &in->items[i];
        if (!it->valid) {
            req->results[i].outcome = SG_OUTCOME_INVALID;
            continue;
        }
        struct sg_record *r = &req->records[k++];
        r->ticket = &req->ticket;
        r->index = (uint32_t)i;
        r->if_expired = SG_OUTCOME_TIMEOUT;
        r->kinesis_bytes = it->kinesis_bytes;
        r->entry = it->entry_len ? in->entries.data + it->entry_off : NULL;
        r->entry_len = it->entry_len;
        r->key = in->entries.data + it->raw_off;
        r->key_len = it->key_len;
        r->data = r->key + it->key_len;
        r->data_len = it->data_len;
        r->hash = it->hash;
        if (prev)
            prev->next = r;
        prev = r;
    }
    return 0;
}

/* Counts the request's refused events and keeps them as bad rows on the
 * stream's dead-letter stream (dead_letter.h); the answer does not wait. */
static void keep_refused(struct sg_http_request *req, enum sg_ingest_status st)
{
    if (st == SG_INGEST_OK && req->ingest.n_valid == req->ingest.n)
        return; /* nothing refused: the usual case costs nothing */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    struct sg_dead_letter_origin o = {
        .stream_idx = req->stream_idx,
        .request_id = req->request_id,
        .api_key_id = req->api_key_id,
        .received_at_ms = wall - (sg_clock_ms() - req->start_ms),
        .refused_at_ms = wall,
        .deadline_ms = req->start_ms + req->gw->cfg->deadline_ms,
        .body = req->body.data ? req->body.data : "",
        .body_len = req->body.len,
    };
    sg_dead_letter_keep(req->gw->dead_letter, &o, &req->ingest, st);
}

static enum MHD_Result process_body(struct sg_http_request *req)
{
    struct sg_gateway *gw = req->gw;
    /* The configured record limit, capped by the stream's own once known. */
    size_t max_record = req->policy->max_record_bytes;
    size_t stream_max = sg_pipeline_stream_max_record_bytes(gw->pipeline, req->stream_idx);
    if (stream_max && stream_max < max_record)
        max_record = stream_max;
    struct sg_ingest_limits lim = {max_record,
                                   req->policy->max_json_depth,
                                   gw->cfg->batch_max_records,
                                   req->policy->max_object_members,
                                   sg_policy_event_rules(req->policy, req->stream->name),
                                   (long long)time(NULL),
                                   0 /* max_index: the default */};
    enum sg_ingest_status st = sg_ingest_parse(
        &req->ingest, req->route == SG_RT_RECORD ? SG_ROUTE_RECORD : SG_ROUTE_RECORDS, req->stream,
        req->body.data, req->body.len, &lim);
    keep_refused(req, st);
    sg_buf_free(&req->body); /* the entries hold everything from here on */
    if (st != SG_INGEST_OK)
        return respond_ingest_error(req, st);
    if (req->ingest.n_valid == 0)
        return respond_all_invalid(req);
    if (build_records(req) != 0)
        return sg_http_fail(req, SG_ANSWER_UNAVAILABLE, "Service Unavailable: out of memory");
    enum sg_submit_result sub = sg_pipeline_submit(gw->pipeline, req->stream_idx, &req->records[0],
                                                   req->ingest.n_valid, req->ingest.kinesis_bytes);
    if (sub != SG_SUBMIT_OK) {
        atomic_store(&req->ticket.pending, 0);
        return sg_http_fail(req, SG_ANSWER_UNAVAILABLE, submit_refusal(sub));
    }
    sg_metrics_add(&gw->metrics, SG_M_EVENTS_ACCEPTED, req->ingest.n_valid);
    sg_metrics_add(&gw->metrics, SG_M_EVENTS_REJECTED, req->ingest.n - req->ingest.n_valid);
    req->state = SG_REQ_WAITING;
    MHD_suspend_connection(req->conn);
    sg_ticket_release(&req->ticket); /* may resume at once if all are done */
    return MHD_YES;
}

/* ---- answers ----------------------------------------------------------- */

/* Bytes reserved per entry of a batch answer (see respond_batch). */
#define ANSWER_ENTRY_GUESS 112

static int append_member(struct sg_buf *b, const char *name, const char *value, bool comma)
{
    int rc = comma ? sg_buf_append_char(b, ',') : 0;
    rc |= sg_buf_append_json_string(b, name, strlen(name));
    rc |= sg_buf_append_char(b, ':');
    rc |= sg_buf_append_json_string(b, value, strlen(value));
    return rc;
}

/* Closes a success body (EncryptionType when Kinesis gave one) and sends it;
 * frees b. `rc` carries the appends' failures so far. */
static enum MHD_Result reply_ok(struct sg_http_request *req, struct sg_buf *b, int rc)
{
    if (req->ticket.encryption_type[0])
        rc |= append_member(b, "EncryptionType", req->ticket.encryption_type, true);
    rc |= sg_buf_append_char(b, '}');
    enum MHD_Result ret = rc ? sg_http_fail(req, SG_ANSWER_INTERNAL_ERROR, NULL)
                             : sg_http_reply(req, 200, b->data, b->len);
    sg_buf_free(b);
    return ret;
}

static enum MHD_Result respond_single_error(struct sg_http_request *req, const struct sg_result *r)
{
    /* Room for Kinesis' whole text (SG_KINESIS_ERROR_MESSAGE_MAX) and its code. */
    char msg[SG_KINESIS_ERROR_MESSAGE_MAX + 256];
    switch (r->outcome) {
    case SG_OUTCOME_THROTTLED:
        snprintf(msg, sizeof msg, "Kinesis is throttling writes to this stream (%s); retry later",
                 sg_result_a(r));
        break;
    case SG_OUTCOME_UNAVAILABLE:
        snprintf(msg, sizeof msg, "Kinesis is unavailable: %s: %s", sg_result_a(r), sg_result_b(r));
        break;
    case SG_OUTCOME_REFUSED:
        snprintf(msg, sizeof msg, "Kinesis refused the request: %s: %s", sg_result_a(r),
                 sg_result_b(r));
        break;
    default:
        snprintf(msg, sizeof msg, "Kinesis did not accept the record before the deadline (%s)",
                 sg_result_a(r));
        break;
    }
    return sg_http_fail(req, sg_answer_for_outcome(r->outcome), msg);
}

static enum MHD_Result respond_single(struct sg_http_request *req)
{
    const struct sg_result *r = &req->results[0];
    if (r->outcome != SG_OUTCOME_OK)
        return respond_single_error(req, r);
    struct sg_buf b;
    sg_buf_init(&b, 4096);
    int rc = sg_buf_append_char(&b, '{');
    rc |= append_member(&b, "SequenceNumber", sg_result_a(r), false);
    rc |= append_member(&b, "ShardId", sg_result_b(r), true);
    return reply_ok(req, &b, rc);
}

static int append_batch_entry(struct sg_buf *b, const struct sg_result *r,
                              const struct sg_ingest_item *it, bool comma)
{
    if (r->outcome == SG_OUTCOME_OK) { /* the usual entry: its names as literals */
        const char *seq = sg_result_a(r), *shard = sg_result_b(r);
        int rc = comma ? sg_buf_append(b, SG_LIT(",{\"SequenceNumber\":"))
                       : sg_buf_append(b, SG_LIT("{\"SequenceNumber\":"));
        rc |= sg_buf_append_json_string(b, seq, strlen(seq));
        rc |= sg_buf_append(b, SG_LIT(",\"ShardId\":"));
        rc |= sg_buf_append_json_string(b, shard, strlen(shard));
        return rc | sg_buf_append_char(b, '}');
    }
    int rc = comma ? sg_buf_append_char(b, ',') : 0;
    rc |= sg_buf_append_char(b, '{');
    if (r->outcome == SG_OUTCOME_INVALID) {
        rc |= append_member(b, "ErrorCode", "InvalidEvent", false);
        rc |= append_member(b, "ErrorMessage", it->message, true);
    } else {
        rc |= append_member(b, "ErrorCode", sg_result_a(r), false);
        rc |= append_member(b, "ErrorMessage", sg_result_b(r), true);
    }
    return rc | sg_buf_append_char(b, '}');
}

static enum MHD_Result respond_batch(struct sg_http_request *req)
{
    size_t n = req->ingest.n, failed = 0, ok = 0;
    const struct sg_result *first_kinesis_failure = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct sg_result *r = &req->results[i];
        ok += r->outcome == SG_OUTCOME_OK;
        failed += r->outcome != SG_OUTCOME_OK;
        if (!first_kinesis_failure && r->outcome != SG_OUTCOME_OK &&
            r->outcome != SG_OUTCOME_INVALID)
            first_kinesis_failure = r;
    }
    /* Nothing stored and Kinesis is why: answer with the error status, so a
     * client that only looks at the status still retries. */
    if (ok == 0 && first_kinesis_failure)
        return respond_single_error(req, first_kinesis_failure);
    struct sg_buf b;
    sg_buf_init(&b, 0);
    /* Room for the usual answer at once (a stored entry is about 100 bytes:
     * a 56-digit sequence number, a shard id, the names) instead of doubling
     * from nothing; a larger answer still grows. */
    int rc = sg_buf_reserve(&b, 64 + n * ANSWER_ENTRY_GUESS) != SG_BUF_OK;
    rc |= sg_buf_printf(&b, "{\"FailedRecordCount\":%zu,\"Records\":[", failed);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc |= append_batch_entry(&b, &req->results[i], &req->ingest.items[i], i > 0);
    rc |= sg_buf_append_char(&b, ']');
    return reply_ok(req, &b, rc);
}

/* No record of the request is valid. /record: 400 with the rule broken.
 * /records: 400 too (a client that only reads the status must not retry the
 * same body), and besides the message the body carries the usual
 * FailedRecordCount and one InvalidEvent entry per record, in order, so a
 * batch of refused events says what is wrong with each. */
static enum MHD_Result respond_all_invalid(struct sg_http_request *req)
{
    const struct sg_ingest_item *it = &req->ingest.items[0];
    char msg[320];
    sg_metrics_add(&req->gw->metrics, SG_M_EVENTS_REJECTED, req->ingest.n);
    if (req->route == SG_RT_RECORD) {
        snprintf(msg, sizeof msg, "%s", it->message);
        return sg_http_fail(req, SG_ANSWER_BAD_REQUEST, msg);
    }
    snprintf(msg, sizeof msg, "no valid records; records[0]: %s", it->message);
    const struct sg_result invalid = {.outcome = SG_OUTCOME_INVALID};
    struct sg_buf b;
    sg_buf_init(&b, 0);
    int rc = sg_buf_append_char(&b, '{');
    rc |= append_member(&b, "message", msg, false);
    rc |= sg_buf_printf(&b, ",\"FailedRecordCount\":%zu,\"Records\":[", req->ingest.n);
    for (size_t i = 0; i < req->ingest.n && rc == 0; i++)
        rc |= append_batch_entry(&b, &invalid, &req->ingest.items[i], i > 0);
    rc |= sg_buf_append_str(&b, "]}");
    enum MHD_Result ret =
        rc ? sg_http_fail(req, SG_ANSWER_BAD_REQUEST, msg) : sg_http_reply(req, 400, b.data, b.len);
    sg_buf_free(&b);
    return ret;
}

/* Where a refused body goes: read on, keep nothing, answer at the end. */
static void discard(struct sg_http_request *req, enum sg_req_state why)
{
    req->state = why;
    sg_buf_free(&req->body);
    sg_inflate_free(req->inflate);
    req->inflate = NULL;
}

static enum sg_req_state refusal_of(enum sg_inflate_result r)
{
    switch (r) {
    case SG_INFLATE_OK:
        return SG_REQ_RECEIVING;
    case SG_INFLATE_TOO_LARGE:
        return SG_REQ_DISCARDING;
    case SG_INFLATE_NO_MEMORY:
        return SG_REQ_DISCARDING_NO_MEMORY;
    case SG_INFLATE_CORRUPT:
    case SG_INFLATE_TRUNCATED:
    case SG_INFLATE_TRAILING:
        break;
    }
    return SG_REQ_DISCARDING_BAD_CODING;
}

/* Appends one piece of the body as sent: decoded first when encoded. */
static void take_body(struct sg_http_request *req, const char *data, size_t n)
{
    if (req->inflate) {
        /* The bytes as sent count too: a stream of empty gzip members
         * decodes to nothing and would otherwise never end. */
        enum sg_inflate_result r = req->body_bytes > body_limit(req)
                                       ? SG_INFLATE_TOO_LARGE
                                       : sg_inflate_feed(req->inflate, data, n, &req->body);
        if (r != SG_INFLATE_OK) {
            req->coding_error = r;
            discard(req, refusal_of(r));
        }
        return;
    }
    enum sg_buf_result rc = sg_buf_append(&req->body, data, n);
    if (rc != SG_BUF_OK) /* then 413, or 503 when memory ran out */
        discard(req, rc == SG_BUF_TOO_LARGE ? SG_REQ_DISCARDING : SG_REQ_DISCARDING_NO_MEMORY);
}

/* The body is whole: an encoded one must have ended its stream. */
static enum MHD_Result body_complete(struct sg_http_request *req)
{
    if (req->inflate) {
        enum sg_inflate_result r = sg_inflate_finish(req->inflate);
        sg_inflate_free(req->inflate);
        req->inflate = NULL;
        if (r != SG_INFLATE_OK) {
            req->coding_error = r;
            discard(req, refusal_of(r));
            return sg_http_ingest_continue(req, NULL, &(size_t){0});
        }
    }
    return process_body(req);
}

enum MHD_Result sg_http_ingest_continue(struct sg_http_request *req, const char *data,
                                        size_t *data_size)
{
    if (*data_size) {
        req->body_bytes += *data_size;
        if (req->state == SG_REQ_RECEIVING)
            take_body(req, data, *data_size);
        *data_size = 0;
        return MHD_YES;
    }
    switch (req->state) {
    case SG_REQ_RECEIVING:
        return body_complete(req);
    case SG_REQ_DISCARDING_BAD_CODING:
        return sg_http_fail(req, SG_ANSWER_UNSUPPORTED_MEDIA_TYPE,
                            sg_inflate_message(req->coding_error, req->coding));
    case SG_REQ_DISCARDING: {
        char msg[96];
        snprintf(msg, sizeof msg, "Request body is over the %zu-byte limit", body_limit(req));
        return sg_http_fail(req, SG_ANSWER_TOO_LARGE, msg);
    }
    case SG_REQ_DISCARDING_NO_MEMORY:
        return sg_http_fail(req, SG_ANSWER_UNAVAILABLE, "Service Unavailable: out of memory");
    case SG_REQ_WAITING:
        if (atomic_load(&req->ticket.pending) != 0)
            return MHD_YES; /* not ours to answer yet */
        return req->route == SG_RT_RECORD ? respond_single(req) : respond_batch(req);
    case SG_REQ_RESPONDED:
        break;
    }
    return MHD_YES;
}

void sg_http_ingest_free(struct sg_http_request *req)
{
    sg_inflate_free(req->inflate);
    req->inflate = NULL;
    sg_buf_free(&req->body);
    sg_ingest_free(&req->ingest);
    if (req->results)
        sg_ticket_clear(&req->ticket);
    if (req->results != &req->one_result)
        free(req->results);
    if (req->records != &req->one_record)
        free(req->records);
}
