/*
 * test_dead_letter: server/dead_letter.h over the real pipeline core, turned
 * by hand over a transport that answers every call at once (stored, or the
 * dead-letter stream missing): which refusals become rows (invalid items, a
 * body that is not JSON, the record over the size limit, none for a request
 * refused for its shape), what each row holds (read back from the
 * PutRecords body: payload as sent, rule, path, request id as key), that the
 * rows go in calls of their own to the dead-letter stream, the counters
 * (refusals, rows, written, lost), a stream without a dead-letter stream,
 * and the drain answering rows still queued (counted as lost, memory freed).
 */
#include "dead_letter.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kinesis/kinesis_codec.h"
#include "kinesis/kinesis_transport.h"
#include "pipeline_internal.h"

static int64_t fake_now = 1000000;
static int64_t test_clock(void)
{
    return fake_now;
}

/* ---- a transport that answers at once ---------------------------------- */

#define MAX_CALLS 64

struct instant {
    struct sg_kinesis_transport base;
    bool missing;          /* PutRecords to the dead-letter stream: ResourceNotFound */
    char *puts[MAX_CALLS]; /* PutRecords bodies, in order */
    size_t n_puts;
    void *pending[MAX_CALLS];
    char *pending_body[MAX_CALLS];
    bool pending_put[MAX_CALLS];
    size_t n_pending;
};

static enum sg_transport_start instant_start(struct sg_kinesis_transport *t,
                                             const struct sg_kinesis_request *req, void *ctx)
{
    struct instant *in = (struct instant *)t;
    if (in->n_pending == MAX_CALLS || in->n_puts == MAX_CALLS)
        return SG_TRANSPORT_START_FAILED;
    bool put = strcmp(req->target, SG_KINESIS_TARGET_PUT_RECORDS) == 0;
    char *body = strndup(req->body, req->body_len);
    if (put)
        in->puts[in->n_puts++] = strdup(body);
    in->pending[in->n_pending] = ctx;
    in->pending_body[in->n_pending] = body;
    in->pending_put[in->n_pending++] = put;
    return SG_TRANSPORT_STARTED;
}

static size_t count_entries(const char *body)
{
    size_t n = 0;
    for (const char *q = body; (q = strstr(q, "\"PartitionKey\"")); q++)
        n++;
    return n;
}

static size_t instant_run(struct sg_kinesis_transport *t, int wait_ms, sg_kinesis_done_fn done,
                          void *owner)
{
    (void)wait_ms;
    struct instant *in = (struct instant *)t;
    size_t n = in->n_pending;
    in->n_pending = 0;
    for (size_t i = 0; i < n; i++) {
        char answer[65536] = "{\"StreamDescriptionSummary\":{\"StreamStatus\":\"ACTIVE\"}}";
        long status = 200;
        if (in->pending_put[i] && in->missing &&
            strstr(in->pending_body[i], "\"StreamName\":\"dead\"")) {
            status = 400;
            snprintf(answer, sizeof answer,
                     "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream dead "
                     "not found\"}");
        } else if (in->pending_put[i]) {
            size_t o =
                (size_t)snprintf(answer, sizeof answer, "{\"FailedRecordCount\":0,\"Records\":[");
            for (size_t k = 0; k < count_entries(in->pending_body[i]); k++)
                o += (size_t)snprintf(answer + o, sizeof answer - o,
                                      "%s{\"SequenceNumber\":\"%zu\",\"ShardId\":\"s\"}",
                                      k ? "," : "", k + 1);
            snprintf(answer + o, sizeof answer - o, "]}");
        }
        struct sg_kinesis_reply r = {SG_TRANSPORT_ANSWERED, status, answer, strlen(answer), "", ""};
        free(in->pending_body[i]);
        done(owner, in->pending[i], &r);
    }
    return n;
}

static void instant_wakeup(struct sg_kinesis_transport *t)
{
    (void)t;
}

static void instant_cancel(struct sg_kinesis_transport *t, void *ctx)
{
    struct instant *in = (struct instant *)t;
    for (size_t i = 0; i < in->n_pending; i++)
        if (in->pending[i] == ctx) {
            free(in->pending_body[i]);
            in->pending[i] = in->pending[--in->n_pending];
            in->pending_body[i] = in->pending_body[in->n_pending];
            in->pending_put[i] = in->pending_put[in->n_pending];
            return;
        }
}

static void instant_rejected(struct sg_kinesis_transport *t)
{
    (void)t;
}

static void instant_free(struct sg_kinesis_transport *t)
{
    struct instant *in = (struct instant *)t;
    for (size_t i = 0; i < in->n_puts; i++)
        free(in->puts[i]);
    for (size_t i = 0; i < in->n_pending; i++)
        free(in->pending_body[i]);
    free(in);
}

static const struct sg_kinesis_transport_ops instant_ops = {
    instant_start, instant_run, instant_wakeup, instant_cancel, instant_rejected, instant_free,
};

/* ---- fixture ------------------------------------------------------------- */

struct fixture {
    struct sg_config cfg;
    struct instant *tr;
    struct sg_pipeline *p;
    struct sg_dead_letter *dl;
};

/* Streams: "events" (event mode, dead letter "dead"), "raw" (none). */
static void setup(struct fixture *f, bool missing)
{
    memset(f, 0, sizeof *f);
    sg_config_defaults(&f->cfg);
    snprintf(f->cfg.region, sizeof f->cfg.region, "us-east-1");
    f->cfg.n_streams = 2;
    snprintf(f->cfg.streams[0].name, sizeof f->cfg.streams[0].name, "events");
    snprintf(f->cfg.streams[0].stream_name, sizeof f->cfg.streams[0].stream_name, "events");
    snprintf(f->cfg.streams[0].dead_letter_stream, sizeof f->cfg.streams[0].dead_letter_stream,
             "dead");
    snprintf(f->cfg.streams[1].name, sizeof f->cfg.streams[1].name, "raw");
    snprintf(f->cfg.streams[1].stream_name, sizeof f->cfg.streams[1].stream_name, "raw");
    f->cfg.streams[1].mode = SG_STREAM_PASSTHROUGH;
    f->cfg.probe_interval_ms = 3600000;
    f->tr = calloc(1, sizeof *f->tr);
    f->tr->base.ops = &instant_ops;
    f->tr->missing = missing;
    f->p = sg_pipeline_new_with(&f->cfg, &f->tr->base, test_clock);
    f->dl = sg_dead_letter_new(&f->cfg, f->p);
    sg_pipeline_turn(f->p, 0); /* probes, answered ACTIVE */
    sg_pipeline_turn(f->p, 0);
}

static void teardown(struct fixture *f)
{
    sg_pipeline_free(f->p); /* resolves (and frees) every batch left */
    sg_dead_letter_free(f->dl);
}

/* Parses `body` for stream `idx` and keeps its refusals. */
static void keep(struct fixture *f, size_t idx, enum sg_ingest_route route, const char *body,
                 size_t max_record_bytes)
{
    struct sg_ingest in;
    struct sg_ingest_limits lim = {max_record_bytes, 64, 500, 0, NULL, 1796551200, 0};
    enum sg_ingest_status st =
        sg_ingest_parse(&in, route, &f->cfg.streams[idx], body, strlen(body), &lim);
    struct sg_dead_letter_origin o = {idx,
                                      "8f9a3c1e-2b4d-4e6f-9a1b-3c5d7e9f1a2b",
                                      "team-a",
                                      1796551200120LL,
                                      1796551200123LL,
                                      fake_now + 10000,
                                      body,
                                      strlen(body)};
    sg_dead_letter_keep(f->dl, &o, &in, st);
    sg_ingest_free(&in);
}

/* The rows of PutRecords call `call` (NULL-terminated array of json_t, owned). */
static json_t *rows_of(const char *body, json_t **stream)
{
    json_t *root = json_loads(body, 0, NULL), *rows = json_array();
    *stream = json_incref(json_object_get(root, "StreamName"));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(root, "Records"), i, e)
    {
        const char *b64 = json_string_value(json_object_get(e, "Data"));
        size_t n = strlen(b64);
        unsigned char *raw = malloc(n + 4);
        int len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
        while (len > 0 && n && b64[--n] == '=')
            len--;
        json_t *row = json_loadb((const char *)raw, (size_t)len, 0, NULL);
        json_object_set_new(row, "_key", json_incref(json_object_get(e, "PartitionKey")));
        json_array_append_new(rows, row ? row : json_null());
        free(raw);
    }
    json_decref(root);
    return rows;
}

static const char *reason(json_t *row, const char *member)
{
    json_t *r = json_array_get(json_object_get(json_object_get(row, "failure"), "reasons"), 0);
    const char *v = json_string_value(json_object_get(r, member));
    return v ? v : "";
}

/* ---- cases ----------------------------------------------------------------- */

#define UUID "\"123e4567-e89b-12d3-a456-426614174000\""
#define GOOD "{\"event_uuid\":" UUID ",\"event_name\":\"a:b\",\"created_at\":1796551200}"

/* The dead-letter rows of metrics.h, as /metrics reads them. */
struct counts {
    uint64_t rows, written, failed;
};

static struct counts read_counts(struct sg_dead_letter *dl)
{
    struct sg_metrics_snapshot m = {0};
    sg_dead_letter_read_metrics(dl, &m);
    return (struct counts){m.v[SG_M_DEAD_LETTER_ROWS], m.v[SG_M_DEAD_LETTER_WRITTEN],
                           m.v[SG_M_DEAD_LETTER_FAILED]};
}

static void test_rows(void)
{
    static const struct {
        const char *name;
        enum sg_ingest_route route;
        const char *body;
        size_t max_record_bytes;
        size_t rows;
        const char *payload[3], *rule[3], *path[3];
        const char *event_name; /* of the first row, NULL: none */
    } cases[] = {
        {"mixed batch: a valid one stored, two refused kept",
         SG_ROUTE_RECORDS,
         "{\"records\":[{\"data\":" GOOD "},{\"data\": {\"event_uuid\" : \"x\", "
         "\"event_name\":\"caf\\u00e9\"}},{\"data\":[1, 2]}]}",
         1 << 20,
         2,
         {"{\"event_uuid\" : \"x\", \"event_name\":\"caf\\u00e9\"}", "[1, 2]"},
         {"uuid", "json"},
         {"$.event_uuid", "$"},
         "caf\xC3\xA9"},
        {"not JSON: the body",
         SG_ROUTE_RECORD,
         "{\"Data\": caf\xC3\xA9",
         1 << 20,
         1,
         {"{\"Data\": caf\xC3\xA9"},
         {"json"},
         {"$"},
         NULL},
        {"record over the size limit: that record alone",
         SG_ROUTE_RECORDS,
         "{\"records\":[{\"data\":" GOOD "},{\"data\":{\"event_uuid\":" UUID
         ",\"created_at\":1796551200,\"pad\":\"" /* 300 bytes */
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"event_name\":\"n:m\"}},{\"data\":1}]}",
         400,
         1,
         {NULL},
         {"record_size"},
         {"$"},
         "n:m"},
        {"wrong shape: not an event, nothing kept",
         SG_ROUTE_RECORDS,
         "{\"records\":{}}",
         1 << 20,
         0,
         {NULL},
         {NULL},
         {NULL},
         NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct fixture f;
        setup(&f, false);
        size_t puts_before = f.tr->n_puts;
        keep(&f, 0, cases[c].route, cases[c].body, cases[c].max_record_bytes);
        sg_pipeline_turn(f.p, 0);
        sg_pipeline_turn(f.p, 0);
        struct counts st = read_counts(f.dl);
        CHECK(st.rows == cases[c].rows && st.written == cases[c].rows && st.failed == 0,
              "%s: rows %llu written %llu failed %llu", cases[c].name, (unsigned long long)st.rows,
              (unsigned long long)st.written, (unsigned long long)st.failed);
        CHECK(f.tr->n_puts - puts_before == (cases[c].rows ? 1 : 0), "%s: %zu calls", cases[c].name,
              f.tr->n_puts - puts_before);
        if (cases[c].rows && f.tr->n_puts > puts_before) {
            json_t *stream;
            json_t *rows = rows_of(f.tr->puts[puts_before], &stream);
            CHECK(json_array_size(rows) == cases[c].rows, "%s: %zu rows", cases[c].name,
                  json_array_size(rows));
            CHECK(stream && strcmp(json_string_value(stream), "dead") == 0,
                  "%s: to the dead-letter stream", cases[c].name);
            for (size_t i = 0; i < json_array_size(rows) && i < 3; i++) {
                json_t *row = json_array_get(rows, i);
                const char *payload = json_string_value(json_object_get(row, "payload"));
                if (cases[c].payload[i])
                    CHECK(payload && strcmp(payload, cases[c].payload[i]) == 0,
                          "%s: row %zu payload [%s]", cases[c].name, i, payload);
                CHECK(strcmp(reason(row, "rule"), cases[c].rule[i]) == 0 &&
                          strcmp(reason(row, "path"), cases[c].path[i]) == 0,
                      "%s: row %zu rule %s path %s", cases[c].name, i, reason(row, "rule"),
                      reason(row, "path"));
                CHECK(strcmp(json_string_value(json_object_get(row, "_key")),
                             "8f9a3c1e-2b4d-4e6f-9a1b-3c5d7e9f1a2b") == 0 &&
                          strcmp(json_string_value(json_object_get(row, "request_id")),
                                 "8f9a3c1e-2b4d-4e6f-9a1b-3c5d7e9f1a2b") == 0,
                      "%s: keyed by the request id", cases[c].name);
                CHECK(
                    strcmp(json_string_value(json_object_get(row, "api_key_id")), "team-a") == 0 &&
                        strcmp(json_string_value(json_object_get(row, "stream")), "events") == 0 &&
                        strcmp(json_string_value(json_object_get(row, "received_at")),
                               "2026-12-06T10:00:00.120Z") == 0,
                    "%s: origin", cases[c].name);
            }
            json_t *name = json_object_get(json_array_get(rows, 0), "event_name");
            CHECK(cases[c].event_name
                      ? (name && strcmp(json_string_value(name), cases[c].event_name) == 0)
                      : name == NULL,
                  "%s: event_name", cases[c].name);
            json_decref(rows);
            json_decref(stream);
        }
        teardown(&f);
    }
}

static void test_counters(void)
{
    struct fixture f;
    setup(&f, true); /* the dead-letter stream does not exist */
    keep(&f, 0, SG_ROUTE_RECORDS,
         "{\"records\":[{\"data\":{\"event_name\":\"a\"}},{\"data\":{\"event_uuid\":" UUID
         ",\"created_at\":1796551200}}]}",
         1 << 20);
    /* a stream without a dead-letter stream: counted, not kept */
    keep(&f, 1, SG_ROUTE_RECORD, "{\"Data\":1}", 1 << 20);
    sg_pipeline_turn(f.p, 0);
    sg_pipeline_turn(f.p, 0);
    struct counts st = read_counts(f.dl);
    CHECK(st.rows == 2 && st.written == 0 && st.failed == 2,
          "missing stream: 2 rows handed over, 2 lost (%llu %llu %llu)",
          (unsigned long long)st.rows, (unsigned long long)st.written,
          (unsigned long long)st.failed);
    struct sg_buf m;
    sg_buf_init(&m, 0);
    CHECK(sg_dead_letter_write_refusals(f.dl, &m) == 0, "metrics");
    CHECK(strstr(m.data, "streamgate_refused_events_total{stream=\"events\",event_type=\"unknown\","
                         "reason=\"required\"} 2\n") != NULL,
          "refusals by stream and rule: %s", m.data);
    CHECK(strstr(m.data, "streamgate_refused_events_total{stream=\"raw\",event_type=\"unknown\","
                         "reason=\"partition_key\"} 1\n") != NULL,
          "a stream without a dead-letter stream counts its refusals");
    sg_buf_free(&m);
    /* Rows still queued at shutdown: the drain answers them (lost), frees them. */
    keep(&f, 0, SG_ROUTE_RECORD, "{\"Data\":[]}", 1 << 20);
    sg_pipeline_drain(f.p, 0);
    sg_pipeline_abandon(f.p);
    st = read_counts(f.dl);
    CHECK(st.rows == 3 && st.failed == 3, "drained row answered and counted (%llu)",
          (unsigned long long)st.failed);
    keep(&f, 0, SG_ROUTE_RECORD, "{\"Data\":[]}", 1 << 20);
    st = read_counts(f.dl);
    CHECK(st.rows == 3 && st.failed == 4, "refused while draining: lost at once");
    teardown(&f);
    sg_dead_letter_free(NULL);
}

int main(void)
{
    test_rows();
    test_counters();
    return sg_check_result("test_dead_letter");
}
