/*
 * test_config: server/config.h. Every case loads JSON text with an injected
 * environment (a static table, no setenv):
 *   - defaults, and every numeric key's bounds (min and max accepted, one
 *     below / one above / wrong JSON type refused, naming the key);
 *   - unknown keys at each level, section types, streams rules (names,
 *     duplicates, stream_name vs stream_arn, enums, pass-through rules);
 *   - environment overrides (listen, log level, threads, region, endpoint);
 *   - sg_config_find_stream, sg_config_valid_stream_name;
 *   - the committed configuration files load.
 * Whole files: tests/data/config/valid/<case>/config.json must load;
 * tests/data/config/invalid/<case>/config.json must be refused with an error
 * containing line 1 of <case>/expected.
 */
#include "config.h"

#include <dirent.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config_text.h"

#define MIB (1024ULL * 1024ULL)

/* ---- injected environment ---- */

struct env_var {
    const char *name, *value;
};

/* ctx: a {NULL, NULL}-terminated array of env_var. */
static const char *env_table(const char *name, void *ctx)
{
    for (const struct env_var *v = ctx; v && v->name; v++)
        if (strcmp(v->name, name) == 0)
            return v->value;
    return NULL;
}

static struct env_var region_env[] = {{"AWS_REGION", "eu-west-1"}, {NULL, NULL}};

#define ONE_STREAM "\"streams\":[{\"name\":\"events\"}]"

/* Loads text with env; returns rc and fills err. */
static int load(const char *text, struct env_var *env, struct sg_config *cfg, char *err, size_t cap)
{
    err[0] = '\0';
    return config_load_text(text, env_table, env, cfg, err, cap);
}

/* Expects text to be refused with an error containing `want`. */
static void expect_error(const char *text, struct env_var *env, const char *want)
{
    static struct sg_config cfg;
    char err[512];
    int rc = load(text, env ? env : region_env, &cfg, err, sizeof err);
    CHECK(rc == -1, "accepted: %s", text);
    CHECK(rc != -1 || strstr(err, want) != NULL, "error [%s] lacks [%s] for %s", err, want, text);
}

/* Expects text to load; returns the config (static). */
static const struct sg_config *expect_ok(const char *text, struct env_var *env)
{
    static struct sg_config cfg;
    char err[512];
    int rc = load(text, env ? env : region_env, &cfg, err, sizeof err);
    CHECK(rc == 0, "refused [%s]: %s", err, text);
    return rc == 0 ? &cfg : NULL;
}

/* ---- defaults ---- */

static void test_defaults(void)
{
    const struct sg_config *c = expect_ok("{" ONE_STREAM "}", NULL);
    if (!c)
        return;
    CHECK_STREQ(c->listen_host, "0.0.0.0", "listen_host");
    CHECK(c->listen_port == 8080, "listen_port %u", c->listen_port);
    CHECK(c->threads == 2, "threads %u", c->threads);
    CHECK_STREQ(c->log_level, "info", "log_level");
    CHECK(c->access_log == true, "access_log");
    CHECK(c->max_body_record == 2 * MIB, "max_body_record %zu", c->max_body_record);
    CHECK(c->max_body_records == 10 * MIB, "max_body_records %zu", c->max_body_records);
    CHECK(c->max_record_bytes == 1 * MIB, "max_record_bytes %zu", c->max_record_bytes);
    CHECK(c->max_json_depth == 64, "max_json_depth %u", c->max_json_depth);
    CHECK(c->max_connections == 10000, "max_connections %u", c->max_connections);
    CHECK(c->idle_timeout_s == 75, "idle_timeout_s %u", c->idle_timeout_s);
    CHECK(c->header_timeout_s == 10, "header_timeout_s %u", c->header_timeout_s);
    CHECK(c->body_grace_s == 10 && c->body_min_rate == 1024, "body rule %u s, %zu B/s",
          c->body_grace_s, c->body_min_rate);
    CHECK(c->n_trusted_proxies == 0, "no trusted proxies by default");
    CHECK(c->queue_max_records == 100000, "queue_max_records %zu", c->queue_max_records);
    CHECK(c->queue_max_bytes == 64 * MIB, "queue_max_bytes %zu", c->queue_max_bytes);
    CHECK_STREQ(c->region, "eu-west-1", "region from AWS_REGION");
    CHECK_STREQ(c->endpoint, "", "endpoint");
    CHECK(c->linger_ms == 5, "linger_ms %u", c->linger_ms);
    CHECK(c->batch_max_records == 500, "batch_max_records %u", c->batch_max_records);
    CHECK(c->batch_max_bytes == 5 * MIB, "batch_max_bytes %zu", c->batch_max_bytes);
    CHECK(c->max_in_flight == 8, "max_in_flight %u", c->max_in_flight);
    CHECK(c->deadline_ms == 20000, "deadline_ms %u", c->deadline_ms);
    CHECK(c->connect_timeout_ms == 2000, "connect_timeout_ms %u", c->connect_timeout_ms);
    CHECK(c->call_timeout_ms == 10000, "call_timeout_ms %u", c->call_timeout_ms);
    CHECK(c->backoff_base_ms == 50, "backoff_base_ms %u", c->backoff_base_ms);
    CHECK(c->backoff_max_ms == 2000, "backoff_max_ms %u", c->backoff_max_ms);
    CHECK(c->probe_interval_ms == 10000, "probe_interval_ms %u", c->probe_interval_ms);
    CHECK(c->shutdown_delay_ms == 5000, "shutdown_delay_ms %u", c->shutdown_delay_ms);
    CHECK(c->drain_timeout_ms == 20000, "drain_timeout_ms %u", c->drain_timeout_ms);
    CHECK(c->n_streams == 1, "n_streams %zu", c->n_streams);
    CHECK_STREQ(c->streams[0].name, "events", "stream name");
    CHECK_STREQ(c->streams[0].stream_name, "events", "stream_name defaults to name");
    CHECK_STREQ(c->streams[0].stream_arn, "", "stream_arn");
    CHECK(c->streams[0].mode == SG_STREAM_EVENT, "mode defaults to event");
    CHECK(c->streams[0].partition_key == SG_PK_CLIENT, "partition_key defaults to client");

    /* sg_config_defaults alone: the same values, no streams, no region */
    struct sg_config d;
    memset(&d, 0x5a, sizeof d);
    sg_config_defaults(&d);
    CHECK(d.n_streams == 0 && d.region[0] == '\0' && d.linger_ms == 5 && d.listen_port == 8080 &&
              d.queue_max_bytes == 64 * MIB,
          "sg_config_defaults");
}

/* ---- numeric bounds ---- */

enum kind { K_UINT, K_SIZE };

static const struct num_row {
    const char *section; /* NULL = top level */
    const char *key;
    size_t offset;
    enum kind kind;
    unsigned long long min, max;
} num_rows[] = {
#define U(s, k, f, lo, hi)                                                                         \
    {                                                                                              \
        s, k, offsetof(struct sg_config, f), K_UINT, lo, hi                                        \
    }
#define Z(s, k, f, lo, hi)                                                                         \
    {                                                                                              \
        s, k, offsetof(struct sg_config, f), K_SIZE, lo, hi                                        \
    }
    U(NULL, "threads", threads, 1, 256),
    Z("limits", "max_body_record", max_body_record, 1024, 64 * MIB),
    Z("limits", "max_body_records", max_body_records, 1024, 256 * MIB),
    Z("limits", "max_record_bytes", max_record_bytes, 1024, 10 * MIB),
    U("limits", "max_json_depth", max_json_depth, 2, 256),
    U("limits", "max_object_members", max_object_members, 1, 100000),
    U("limits", "max_connections", max_connections, 16, 1000000),
    U("limits", "idle_timeout_s", idle_timeout_s, 1, 3600),
    U("limits", "header_timeout_s", header_timeout_s, 1, 3600),
    U("limits", "body_grace_s", body_grace_s, 0, 3600),
    Z("limits", "body_min_bytes_per_s", body_min_rate, 0, 1024 * MIB),
    Z("limits", "queue_max_records", queue_max_records, 1, 100000000),
    Z("limits", "queue_max_bytes", queue_max_bytes, MIB, 64 * 1024 * MIB),
    U("kinesis", "linger_ms", linger_ms, 0, 1000),
    U("kinesis", "batch_max_records", batch_max_records, 1, 500),
    Z("kinesis", "batch_max_bytes", batch_max_bytes, 1024, 10 * MIB),
    U("kinesis", "max_in_flight", max_in_flight, 1, 1024),
    U("kinesis", "deadline_ms", deadline_ms, 100, 600000),
    U("kinesis", "connect_timeout_ms", connect_timeout_ms, 10, 60000),
    U("kinesis", "call_timeout_ms", call_timeout_ms, 100, 600000),
    U("kinesis", "backoff_base_ms", backoff_base_ms, 1, 60000),
    U("kinesis", "backoff_max_ms", backoff_max_ms, 1, 600000),
    U("kinesis", "probe_interval_ms", probe_interval_ms, 100, 3600000),
    U("shutdown", "delay_ms", shutdown_delay_ms, 0, 120000),
    U("shutdown", "drain_timeout_ms", drain_timeout_ms, 0, 120000),
#undef U
#undef Z
};

static void set_path(json_t *root, const char *section, const char *key, json_t *v)
{
    if (!section) {
        json_object_set_new(root, key, v);
        return;
    }
    json_t *sec = json_object_get(root, section);
    if (!sec) {
        sec = json_object();
        json_object_set_new(root, section, sec);
    }
    json_object_set_new(sec, key, v);
}

/* A config with one value set (plus the companions the cross-checks need). */
static char *config_with(const struct num_row *r, json_t *v)
{
    json_t *root = json_pack("{s:[{s:s}]}", "streams", "name", "events");
    /* keep the cross-field rules satisfied whatever the value */
    if (strcmp(r->key, "backoff_base_ms") == 0)
        set_path(root, "kinesis", "backoff_max_ms", json_integer(600000));
    if (strcmp(r->key, "backoff_max_ms") == 0)
        set_path(root, "kinesis", "backoff_base_ms", json_integer(1));
    if (strcmp(r->key, "max_record_bytes") == 0)
        set_path(root, "kinesis", "batch_max_bytes", json_integer((json_int_t)(10 * MIB)));
    if (strcmp(r->key, "batch_max_bytes") == 0)
        set_path(root, "limits", "max_record_bytes", json_integer(1024));
    set_path(root, r->section, r->key, v);
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

static unsigned long long field_value(const struct sg_config *c, const struct num_row *r)
{
    const char *base = (const char *)c;
    if (r->kind == K_UINT)
        return *(const unsigned *)(base + r->offset);
    return *(const size_t *)(base + r->offset);
}

static void test_numeric_bounds(void)
{
    for (size_t i = 0; i < sizeof num_rows / sizeof num_rows[0]; i++) {
        const struct num_row *r = &num_rows[i];
        char path[64], want[160];
        if (r->section)
            snprintf(path, sizeof path, "%s.%s", r->section, r->key);
        else
            snprintf(path, sizeof path, "%s", r->key);
        snprintf(want, sizeof want, "%s must be an integer between %llu and %llu", path, r->min,
                 r->max);

        /* accepted: min, max, and stored exactly */
        unsigned long long ok_values[] = {r->min, r->max};
        for (size_t k = 0; k < 2; k++) {
            char *text = config_with(r, json_integer((json_int_t)ok_values[k]));
            const struct sg_config *c = expect_ok(text, NULL);
            CHECK(c && field_value(c, r) == ok_values[k], "%s = %llu not stored (got %llu)", path,
                  ok_values[k], c ? field_value(c, r) : 0ULL);
            free(text);
        }

        /* refused: below min, above max, negative, wrong types */
        json_t *bad[8];
        size_t n_bad = 0;
        if (r->min > 0)
            bad[n_bad++] = json_integer((json_int_t)r->min - 1);
        bad[n_bad++] = json_integer((json_int_t)r->max + 1);
        bad[n_bad++] = json_integer(-1);
        bad[n_bad++] = json_string("5");
        bad[n_bad++] = json_real(2.5);
        bad[n_bad++] = json_true();
        bad[n_bad++] = json_null();
        bad[n_bad++] = json_pack("[i]", 5);
        for (size_t k = 0; k < n_bad; k++) {
            char *text = config_with(r, bad[k]);
            expect_error(text, NULL, want);
            free(text);
        }
    }
    /* an integer beyond 64 bits: jansson refuses it, the error says where */
    expect_error("{\"kinesis\":{\"linger_ms\":99999999999999999999}," ONE_STREAM "}", NULL,
                 "invalid JSON");
}

/* ---- keys and sections ---- */

static void test_unknown_keys(void)
{
    static const struct {
        const char *json;
        const char *want;
    } rows[] = {
        {"{\"listen_port\":80," ONE_STREAM "}", "unknown key listen_port"},
        {"{\"Threads\":2," ONE_STREAM "}", "unknown key Threads"},
        {"{\"limits\":{\"max_body\":1}," ONE_STREAM "}", "unknown key limits.max_body"},
        {"{\"limits\":{\"region\":\"x\"}," ONE_STREAM "}", "unknown key limits.region"},
        {"{\"limits\":{\"linger_ms\":1}," ONE_STREAM "}", "unknown key limits.linger_ms"},
        {"{\"limits\":{\"threads\":1}," ONE_STREAM "}", "unknown key limits.threads"},
        {"{\"kinesis\":{\"regoin\":\"x\"}," ONE_STREAM "}", "unknown key kinesis.regoin"},
        {"{\"kinesis\":{\"max_json_depth\":5}," ONE_STREAM "}",
         "unknown key kinesis.max_json_depth"},
        {"{\"shutdown\":{\"delay\":1}," ONE_STREAM "}", "unknown key shutdown.delay"},
        {"{\"shutdown\":{\"endpoint\":\"http://x\"}," ONE_STREAM "}",
         "unknown key shutdown.endpoint"},
        {"{\"streams\":[{\"name\":\"a\"},{\"name\":\"b\",\"modee\":\"event\"}]}",
         "unknown key streams[1].modee"},
        {"{\"streams\":[{\"name\":\"a\",\"partitionKey\":\"client\"}]}",
         "unknown key streams[0].partitionKey"},
        /* sections of the wrong type */
        {"{\"limits\":[]," ONE_STREAM "}", "limits must be an object"},
        {"{\"kinesis\":\"x\"," ONE_STREAM "}", "kinesis must be an object"},
        {"{\"shutdown\":1," ONE_STREAM "}", "shutdown must be an object"},
        {"{\"streams\":{}}", "streams must be an array"},
        {"{\"streams\":[\"events\"]}", "streams[0] must be an object"},
        {"{\"listen\":8080," ONE_STREAM "}", "listen must be a string"},
        {"{\"log_level\":1," ONE_STREAM "}", "log_level must be a string"},
        {"{\"log_level\":\"debugging\"," ONE_STREAM "}", "log_level is too long"},
        {"{\"log_level\":\"trace\"," ONE_STREAM "}", "log_level must be one of"},
        {"{\"access_log\":\"yes\"," ONE_STREAM "}", "access_log must be true or false"},
        {"{\"kinesis\":{\"region\":5}," ONE_STREAM "}", "kinesis.region must be a string"},
        {"{\"kinesis\":{\"endpoint\":[]}," ONE_STREAM "}", "kinesis.endpoint must be a string"},
        {"{\"kinesis\":{\"endpoint\":\"localhost:4567\"}," ONE_STREAM "}",
         "kinesis.endpoint must start with http:// or https://"},
        /* cross-field rules */
        {"{\"kinesis\":{\"backoff_base_ms\":100,\"backoff_max_ms\":99}," ONE_STREAM "}",
         "kinesis.backoff_max_ms must be >= kinesis.backoff_base_ms"},
        {"{\"limits\":{\"max_record_bytes\":2048},\"kinesis\":{\"batch_max_bytes\":2047}"
         "," ONE_STREAM "}",
         "limits.max_record_bytes must be <= kinesis.batch_max_bytes"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        expect_error(rows[i].json, NULL, rows[i].want);

    /* _comment is allowed everywhere, and null kinesis strings are ignored */
    const struct sg_config *c =
        expect_ok("{\"_comment\":\"x\",\"limits\":{\"_comment\":1},\"kinesis\":{\"_comment\":[],"
                  "\"region\":null,\"endpoint\":null},\"shutdown\":{\"_comment\":{}},"
                  "\"streams\":[{\"name\":\"a\",\"_comment\":\"y\"}]}",
                  NULL);
    CHECK(c && strcmp(c->region, "eu-west-1") == 0 && c->endpoint[0] == '\0', "_comment / null");

    /* the other top-level settings are read */
    c = expect_ok(
        "{\"listen\":\"[::1]:9090\",\"log_level\":\"WARNING\",\"access_log\":false,"
        "\"kinesis\":{\"region\":\"ap-south-1\",\"endpoint\":\"http://localhost:4567\"}," ONE_STREAM
        "}",
        (struct env_var[]){{NULL, NULL}});
    if (c) {
        CHECK_STREQ(c->listen_host, "::1", "listen host v6");
        CHECK(c->listen_port == 9090, "listen port %u", c->listen_port);
        CHECK_STREQ(c->log_level, "WARNING", "log_level kept as written");
        CHECK(c->access_log == false, "access_log false");
        CHECK_STREQ(c->region, "ap-south-1", "region from the file");
        CHECK_STREQ(c->endpoint, "http://localhost:4567", "endpoint from the file");
    }
}

static void test_json_errors(void)
{
    expect_error("{", NULL, "invalid JSON at line 1");
    expect_error("", NULL, "is empty");
    expect_error("{\"threads\":2,}", NULL, "invalid JSON at line 1 column");
    expect_error("{\n\"threads\": 2\n\"x\":1}", NULL, "invalid JSON at line 3");
    expect_error("{\"threads\":2,\"threads\":3," ONE_STREAM "}", NULL, "invalid JSON");
    expect_error("[]", NULL, "the configuration must be a JSON object");
    expect_error("\"x\"", NULL, "invalid JSON"); /* jansson: only objects and arrays */
    expect_error("{}", NULL, "streams is required");
    expect_error("{\"streams\":[]}", NULL, "streams must list at least one stream");
}

/* ---- streams ---- */

static void test_streams(void)
{
    char name128[129], name129[130], text[1024];
    memset(name128, 'n', 128);
    name128[128] = '\0';
    memset(name129, 'n', 129);
    name129[129] = '\0';

    snprintf(text, sizeof text, "{\"streams\":[{\"name\":\"%s\"}]}", name128);
    const struct sg_config *c = expect_ok(text, NULL);
    CHECK(c && strcmp(c->streams[0].name, name128) == 0 &&
              strcmp(c->streams[0].stream_name, name128) == 0,
          "128-character name");
    snprintf(text, sizeof text, "{\"streams\":[{\"name\":\"%s\"}]}", name129);
    expect_error(text, NULL, "streams[0].name");
    snprintf(text, sizeof text, "{\"streams\":[{\"name\":\"a\",\"stream_name\":\"%s\"}]}", name129);
    expect_error(text, NULL, "streams[0].stream_name");

    static const struct {
        const char *json;
        const char *want;
    } bad[] = {
        {"{\"streams\":[{\"name\":\"\"}]}", "streams[0].name must be 1-128 characters"},
        {"{\"streams\":[{\"name\":\"a b\"}]}", "streams[0].name must be 1-128 characters"},
        {"{\"streams\":[{\"name\":\"a/b\"}]}", "streams[0].name must be 1-128 characters"},
        {"{\"streams\":[{\"name\":\"caf\\u00e9\"}]}", "streams[0].name must be 1-128"},
        {"{\"streams\":[{\"name\":\"a\"},{\"name\":\"b:c\"}]}", "streams[1].name must be 1-128"},
        {"{\"streams\":[{\"stream_name\":\"a\"}]}", "streams[0].name is required"},
        {"{\"streams\":[{\"name\":7}]}", "streams[0].name must be a string"},
        {"{\"streams\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"a\"}]}",
         "streams[2].name \"a\" is listed twice"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_name\":\"b c\"}]}",
         "streams[0].stream_name must be 1-128"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_name\":\"\"}]}",
         "streams[0].stream_name must be 1-128"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_name\":1}]}",
         "streams[0].stream_name must be a string"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_name\":\"a\","
         "\"stream_arn\":\"arn:aws:kinesis:us-east-1:123456789012:stream/a\"}]}",
         "streams[0] must set stream_name or stream_arn, not both"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_arn\":\"a\"}]}",
         "streams[0].stream_arn must look like arn:aws:kinesis:REGION:ACCOUNT:stream/NAME"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_arn\":\"arn:aws:s3:::bucket/stream/a\"}]}",
         "streams[0].stream_arn must look like"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_arn\":"
         "\"arn:aws:firehose:us-east-1:1:deliverystream/a\"}]}",
         "streams[0].stream_arn must look like"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_arn\":"
         "\"aws:kinesis:us-east-1:123456789012:stream/a\"}]}",
         "streams[0].stream_arn must look like"},
        {"{\"streams\":[{\"name\":\"a\",\"stream_arn\":null}]}",
         "streams[0].stream_arn must be a string"},
        {"{\"streams\":[{\"name\":\"a\",\"mode\":\"Event\"}]}",
         "streams[0].mode must be one of \"event\", \"passthrough\""},
        {"{\"streams\":[{\"name\":\"a\",\"mode\":1}]}", "streams[0].mode must be one of"},
        {"{\"streams\":[{\"name\":\"a\",\"mode\":\"raw\"}]}", "streams[0].mode must be one of"},
        {"{\"streams\":[{\"name\":\"a\",\"partition_key\":\"uuid\"}]}",
         "streams[0].partition_key must be one of \"client\", \"event_uuid\", \"random\""},
        {"{\"streams\":[{\"name\":\"a\",\"partition_key\":null}]}",
         "streams[0].partition_key must be one of"},
        {"{\"streams\":[{\"name\":\"a\",\"mode\":\"passthrough\","
         "\"partition_key\":\"event_uuid\"}]}",
         "streams[0].partition_key \"event_uuid\" needs mode \"event\""},
        {"{\"streams\":[{\"name\":\"a\",\"aggregation\":\"KPL\"}]}",
         "streams[0].aggregation must be one of \"none\", \"kpl\""},
        {"{\"streams\":[{\"name\":\"a\",\"aggregation\":true}]}",
         "streams[0].aggregation must be one of"},
        {"{\"streams\":[{\"name\":\"a\",\"aggregation_max_bytes\":1023}]}",
         "streams[0].aggregation_max_bytes must be an integer from 1024 to 1024000"},
        {"{\"streams\":[{\"name\":\"a\",\"aggregation_max_bytes\":1024001}]}",
         "streams[0].aggregation_max_bytes must be an integer from 1024 to 1024000"},
        {"{\"streams\":[{\"name\":\"a\",\"aggregation_max_bytes\":\"51200\"}]}",
         "streams[0].aggregation_max_bytes must be an integer"},
        {"{\"streams\":[{\"name\":\"a\",\"aggregation_linger_ms\":1001}]}",
         "streams[0].aggregation_linger_ms must be an integer from 0 to 1000"},
        {"{\"streams\":[{\"name\":\"a\",\"aggregation_linger_ms\":-1}]}",
         "streams[0].aggregation_linger_ms must be an integer from 0 to 1000"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(bad[i].json, NULL, bad[i].want);

    /* every accepted combination stores what was asked */
    c = expect_ok("{\"streams\":["
                  "{\"name\":\"ev\",\"stream_name\":\"prod-events.v2\",\"mode\":\"event\","
                  "\"partition_key\":\"event_uuid\"},"
                  "{\"name\":\"raw\",\"stream_arn\":"
                  "\"arn:aws:kinesis:us-east-1:123456789012:stream/raw_1\","
                  "\"mode\":\"passthrough\",\"partition_key\":\"random\"},"
                  "{\"name\":\"pt\",\"mode\":\"passthrough\",\"partition_key\":\"client\"},"
                  "{\"name\":\"A-b_C.9\",\"partition_key\":\"random\"}]}",
                  NULL);
    if (c) {
        CHECK(c->n_streams == 4, "n_streams %zu", c->n_streams);
        CHECK_STREQ(c->streams[0].stream_name, "prod-events.v2", "stream_name");
        CHECK_STREQ(c->streams[0].stream_arn, "", "no arn");
        CHECK(c->streams[0].mode == SG_STREAM_EVENT &&
                  c->streams[0].partition_key == SG_PK_EVENT_UUID,
              "ev enums");
        CHECK_STREQ(c->streams[1].stream_name, "", "no stream_name with an ARN");
        CHECK_STREQ(c->streams[1].stream_arn, "arn:aws:kinesis:us-east-1:123456789012:stream/raw_1",
                    "arn");
        CHECK(c->streams[1].mode == SG_STREAM_PASSTHROUGH &&
                  c->streams[1].partition_key == SG_PK_RANDOM,
              "raw enums");
        CHECK(c->streams[2].mode == SG_STREAM_PASSTHROUGH &&
                  c->streams[2].partition_key == SG_PK_CLIENT,
              "pt enums");
        CHECK_STREQ(c->streams[2].stream_name, "pt", "pt stream_name defaults to name");
        CHECK(c->streams[3].mode == SG_STREAM_EVENT && c->streams[3].partition_key == SG_PK_RANDOM,
              "A-b_C.9 enums");
        CHECK(c->streams[0].aggregation == SG_AGG_NONE &&
                  c->streams[0].aggregation_max_bytes == 51200 &&
                  c->streams[0].aggregation_linger_ms == 20,
              "aggregation defaults: none, 51200 bytes, 20 ms");
    }
    c = expect_ok("{\"streams\":[{\"name\":\"k\",\"aggregation\":\"kpl\","
                  "\"aggregation_max_bytes\":1024000,\"aggregation_linger_ms\":0},"
                  "{\"name\":\"n\",\"aggregation\":\"none\",\"aggregation_max_bytes\":1024}]}",
                  NULL);
    if (c) {
        CHECK(c->streams[0].aggregation == SG_AGG_KPL &&
                  c->streams[0].aggregation_max_bytes == 1024000 &&
                  c->streams[0].aggregation_linger_ms == 0,
              "kpl stream");
        CHECK(c->streams[1].aggregation == SG_AGG_NONE &&
                  c->streams[1].aggregation_max_bytes == 1024,
              "none stream");
    }

    /* 64 streams fit, 65 do not */
    char *big = malloc(65 * 32 + 64);
    for (int n = 64; n <= 65; n++) {
        size_t o = (size_t)sprintf(big, "{\"streams\":[");
        for (int i = 0; i < n; i++)
            o += (size_t)sprintf(big + o, "%s{\"name\":\"s%d\"}", i ? "," : "", i);
        sprintf(big + o, "]}");
        if (n == 64) {
            c = expect_ok(big, NULL);
            CHECK(c && c->n_streams == 64 && strcmp(c->streams[63].name, "s63") == 0, "64 streams");
        } else {
            expect_error(big, NULL, "streams has more than 64 entries");
        }
    }
    free(big);
}

/* ---- environment ---- */

static void test_env(void)
{
    const char *file =
        "{\"listen\":\"10.0.0.1:81\",\"threads\":3,\"log_level\":\"warn\","
        "\"kinesis\":{\"region\":\"file-region\",\"endpoint\":\"http://file:1\"}," ONE_STREAM "}";
    static const struct {
        struct env_var env[6];
        const char *host;
        unsigned port;
        const char *log_level;
        unsigned threads;
        const char *region;
        const char *endpoint;
    } ok[] = {
        {{{NULL, NULL}}, "10.0.0.1", 81, "warn", 3, "file-region", "http://file:1"},
        {{{"STREAMGATE_LISTEN", "127.0.0.1:9000"}, {NULL, NULL}},
         "127.0.0.1",
         9000,
         "warn",
         3,
         "file-region",
         "http://file:1"},
        {{{"STREAMGATE_LISTEN", "[::1]:8443"}, {NULL, NULL}},
         "::1",
         8443,
         "warn",
         3,
         "file-region",
         "http://file:1"},
        {{{"STREAMGATE_LISTEN", "[fe80::1%eth0]:1"}, {NULL, NULL}},
         "fe80::1%eth0",
         1,
         "warn",
         3,
         "file-region",
         "http://file:1"},
        {{{"STREAMGATE_LISTEN", ":7000"}, {NULL, NULL}},
         "0.0.0.0",
         7000,
         "warn",
         3,
         "file-region",
         "http://file:1"},
        {{{"STREAMGATE_LISTEN", "host.example:65535"}, {NULL, NULL}},
         "host.example",
         65535,
         "warn",
         3,
         "file-region",
         "http://file:1"},
        {{{"STREAMGATE_LISTEN", ""}, {NULL, NULL}}, /* empty: ignored */
         "10.0.0.1",
         81,
         "warn",
         3,
         "file-region",
         "http://file:1"},
        {{{"STREAMGATE_LOG_LEVEL", "debug"}, {"STREAMGATE_THREADS", "256"}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "debug",
         256,
         "file-region",
         "http://file:1"},
        {{{"STREAMGATE_LOG_LEVEL", "ERROR"}, {"STREAMGATE_THREADS", "1"}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "ERROR",
         1,
         "file-region",
         "http://file:1"},
        {{{"STREAMGATE_LOG_LEVEL", ""}, {"STREAMGATE_THREADS", ""}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "file-region",
         "http://file:1"},
        /* region: AWS_REGION over AWS_DEFAULT_REGION over the file */
        {{{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "us-west-2"}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "us-east-2",
         "http://file:1"},
        {{{"AWS_DEFAULT_REGION", "us-west-2"}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "us-west-2",
         "http://file:1"},
        {{{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "us-west-2"}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "us-west-2",
         "http://file:1"},
        /* endpoint: AWS_ENDPOINT_URL_KINESIS over AWS_ENDPOINT_URL over the file */
        {{{"AWS_ENDPOINT_URL_KINESIS", "http://kin:4567"},
          {"AWS_ENDPOINT_URL", "http://all:1"},
          {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "file-region",
         "http://kin:4567"},
        {{{"AWS_ENDPOINT_URL", "https://all:1"}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "file-region",
         "https://all:1"},
        {{{"AWS_ENDPOINT_URL_KINESIS", ""}, {"AWS_ENDPOINT_URL", "https://all:1"}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "file-region",
         "https://all:1"},
        /* ignore configured endpoints: the file's and the environment's */
        {{{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"},
          {"AWS_ENDPOINT_URL_KINESIS", "http://kin:4567"},
          {"AWS_ENDPOINT_URL", "http://all:1"},
          {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "file-region",
         ""},
        {{{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}, {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "file-region",
         ""},
        {{{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"},
          {"AWS_ENDPOINT_URL_KINESIS", "http://kin:4567"},
          {NULL, NULL}},
         "10.0.0.1",
         81,
         "warn",
         3,
         "file-region",
         "http://kin:4567"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct sg_config cfg;
        char err[512];
        int rc = load(file, (struct env_var *)ok[i].env, &cfg, err, sizeof err);
        CHECK(rc == 0, "env row %zu refused: %s", i, err);
        if (rc != 0)
            continue;
        char ctx[32];
        snprintf(ctx, sizeof ctx, "env row %zu", i);
        CHECK_STREQ(cfg.listen_host, ok[i].host, ctx);
        CHECK(cfg.listen_port == ok[i].port, "%s: port %u", ctx, cfg.listen_port);
        CHECK_STREQ(cfg.log_level, ok[i].log_level, ctx);
        CHECK(cfg.threads == ok[i].threads, "%s: threads %u", ctx, cfg.threads);
        CHECK_STREQ(cfg.region, ok[i].region, ctx);
        CHECK_STREQ(cfg.endpoint, ok[i].endpoint, ctx);
    }

    static const struct {
        struct env_var env[3];
        const char *want;
    } bad[] = {
        {{{"STREAMGATE_LISTEN", "127.0.0.1"}, {NULL, NULL}}, "STREAMGATE_LISTEN must be host:port"},
        {{{"STREAMGATE_LISTEN", "127.0.0.1:"}, {NULL, NULL}},
         "STREAMGATE_LISTEN has an invalid port"},
        {{{"STREAMGATE_LISTEN", "127.0.0.1:65536"}, {NULL, NULL}},
         "STREAMGATE_LISTEN has an invalid port"},
        {{{"STREAMGATE_LISTEN", "127.0.0.1:80x"}, {NULL, NULL}},
         "STREAMGATE_LISTEN has an invalid port"},
        {{{"STREAMGATE_LISTEN", "127.0.0.1:-1"}, {NULL, NULL}},
         "STREAMGATE_LISTEN has an invalid port"},
        {{{"STREAMGATE_LISTEN", "[::1]"}, {NULL, NULL}}, "STREAMGATE_LISTEN has an invalid port"},
        {{{"STREAMGATE_LISTEN",
           "a-very-long-host-name-that-does-not-fit-in-sixty-four-characters.example:80"},
          {NULL, NULL}},
         "STREAMGATE_LISTEN has a host that is too long"},
        {{{"STREAMGATE_LOG_LEVEL", "loud"}, {NULL, NULL}}, "log_level must be one of"},
        {{{"STREAMGATE_THREADS", "0"}, {NULL, NULL}},
         "STREAMGATE_THREADS must be an integer between 1 and 256"},
        {{{"STREAMGATE_THREADS", "257"}, {NULL, NULL}}, "STREAMGATE_THREADS must be an integer"},
        {{{"STREAMGATE_THREADS", "4x"}, {NULL, NULL}}, "STREAMGATE_THREADS must be an integer"},
        {{{"STREAMGATE_THREADS", "-1"}, {NULL, NULL}}, "STREAMGATE_THREADS must be an integer"},
        {{{"STREAMGATE_THREADS", "two"}, {NULL, NULL}}, "STREAMGATE_THREADS must be an integer"},
        {{{"AWS_ENDPOINT_URL_KINESIS", "localhost:4567"}, {NULL, NULL}},
         "kinesis.endpoint must start with http:// or https://"},
        {{{"AWS_ENDPOINT_URL", "ftp://x"}, {NULL, NULL}}, "kinesis.endpoint must start with"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(file, (struct env_var *)bad[i].env, bad[i].want);

    /* listen in the file is checked the same way */
    expect_error("{\"listen\":\"0.0.0.0:http\"," ONE_STREAM "}", NULL,
                 "listen has an invalid port");
    expect_error("{\"listen\":\"localhost\"," ONE_STREAM "}", NULL, "listen must be host:port");

    /* an over-long endpoint from the environment */
    char longurl[700];
    memcpy(longurl, "http://", 7);
    memset(longurl + 7, 'h', sizeof longurl - 8);
    longurl[sizeof longurl - 1] = '\0';
    struct env_var long_env[] = {{"AWS_REGION", "r"}, {"AWS_ENDPOINT_URL", longurl}, {NULL, NULL}};
    expect_error("{" ONE_STREAM "}", long_env, "is too long");

    /* no region anywhere */
    struct env_var none[] = {{NULL, NULL}};
    expect_error("{" ONE_STREAM "}", none, "kinesis.region is not set");
    struct env_var empty_region[] = {{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", ""}, {NULL, NULL}};
    expect_error("{" ONE_STREAM "}", empty_region, "kinesis.region is not set");
    const struct sg_config *c =
        expect_ok("{\"kinesis\":{\"region\":\"sa-east-1\"}," ONE_STREAM "}", none);
    CHECK(c && strcmp(c->region, "sa-east-1") == 0, "region from the file only");
}

/* ---- lookups ---- */

static void test_find_stream(void)
{
    const struct sg_config *c =
        expect_ok("{\"streams\":[{\"name\":\"a\"},{\"name\":\"ab\",\"mode\":\"passthrough\"},"
                  "{\"name\":\"abc\",\"stream_name\":\"k-abc\"}]}",
                  NULL);
    if (!c)
        return;
    const char *path = "ab/record"; /* names come from a URL, not NUL-terminated */
    const struct sg_stream_config *s = sg_config_find_stream(c, path, 2);
    CHECK(s == &c->streams[1], "ab by length");
    CHECK(sg_config_find_stream(c, path, 1) == &c->streams[0], "a");
    CHECK(sg_config_find_stream(c, "abc", 3) == &c->streams[2], "abc");
    CHECK(sg_config_find_stream(c, "abcd", 4) == NULL, "abcd");
    CHECK(sg_config_find_stream(c, "b", 1) == NULL, "b");
    CHECK(sg_config_find_stream(c, "", 0) == NULL, "empty");
    CHECK(sg_config_find_stream(c, "A", 1) == NULL, "case-sensitive");
    CHECK(sg_config_find_stream(c, "k-abc", 5) == NULL, "Kinesis name is not the public name");
}

static void test_valid_stream_name(void)
{
    char n128[128], n129[129];
    memset(n128, 'x', sizeof n128);
    memset(n129, 'x', sizeof n129);
    static const struct {
        const char *s;
        bool want;
    } rows[] = {
        {"a", true},
        {"A", true},
        {"0", true},
        {"_", true},
        {".", true},
        {"-", true},
        {"My.Stream-01_x", true},
        {"", false},
        {" ", false},
        {"a b", false},
        {"a/b", false},
        {"a:b", false},
        {"a\tb", false},
        {"caf\xc3\xa9", false},
        {"a*", false},
        {"a+b", false},
        {"a@b", false},
        {"a\"b", false},
        {"[a]", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK(sg_config_valid_stream_name(rows[i].s, strlen(rows[i].s)) == rows[i].want,
              "valid_stream_name(\"%s\") != %d", rows[i].s, rows[i].want);
    CHECK(sg_config_valid_stream_name(n128, 128), "128 characters");
    CHECK(!sg_config_valid_stream_name(n129, 129), "129 characters");
    CHECK(sg_config_valid_stream_name("ab/", 2), "length, not NUL, bounds the name");
    CHECK(!sg_config_valid_stream_name("a\0b", 3), "NUL inside");
}

/* ---- files ---- */

static void load_repo_file(const char *src, const char *rel, bool must_exist)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", src, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        CHECK(!must_exist, "%s is missing", rel);
        return;
    }
    fclose(f);
    struct env_var env[] = {{"AWS_REGION", "us-east-1"}, {NULL, NULL}};
    struct sg_config cfg;
    char err[512] = "";
    int rc = sg_config_load(path, env_table, env, &cfg, err, sizeof err);
    CHECK(rc == 0, "%s: %s", rel, err);
    CHECK(rc != 0 || cfg.n_streams >= 1, "%s: no streams", rel);
    CHECK(rc != 0 || strcmp(cfg.region, "us-east-1") == 0, "%s: AWS_REGION wins: %s", rel,
          cfg.region);
}

static void test_files(const char *src)
{
    load_repo_file(src, "config/local.json", true);
    load_repo_file(src, "config/production.example.json", false);

    /* local.json: what the file says, checked */
    char path[1024];
    snprintf(path, sizeof path, "%s/config/local.json", src);
    struct env_var env[] = {{"AWS_REGION", "us-east-1"}, {NULL, NULL}};
    struct sg_config cfg;
    char err[512] = "";
    if (sg_config_load(path, env_table, env, &cfg, err, sizeof err) == 0) {
        const struct sg_stream_config *ev = sg_config_find_stream(&cfg, "events", 6);
        const struct sg_stream_config *raw = sg_config_find_stream(&cfg, "raw", 3);
        CHECK(ev && ev->mode == SG_STREAM_EVENT, "local.json: events is an event stream");
        CHECK(raw && raw->mode == SG_STREAM_PASSTHROUGH, "local.json: raw is pass-through");
    }

    /* missing and empty files (relative to the test's working directory) */
    int rc = sg_config_load("no-such-config-file.json", env_table, env, &cfg, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "cannot open no-such-config-file.json") != NULL, "missing: %s",
          err);
    FILE *f = fopen("test_config_empty.json", "wb");
    if (f) {
        fclose(f);
        rc = sg_config_load("test_config_empty.json", env_table, env, &cfg, err, sizeof err);
        CHECK(rc == -1 && strstr(err, "is empty") != NULL, "empty file: %s", err);
        remove("test_config_empty.json");
    }
}

/* Reads up to cap-1 bytes of a file, NUL-terminated; -1 if it cannot be read. */
static int read_small(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t got = fread(out, 1, cap - 1, f);
    fclose(f);
    out[got] = '\0';
    return 0;
}

/* tests/data/config/{valid,invalid}/<case>/config.json; invalid cases have
 * `expected`: line 1 is a substring of the error. */
static int run_data_dir(const char *src, const char *kind)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/config/%s", src, kind);
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot open tests/data/config/%s", kind);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char path[1400], exp_path[1400], want[512] = "";
        snprintf(path, sizeof path, "%s/%s/config.json", dir, e->d_name);
        snprintf(exp_path, sizeof exp_path, "%s/%s/expected", dir, e->d_name);
        bool invalid = strcmp(kind, "invalid") == 0;
        if (invalid) {
            int rc = read_small(exp_path, want, sizeof want);
            CHECK(rc == 0, "invalid/%s has no expected", e->d_name);
            want[strcspn(want, "\n")] = '\0';
            CHECK(want[0] != '\0', "invalid/%s: empty expected", e->d_name);
            if (rc != 0 || !want[0])
                continue;
        }
        struct env_var env[] = {{"AWS_REGION", "us-east-1"}, {NULL, NULL}};
        struct sg_config cfg;
        char err[512] = "";
        int rc = sg_config_load(path, env_table, env, &cfg, err, sizeof err);
        if (invalid)
            CHECK(rc == -1 && strstr(err, want) != NULL, "invalid/%s: rc %d err [%s] want [%s]",
                  e->d_name, rc, err, want);
        else
            CHECK(rc == 0 && cfg.n_streams >= 1, "valid/%s refused: %s", e->d_name, err);
        n++;
    }
    closedir(d);
    return n;
}

static void test_data_dir(const char *src)
{
    int n_valid = run_data_dir(src, "valid");
    int n_invalid = run_data_dir(src, "invalid");
    CHECK(n_valid >= 2 && n_invalid >= 4, "only %d valid / %d invalid config cases", n_valid,
          n_invalid);
}

/* trusted_proxies: a list of CIDRs, each named when at fault. */
static void test_trusted_proxies(void)
{
    struct sg_config cfg;
    char err[512];
    int rc =
        load("{\"trusted_proxies\":[\"10.0.0.0/16\",\"fd00::/8\",\"192.0.2.1\"]," ONE_STREAM "}",
             (struct env_var[]){{"AWS_REGION", "us-east-1"}, {NULL, NULL}}, &cfg, err, sizeof err);
    CHECK(rc == 0, "trusted_proxies refused: %s", err);
    CHECK(rc != 0 || cfg.n_trusted_proxies == 3, "3 trusted proxies");
    static const struct {
        const char *json;
        const char *want;
    } bad[] = {
        {"\"10.0.0.0/16\"", "trusted_proxies must be an array of CIDRs"},
        {"[\"10.0.0.0/16\", \"10.0.0.0/33\"]", "trusted_proxies[1] must be an IPv4 or IPv6 CIDR"},
        {"[\"vpc\"]", "trusted_proxies[0] must be an IPv4 or IPv6 CIDR"},
        {"[16]", "trusted_proxies[0] must be an IPv4 or IPv6 CIDR"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "{\"trusted_proxies\":%s," ONE_STREAM "}", bad[i].json);
        expect_error(text, (struct env_var[]){{"AWS_REGION", "us-east-1"}, {NULL, NULL}},
                     bad[i].want);
    }
}

/* streams[].dead_letter_stream: optional, a Kinesis stream name, not the
 * stream's own. */
static void test_dead_letter_stream(void)
{
    static const struct {
        const char *json;
        const char *want; /* NULL: accepted */
        const char *dead; /* when accepted: streams[0].dead_letter_stream */
    } rows[] = {
        {"{\"streams\":[{\"name\":\"events\"}]}", NULL, ""},
        {"{\"streams\":[{\"name\":\"events\",\"dead_letter_stream\":null}]}", NULL, ""},
        {"{\"streams\":[{\"name\":\"events\",\"dead_letter_stream\":\"events-dead-letter\"}]}",
         NULL, "events-dead-letter"},
        {"{\"streams\":[{\"name\":\"e\",\"stream_arn\":\"arn:aws:kinesis:us-east-1:1:stream/"
         "prod\",\"dead_letter_stream\":\"e\"}]}",
         NULL, "e"},
        {"{\"streams\":[{\"name\":\"events\",\"dead_letter_stream\":\"\"}]}",
         "streams[0].dead_letter_stream must be a Kinesis stream name", NULL},
        {"{\"streams\":[{\"name\":\"events\",\"dead_letter_stream\":\"a b\"}]}",
         "streams[0].dead_letter_stream must be a Kinesis stream name", NULL},
        {"{\"streams\":[{\"name\":\"events\",\"dead_letter_stream\":7}]}",
         "streams[0].dead_letter_stream must be a Kinesis stream name", NULL},
        {"{\"streams\":[{\"name\":\"a\"},{\"name\":\"events\",\"dead_letter_stream\":"
         "\"events\"}]}",
         "streams[1].dead_letter_stream must name another stream than the stream's own (events)",
         NULL},
        {"{\"streams\":[{\"name\":\"e\",\"stream_name\":\"k\",\"dead_letter_stream\":\"k\"}]}",
         "streams[0].dead_letter_stream must name another stream", NULL},
        {"{\"streams\":[{\"name\":\"e\",\"stream_arn\":\"arn:aws:kinesis:us-east-1:1:stream/"
         "prod\",\"dead_letter_stream\":\"prod\"}]}",
         "streams[0].dead_letter_stream must name another stream", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].want) {
            expect_error(rows[i].json, NULL, rows[i].want);
            continue;
        }
        const struct sg_config *c = expect_ok(rows[i].json, NULL);
        if (c)
            CHECK_STREQ(c->streams[0].dead_letter_stream, rows[i].dead, rows[i].json);
    }
    /* 128 characters is a valid name; 129 is not. */
    char text[512], name[130];
    memset(name, 'd', 129);
    name[129] = '\0';
    snprintf(text, sizeof text, "{\"streams\":[{\"name\":\"e\",\"dead_letter_stream\":\"%s\"}]}",
             name);
    expect_error(text, NULL, "streams[0].dead_letter_stream");
    name[128] = '\0';
    snprintf(text, sizeof text, "{\"streams\":[{\"name\":\"e\",\"dead_letter_stream\":\"%s\"}]}",
             name);
    const struct sg_config *c = expect_ok(text, NULL);
    CHECK(c && strlen(c->streams[0].dead_letter_stream) == 128, "128-character name");
}

int main(void)
{
    const char *src = getenv("SG_SOURCE_DIR");
    if (!src) {
        fprintf(stderr, "SG_SOURCE_DIR is not set\n");
        return 77;
    }
    test_defaults();
    test_numeric_bounds();
    test_unknown_keys();
    test_json_errors();
    test_streams();
    test_dead_letter_stream();
    test_env();
    test_find_stream();
    test_valid_stream_name();
    test_trusted_proxies();
    test_files(src);
    test_data_dir(src);
    return sg_check_result("test_config");
}
