/*
 * test_regressions: one case per bug found by review of the core modules
 * (ingest_parse, event, buf, batcher, config, kinesis_codec), each named
 * after what used to go wrong, so none of them can come back unnoticed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batcher.h"
#include "buf.h"
#include "check.h"
#include "config.h"
#include "config_text.h"
#include "ingest_parse.h"
#include "kinesis/kinesis_codec.h"

/* buf.c sg_buf_append_json_string reserves the worst case (6n+2) against the
 * limit, so an append whose output fits is refused. */
static void bug_json_string_fits(void)
{
    struct sg_buf b;
    sg_buf_init(&b, 16);
    int rc = sg_buf_append_json_string(&b, "abcdefghij", 10); /* 12 bytes out */
    CHECK(rc == 0, "a 12-byte JSON string refused by a 16-byte buffer");
    CHECK(rc != 0 || (b.len == 12 && strcmp(b.data, "\"abcdefghij\"") == 0), "got [%s]",
          b.data ? b.data : "(null)");
    sg_buf_free(&b);
}

struct env_var {
    const char *name, *value;
};
static const char *env_table(const char *name, void *ctx)
{
    for (const struct env_var *v = ctx; v && v->name; v++)
        if (strcmp(v->name, name) == 0)
            return v->value;
    return NULL;
}

/* config.c apply_env copies STREAMGATE_LOG_LEVEL with "%.7s": an invalid
 * value whose first 7 characters are a level ("warnings", "warning-x") is
 * truncated to "warning" and accepted. */
static void bug_log_level_env_truncated(void)
{
    struct env_var env[] = {
        {"AWS_REGION", "r"}, {"STREAMGATE_LOG_LEVEL", "warnings"}, {NULL, NULL}};
    struct sg_config cfg;
    char err[256] = "";
    int rc =
        config_load_text("{\"streams\":[{\"name\":\"a\"}]}", env_table, env, &cfg, err, sizeof err);
    CHECK(rc == -1, "STREAMGATE_LOG_LEVEL=warnings accepted as [%s]", cfg.log_level);
}

/* config.c parse_stream: the ARN check only looks for "arn:", ":kinesis:" and
 * ":stream/", so an ARN without a stream name is accepted (every PutRecords
 * would then fail at run time). */
static void bug_arn_without_name(void)
{
    struct env_var env[] = {{"AWS_REGION", "r"}, {NULL, NULL}};
    struct sg_config cfg;
    char err[256] = "";
    int rc = config_load_text("{\"streams\":[{\"name\":\"a\",\"stream_arn\":"
                              "\"arn:aws:kinesis:us-east-1:123456789012:stream/\"}]}",
                              env_table, env, &cfg, err, sizeof err);
    CHECK(rc == -1, "ARN without a stream name accepted");
    rc = config_load_text("{\"streams\":[{\"name\":\"a\",\"stream_arn\":"
                          "\"arn:aws:kinesis:us-east-1:123456789012:stream/bad name\"}]}",
                          env_table, env, &cfg, err, sizeof err);
    CHECK(rc == -1, "ARN with an invalid stream name accepted");
}

/* Same root cause, seen from kinesis_codec: an entry that fits the payload
 * buffer exactly is refused (the partition key's escaping reserves 6 bytes per
 * byte). */
static void bug_entry_exact_fit(void)
{
    struct sg_buf b;
    sg_buf_init(&b, 64);
    int rc = sg_kinesis_append_head(&b, "s", 0);              /* 29 bytes */
    rc |= sg_kinesis_append_entry(&b, "ab", 2, "k", 1, NULL); /* 34 bytes: 63 in all */
    rc |= sg_buf_append_char(&b, ']');                        /* 64: exactly the limit */
    CHECK(rc == 0 && b.len == 64, "a 64-byte body refused by a 64-byte buffer (len %zu)", b.len);
    sg_buf_free(&b);
}

/* batcher.c sg_batcher_submit with an empty list (first NULL, n 0) into a
 * non-empty queue sets tail = NULL while head stays; the next submit then
 * replaces head and the queued records are lost (n_ready still counts them).
 * Not reachable today (http_ingest.c skips submit when n_valid == 0). */
static int batcher_empty_submit_child(void)
{
    struct sg_batcher_limits l = {0, 500, 1 << 20, 100, 1 << 20};
    struct sg_batcher *b = sg_batcher_new(&l);
    struct sg_record r[2];
    memset(r, 0, sizeof r);
    r[1].index = 1;
    bool wake;
    int rc = sg_batcher_submit(b, &r[0], 1, 1, 0, &wake);
    rc |= sg_batcher_submit(b, NULL, 0, 0, 0, &wake);
    rc |= sg_batcher_submit(b, &r[1], 1, 1, 0, &wake);
    struct sg_record *out;
    size_t bytes;
    int64_t next;
    size_t n = sg_batcher_take(b, 0, true, &out, &bytes, &next); /* crashes today */
    return rc == 0 && n == 2 && out == &r[0] ? 0 : 1;
}

static void bug_batcher_empty_submit(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(batcher_empty_submit_child());
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "submit of an empty list breaks the FIFO (%s)",
          WIFSIGNALED(status) ? "crash in sg_batcher_take/due_at" : "records lost");
}

static enum sg_ingest_status parse_on(enum sg_stream_mode mode, enum sg_ingest_route route,
                                      const char *body, size_t max_record_bytes,
                                      struct sg_ingest *in)
{
    struct sg_stream_config s;
    memset(&s, 0, sizeof s);
    strcpy(s.name, "s");
    strcpy(s.stream_name, "s");
    s.mode = mode;
    struct sg_ingest_limits lim = {max_record_bytes, 64, 500, 0, NULL, 0, 0};
    return sg_ingest_parse(in, route, &s, body, strlen(body), &lim);
}

/* ingest_parse.c parse_record: on event streams an event error with an empty
 * field (sg_event_enrich reports "" for "the whole event": Data null, a number,
 * an array, a string that is not JSON or not an object) is taken for "over the
 * size limit", so the whole request gets SG_INGEST_TOO_LARGE (413, "the record
 * is over the N-byte limit") instead of an invalid item (400 with the event's
 * message). In a batch, one such record fails every other record with 413. */
static void bug_event_whole_event_error_is_413(void)
{
    static const char *const bodies[] = {
        "{\"Data\":null,\"PartitionKey\":\"k\"}",
        "{\"Data\":42,\"PartitionKey\":\"k\"}",
        "{\"Data\":[1,2],\"PartitionKey\":\"k\"}",
        "{\"Data\":\"not json\",\"PartitionKey\":\"k\"}",
        "{\"Data\":\"[1]\",\"PartitionKey\":\"k\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct sg_ingest in;
        enum sg_ingest_status st =
            parse_on(SG_STREAM_EVENT, SG_ROUTE_RECORD, bodies[i], 1 << 20, &in);
        CHECK(st == SG_INGEST_OK && in.n == 1 && !in.items[0].valid &&
                  strstr(in.items[0].message, "Data must be a JSON object") != NULL,
              "%s: status %d (want OK with an invalid item) message [%s]", bodies[i], (int)st,
              st == SG_INGEST_OK ? in.items[0].message : in.message);
        sg_ingest_free(&in);
    }
    struct sg_ingest in;
    enum sg_ingest_status st = parse_on(
        SG_STREAM_EVENT, SG_ROUTE_RECORDS,
        "{\"records\":[{\"data\":{\"event_uuid\":\"123e4567-e89b-12d3-a456-426614174000\","
        "\"event_name\":\"a\",\"created_at\":1},\"partition-key\":\"k\"},{\"data\":null}]}",
        1 << 20, &in);
    CHECK(st == SG_INGEST_OK && in.n_valid == 1, "batch with one null data: status %d [%s]",
          (int)st, in.message);
    sg_ingest_free(&in);
}

/* ingest_parse.c record_key: a partition key over the 1025-byte scratch
 * buffer (e.g. 257 four-byte characters, or 2000 ASCII characters) is refused
 * with "PartitionKey must be a string" instead of "must be 1-256 characters". */
static void bug_long_key_message(void)
{
    char body[4096];
    int o = sprintf(body, "{\"Data\":1,\"PartitionKey\":\"");
    memset(body + o, 'k', 2000);
    strcpy(body + o + 2000, "\"}");
    struct sg_ingest in;
    enum sg_ingest_status st = parse_on(SG_STREAM_PASSTHROUGH, SG_ROUTE_RECORD, body, 1 << 20, &in);
    CHECK(st == SG_INGEST_OK && !in.items[0].valid &&
              strstr(in.items[0].message, "1-256 characters") != NULL,
          "2000-character key: [%s]", st == SG_INGEST_OK ? in.items[0].message : in.message);
    sg_ingest_free(&in);
}

/* Builds a /records body of n events whose event_name is "<part a's>:<part b's>". */
static char *long_name_body(size_t n, size_t part)
{
    size_t cap = n * (2 * part + 256) + 64;
    char *body = malloc(cap);
    size_t o = (size_t)sprintf(body, "{\"records\":[");
    for (size_t i = 0; i < n; i++) {
        o += (size_t)sprintf(body + o,
                             "%s{\"data\":{\"event_uuid\":\"123e4567-e89b-12d3-a456-426614174000\","
                             "\"created_at\":1,\"event_name\":\"",
                             i ? "," : "");
        memset(body + o, 'a', part);
        o += part;
        body[o++] = ':';
        memset(body + o, 'b', part);
        o += part;
        o += (size_t)sprintf(body + o, "\"},\"partition-key\":\"k\"}");
    }
    sprintf(body + o, "]}");
    return body;
}

/* ingest_parse.c sg_ingest_parse sizes `entries` as 2 * len + max_records *
 * 512 + 4096, but an enriched event repeats event_name's parts (event_type,
 * event_subtype), so it is up to ~2x its input, and base64 adds 4/3: ~2.7x.
 * A valid request gets SG_INGEST_NO_MEMORY (503 "out of memory"). Here: 4
 * events with a 140 KB event_name each (enriched ~280 KB, well under 1 MiB)
 * in a 560 KB body. */
static void bug_entries_limit_long_event_name(void)
{
    const size_t n = 4;
    char *body = long_name_body(n, 70000);
    struct sg_ingest in;
    enum sg_ingest_status st = parse_on(SG_STREAM_EVENT, SG_ROUTE_RECORDS, body, 1 << 20, &in);
    /* Since the event-name rule (parts of 1-64 [a-z0-9_], 255 bytes in all)
     * such names are each record's own error, and no valid event can
     * repeat a long name any more; the request must still parse. */
    CHECK(st == SG_INGEST_OK && in.n == n && in.n_valid == 0 &&
              strcmp(in.items[0].rule, "event_name") == 0,
          "long event names: status %d [%s]", (int)st, in.message);
    sg_ingest_free(&in);
    free(body);
}

/* event.c write_event reserves ev.len + 6 * (type + subtype) + ... against
 * the output limit (max_record_bytes) before writing, so an event whose
 * enriched form fits is refused as too large (413 from ingest): here one
 * event with a 400 KB event_name, enriched ~800 KB < 1 MiB. */
static void bug_event_reserve_worst_case(void)
{
    char *body = long_name_body(1, 200000);
    struct sg_ingest in;
    enum sg_ingest_status st = parse_on(SG_STREAM_EVENT, SG_ROUTE_RECORDS, body, 1 << 20, &in);
    CHECK(st == SG_INGEST_OK && in.n == 1 && in.n_valid == 0 &&
              strcmp(in.items[0].rule, "event_name") == 0,
          "a 400 KB event_name is refused by the name rule: status %d [%s]", (int)st, in.message);
    sg_ingest_free(&in);
    free(body);
}

int main(void)
{
    bug_event_whole_event_error_is_413();
    bug_long_key_message();
    bug_entries_limit_long_event_name();
    bug_event_reserve_worst_case();
    bug_batcher_empty_submit();
    bug_entry_exact_fit();
    bug_log_level_env_truncated();
    bug_arn_without_name();
    bug_json_string_fits();
    return sg_check_result("test_regressions");
}
