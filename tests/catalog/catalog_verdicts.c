/*
 * catalog_verdicts: the gateway's verdict on events, one per line, for the
 * differential test against ajv (tests/catalog, README "Event catalog").
 *
 * Usage: catalog_verdicts <catalog-dir> <now-unix-seconds> < events
 *
 * Each line of standard input is the JSON text of one event as a client
 * sends it as Data. It goes through the real request path: sg_ingest_parse
 * on the /record body {"Data": <line>, "PartitionKey": "k"} for an event
 * stream with that catalog, unknown_event_types "reject" and the default
 * created_at window around <now>. One line out per line in:
 *   ok
 *   invalid<TAB><rule><TAB><path><TAB><message>
 * A body that is not JSON at all (the line is not) is "invalid json $".
 * Exit 0, or 2 when the catalog does not load (its message on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "event.h"
#include "ingest_parse.h"

static void print_field(const char *s)
{
    for (; *s; s++)
        putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void verdict(const char *line, size_t len, const struct sg_stream_config *s,
                    const struct sg_ingest_limits *lim, struct sg_buf *body)
{
    static const char head[] = "{\"Data\": ", tail[] = ", \"PartitionKey\": \"k\"}";
    struct sg_ingest in;
    sg_buf_reset(body);
    if (sg_buf_append(body, head, sizeof head - 1) != SG_BUF_OK ||
        sg_buf_append(body, line, len) != SG_BUF_OK ||
        sg_buf_append(body, tail, sizeof tail - 1) != SG_BUF_OK) {
        fprintf(stderr, "catalog_verdicts: out of memory\n");
        exit(1);
    }
    enum sg_ingest_status st = sg_ingest_parse(&in, SG_ROUTE_RECORD, s, body->data, body->len, lim);
    if (st != SG_INGEST_OK) {
        fputs("invalid\tjson\t$\t", stdout);
        print_field(in.message);
    } else if (in.items[0].valid) {
        fputs("ok", stdout);
    } else {
        const struct sg_ingest_item *it = &in.items[0];
        printf("invalid\t%s\t%s\t", it->rule, it->path);
        print_field(it->message);
    }
    putchar('\n');
    sg_ingest_free(&in);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: catalog_verdicts <catalog-dir> <now-unix-seconds> < events\n");
        return 2;
    }
    char *end;
    errno = 0;
    long long now = strtoll(argv[2], &end, 10);
    if (errno || *end || end == argv[2]) {
        fprintf(stderr, "catalog_verdicts: <now-unix-seconds> must be an integer\n");
        return 2;
    }
    char err[1024];
    struct sg_catalog *cat = sg_catalog_load(argv[1], err, sizeof err);
    if (!cat) {
        fprintf(stderr, "catalog_verdicts: %s\n", err);
        return 2;
    }
    struct sg_stream_config s = {
        .name = "events", .stream_name = "events", .mode = SG_STREAM_EVENT};
    struct sg_event_rules rules = {cat, false, (long long)SG_EVENT_MAX_AGE_DAYS_DEFAULT * 86400,
                                   SG_EVENT_MAX_AHEAD_S_DEFAULT};
    struct sg_ingest_limits lim = {1024 * 1024, SG_JSON_MAX_DEPTH_DEFAULT, 500, 0, &rules, now, 0};
    struct sg_buf body;
    sg_buf_init(&body, 0);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)n;
        if (len && line[len - 1] == '\n')
            len--;
        verdict(line, len, &s, &lim, &body);
    }
    free(line);
    sg_buf_free(&body);
    sg_catalog_release(cat);
    return fflush(stdout) == 0 ? 0 : 1;
}
