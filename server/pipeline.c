/*
 * pipeline: the sender's core (see pipeline.h): batches, calls, retries and
 * answers. Its I/O goes through a transport (kinesis_transport.h): libcurl
 * in the gateway, a scripted one in tests/unit/test_pipeline.c.
 *
 * Invariants:
 *   - every admitted record is resolved exactly once (success, or an error
 *     once its deadline rules out another try, or at drain);
 *   - a record is released from its batcher's admission before it is
 *     resolved, and never touched after (its request may be freed at once);
 *   - only the sender thread touches calls, the transport and in_flight.
 */
#include "pipeline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batcher.h"
#include "buf.h"
#include "clock.h"
#include "kinesis/kinesis_codec.h"
#include "kinesis/kinesis_transport.h"
#include "log.h"
#include "pipeline_internal.h"
#include "rand.h"
#include "retry.h"

#define RESPONSE_LIMIT (16u * 1024u * 1024u)
#define BODY_OVERHEAD 4096 /* head + tail + separators beyond the entries */
#define IDLE_POLL_MS 1000
/* User records an aggregating stream's call may take: 5 MiB of 300-byte
 * events, with room to spare. */
#define SG_PIPELINE_KPL_CALL_RECORDS 20000

const unsigned sg_latency_bucket_ms[SG_LATENCY_BUCKETS] = {5,   10,   25,   50,   100,  250,
                                                           500, 1000, 2500, 5000, 10000};
const unsigned sg_batch_bucket_records[SG_BATCH_BUCKETS] = {1, 10, 50, 100, 200, 300, 400, 500};

/* ---- health and histograms --------------------------------------------- */

void sg_pipeline_set_health(struct sg_pipeline *p, struct stream *s, enum health h, const char *why)
{
    pthread_mutex_lock(&p->mu);
    int was = atomic_exchange(&s->health, (int)h);
    snprintf(s->reason, sizeof s->reason, "%s", why ? why : "");
    pthread_mutex_unlock(&p->mu);
    /* Transitions only: an outage is one line, not one per probe. */
    if (was == (int)h)
        return;
    if (h == HEALTH_OK)
        sg_log(SG_LOG_INFO, "stream %s: Kinesis is ready", s->cfg->name);
    else
        sg_log(SG_LOG_WARN, "stream %s not ready: %s", s->cfg->name, why ? why : "");
}

static void observe(atomic_uint_fast64_t *buckets, const unsigned *bounds, size_t n, uint64_t v)
{
    size_t i = 0;
    while (i < n && v > bounds[i])
        i++;
    atomic_fetch_add_explicit(&buckets[i], 1, memory_order_relaxed);
}

void sg_pipeline_track_call(struct sg_pipeline *p, struct call *c)
{
    c->next = p->active;
    if (p->active)
        p->active->prev = c;
    p->active = c;
}

/* ---- resolving --------------------------------------------------------- */

static void finish(struct sg_pipeline *p, struct stream *s, struct sg_record *r,
                   enum sg_outcome outcome, const char *a, const char *b)
{
    sg_batcher_release(s->batcher, 1, r->kinesis_bytes);
    sg_metrics_add(&p->metrics, outcome == SG_OUTCOME_OK ? SG_M_RECORDS_OK : SG_M_RECORDS_FAILED,
                   1);
    sg_record_resolve(r, outcome, a, b); /* r may be freed from here on */
}

/* A failed record: retry after a backoff if its deadline allows, else answer. */
static void retry_or_fail(struct sg_pipeline *p, struct stream *s, struct sg_record *r,
                          enum sg_kinesis_status st, bool unreachable, const char *code,
                          const char *msg, int64_t now)
{
    if (st == SG_KINESIS_THROTTLED)
        sg_metrics_add(&p->metrics, SG_M_THROTTLED, 1);
    struct sg_retry_plan plan = sg_retry_plan_for(
        st, unreachable, r->attempts, now, r->ticket->deadline_ms, atomic_load(&p->stop),
        p->cfg->backoff_base_ms, p->cfg->backoff_max_ms, sg_rand_u64());
    r->if_expired = plan.outcome;
    snprintf(r->last_error, sizeof r->last_error, "%s", code);
    if (!plan.retry) {
        finish(p, s, r, plan.outcome, code, msg);
        return;
    }
    r->attempts++;
    r->not_before_ms = plan.not_before_ms;
    sg_metrics_add(&p->metrics, SG_M_RECORDS_RETRIED, 1);
    sg_batcher_requeue(s->batcher, r);
}

/* ---- isolation of a record Kinesis refuses ------------------------------ */

static size_t count_list(const struct sg_record *r)
{
    size_t n = 0;
    for (; r; r = r->next)
        n++;
    return n;
}

/* Queues `list` to be sent as a call of its own (see pipeline.h). */
static void push_group(struct stream *s, struct sg_record *list)
{
    list->next_group = s->isolated;
    s->isolated = list;
}

/* Splits the n (> 1) records of a refused call into two groups. Halving
 * finds one record at fault in log2(n) rounds, and every record not at
 * fault is in a call that passes after at most as many. */
static void isolate(struct stream *s, struct sg_record *list, size_t n)
{
    struct sg_record *last = list;
    for (size_t i = 1; i < n / 2; i++)
        last = last->next;
    struct sg_record *second = last->next;
    last->next = NULL;
    push_group(s, second);
    push_group(s, list);
}

/* ---- starting a call --------------------------------------------------- */

bool sg_pipeline_aggregating(const struct stream *s)
{
    return s->cfg->aggregation == SG_AGG_KPL && s->shards.n > 0 && !s->map_stale &&
           !s->auto_distribution;
}

/* Each record its own entry, as the client's request encoded it. */
static int append_plain(struct call *c)
{
    size_t i = 0;
    for (struct sg_record *r = c->records; r; r = r->next, i++) {
        c->groups[i] = (struct sg_kpl_group){r, 1, 0};
        if ((i && sg_buf_append_char(&c->body, ',') != 0) || sg_kpl_append_plain(&c->body, r) != 0)
            return -1;
    }
    c->n_groups = i;
    return 0;
}

/* Aggregates by shard (kpl_pack.h). Records that do not fit this call go
 * back to the queue, due at once. */
static int append_aggregated(struct sg_pipeline *p, struct call *c)
{
    struct stream *s = c->s;
    struct sg_kpl_pack_limits lim = {s->cfg->aggregation_max_bytes, p->cfg->batch_max_records,
                                     p->cfg->batch_max_bytes};
    struct sg_record *left = NULL;
    if (sg_kpl_pack(&c->records, c->n, &s->shards, &lim, &c->body, c->groups, &c->n_groups,
                    &left) != 0)
        return -1;
    c->map_gen = s->map_gen;
    int64_t now = p->now_ms();
    for (struct sg_record *r = left, *next; r; r = next) {
        next = r->next;
        r->not_before_ms = now;
        sg_batcher_requeue(s->batcher, r);
        c->n--;
    }
    return 0;
}

static int build_body(struct sg_pipeline *p, struct call *c, size_t entry_bytes)
{
    const struct sg_stream_config *sc = c->s->cfg;
    int is_arn;
    const char *id = sg_pipeline_stream_id(sc, &is_arn);
    bool aggregate = sg_pipeline_aggregating(c->s) && c->n > 1;
    size_t max_entries = c->n < p->cfg->batch_max_records ? c->n : p->cfg->batch_max_records;
    c->groups = calloc(aggregate ? max_entries : c->n, sizeof *c->groups);
    sg_buf_init(&c->body, 0);
    if (!c->groups || sg_buf_reserve(&c->body, entry_bytes + c->n + BODY_OVERHEAD) != 0 ||
        sg_kinesis_append_head(&c->body, id, is_arn) != 0)
        return -1;
    if ((aggregate ? append_aggregated(p, c) : append_plain(c)) != 0)
        return -1;
    return sg_kinesis_append_tail(&c->body);
}

static int64_t call_timeout_ms(const struct sg_pipeline *p, const struct call *c, int64_t now)
{
    int64_t latest = now;
    for (struct sg_record *r = c->records; r; r = r->next)
        if (r->ticket->deadline_ms > latest)
            latest = r->ticket->deadline_ms;
    /* A call may not outlive the longest deadline it serves (plus a little, so
     * a just-in-time answer still counts), nor the configured call time-out. */
    int64_t t = latest - now + 250;
    if (t > (int64_t)p->cfg->call_timeout_ms)
        t = p->cfg->call_timeout_ms;
    return t < 100 ? 100 : t;
}

void sg_pipeline_free_call(struct sg_pipeline *p, struct call *c)
{
    if (!c)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else if (p->active == c)
        p->active = c->next;
    if (c->next)
        c->next->prev = c->prev;
    sg_buf_free(&c->body);
    free(c->groups);
    free(c);
}

/* Every record of a call that could not be started or failed as a whole. */
static void fail_all(struct sg_pipeline *p, struct stream *s, struct sg_record *list,
                     enum sg_kinesis_status st, bool unreachable, const char *code, const char *msg)
{
    int64_t now = p->now_ms();
    while (list) {
        struct sg_record *next = list->next;
        retry_or_fail(p, s, list, st, unreachable, code, msg, now);
        list = next;
    }
}

static void start_call(struct sg_pipeline *p, struct stream *s, struct sg_record *list, size_t n,
                       int64_t now)
{
    struct call *c = calloc(1, sizeof *c);
    size_t entry_bytes = 0;
    for (struct sg_record *r = list; r; r = r->next)
        entry_bytes += r->entry ? r->entry_len : (r->data_len + 2) / 3 * 4 + r->key_len + 32;
    enum sg_transport_start started = SG_TRANSPORT_START_FAILED;
    if (c)
        c->s = s, c->records = list, c->n = n, c->started_ms = now;
    if (c && build_body(p, c, entry_bytes) == 0) {
        struct sg_kinesis_request req = {SG_KINESIS_TARGET_PUT_RECORDS, c->body.data, c->body.len,
                                         call_timeout_ms(p, c, now), RESPONSE_LIMIT};
        started = p->transport->ops->start(p->transport, &req, c);
    }
    if (started != SG_TRANSPORT_STARTED) {
        if (c) {
            list = c->records; /* packing may have reordered (or shortened) it */
            c->records = NULL;
        }
        sg_pipeline_free_call(p, c);
        if (started == SG_TRANSPORT_NO_CREDENTIALS)
            fail_all(p, s, list, SG_KINESIS_RETRYABLE, true, "CredentialsUnavailable",
                     "no AWS credentials are available to sign the request");
        else
            fail_all(p, s, list, SG_KINESIS_RETRYABLE, false, "InternalError",
                     "the gateway could not build the PutRecords call");
        return;
    }
    sg_pipeline_track_call(p, c);
    s->in_flight++;
    sg_metrics_add(&p->metrics, SG_M_INFLIGHT_CALLS, 1);
    sg_metrics_add(&p->metrics, SG_M_RECORDS_SENT, c->n);
    sg_metrics_add(&p->metrics, SG_M_KINESIS_RECORDS_SENT, c->n_groups);
    atomic_fetch_add(&p->batch_records_sum, c->n_groups);
    observe(p->batch_buckets, sg_batch_bucket_records, SG_BATCH_BUCKETS, c->n_groups);
}

/* ---- completing a call ------------------------------------------------- */

struct result_ctx {
    struct sg_pipeline *p;
    struct call *c;
    int64_t now;
};

/* True when the aggregate of group g, stored in shard `shard_id`, is where
 * KCL will keep every one of its records: the shard the map named, or, if
 * the map changed since the call was packed, a shard of the current map
 * whose range holds all their hashes. */
static bool landed_in_shard(const struct call *c, const struct sg_kpl_group *g,
                            const char *shard_id)
{
    const struct sg_shard_map *m = &c->s->shards;
    if (!shard_id)
        return false;
    if (c->map_gen == c->s->map_gen && g->shard < m->n)
        return strcmp(m->shards[g->shard].id, shard_id) == 0;
    const struct sg_shard *in = NULL;
    for (size_t i = 0; i < m->n && !in; i++)
        if (strcmp(m->shards[i].id, shard_id) == 0)
            in = &m->shards[i];
    if (!in)
        return false;
    const struct sg_record *r = g->first;
    for (uint32_t k = 0; k < g->count; k++, r = r->next)
        if (r->hash < in->range.start || r->hash > in->range.end)
            return false;
    return true;
}

/* One entry's answer, for each record it carried (an aggregate's records
 * share it: SequenceNumber and ShardId, or the error). */
static void on_record_result(void *ctx, size_t i, const struct sg_kinesis_result *res)
{
    struct result_ctx *rc = ctx;
    struct sg_kpl_group *g = &rc->c->groups[i];
    struct stream *s = rc->c->s;
    bool ok = res->status == SG_KINESIS_OK;
    /* An aggregate stored in another shard than its records hash to (the
     * stream was resharded): KCL would drop them there, so they are sent
     * again once the map is read anew. */
    bool misplaced = ok && g->count > 1 && !landed_in_shard(rc->c, g, res->shard_id);
    if (misplaced) {
        sg_metrics_add(&rc->p->metrics, SG_M_AGGREGATES_MISPLACED, 1);
        sg_shards_stale(rc->p, s, rc->now);
    }
    struct sg_record *r = g->first;
    for (uint32_t k = 0; k < g->count; k++) {
        struct sg_record *next = r->next; /* resolving or requeueing relinks r */
        if (ok && res->encryption_type)
            snprintf(r->ticket->encryption_type, sizeof r->ticket->encryption_type, "%s",
                     res->encryption_type);
        if (misplaced)
            retry_or_fail(rc->p, s, r, SG_KINESIS_RETRYABLE, false, "ShardMapChanged",
                          "the stream was resharded while the record was sent", rc->now);
        else if (ok)
            finish(rc->p, s, r, SG_OUTCOME_OK, res->sequence_number, res->shard_id);
        else
            retry_or_fail(rc->p, s, r, res->status, false, res->error_code, res->error_message,
                          rc->now);
        r = next;
    }
}

/* Bytes of the longest prefix of s of at most max bytes that ends on a
 * UTF-8 character boundary (the log line cuts long text; it must not cut a
 * character in two). */
static int utf8_prefix(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return (int)n;
}

/* At most one warning per stream and second: a Kinesis outage must not turn
 * into a log flood. `split`: the call's records (>1) are being split. */
static void warn_call_failure(struct stream *s, const struct sg_kinesis_error *err, size_t split,
                              int64_t now)
{
    if (now - s->last_warn_ms < 1000) {
        s->suppressed_warns++;
        return;
    }
    char how[96] = "";
    if (split)
        snprintf(how, sizeof how,
                 "; resending its %zu records in two calls to isolate the one "
                 "at fault",
                 split);
    sg_log(SG_LOG_WARN, "PutRecords to %s failed: %s: %.*s%s (%u similar messages suppressed)",
           s->cfg->name, err->code, utf8_prefix(err->message, 600), err->message, how,
           s->suppressed_warns);
    s->last_warn_ms = now;
    s->suppressed_warns = 0;
}

static void call_failed(struct sg_pipeline *p, struct call *c, struct sg_record *list,
                        const struct sg_kinesis_reply *reply, int64_t now)
{
    struct stream *s = c->s;
    struct sg_kinesis_error err;
    bool answered = reply->outcome == SG_TRANSPORT_ANSWERED;
    const char *why = answered ? reply->body : reply->error;
    size_t why_len = answered ? reply->body_len : strlen(reply->error);
    enum sg_kinesis_status st = sg_kinesis_classify_call(answered ? reply->http_status : 0, why,
                                                         why_len, reply->error_type, &err);
    bool unreachable = reply->outcome == SG_TRANSPORT_UNREACHABLE;
    sg_metrics_add(&p->metrics, SG_M_PUTRECORDS_CALL_FAILURES, 1);
    /* Rotated or expired credentials: fetch new ones now, so the next calls
     * use them. */
    if (sg_kinesis_is_auth_error(err.code))
        p->transport->ops->credentials_rejected(p->transport);
    if (unreachable)
        sg_pipeline_set_health(p, s, HEALTH_UNREACHABLE, "Kinesis endpoint unreachable");
    /* Past the drain's time-out (stop) records are answered, not sent again. */
    bool split = st == SG_KINESIS_FATAL && c->n > 1 && sg_kinesis_is_record_error(err.code) &&
                 !atomic_load(&p->stop);
    warn_call_failure(s, &err, split ? c->n : 0, now);
    if (split) {
        sg_metrics_add(&p->metrics, SG_M_PUTRECORDS_CALLS_SPLIT, 1);
        isolate(s, list, c->n);
        return;
    }
    fail_all(p, s, list, st, unreachable, err.code, err.message);
}

static void complete_put_records(struct sg_pipeline *p, struct call *c,
                                 const struct sg_kinesis_reply *reply)
{
    int64_t now = p->now_ms();
    struct stream *s = c->s;
    struct sg_record *list = c->records;
    c->records = NULL;
    sg_metrics_add(&p->metrics, SG_M_PUTRECORDS_CALLS, 1);
    sg_metrics_add(&p->metrics, SG_M_PUTRECORDS_LATENCY_MS_SUM, (uint64_t)(now - c->started_ms));
    observe(p->latency_buckets, sg_latency_bucket_ms, SG_LATENCY_BUCKETS,
            (uint64_t)(now - c->started_ms));
    atomic_store(&p->reachable, reply->outcome == SG_TRANSPORT_ANSWERED);
    s->in_flight--;
    sg_metrics_sub(&p->metrics, SG_M_INFLIGHT_CALLS, 1);

    struct sg_kinesis_error err;
    if (reply->outcome == SG_TRANSPORT_ANSWERED && reply->http_status == 200) {
        struct result_ctx ctx = {p, c, now};
        if (sg_kinesis_parse_put_records(reply->body, reply->body_len, c->n_groups,
                                         on_record_result, &ctx, &err) == 0) {
            if (atomic_load(&s->health) != HEALTH_OK)
                sg_pipeline_set_health(p, s, HEALTH_OK, NULL);
            return;
        }
        sg_metrics_add(&p->metrics, SG_M_PUTRECORDS_CALL_FAILURES, 1);
        fail_all(p, s, list, SG_KINESIS_RETRYABLE, false, err.code, err.message);
        return;
    }
    call_failed(p, c, list, reply, now);
}

/* The transport's report of one call (sg_kinesis_done_fn). */
static void on_call_done(void *owner, void *ctx, const struct sg_kinesis_reply *reply)
{
    struct sg_pipeline *p = owner;
    struct call *c = ctx;
    if (c->kind == CALL_PROBE)
        sg_probe_complete(p, c, reply);
    else if (c->kind == CALL_LIST_SHARDS)
        sg_shards_complete(p, c, reply);
    else
        complete_put_records(p, c, reply);
    sg_pipeline_free_call(p, c);
}

/* ---- the sender loop --------------------------------------------------- */

/* Records whose deadline passed while queued are answered, not sent. */
static struct sg_record *drop_expired(struct sg_pipeline *p, struct stream *s,
                                      struct sg_record *list, size_t *n, int64_t now)
{
    struct sg_record *keep = NULL, **link = &keep;
    while (list) {
        struct sg_record *next = list->next;
        if (now >= list->ticket->deadline_ms) {
            (*n)--;
            const char *code = list->last_error[0] ? list->last_error : "RequestTimeout";
            finish(p, s, list, list->if_expired, code, "the request's deadline passed");
        } else {
            *link = list;
            link = &list->next;
        }
        list = next;
    }
    *link = NULL;
    return keep;
}

/* Starts every batch that is due; returns when the next one will be. */
static int64_t schedule(struct sg_pipeline *p, int64_t now)
{
    bool flush = atomic_load(&p->draining);
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < p->n_streams; i++) {
        struct stream *s = &p->streams[i];
        if (!flush && !s->probing) {
            if (now >= s->next_probe_ms)
                sg_probe_start(p, s, now);
            if (!s->probing && s->next_probe_ms < next)
                next = s->next_probe_ms;
        }
        if (!flush && s->cfg->aggregation == SG_AGG_KPL && !s->listing) {
            if (now >= s->next_list_ms)
                sg_shards_start(p, s, now, NULL);
            if (!s->listing && s->next_list_ms < next)
                next = s->next_list_ms;
        }
        /* Isolated groups first: they were due when their call failed. */
        while (s->in_flight < p->cfg->max_in_flight && s->isolated) {
            struct sg_record *list = s->isolated;
            s->isolated = list->next_group;
            list->next_group = NULL;
            size_t n = count_list(list);
            list = drop_expired(p, s, list, &n, now);
            if (n)
                start_call(p, s, list, n, now);
        }
        while (s->in_flight < p->cfg->max_in_flight) {
            struct sg_record *list;
            size_t bytes;
            int64_t due;
            /* Nothing in flight: send at once rather than linger; while
             * calls are in flight, the next batch fills up meanwhile (for
             * up to aggregation_linger_ms on an aggregating stream): at
             * low volume nobody waits, at high volume aggregates fill. */
            size_t n = s->in_flight == 0 && !flush
                           ? sg_batcher_take_now(s->batcher, now, &list, &bytes, &due)
                           : sg_batcher_take(s->batcher, now, flush, &list, &bytes, &due);
            if (n == 0) {
                if (due < next)
                    next = due;
                break;
            }
            list = drop_expired(p, s, list, &n, now);
            if (n)
                start_call(p, s, list, n, now);
        }
        /* With calls in flight the sender comes back by itself within a
         * linger, so the HTTP threads' submits need not wake it: one wake-up
         * per call (its answer) instead of one more per batch. */
        bool busy = s->in_flight > 0 && !flush;
        int64_t due = sg_batcher_watch(s->batcher, busy, s->in_flight == 0 && !flush, now);
        /* At max_in_flight a due batch waits for an answer, and an answer
         * wakes the transport by itself: waking for the batch would spin. */
        bool saturated = s->in_flight >= p->cfg->max_in_flight;
        if (!saturated && due < next)
            next = due;
    }
    return next;
}

static size_t outstanding(struct sg_pipeline *p)
{
    size_t total = 0;
    for (size_t i = 0; i < p->n_streams; i++) {
        struct sg_batcher_stats st;
        sg_batcher_get_stats(p->streams[i].batcher, &st);
        total += st.outstanding_records;
    }
    return total;
}

bool sg_pipeline_turn(struct sg_pipeline *p, int max_wait_ms)
{
    int64_t next = schedule(p, p->now_ms());
    int64_t wait = next == INT64_MAX ? IDLE_POLL_MS : next - p->now_ms();
    if (wait < 0)
        wait = 0;
    if (wait > max_wait_ms)
        wait = max_wait_ms;
    p->transport->ops->run(p->transport, (int)wait, on_call_done, p);
    if (atomic_load(&p->draining) && outstanding(p) == 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->idle_cv);
        pthread_mutex_unlock(&p->mu);
        return atomic_load(&p->stop);
    }
    return false;
}

static void *sender_main(void *arg)
{
    struct sg_pipeline *p = arg;
    while (!sg_pipeline_turn(p, IDLE_POLL_MS)) {
    }
    return NULL;
}

/* ---- public API -------------------------------------------------------- */

/* Sets up p->streams: the configured streams, then one plain stream per
 * distinct dead_letter_stream (shared by the streams that name it). Returns
 * how many there are. */
static size_t add_dead_letter_streams(struct sg_pipeline *p)
{
    const struct sg_config *cfg = p->cfg;
    size_t n = cfg->n_streams, n_dead = 0;
    for (size_t i = 0; i < cfg->n_streams; i++) {
        const char *name = cfg->streams[i].dead_letter_stream;
        p->streams[i].cfg = &cfg->streams[i];
        p->streams[i].dead_letter = SIZE_MAX;
        if (!name[0])
            continue;
        size_t k = 0;
        while (k < n_dead && strcmp(p->dead_cfgs[k].stream_name, name) != 0)
            k++;
        if (k == n_dead) {
            struct sg_stream_config *dc = &p->dead_cfgs[n_dead++];
            /* Bad rows are single JSON records: never aggregated; the key
             * is the one dead_letter.c gives each row. */
            snprintf(dc->name, sizeof dc->name, "%s", name);
            snprintf(dc->stream_name, sizeof dc->stream_name, "%s", name);
            dc->mode = SG_STREAM_PASSTHROUGH;
            dc->partition_key = SG_PK_CLIENT;
            dc->aggregation = SG_AGG_NONE;
            p->streams[n + k].cfg = dc;
            p->streams[n + k].dead_letter = SIZE_MAX;
        }
        p->streams[i].dead_letter = n + k;
    }
    return n + n_dead;
}

struct sg_pipeline *sg_pipeline_new_with(const struct sg_config *cfg,
                                         struct sg_kinesis_transport *transport,
                                         sg_pipeline_clock_fn now_ms)
{
    struct sg_pipeline *p = transport ? calloc(1, sizeof *p) : NULL;
    if (!p) {
        sg_kinesis_transport_free(transport);
        return NULL;
    }
    p->cfg = cfg;
    p->transport = transport;
    p->now_ms = now_ms;
    pthread_mutex_init(&p->mu, NULL);
    /* The drain wait is timed on the monotonic clock, as every other wait:
     * a wall-clock step must not cut it short or stretch it. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->idle_cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_store(&p->reachable, true);
    /* Room for a dead-letter stream per configured stream at most. */
    p->streams = calloc(cfg->n_streams ? 2 * cfg->n_streams : 1, sizeof *p->streams);
    p->dead_cfgs = calloc(cfg->n_streams ? cfg->n_streams : 1, sizeof *p->dead_cfgs);
    if (!p->streams || !p->dead_cfgs)
        goto err;
    p->n_streams = add_dead_letter_streams(p);
    for (size_t i = 0; i < p->n_streams; i++) {
        const struct sg_stream_config *sc = p->streams[i].cfg;
        struct sg_batcher_limits lim = {cfg->linger_ms, cfg->batch_max_records,
                                        cfg->batch_max_bytes, cfg->queue_max_records,
                                        cfg->queue_max_bytes};
        if (sc->aggregation == SG_AGG_KPL) {
            /* A call carries up to 500 aggregates: many more user records,
             * bounded by the call's bytes (what does not fit waits for the
             * next call, kpl_pack.h). */
            lim.linger_ms = sc->aggregation_linger_ms;
            lim.batch_max_records = SG_PIPELINE_KPL_CALL_RECORDS;
        }
        if (!(p->streams[i].batcher = sg_batcher_new(&lim)))
            goto err;
    }
    return p;
err:
    sg_pipeline_free(p);
    return NULL;
}

struct sg_pipeline *sg_pipeline_new(const struct sg_config *cfg, struct sg_creds_provider *creds)
{
    return sg_pipeline_new_with(cfg, sg_kinesis_transport_curl_new(cfg, creds), sg_clock_ms);
}

int sg_pipeline_start(struct sg_pipeline *p)
{
    if (pthread_create(&p->thread, NULL, sender_main, p) != 0)
        return -1;
    p->started = true;
    return 0;
}

enum sg_submit_result sg_pipeline_submit(struct sg_pipeline *p, size_t stream_idx,
                                         struct sg_record *first, size_t n, size_t bytes)
{
    if (atomic_load(&p->draining))
        return SG_SUBMIT_DRAINING;
    if (stream_idx >= p->n_streams)
        return SG_SUBMIT_QUEUE_FULL;
    if (atomic_load(&p->streams[stream_idx].health) == HEALTH_UNREACHABLE)
        return SG_SUBMIT_UNREACHABLE;
    bool wake = false;
    if (sg_batcher_submit(p->streams[stream_idx].batcher, first, n, bytes, p->now_ms(), &wake) != 0)
        return SG_SUBMIT_QUEUE_FULL;
    if (wake)
        p->transport->ops->wakeup(p->transport);
    return SG_SUBMIT_OK;
}

static void answer_shutdown(struct sg_pipeline *p, struct stream *s, struct sg_record *list)
{
    while (list) {
        struct sg_record *next = list->next;
        finish(p, s, list, SG_OUTCOME_UNAVAILABLE, "ServiceUnavailable",
               "the gateway is shutting down");
        list = next;
    }
}

void sg_pipeline_abandon(struct sg_pipeline *p)
{
    while (p->active) {
        struct call *c = p->active;
        p->transport->ops->cancel(p->transport, c);
        if (c->kind == CALL_PUT_RECORDS) {
            c->s->in_flight--;
            sg_metrics_sub(&p->metrics, SG_M_INFLIGHT_CALLS, 1);
        }
        struct sg_record *list = c->records;
        c->records = NULL;
        answer_shutdown(p, c->s, list);
        sg_pipeline_free_call(p, c);
    }
    for (size_t i = 0; i < p->n_streams; i++) {
        struct stream *s = &p->streams[i];
        struct sg_record *list;
        size_t bytes;
        int64_t due;
        while ((list = s->isolated) != NULL) {
            s->isolated = list->next_group;
            answer_shutdown(p, s, list);
        }
        while (sg_batcher_take(s->batcher, INT64_MAX, true, &list, &bytes, &due) > 0)
            answer_shutdown(p, s, list);
    }
}

void sg_pipeline_drain(struct sg_pipeline *p, unsigned timeout_ms)
{
    atomic_store(&p->draining, true);
    if (!p->started)
        return;
    p->transport->ops->wakeup(p->transport);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L)
        until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&p->mu);
    while (outstanding(p) > 0)
        if (pthread_cond_timedwait(&p->idle_cv, &p->mu, &until) != 0)
            break;
    pthread_mutex_unlock(&p->mu);
    /* From here, failures are answered instead of retried (retry_or_fail). */
    atomic_store(&p->stop, true);
    p->transport->ops->wakeup(p->transport);
    pthread_join(p->thread, NULL);
    p->started = false;
    /* The thread is gone: calls still in flight are abandoned and their
     * records, with everything still queued, answered 503. */
    sg_pipeline_abandon(p);
}

void sg_pipeline_free(struct sg_pipeline *p)
{
    if (!p)
        return;
    if (p->started)
        sg_pipeline_drain(p, 0);
    for (size_t i = 0; p->streams && i < p->n_streams; i++) {
        sg_batcher_free(p->streams[i].batcher);
        sg_shard_map_free(&p->streams[i].shards);
        sg_shard_map_free(&p->streams[i].loading);
    }
    free(p->streams);
    free(p->dead_cfgs);
    sg_kinesis_transport_free(p->transport);
    pthread_cond_destroy(&p->idle_cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

size_t sg_pipeline_dead_letter_index(struct sg_pipeline *p, size_t stream_idx)
{
    return stream_idx < p->cfg->n_streams ? p->streams[stream_idx].dead_letter : SIZE_MAX;
}

size_t sg_pipeline_stream_max_record_bytes(struct sg_pipeline *p, size_t stream_idx)
{
    return stream_idx < p->n_streams ? atomic_load(&p->streams[stream_idx].max_record_bytes) : 0;
}

void sg_pipeline_get_stats(struct sg_pipeline *p, struct sg_pipeline_stats *out)
{
    memset(out, 0, sizeof *out);
    out->kinesis_reachable = atomic_load(&p->reachable);
    out->latency_ms_sum = sg_metrics_get(&p->metrics, SG_M_PUTRECORDS_LATENCY_MS_SUM);
    out->batch_records_sum = atomic_load(&p->batch_records_sum);
    for (size_t i = 0; i <= SG_LATENCY_BUCKETS; i++)
        out->latency_buckets[i] = atomic_load(&p->latency_buckets[i]);
    for (size_t i = 0; i <= SG_BATCH_BUCKETS; i++)
        out->batch_buckets[i] = atomic_load(&p->batch_buckets[i]);
    out->ready = true;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n_streams && out->ready; i++) {
        const struct stream *s = &p->streams[i];
        int h = atomic_load(&s->health);
        if (h == HEALTH_OK)
            continue;
        out->ready = false;
        snprintf(out->not_ready_reason, sizeof out->not_ready_reason, "%.191s",
                 h == HEALTH_UNKNOWN ? "waiting for the first Kinesis check" : s->reason);
    }
    pthread_mutex_unlock(&p->mu);
}

void sg_pipeline_read_metrics(struct sg_pipeline *p, struct sg_metrics_snapshot *into)
{
    sg_metrics_read(&p->metrics, into);
    for (size_t i = 0; i < p->n_streams; i++) {
        struct sg_batcher_stats st;
        sg_batcher_get_stats(p->streams[i].batcher, &st);
        into->v[SG_M_QUEUE_RECORDS] += st.outstanding_records;
        into->v[SG_M_QUEUE_BYTES] += st.outstanding_bytes;
    }
}
