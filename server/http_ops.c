/*
 * http_ops: the operations endpoints.
 *   GET /healthz  the process is alive (ALB/ECS liveness): always 200.
 *   GET /readyz   ready for traffic: not draining, credentials present and
 *                 Kinesis answering; otherwise 503 with the reason.
 *   GET /metrics  Prometheus text format: every metric of the table in
 *                 metrics.h, read from its owner here.
 */
#include <stdio.h>
#include <string.h>

#include "http_internal.h"
#include "http_reply.h"
#include "http_respond.h"
#include "lit.h"
#include "metrics.h"
#include "pipeline.h"

/* Ceilings of the answers built here: /readyz names one reason (at most
 * 192 bytes); /metrics grows with the refused-event label sets, which
 * refusals.c caps. */
#define READYZ_BODY_LIMIT 1024
#define METRICS_TEXT_LIMIT (1024 * 1024)

bool sg_http_ops_is_path(const char *path)
{
    return strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
           strcmp(path, "/metrics") == 0;
}

static enum MHD_Result readyz(struct sg_http_request *req)
{
    struct sg_gateway *gw = req->gw;
    const char *reason = NULL;
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(gw->pipeline, &st);
    struct sg_credentials *cr = sg_creds_provider_get(gw->creds);
    if (atomic_load(&gw->draining))
        reason = "shutting down";
    else if (!cr)
        reason = "no AWS credentials available";
    else if (!st.ready)
        reason = st.not_ready_reason;
    sg_credentials_release(cr);
    struct sg_buf b;
    sg_buf_init(&b, READYZ_BODY_LIMIT);
    int rc = sg_buf_append_str(&b, reason ? "{\"status\":\"not ready\",\"reason\":"
                                          : "{\"status\":\"ready\"");
    if (reason)
        rc |= sg_buf_append_json_string(&b, reason, strlen(reason));
    rc |= sg_buf_append_char(&b, '}');
    enum MHD_Result ret = rc ? sg_http_fail(req, SG_ANSWER_INTERNAL_ERROR, NULL)
                             : sg_http_reply(req, reason ? 503 : 200, b.data, b.len);
    sg_buf_free(&b);
    return ret;
}

static const char *const route_names[SG_RT_COUNT] = {"record", "records", "ops", "other"};

/* What the sample lines of the labelled families and histograms read. */
struct metrics_ctx {
    struct sg_gateway *gw;
    const struct sg_pipeline_stats *st;
};

/* One Prometheus histogram's samples from per-bucket counts. */
static int histogram(struct sg_buf *b, const char *name, const uint64_t *counts,
                     const unsigned *bounds, size_t n, double scale, double sum)
{
    int rc = 0;
    uint64_t cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += counts[i];
        rc |= sg_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i] * scale,
                            (unsigned long long)cum);
    }
    cum += counts[n];
    rc |= sg_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %g\n%s_count %llu\n", name,
                        (unsigned long long)cum, name, sum, name, (unsigned long long)cum);
    return rc;
}

static int responses(struct sg_gateway *gw, const char *name, struct sg_buf *b)
{
    int rc = 0;
    for (int r = 0; r < SG_RT_COUNT; r++)
        for (int i = 0; i <= SG_ANSWER_COUNT; i++) {
            uint64_t v = atomic_load(&gw->responses[r][i]);
            if (!v)
                continue;
            char code[8];
            snprintf(code, sizeof code, "%u",
                     i < SG_ANSWER_COUNT ? sg_answer_kind((enum sg_answer)i)->status : 0);
            rc |= sg_buf_printf(b, "%s{route=\"%s\",status=\"%s\"} %llu\n", name, route_names[r],
                                i < SG_ANSWER_COUNT ? code : "other", (unsigned long long)v);
        }
    return rc;
}

static int connections_closed(struct sg_gateway *gw, const char *name, struct sg_buf *b)
{
    int rc = 0;
    for (int r = SG_CONN_OPEN + 1; r < SG_CONN_REASON_COUNT; r++)
        rc |= sg_buf_printf(b, "%s{reason=\"%s\"} %llu\n", name,
                            sg_conn_reason_name((enum sg_conn_close_reason)r),
                            (unsigned long long)atomic_load(&gw->connections_closed[r]));
    return rc;
}

static int samples(void *arg, enum sg_metric id, struct sg_buf *b)
{
    const struct metrics_ctx *m = arg;
    const char *name = sg_metric_info(id)->name;
    switch (id) {
    case SG_M_HTTP_RESPONSES:
        return responses(m->gw, name, b);
    case SG_M_CONNECTIONS_CLOSED:
        return connections_closed(m->gw, name, b);
    case SG_M_REFUSED_EVENTS:
        return sg_dead_letter_write_refusals(m->gw->dead_letter, b);
    case SG_M_PUTRECORDS_LATENCY_SECONDS:
        return histogram(b, name, m->st->latency_buckets, sg_latency_bucket_ms, SG_LATENCY_BUCKETS,
                         0.001, (double)m->st->latency_ms_sum / 1000.0);
    case SG_M_PUTRECORDS_BATCH_RECORDS:
        return histogram(b, name, m->st->batch_buckets, sg_batch_bucket_records, SG_BATCH_BUCKETS,
                         1.0, (double)m->st->batch_records_sum);
    default:
        return -1; /* a family of the table without samples here */
    }
}

static int metrics_text(struct sg_gateway *gw, struct sg_buf *b)
{
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(gw->pipeline, &st);
    struct sg_metrics_snapshot s = {0};
    sg_metrics_read(&gw->metrics, &s);
    sg_pipeline_read_metrics(gw->pipeline, &s);
    sg_dead_letter_read_metrics(gw->dead_letter, &s);
    sg_creds_provider_read_metrics(gw->creds, &s);
    s.v[SG_M_READY] = st.ready && !atomic_load(&gw->draining);
    struct metrics_ctx ctx = {gw, &st};
    return sg_metrics_write(b, &s, samples, &ctx);
}

static enum MHD_Result metrics(struct sg_http_request *req)
{
    struct sg_buf b;
    sg_buf_init(&b, METRICS_TEXT_LIMIT);
    enum MHD_Result ret;
    if (metrics_text(req->gw, &b) != 0) {
        ret = sg_http_fail(req, SG_ANSWER_INTERNAL_ERROR, NULL);
    } else {
        ret = sg_http_reply_text(req, 200, SG_METRICS_CONTENT_TYPE, b.data, b.len);
    }
    sg_buf_free(&b);
    return ret;
}

enum MHD_Result sg_http_ops_handle(struct sg_http_request *req, const char *path)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return sg_http_method_not_allowed(req, "GET, HEAD");
    if (strcmp(path, "/healthz") == 0)
        return sg_http_reply(req, 200, SG_LIT("{\"status\":\"ok\"}"));
    if (strcmp(path, "/readyz") == 0)
        return readyz(req);
    return metrics(req);
}
