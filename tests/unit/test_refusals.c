/*
 * test_refusals: server/refusals.h: labels stay bounded (unknown types and
 * rules, client text), counts add up per label set, the series cap, and the
 * Prometheus text.
 */
#include "refusals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* One label set's count as /metrics writes it (0 when it has no line). */
static uint64_t series(struct sg_refusals *r, const char *stream, const char *type,
                       const char *rule)
{
    struct sg_buf b;
    sg_buf_init(&b, 0);
    uint64_t v = 0;
    char want[256];
    snprintf(want, sizeof want,
             "streamgate_refused_events_total{stream=\"%s\",event_type=\"%s\","
             "reason=\"%s\"} ",
             stream, type, rule);
    if (sg_refusals_write(r, &b) == 0 && b.data) {
        const char *at = strstr(b.data, want);
        if (at)
            v = strtoull(at + strlen(want), NULL, 10);
    }
    sg_buf_free(&b);
    return v;
}

/* The refusals counted without labels, as /metrics reads them. */
static uint64_t unlabelled(struct sg_refusals *r)
{
    struct sg_metrics_snapshot m = {0};
    sg_refusals_read_metrics(r, &m);
    return m.v[SG_M_REFUSED_EVENTS_UNLABELLED];
}

static void test_labels(void)
{
    static const struct {
        const char *type, *rule;           /* as counted */
        const char *want_type, *want_rule; /* the label set they land in */
    } cases[] = {
        {"payment", "type", "payment", "type"},
        {NULL, "json", "unknown", "json"},
        {"", "uuid", "unknown", "uuid"},
        {"Payment", "enum", "unknown", "enum"}, /* not a catalog type's form */
        {"a\"b", "enum", "unknown", "enum"},    /* would break the text format */
        {"x/y", "required", "unknown", "required"},
        {"payment", "no-such-rule", "payment", "other"}, /* bounded reasons */
        {"payment", NULL, "payment", "other"},
        {"a_1", "record_size", "a_1", "record_size"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "type", "unknown",
         "type"}, /* 65 bytes */
    };
    struct sg_refusals *r = sg_refusals_new(100);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t before = series(r, "events", cases[i].want_type, cases[i].want_rule);
        sg_refusals_count(r, "events", cases[i].type, cases[i].rule, 2);
        uint64_t after = series(r, "events", cases[i].want_type, cases[i].want_rule);
        CHECK(after == before + 2, "case %zu (%s, %s): %llu -> %llu", i,
              cases[i].type ? cases[i].type : "NULL", cases[i].rule ? cases[i].rule : "NULL",
              (unsigned long long)before, (unsigned long long)after);
    }
    CHECK(series(r, "raw", "payment", "type") == 0, "streams are apart");
    sg_refusals_count(r, "raw", "payment", "type", 1);
    CHECK(series(r, "raw", "payment", "type") == 1, "raw counted");
    CHECK(series(r, "events", "payment", "type") == 2, "events unchanged");
    struct sg_buf b;
    sg_buf_init(&b, 0);
    CHECK(sg_refusals_write(r, &b) == 0, "write");
    CHECK(strstr(b.data, "streamgate_refused_events_total{stream=\"events\",event_type="
                         "\"unknown\",reason=\"enum\"} 4\n") != NULL,
          "series line: %s", b.data);
    CHECK(strstr(b.data, "streamgate_refused_events_total{stream=\"raw\",event_type=\"payment\","
                         "reason=\"type\"} 1\n") != NULL,
          "raw series");
    CHECK(strstr(b.data, "\"a\\\"b\"") == NULL && strstr(b.data, "x/y") == NULL,
          "no client text in labels");
    CHECK(unlabelled(r) == 0, "nothing unlabelled");
    sg_buf_free(&b);
    sg_refusals_free(r);
}

static void test_cap(void)
{
    static const char *const types[] = {"a", "b", "c", "d", "e"};
    struct sg_refusals *r = sg_refusals_new(3);
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < 5; i++)
            sg_refusals_count(r, "events", types[i], "type", 1);
    CHECK(series(r, "events", "a", "type") == 2, "first series kept");
    CHECK(series(r, "events", "c", "type") == 2, "third series kept");
    CHECK(series(r, "events", "d", "type") == 0, "fourth series not kept");
    struct sg_buf b;
    sg_buf_init(&b, 0);
    CHECK(sg_refusals_write(r, &b) == 0, "write");
    CHECK(strstr(b.data, "event_type=\"c\"") != NULL && strstr(b.data, "event_type=\"d\"") == NULL,
          "only the kept series written: %s", b.data);
    CHECK(unlabelled(r) == 4, "past the cap counted without labels: %llu",
          (unsigned long long)unlabelled(r));
    sg_buf_free(&b);
    sg_refusals_free(r);
    sg_refusals_free(NULL);
}

int main(void)
{
    test_labels();
    test_cap();
    return sg_check_result("test_refusals");
}
