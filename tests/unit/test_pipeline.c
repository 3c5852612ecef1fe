/*
 * test_pipeline: the sender's core (server/pipeline.c) driven turn by turn,
 * without its thread, over a scripted transport and a clock the test moves:
 * every call the core starts is recorded with its body, and the test decides
 * each answer (all accepted, partial failures, whole-call errors, throttling
 * until the deadline, time-outs, an unreachable endpoint, no credentials,
 * expired tokens, answers out of order, a refusal for one record's sake that
 * must be isolated) and then checks what every record
 * was resolved to, that each request was completed exactly once, and what
 * was sent again. Drain with calls in flight abandons them in the transport
 * and answers their records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "config.h"
#include "hash_key.h"
#include "kinesis_codec.h"
#include "kinesis_transport.h"
#include "pipeline.h"
#include "pipeline_internal.h"
#include "record.h"

/* ---- clock ----------------------------------------------------------------------------- */

static int64_t fake_now = 1000000;

static int64_t test_clock(void)
{
    return fake_now;
}

/* ---- scripted transport ---------------------------------------------------------------- */

#define MAX_CALLS 64

struct sent {
    char target[64];
    char *body;
    void *ctx;
    int cancelled;
    int answered;
};

struct queued_reply {
    void *ctx;
    struct sg_kinesis_reply reply;
    char body[65536];
};

struct script {
    struct sg_kinesis_transport base;
    struct sent calls[MAX_CALLS];
    size_t n_calls;
    struct queued_reply replies[MAX_CALLS];
    size_t n_replies;
    enum sg_transport_start start_result; /* what start() answers */
    const char *summary;                  /* DescribeStreamSummary's answer */
    const char *shards;                   /* ListShards' answer */
    size_t list_calls;
    int wakeups, rejected_credentials, freed;
};

static struct script *as_script(struct sg_kinesis_transport *t)
{
    return (struct script *)t;
}

static void queue(struct script *sc, size_t call, enum sg_transport_outcome outcome, long status,
                  const char *body)
{
    struct queued_reply *q = &sc->replies[sc->n_replies++];
    q->ctx = sc->calls[call].ctx;
    snprintf(q->body, sizeof q->body, "%s", body ? body : "");
    q->reply = (struct sg_kinesis_reply){outcome, status,
                                         q->body, strlen(q->body),
                                         "",      outcome == SG_TRANSPORT_ANSWERED ? "" : body};
    sc->calls[call].answered = 1;
}

static enum sg_transport_start script_start(struct sg_kinesis_transport *t,
                                            const struct sg_kinesis_request *req, void *ctx)
{
    struct script *sc = as_script(t);
    if (sc->start_result != SG_TRANSPORT_STARTED)
        return sc->start_result;
    struct sent *s = &sc->calls[sc->n_calls++];
    snprintf(s->target, sizeof s->target, "%s", req->target);
    s->body = strndup(req->body, req->body_len);
    s->ctx = ctx;
    /* Probes and ListShards are answered at once: by default a healthy,
     * ACTIVE stream of four even shards. */
    if (strstr(req->target, "ListShards")) {
        sc->list_calls++;
        queue(sc, sc->n_calls - 1, SG_TRANSPORT_ANSWERED, 200, sc->shards);
    } else if (strcmp(req->target, SG_KINESIS_TARGET_PUT_RECORDS) != 0) {
        queue(sc, sc->n_calls - 1, SG_TRANSPORT_ANSWERED, 200,
              sc->summary ? sc->summary
                          : "{\"StreamDescriptionSummary\":{\"StreamStatus\":\"ACTIVE\"}}");
    }
    return SG_TRANSPORT_STARTED;
}

/* Reports every queued reply, in the order the test queued them. */
static size_t script_run(struct sg_kinesis_transport *t, int wait_ms, sg_kinesis_done_fn done,
                         void *owner)
{
    struct script *sc = as_script(t);
    size_t n = sc->n_replies;
    struct queued_reply *batch = malloc((n ? n : 1) * sizeof *batch);
    memcpy(batch, sc->replies, n * sizeof batch[0]);
    sc->n_replies = 0;
    for (size_t i = 0; i < n; i++) {
        batch[i].reply.body = batch[i].body;
        if (batch[i].reply.outcome != SG_TRANSPORT_ANSWERED)
            batch[i].reply.error = batch[i].body;
        done(owner, batch[i].ctx, &batch[i].reply);
    }
    free(batch);
    return n;
}

static void script_wakeup(struct sg_kinesis_transport *t)
{
    as_script(t)->wakeups++;
}

static void script_cancel(struct sg_kinesis_transport *t, void *ctx)
{
    struct script *sc = as_script(t);
    for (size_t i = 0; i < sc->n_calls; i++)
        if (sc->calls[i].ctx == ctx && !sc->calls[i].answered)
            sc->calls[i].cancelled = 1;
}

static void script_rejected(struct sg_kinesis_transport *t)
{
    as_script(t)->rejected_credentials++;
}

static void script_free(struct sg_kinesis_transport *t)
{
    struct script *sc = as_script(t);
    for (size_t i = 0; i < sc->n_calls; i++)
        free(sc->calls[i].body);
    sc->n_calls = 0;
    sc->freed++;
}

static const struct sg_kinesis_transport_ops script_ops = {
    script_start, script_run, script_wakeup, script_cancel, script_rejected, script_free,
};

/* ---- requests -------------------------------------------------------------------------- */

#define MAX_RECORDS 8

struct request {
    struct sg_ticket ticket;
    struct sg_result results[MAX_RECORDS];
    struct sg_record records[MAX_RECORDS];
    char entries[MAX_RECORDS][96];
    int done_calls;
};

static void on_ticket_done(struct sg_ticket *t)
{
    ((struct request *)t)->done_calls++; /* ticket is the first member */
}

/* A request of n records with keys "<tag>-<i>", its deadline in ms from now. */
static void make_request(struct request *rq, const char *tag, size_t n, int64_t deadline_in)
{
    memset(rq, 0, sizeof *rq);
    rq->ticket.results = rq->results;
    rq->ticket.n_results = n;
    rq->ticket.deadline_ms = fake_now + deadline_in;
    rq->ticket.done = on_ticket_done;
    atomic_store(&rq->ticket.pending, n + 1); /* +1: the submitter's hold */
    for (size_t i = 0; i < n; i++) {
        struct sg_record *r = &rq->records[i];
        int len = snprintf(rq->entries[i], sizeof rq->entries[i],
                           "{\"Data\":\"ZA==\",\"PartitionKey\":\"%s-%zu\"}", tag, i);
        r->ticket = &rq->ticket;
        r->index = (uint32_t)i;
        r->entry = rq->entries[i];
        r->entry_len = (size_t)len;
        r->kinesis_bytes = 1 + strlen(tag) + 2;
        r->if_expired = SG_OUTCOME_TIMEOUT; /* as http_ingest.c admits records */
        r->next = i + 1 < n ? &rq->records[i + 1] : NULL;
    }
}

/* Requests of the current test, whose result strings teardown frees. */
static struct request *submitted[16];
static size_t n_submitted;

static enum sg_submit_result submit(struct sg_pipeline *p, struct request *rq)
{
    if (n_submitted < sizeof submitted / sizeof submitted[0])
        submitted[n_submitted++] = rq;
    size_t bytes = 0;
    for (size_t i = 0; i < rq->ticket.n_results; i++)
        bytes += rq->records[i].kinesis_bytes;
    enum sg_submit_result rc =
        sg_pipeline_submit(p, 0, &rq->records[0], rq->ticket.n_results, bytes);
    if (rc == SG_SUBMIT_OK)
        sg_ticket_release(&rq->ticket);
    return rc;
}

static int sent_key(const struct sent *s, const char *tag, size_t i)
{
    char key[64];
    snprintf(key, sizeof key, "\"PartitionKey\":\"%s-%zu\"", tag, i);
    return strstr(s->body, key) != NULL;
}

/* Position of record <tag>-<i> among the entries of a call's body, or -1. */
static long position_of(const struct sent *s, const char *tag, size_t i)
{
    char key[64];
    snprintf(key, sizeof key, "\"PartitionKey\":\"%s-%zu\"", tag, i);
    const char *at = strstr(s->body, key);
    if (!at)
        return -1;
    long pos = 0;
    for (const char *q = s->body; (q = strstr(q, "\"PartitionKey\"")) && q < at; q++)
        pos++;
    return pos;
}

static size_t count_entries(const struct sent *s)
{
    size_t n = 0;
    for (const char *q = s->body; (q = strstr(q, "\"PartitionKey\"")); q++)
        n++;
    return n;
}

/* The newest PutRecords call, or -1. */
static long last_put(const struct script *sc)
{
    for (size_t i = sc->n_calls; i-- > 0;)
        if (strcmp(sc->calls[i].target, SG_KINESIS_TARGET_PUT_RECORDS) == 0)
            return (long)i;
    return -1;
}

static size_t count_puts(const struct script *sc)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->n_calls; i++)
        n += strcmp(sc->calls[i].target, SG_KINESIS_TARGET_PUT_RECORDS) == 0;
    return n;
}

static const char *result_a(const struct request *rq, size_t i)
{
    return rq->results[i].text ? rq->results[i].text : "";
}

/* ---- fixture ----------------------------------------------------------------------------- */

struct fixture {
    struct sg_config cfg;
    struct script *sc;
    struct sg_pipeline *p;
};

#define Q1 "85070591730234615865843651857942052863"
#define Q1N "85070591730234615865843651857942052864"
#define Q2 "170141183460469231731687303715884105727"
#define Q2N "170141183460469231731687303715884105728"
#define Q3 "255211775190703847597530955573826158591"
#define Q3N "255211775190703847597530955573826158592"
#define QMAX "340282366920938463463374607431768211455"
#define SHARD(id, a, b)                                                                            \
    "{\"ShardId\":\"shardId-00000000000" id "\",\"HashKeyRange\":{\"StartingHashKey\":\"" a        \
    "\",\"EndingHashKey\":\"" b "\"}}"
static const char *const four_shards = "{\"Shards\":[" SHARD("0", "0", Q1) "," SHARD(
    "1", Q1N, Q2) "," SHARD("2", Q2N, Q3) "," SHARD("3", Q3N, QMAX) "]}";

/* The shard (0-3) of four even shards that owns hash h. */
static int shard_of(sg_hash_key h)
{
    return (int)(h >> 126);
}

static void setup_stream(struct fixture *f, unsigned max_in_flight, enum sg_aggregation agg,
                         const char *summary);

static void setup(struct fixture *f, unsigned max_in_flight)
{
    setup_stream(f, max_in_flight, SG_AGG_NONE, NULL);
}

static void setup_stream(struct fixture *f, unsigned max_in_flight, enum sg_aggregation agg,
                         const char *summary)
{
    memset(f, 0, sizeof *f);
    sg_config_defaults(&f->cfg);
    snprintf(f->cfg.region, sizeof f->cfg.region, "us-east-1");
    f->cfg.n_streams = 1;
    snprintf(f->cfg.streams[0].name, sizeof f->cfg.streams[0].name, "events");
    snprintf(f->cfg.streams[0].stream_name, sizeof f->cfg.streams[0].stream_name, "events");
    f->cfg.max_in_flight = max_in_flight;
    f->cfg.linger_ms = 5;
    f->cfg.backoff_base_ms = 50;
    f->cfg.backoff_max_ms = 200;
    f->cfg.probe_interval_ms = 3600000;
    f->cfg.streams[0].aggregation = agg;
    f->cfg.streams[0].aggregation_max_bytes = 4096;
    f->cfg.streams[0].aggregation_linger_ms = 20;
    f->sc = calloc(1, sizeof *f->sc);
    f->sc->base.ops = &script_ops;
    f->sc->summary = summary;
    f->sc->shards = four_shards;
    f->p = sg_pipeline_new_with(&f->cfg, &f->sc->base, test_clock);
    /* The first turn probes the stream (answered ACTIVE by the script). */
    sg_pipeline_turn(f->p, 0);
    sg_pipeline_turn(f->p, 0);
}

static void teardown(struct fixture *f)
{
    sg_pipeline_free(f->p);
    for (size_t i = 0; i < n_submitted; i++)
        sg_ticket_clear(&submitted[i]->ticket);
    n_submitted = 0;
    CHECK(f->sc->freed == 1, "the pipeline frees its transport once");
    free(f->sc);
}

static void turns(struct fixture *f, int n)
{
    for (int i = 0; i < n; i++)
        sg_pipeline_turn(f->p, 0);
}

/* Moves the clock past any backoff (at most backoff_max_ms) and turns. */
static void after_backoff(struct fixture *f)
{
    fake_now += f->cfg.backoff_max_ms + 1;
    turns(f, 2);
}

#define OK3                                                                                        \
    "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"11\",\"ShardId\":\"shardId-0\"}," \
    "{\"SequenceNumber\":\"12\",\"ShardId\":\"shardId-0\"},"                                       \
    "{\"SequenceNumber\":\"13\",\"ShardId\":\"shardId-1\"}]}"

/* ---- cases --------------------------------------------------------------------------------- */

static void test_all_accepted(void)
{
    struct fixture f;
    setup(&f, 4);
    struct request rq;
    make_request(&rq, "a", 3, 10000);
    CHECK(submit(f.p, &rq) == 0, "submitted");
    turns(&f, 1);
    long c = last_put(f.sc);
    CHECK(c >= 0 && count_entries(&f.sc->calls[c]) == 3, "one call with the three records");
    queue(f.sc, (size_t)c, SG_TRANSPORT_ANSWERED, 200, OK3);
    turns(&f, 1);
    CHECK(rq.done_calls == 1, "request completed once (%d)", rq.done_calls);
    for (size_t i = 0; i < 3; i++)
        CHECK(rq.results[i].outcome == SG_OUTCOME_OK, "record %zu OK", i);
    CHECK_STREQ(result_a(&rq, 2), "13", "third record's sequence number");
    CHECK(count_puts(f.sc) == 1, "nothing sent again");
    teardown(&f);
}

static void test_partial_failure_resends_only_failed(void)
{
    struct fixture f;
    setup(&f, 4);
    struct request rq;
    make_request(&rq, "p", 3, 10000);
    CHECK(submit(f.p, &rq) == 0, "submitted");
    turns(&f, 1);
    long c = last_put(f.sc);
    queue(f.sc, (size_t)c, SG_TRANSPORT_ANSWERED, 200,
          "{\"FailedRecordCount\":2,\"Records\":[{\"SequenceNumber\":\"21\",\"ShardId\":\"s0\"},"
          "{\"ErrorCode\":\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"Rate\"},"
          "{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"oops\"}]}");
    turns(&f, 1);
    CHECK(rq.results[0].outcome == SG_OUTCOME_OK, "the accepted record is answered at once");
    CHECK(rq.done_calls == 0, "the request waits for the others");
    after_backoff(&f);
    long c2 = last_put(f.sc);
    CHECK(c2 > c, "a second call");
    CHECK(count_entries(&f.sc->calls[c2]) == 2 && !sent_key(&f.sc->calls[c2], "p", 0) &&
              sent_key(&f.sc->calls[c2], "p", 1) && sent_key(&f.sc->calls[c2], "p", 2),
          "only the two failed records are sent again: %s", f.sc->calls[c2].body);
    queue(f.sc, (size_t)c2, SG_TRANSPORT_ANSWERED, 200,
          "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"22\",\"ShardId\":\"s0\"},"
          "{\"SequenceNumber\":\"23\",\"ShardId\":\"s1\"}]}");
    turns(&f, 1);
    CHECK(rq.done_calls == 1, "completed once");
    /* Retries leave in backoff order (random jitter): match by position. */
    for (size_t i = 1; i < 3; i++) {
        char want[24];
        snprintf(want, sizeof want, "2%ld", 2 + position_of(&f.sc->calls[c2], "p", i));
        CHECK_STREQ(result_a(&rq, i), want, "a resent record gets its own entry's answer");
    }
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(f.p, &st);
    CHECK(st.records_retried == 2 && st.records_sent == 5 && st.throttled == 1,
          "stats: %llu retried, %llu sent, %llu throttled", (unsigned long long)st.records_retried,
          (unsigned long long)st.records_sent, (unsigned long long)st.throttled);
    teardown(&f);
}

/* A whole call fails the same way until the deadline: the records are sent
 * again after each failure and finally answered with `want`. */
static void until_deadline(enum sg_transport_outcome outcome, long status, const char *body,
                           enum sg_outcome want, const char *what)
{
    struct fixture f;
    setup(&f, 4);
    struct request rq;
    make_request(&rq, "d", 2, 1000);
    CHECK(submit(f.p, &rq) == 0, "%s: submitted", what);
    turns(&f, 1);
    size_t answered = 0;
    for (int round = 0; round < 100 && rq.done_calls == 0; round++) {
        long c = last_put(f.sc);
        if (c >= 0 && !f.sc->calls[c].answered) {
            queue(f.sc, (size_t)c, outcome, status, body);
            answered++;
        }
        turns(&f, 1);
        fake_now += 60;
        turns(&f, 1);
    }
    CHECK(rq.done_calls == 1, "%s: completed once", what);
    CHECK(answered >= 3, "%s: sent again while the deadline allowed (%zu calls)", what, answered);
    for (size_t i = 0; i < 2; i++)
        CHECK(rq.results[i].outcome == want, "%s: record %zu outcome %d, want %d", what, i,
              (int)rq.results[i].outcome, (int)want);
    teardown(&f);
}

static void test_whole_call_errors(void)
{
    until_deadline(SG_TRANSPORT_ANSWERED, 400,
                   "{\"__type\":\"ProvisionedThroughputExceededException\",\"message\":\"Rate\"}",
                   SG_OUTCOME_THROTTLED, "throttled call");
    until_deadline(SG_TRANSPORT_ANSWERED, 500, "{\"__type\":\"InternalFailure\"}",
                   SG_OUTCOME_TIMEOUT, "500");
    until_deadline(SG_TRANSPORT_FAILED, 0, "Operation timed out after 2000 milliseconds",
                   SG_OUTCOME_TIMEOUT, "time-out");
    until_deadline(SG_TRANSPORT_UNREACHABLE, 0, "Failed to connect", SG_OUTCOME_UNAVAILABLE,
                   "unreachable");
}

static void test_refused_call_is_not_retried(void)
{
    struct fixture f;
    setup(&f, 4);
    struct request rq;
    make_request(&rq, "f", 2, 10000);
    CHECK(submit(f.p, &rq) == 0, "submitted");
    turns(&f, 1);
    queue(f.sc, (size_t)last_put(f.sc), SG_TRANSPORT_ANSWERED, 400,
          "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream events not found\"}");
    turns(&f, 1);
    CHECK(rq.done_calls == 1, "answered at once");
    CHECK(rq.results[0].outcome == SG_OUTCOME_REFUSED &&
              rq.results[1].outcome == SG_OUTCOME_REFUSED,
          "both refused (502)");
    CHECK_STREQ(result_a(&rq, 0), "ResourceNotFoundException", "Kinesis' code");
    after_backoff(&f);
    CHECK(count_puts(f.sc) == 1, "never sent again");
    teardown(&f);
}

/* Kinesis refuses a whole call for one record's sake: the call is split
 * until that record is alone, and only it gets the refusal. */
static void test_refusal_isolates_the_record(void)
{
    struct fixture f;
    setup(&f, 8);
    struct request rq;
    make_request(&rq, "i", 4, 10000);
    CHECK(submit(f.p, &rq) == 0, "submitted");
    turns(&f, 1);
    const char *refusal = "{\"__type\":\"ValidationException\",\"message\":\"1 validation "
                          "error detected: Value at 'records.3.member.partitionKey' failed\"}";
    const char *ok = "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"7\","
                     "\"ShardId\":\"s\"},{\"SequenceNumber\":\"8\",\"ShardId\":\"s\"}]}";
    const char *ok1 = "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"9\","
                      "\"ShardId\":\"s\"}]}";
    /* Answer every call: refused while it holds record i-3, accepted otherwise. */
    for (int round = 0; round < 10 && rq.done_calls == 0; round++) {
        for (size_t c = 0; c < f.sc->n_calls; c++) {
            struct sent *sc = &f.sc->calls[c];
            if (sc->answered || strcmp(sc->target, SG_KINESIS_TARGET_PUT_RECORDS) != 0)
                continue;
            size_t n = count_entries(sc);
            queue(f.sc, c, SG_TRANSPORT_ANSWERED, sent_key(sc, "i", 3) ? 400 : 200,
                  sent_key(sc, "i", 3) ? refusal
                  : n == 2             ? ok
                                       : ok1);
        }
        turns(&f, 2);
    }
    CHECK(rq.done_calls == 1, "completed once");
    for (size_t i = 0; i < 3; i++)
        CHECK(rq.results[i].outcome == SG_OUTCOME_OK, "record %zu stored", i);
    CHECK(rq.results[3].outcome == SG_OUTCOME_REFUSED, "only the record at fault is refused");
    CHECK_STREQ(result_a(&rq, 3), "ValidationException", "with Kinesis' code");
    CHECK(count_puts(f.sc) == 5, "4 -> 2 + 2 -> 1 + 1: five calls (%zu)", count_puts(f.sc));
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(f.p, &st);
    CHECK(st.calls_split == 2, "two splits (%llu)", (unsigned long long)st.calls_split);
    teardown(&f);
}

static void test_unreachable_refuses_submits(void)
{
    struct fixture f;
    setup(&f, 4);
    struct request rq, later;
    make_request(&rq, "u", 1, 10000);
    CHECK(submit(f.p, &rq) == 0, "submitted");
    turns(&f, 1);
    queue(f.sc, (size_t)last_put(f.sc), SG_TRANSPORT_UNREACHABLE, 0, "Couldn't connect");
    turns(&f, 1);
    make_request(&later, "v", 1, 10000);
    CHECK(submit(f.p, &later) == SG_SUBMIT_UNREACHABLE,
          "submits fail fast while the endpoint is unreachable");
    fake_now += 20000;
    turns(&f, 3);
    CHECK(rq.done_calls == 1 && rq.results[0].outcome == SG_OUTCOME_UNAVAILABLE,
          "the queued record is answered 503 at its deadline");
    teardown(&f);
}

static void test_no_credentials(void)
{
    struct fixture f;
    setup(&f, 4);
    f.sc->start_result = SG_TRANSPORT_NO_CREDENTIALS;
    struct request rq;
    make_request(&rq, "c", 2, 500);
    CHECK(submit(f.p, &rq) == 0, "submitted");
    for (int i = 0; i < 20 && rq.done_calls == 0; i++) {
        turns(&f, 1);
        fake_now += 100;
    }
    CHECK(rq.done_calls == 1, "completed once");
    CHECK(rq.results[1].outcome == SG_OUTCOME_UNAVAILABLE, "503 without credentials");
    CHECK_STREQ(result_a(&rq, 1), "CredentialsUnavailable", "the reason");
    teardown(&f);
}

static void test_expired_token_refreshes_credentials(void)
{
    struct fixture f;
    setup(&f, 4);
    struct request rq;
    make_request(&rq, "e", 1, 10000);
    CHECK(submit(f.p, &rq) == 0, "submitted");
    turns(&f, 1);
    queue(f.sc, (size_t)last_put(f.sc), SG_TRANSPORT_ANSWERED, 400,
          "{\"__type\":\"ExpiredTokenException\",\"message\":\"The security token expired\"}");
    turns(&f, 1);
    CHECK(f.sc->rejected_credentials == 1, "the transport is told to fetch new credentials");
    after_backoff(&f);
    queue(f.sc, (size_t)last_put(f.sc), SG_TRANSPORT_ANSWERED, 200,
          "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"9\",\"ShardId\":\"s\"}]}");
    turns(&f, 1);
    CHECK(rq.done_calls == 1 && rq.results[0].outcome == SG_OUTCOME_OK, "stored on the retry");
    CHECK(count_puts(f.sc) == 2, "sent twice");
    teardown(&f);
}

static void test_answers_out_of_order(void)
{
    struct fixture f;
    setup(&f, 4);
    struct request a, b;
    make_request(&a, "a", 2, 10000);
    CHECK(submit(f.p, &a) == 0, "a submitted");
    turns(&f, 1);
    long ca = last_put(f.sc);
    make_request(&b, "b", 3, 10000);
    CHECK(submit(f.p, &b) == 0, "b submitted");
    fake_now += f.cfg.linger_ms; /* a call is in flight: b's batch lingers */
    turns(&f, 1);
    long cb = last_put(f.sc);
    CHECK(ca >= 0 && cb > ca && sent_key(&f.sc->calls[cb], "b", 2), "two calls in flight");
    CHECK(f.p->in_flight == 2, "in flight: %u", (unsigned)f.p->in_flight);
    queue(f.sc, (size_t)cb, SG_TRANSPORT_ANSWERED, 200, OK3);
    queue(f.sc, (size_t)ca, SG_TRANSPORT_ANSWERED, 200,
          "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"31\",\"ShardId\":\"x\"},"
          "{\"SequenceNumber\":\"32\",\"ShardId\":\"y\"}]}");
    turns(&f, 1);
    CHECK(a.done_calls == 1 && b.done_calls == 1, "both completed once");
    CHECK_STREQ(result_a(&a, 1), "32", "a's records get a's answer");
    CHECK_STREQ(result_a(&b, 0), "11", "b's records get b's answer");
    CHECK(f.p->in_flight == 0, "nothing in flight");
    teardown(&f);
}

static void test_expired_while_queued(void)
{
    struct fixture f;
    setup(&f, 1);
    struct request a, b;
    make_request(&a, "a", 1, 10000);
    CHECK(submit(f.p, &a) == 0, "a submitted");
    turns(&f, 1);
    make_request(&b, "b", 1, 100); /* waits behind a's call (max_in_flight 1) */
    CHECK(submit(f.p, &b) == 0, "b submitted");
    fake_now += 200;
    turns(&f, 1);
    queue(f.sc, (size_t)last_put(f.sc), SG_TRANSPORT_ANSWERED, 200,
          "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}");
    turns(&f, 2);
    CHECK(a.done_calls == 1 && a.results[0].outcome == SG_OUTCOME_OK, "a stored");
    CHECK(b.done_calls == 1 && b.results[0].outcome == SG_OUTCOME_TIMEOUT,
          "b answered 504 at its deadline, never sent (outcome %d)", (int)b.results[0].outcome);
    CHECK(count_puts(f.sc) == 1, "one call only");
    teardown(&f);
}

static void test_drain_with_calls_in_flight(void)
{
    struct fixture f;
    setup(&f, 1);
    struct request a, b;
    make_request(&a, "a", 2, 10000);
    make_request(&b, "b", 1, 10000);
    CHECK(submit(f.p, &a) == 0 && submit(f.p, &b) == 0, "submitted");
    turns(&f, 1);
    long ca = last_put(f.sc);
    sg_pipeline_drain(f.p, 0); /* no thread: stops new submits */
    struct request late;
    make_request(&late, "l", 1, 10000);
    CHECK(submit(f.p, &late) == SG_SUBMIT_DRAINING, "no submit while draining");
    sg_pipeline_abandon(f.p);
    CHECK(f.sc->calls[ca].cancelled, "the call in flight is cancelled in the transport");
    CHECK(a.done_calls == 1 && a.results[0].outcome == SG_OUTCOME_UNAVAILABLE,
          "its records are answered 503");
    CHECK(b.done_calls == 1 && b.results[0].outcome == SG_OUTCOME_UNAVAILABLE,
          "queued records are answered 503");
    CHECK(f.p->in_flight == 0 && f.p->active == NULL, "nothing left in flight");
    teardown(&f);
}

/* ---- dead letter ----------------------------------------------------------------------- */

static enum sg_submit_result submit_to(struct sg_pipeline *p, size_t idx, struct request *rq)
{
    if (n_submitted < sizeof submitted / sizeof submitted[0])
        submitted[n_submitted++] = rq;
    size_t bytes = 0;
    for (size_t i = 0; i < rq->ticket.n_results; i++)
        bytes += rq->records[i].kinesis_bytes;
    enum sg_submit_result rc =
        sg_pipeline_submit(p, idx, &rq->records[0], rq->ticket.n_results, bytes);
    if (rc == SG_SUBMIT_OK)
        sg_ticket_release(&rq->ticket);
    return rc;
}

/* The PutRecords call whose body holds record <tag>-0, or -1. */
static long put_with(const struct script *sc, const char *tag)
{
    for (size_t i = 0; i < sc->n_calls; i++)
        if (strcmp(sc->calls[i].target, SG_KINESIS_TARGET_PUT_RECORDS) == 0 &&
            sent_key(&sc->calls[i], tag, 0))
            return (long)i;
    return -1;
}

/* A dead_letter_stream is a stream of its own: shared by the streams that
 * name it, probed, sent in its own calls, failing apart from the records,
 * and drained. */
static void test_dead_letter_streams(void)
{
    struct fixture f;
    memset(&f, 0, sizeof f);
    sg_config_defaults(&f.cfg);
    snprintf(f.cfg.region, sizeof f.cfg.region, "us-east-1");
    f.cfg.n_streams = 3;
    static const char *const names[] = {"events", "raw", "other"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(f.cfg.streams[i].name, sizeof f.cfg.streams[i].name, "%s", names[i]);
        snprintf(f.cfg.streams[i].stream_name, sizeof f.cfg.streams[i].stream_name, "%s", names[i]);
    }
    snprintf(f.cfg.streams[0].dead_letter_stream, sizeof f.cfg.streams[0].dead_letter_stream,
             "dead");
    snprintf(f.cfg.streams[1].dead_letter_stream, sizeof f.cfg.streams[1].dead_letter_stream,
             "dead");
    f.cfg.probe_interval_ms = 3600000;
    f.sc = calloc(1, sizeof *f.sc);
    f.sc->base.ops = &script_ops;
    f.sc->shards = four_shards;
    f.p = sg_pipeline_new_with(&f.cfg, &f.sc->base, test_clock);
    turns(&f, 2);
    size_t dl = sg_pipeline_dead_letter_index(f.p, 0);
    CHECK(dl == 3 && sg_pipeline_dead_letter_index(f.p, 1) == 3,
          "events and raw share one dead-letter stream after the configured ones (%zu)", dl);
    CHECK(sg_pipeline_dead_letter_index(f.p, 2) == SIZE_MAX, "other has none");
    CHECK(sg_pipeline_dead_letter_index(f.p, 3) == SIZE_MAX &&
              sg_pipeline_dead_letter_index(f.p, 99) == SIZE_MAX,
          "out of range: none");
    size_t probes_dead = 0;
    for (size_t i = 0; i < f.sc->n_calls; i++)
        probes_dead += strstr(f.sc->calls[i].target, "DescribeStreamSummary") &&
                       strstr(f.sc->calls[i].body, "\"StreamName\":\"dead\"");
    CHECK(probes_dead == 1, "the dead-letter stream is probed (%zu)", probes_dead);
    struct request ev, bad;
    make_request(&ev, "ev", 2, 10000);
    make_request(&bad, "bad", 2, 10000);
    CHECK(submit_to(f.p, 0, &ev) == SG_SUBMIT_OK && submit_to(f.p, dl, &bad) == SG_SUBMIT_OK,
          "submitted");
    turns(&f, 1);
    long ce = put_with(f.sc, "ev"), cb = put_with(f.sc, "bad");
    CHECK(ce >= 0 && cb >= 0 && ce != cb, "two calls (%ld, %ld)", ce, cb);
    if (ce < 0 || cb < 0 || ce == cb) {
        teardown(&f);
        return;
    }
    CHECK(strstr(f.sc->calls[cb].body, "\"StreamName\":\"dead\"") &&
              !sent_key(&f.sc->calls[cb], "ev", 0) && count_entries(&f.sc->calls[cb]) == 2,
          "bad rows go to the dead-letter stream alone: %s", f.sc->calls[cb].body);
    CHECK(strstr(f.sc->calls[ce].body, "\"StreamName\":\"events\"") &&
              !sent_key(&f.sc->calls[ce], "bad", 0),
          "records go to their stream alone");
    queue(f.sc, (size_t)cb, SG_TRANSPORT_ANSWERED, 400,
          "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream dead not found\"}");
    queue(f.sc, (size_t)ce, SG_TRANSPORT_ANSWERED, 200,
          "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"},"
          "{\"SequenceNumber\":\"2\",\"ShardId\":\"s\"}]}");
    turns(&f, 1);
    CHECK(ev.done_calls == 1 && ev.results[0].outcome == SG_OUTCOME_OK &&
              ev.results[1].outcome == SG_OUTCOME_OK,
          "the records are stored whatever becomes of the bad rows");
    CHECK(bad.done_calls == 1 && bad.results[0].outcome == SG_OUTCOME_REFUSED,
          "the bad rows fail on their own");
    /* Drain covers the dead-letter stream: a queued bad row is answered. */
    struct request late;
    make_request(&late, "late", 1, 10000);
    CHECK(submit_to(f.p, dl, &late) == SG_SUBMIT_OK, "late bad row submitted");
    sg_pipeline_drain(f.p, 0);
    sg_pipeline_abandon(f.p);
    CHECK(late.done_calls == 1, "drain resolves queued bad rows");
    teardown(&f);
}

/* ---- aggregation ----------------------------------------------------------------------- */

/* Records whose keys spread over the four shards, with real keys and data
 * for the aggregator. */
struct kpl_request {
    struct request rq;
    char data[MAX_RECORDS][64];
};

static void make_kpl_request(struct kpl_request *k, const char *tag, size_t n)
{
    make_request(&k->rq, tag, n, 10000);
    for (size_t i = 0; i < n; i++) {
        struct sg_record *r = &k->rq.records[i];
        /* the key sits inside the entry: {"Data":"ZA==","PartitionKey":"<key>"} */
        r->key = strstr(k->rq.entries[i], "\"PartitionKey\":\"") + 16;
        r->key_len = strlen(r->key) - 2;
        snprintf(k->data[i], sizeof k->data[i], "{\"n\":%zu}", i);
        r->data = k->data[i];
        r->data_len = strlen(k->data[i]);
        r->hash = sg_hash_key_of_partition_key(r->key, r->key_len);
    }
}

/* Answers a PutRecords call: every entry stored in the shard its explicit
 * hash key (or key) names, except entry `fail` (throttled) and entry
 * `elsewhere` (stored in the next shard). Returns the number of entries. */
static size_t answer_put(struct fixture *f, size_t call, long fail, long elsewhere)
{
    json_t *root = json_loads(f->sc->calls[call].body, 0, NULL);
    json_t *recs = json_object_get(root, "Records");
    char body[8192];
    size_t o =
        (size_t)snprintf(body, sizeof body, "{\"FailedRecordCount\":%d,\"Records\":[", fail >= 0);
    for (size_t i = 0; i < json_array_size(recs); i++) {
        json_t *e = json_array_get(recs, i);
        const char *ehk = json_string_value(json_object_get(e, "ExplicitHashKey"));
        const char *pk = json_string_value(json_object_get(e, "PartitionKey"));
        sg_hash_key h = 0;
        if (ehk)
            CHECK(sg_hash_key_parse(ehk, strlen(ehk), &h) == 0, "ExplicitHashKey parses");
        else
            h = sg_hash_key_of_partition_key(pk, strlen(pk));
        int shard = (shard_of(h) + ((long)i == elsewhere)) % 4;
        if ((long)i == fail)
            o += (size_t)snprintf(body + o, sizeof body - o,
                                  "%s{\"ErrorCode\":\"ProvisionedThroughputExceededException\","
                                  "\"ErrorMessage\":\"Rate\"}",
                                  i ? "," : "");
        else
            o += (size_t)snprintf(body + o, sizeof body - o,
                                  "%s{\"SequenceNumber\":\"%zu\",\"ShardId\":"
                                  "\"shardId-00000000000%d\"}",
                                  i ? "," : "", 100 + i, shard);
    }
    snprintf(body + o, sizeof body - o, "]}");
    size_t n = json_array_size(recs);
    json_decref(root);
    queue(f->sc, call, SG_TRANSPORT_ANSWERED, 200, body);
    return n;
}

/* The first entry of a call that is an aggregate (it has an explicit hash
 * key), or -1. */
static long first_aggregate(const struct script *sc, size_t call)
{
    json_t *root = json_loads(sc->calls[call].body, 0, NULL);
    json_t *recs = json_object_get(root, "Records");
    long agg = -1;
    for (size_t i = 0; i < json_array_size(recs) && agg < 0; i++)
        if (json_object_get(json_array_get(recs, i), "ExplicitHashKey"))
            agg = (long)i;
    json_decref(root);
    return agg;
}

static void test_aggregates_by_shard(void)
{
    struct fixture f;
    setup_stream(&f, 4, SG_AGG_KPL, NULL);
    CHECK(f.sc->list_calls == 1 && f.p->streams[0].shards.n == 4, "the shard map is read");
    struct kpl_request a;
    make_kpl_request(&a, "agg", 8);
    CHECK(submit(f.p, &a.rq) == 0, "submitted");
    turns(&f, 1);
    long c = last_put(f.sc);
    CHECK(c >= 0, "with nothing in flight, sent at once");
    size_t entries = answer_put(&f, (size_t)c, -1, -1);
    CHECK(entries < 8, "8 records in %zu entries", entries);
    turns(&f, 1);
    CHECK(a.rq.done_calls == 1, "completed once");
    for (size_t i = 0; i < 8; i++) {
        CHECK(a.rq.results[i].outcome == SG_OUTCOME_OK, "record %zu stored", i);
        const char *shard =
            a.rq.results[i].text ? a.rq.results[i].text + strlen(result_a(&a.rq, i)) + 1 : "";
        char want[32];
        snprintf(want, sizeof want, "shardId-00000000000%d", shard_of(a.rq.records[i].hash));
        CHECK_STREQ(shard, want, "each record answered with the shard its key hashes to");
    }
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(f.p, &st);
    CHECK(st.records_sent == 8 && st.kinesis_records_sent == entries, "8 user records in %llu",
          (unsigned long long)st.kinesis_records_sent);
    teardown(&f);
}

static void test_failed_aggregate_retried_whole(void)
{
    struct fixture f;
    setup_stream(&f, 4, SG_AGG_KPL, NULL);
    struct kpl_request a;
    make_kpl_request(&a, "fa", 8);
    CHECK(submit(f.p, &a.rq) == 0, "submitted");
    fake_now += 20;
    turns(&f, 1);
    long c = last_put(f.sc);
    long agg = first_aggregate(f.sc, (size_t)c); /* fail it */
    CHECK(agg >= 0, "the call holds an aggregate");
    answer_put(&f, (size_t)c, agg, -1);
    turns(&f, 1);
    CHECK(a.rq.done_calls == 0, "waiting for the failed aggregate's records");
    size_t pending = 0;
    for (size_t i = 0; i < 8; i++)
        pending += a.rq.results[i].outcome == SG_OUTCOME_PENDING;
    CHECK(pending >= 2, "the aggregate's records share its failure (%zu)", pending);
    after_backoff(&f);
    fake_now += 20;
    turns(&f, 1);
    long c2 = last_put(f.sc);
    CHECK(c2 > c, "sent again");
    CHECK(count_entries(&f.sc->calls[c2]) >= 1, "the failed records only");
    answer_put(&f, (size_t)c2, -1, -1);
    turns(&f, 1);
    CHECK(a.rq.done_calls == 1, "completed once");
    for (size_t i = 0; i < 8; i++)
        CHECK(a.rq.results[i].outcome == SG_OUTCOME_OK, "record %zu stored", i);
    teardown(&f);
}

static void test_misplaced_aggregate_resent_after_new_map(void)
{
    struct fixture f;
    setup_stream(&f, 4, SG_AGG_KPL, NULL);
    struct kpl_request a;
    make_kpl_request(&a, "mp", 8);
    CHECK(submit(f.p, &a.rq) == 0, "submitted");
    fake_now += 20;
    turns(&f, 1);
    long c = last_put(f.sc);
    long agg = first_aggregate(f.sc, (size_t)c);
    size_t lists = f.sc->list_calls;
    answer_put(&f, (size_t)c, -1, agg); /* stored, but in another shard */
    turns(&f, 1);
    CHECK(a.rq.done_calls == 0, "the misplaced aggregate's records are not acknowledged");
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(f.p, &st);
    CHECK(st.aggregates_misplaced == 1, "only that aggregate counted (%llu)",
          (unsigned long long)st.aggregates_misplaced);
    turns(&f, 2);
    CHECK(f.sc->list_calls == lists + 1, "the shard map is read again at once");
    after_backoff(&f);
    fake_now += 20;
    turns(&f, 1);
    CHECK(last_put(f.sc) > c, "the records are sent again");
    /* Answer every call sent since, in case the retries left in two. */
    for (size_t k = (size_t)c + 1; k < f.sc->n_calls; k++)
        if (!f.sc->calls[k].answered &&
            strcmp(f.sc->calls[k].target, SG_KINESIS_TARGET_PUT_RECORDS) == 0)
            answer_put(&f, k, -1, -1);
    turns(&f, 1);
    CHECK(a.rq.done_calls == 1, "completed once");
    for (size_t i = 0; i < 8; i++)
        CHECK(a.rq.results[i].outcome == SG_OUTCOME_OK, "record %zu stored", i);
    teardown(&f);
}

static void test_auto_distribution_refuses_aggregation(void)
{
    struct fixture f;
    setup_stream(&f, 4, SG_AGG_KPL,
                 "{\"StreamDescriptionSummary\":{\"StreamStatus\":\"ACTIVE\","
                 "\"RecordDistributionStrategy\":\"AUTO\",\"MaxRecordSizeInKiB\":2048}}");
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(f.p, &st);
    CHECK(!st.ready && strstr(st.not_ready_reason, "AUTO"), "not ready, and says why: %s",
          st.not_ready_reason);
    CHECK(sg_pipeline_stream_max_record_bytes(f.p, 0) == 2048 * 1024, "the stream's record size");
    struct kpl_request a;
    make_kpl_request(&a, "au", 8);
    CHECK(submit(f.p, &a.rq) == 0, "still accepted");
    fake_now += 20;
    turns(&f, 1);
    long c = last_put(f.sc);
    CHECK(c >= 0 && count_entries(&f.sc->calls[c]) == 8 &&
              !strstr(f.sc->calls[c].body, "ExplicitHashKey"),
          "sent one by one, never aggregated");
    answer_put(&f, (size_t)c, -1, -1);
    turns(&f, 1);
    CHECK(a.rq.done_calls == 1, "completed");
    teardown(&f);
}

int main(void)
{
    test_all_accepted();
    test_partial_failure_resends_only_failed();
    test_whole_call_errors();
    test_refused_call_is_not_retried();
    test_refusal_isolates_the_record();
    test_unreachable_refuses_submits();
    test_no_credentials();
    test_expired_token_refreshes_credentials();
    test_answers_out_of_order();
    test_expired_while_queued();
    test_drain_with_calls_in_flight();
    test_dead_letter_streams();
    test_aggregates_by_shard();
    test_failed_aggregate_retried_whole();
    test_misplaced_aggregate_resent_after_new_map();
    test_auto_distribution_refuses_aggregation();
    return sg_check_result("test_pipeline");
}
