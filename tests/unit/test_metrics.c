/*
 * test_metrics: server/metrics.h, the one table of metrics.
 *   - every row: a Prometheus name (streamgate_ prefix, [a-z0-9_]), unique,
 *     a counter's name ends in _total (or _sum), help text without a line
 *     break;
 *   - sg_metrics_write: for each row its HELP and TYPE lines, a counter's
 *     and a gauge's value from the snapshot, a family's lines from the
 *     callback (once per family, in table order); a callback's failure
 *     fails the whole text;
 *   - sg_metrics_read adds a block into a snapshot; add/sub.
 */
#include "metrics.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static void test_table(void)
{
    for (int i = 0; i < SG_METRIC_COUNT; i++) {
        const struct sg_metric_info *r = sg_metric_info((enum sg_metric)i);
        CHECK(strncmp(r->name, "streamgate_", 11) == 0 &&
                  strspn(r->name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(r->name),
              "row %d: name %s", i, r->name);
        size_t n = strlen(r->name);
        if (r->type == SG_METRIC_COUNTER || r->type == SG_METRIC_LABELLED)
            CHECK((n > 6 && strcmp(r->name + n - 6, "_total") == 0) ||
                      (n > 4 && strcmp(r->name + n - 4, "_sum") == 0),
                  "counter %s ends in _total", r->name);
        CHECK(r->help[0] != '\0' && !strchr(r->help, '\n') && !strchr(r->help, '\\'),
              "row %d: help text", i);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(sg_metric_info((enum sg_metric)j)->name, r->name) != 0, "%s named twice",
                  r->name);
    }
}

struct calls {
    int n;
    enum sg_metric seen[SG_METRIC_COUNT];
    enum sg_metric fail_on; /* SG_METRIC_COUNT: never */
};

static int samples(void *arg, enum sg_metric id, struct sg_buf *out)
{
    struct calls *c = arg;
    c->seen[c->n++] = id;
    if (id == c->fail_on)
        return -1;
    return sg_buf_printf(out, "%s{x=\"1\"} 7\n", sg_metric_info(id)->name);
}

static void test_write(void)
{
    struct sg_metrics live = {0};
    sg_metrics_add(&live, SG_M_EVENTS_ACCEPTED, 5);
    sg_metrics_add(&live, SG_M_EVENTS_ACCEPTED, 2);
    sg_metrics_add(&live, SG_M_CONNECTIONS_OPEN, 3);
    sg_metrics_sub(&live, SG_M_CONNECTIONS_OPEN, 1);
    CHECK(sg_metrics_get(&live, SG_M_EVENTS_ACCEPTED) == 7, "add");
    struct sg_metrics_snapshot s = {0};
    s.v[SG_M_RECORDS_OK] = 11; /* another owner's row */
    sg_metrics_read(&live, &s);
    sg_metrics_read(&live, &s); /* adds, never overwrites */
    CHECK(s.v[SG_M_EVENTS_ACCEPTED] == 14 && s.v[SG_M_CONNECTIONS_OPEN] == 4 &&
              s.v[SG_M_RECORDS_OK] == 11,
          "read adds");

    struct sg_buf b;
    sg_buf_init(&b, 1 << 20);
    struct calls c = {.fail_on = SG_METRIC_COUNT};
    CHECK(sg_metrics_write(&b, &s, samples, &c) == 0, "write");
    const char *text = b.data ? b.data : "";
    static const char *const want[] = {
        "# HELP streamgate_events_accepted_total Events taken into a stream's queue.\n"
        "# TYPE streamgate_events_accepted_total counter\n"
        "streamgate_events_accepted_total 14\n",
        "# TYPE streamgate_connections_open gauge\nstreamgate_connections_open 4\n",
        "# TYPE streamgate_records_ok_total counter\nstreamgate_records_ok_total 11\n",
        "# TYPE streamgate_records_failed_total counter\nstreamgate_records_failed_total 0\n",
        "# TYPE streamgate_http_responses_total counter\n"
        "streamgate_http_responses_total{x=\"1\"} 7\n",
        "# TYPE streamgate_putrecords_latency_seconds histogram\n"
        "streamgate_putrecords_latency_seconds{x=\"1\"} 7\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK(strstr(text, want[i]) != NULL, "missing [%s]", want[i]);
    int families = 0;
    for (int i = 0; i < SG_METRIC_COUNT; i++) {
        enum sg_metric_type t = sg_metric_info((enum sg_metric)i)->type;
        if (t == SG_METRIC_LABELLED || t == SG_METRIC_HISTOGRAM)
            CHECK(families < c.n && c.seen[families++] == (enum sg_metric)i,
                  "family %d called in order", i);
        char head[200];
        snprintf(head, sizeof head, "# HELP %s ", sg_metric_info((enum sg_metric)i)->name);
        CHECK(strstr(text, head) != NULL, "head of row %d", i);
    }
    CHECK(c.n == families, "each family once (%d of %d)", c.n, families);

    struct calls failing = {.fail_on = SG_M_REFUSED_EVENTS};
    sg_buf_reset(&b);
    CHECK(sg_metrics_write(&b, &s, samples, &failing) != 0, "a family's failure fails the text");
    sg_buf_free(&b);
}

int main(void)
{
    test_table();
    test_write();
    return sg_check_result("test_metrics");
}
