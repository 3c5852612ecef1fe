/*
 * http_ops: the operations endpoints.
 *   GET /healthz  the process is alive (ALB/ECS liveness): always 200.
 *   GET /readyz   ready for traffic: not draining, credentials present and
 *                 Kinesis answering; otherwise 503 with the reason.
 *   GET /metrics  Prometheus text format (counters are atomics, read here).
 */
#include <stdio.h>
#include <string.h>

#include "http_internal.h"
#include "http_respond.h"
#include "pipeline.h"

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
    sg_buf_init(&b, 1024);
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

/* One Prometheus histogram from cumulative-by-bucket counts. */
static int histogram(struct sg_buf *b, const char *name, const char *help, const uint64_t *counts,
                     const unsigned *bounds, size_t n, double scale, double sum)
{
    int rc = sg_buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
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

static int metrics_text(struct sg_gateway *gw, struct sg_buf *b)
{
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(gw->pipeline, &st);
    int rc = sg_buf_append_str(b, "# HELP streamgate_http_responses_total Responses by route "
                                  "and status.\n# TYPE streamgate_http_responses_total counter\n");
    for (int r = 0; r < SG_RT_COUNT; r++)
        for (int i = 0; i <= SG_ANSWER_COUNT; i++) {
            uint64_t v = atomic_load(&gw->responses[r][i]);
            if (!v)
                continue;
            char code[8];
            snprintf(code, sizeof code, "%u",
                     i < SG_ANSWER_COUNT ? sg_answer_kind((enum sg_answer)i)->status : 0);
            rc |= sg_buf_printf(
                b, "streamgate_http_responses_total{route=\"%s\",status=\"%s\"} %llu\n",
                route_names[r], i < SG_ANSWER_COUNT ? code : "other", (unsigned long long)v);
        }
    rc |= sg_buf_printf(
        b,
        "# TYPE streamgate_events_accepted_total counter\nstreamgate_events_accepted_total %llu\n"
        "# TYPE streamgate_events_rejected_total counter\nstreamgate_events_rejected_total %llu\n"
        "# TYPE streamgate_putrecords_calls_total counter\nstreamgate_putrecords_calls_total %llu\n"
        "# TYPE streamgate_putrecords_call_failures_total counter\n"
        "streamgate_putrecords_call_failures_total %llu\n"
        "# TYPE streamgate_records_sent_total counter\nstreamgate_records_sent_total %llu\n"
        "# TYPE streamgate_kinesis_records_sent_total counter\n"
        "streamgate_kinesis_records_sent_total %llu\n"
        "# TYPE streamgate_aggregates_misplaced_total counter\n"
        "streamgate_aggregates_misplaced_total %llu\n"
        "# TYPE streamgate_records_ok_total counter\nstreamgate_records_ok_total %llu\n"
        "# TYPE streamgate_records_retried_total counter\nstreamgate_records_retried_total %llu\n"
        "# TYPE streamgate_records_failed_total counter\nstreamgate_records_failed_total %llu\n"
        "# TYPE streamgate_throttled_total counter\nstreamgate_throttled_total %llu\n"
        "# TYPE streamgate_putrecords_calls_split_total counter\n"
        "streamgate_putrecords_calls_split_total %llu\n"
        "# TYPE streamgate_putrecords_latency_ms_sum counter\n"
        "streamgate_putrecords_latency_ms_sum %llu\n"
        "# TYPE streamgate_inflight_calls gauge\nstreamgate_inflight_calls %u\n"
        "# TYPE streamgate_queue_records gauge\nstreamgate_queue_records %zu\n"
        "# TYPE streamgate_queue_bytes gauge\nstreamgate_queue_bytes %zu\n",
        (unsigned long long)atomic_load(&gw->events_accepted),
        (unsigned long long)atomic_load(&gw->events_rejected), (unsigned long long)st.calls,
        (unsigned long long)st.call_failures, (unsigned long long)st.records_sent,
        (unsigned long long)st.kinesis_records_sent, (unsigned long long)st.aggregates_misplaced,
        (unsigned long long)st.records_ok, (unsigned long long)st.records_retried,
        (unsigned long long)st.records_failed, (unsigned long long)st.throttled,
        (unsigned long long)st.calls_split, (unsigned long long)st.latency_ms_sum, st.in_flight,
        st.queued_records, st.queued_bytes);
    rc |= histogram(b, "streamgate_putrecords_latency_seconds", "PutRecords call latency.",
                    st.latency_buckets, sg_latency_bucket_ms, SG_LATENCY_BUCKETS, 0.001,
                    (double)st.latency_ms_sum / 1000.0);
    rc |= histogram(b, "streamgate_putrecords_batch_records", "Records per PutRecords call.",
                    st.batch_buckets, sg_batch_bucket_records, SG_BATCH_BUCKETS, 1.0,
                    (double)st.batch_records_sum);
    rc |= sg_buf_append_str(b, "# HELP streamgate_connections_closed_total Connections closed, by "
                               "reason (README, Slow clients).\n"
                               "# TYPE streamgate_connections_closed_total counter\n");
    for (int r = SG_CONN_OPEN + 1; r < SG_CONN_REASON_COUNT; r++)
        rc |= sg_buf_printf(b, "streamgate_connections_closed_total{reason=\"%s\"} %llu\n",
                            sg_conn_reason_name((enum sg_conn_close_reason)r),
                            (unsigned long long)atomic_load(&gw->connections_closed[r]));
    rc |= sg_buf_printf(
        b, "# TYPE streamgate_connections_open gauge\nstreamgate_connections_open %zu\n",
        atomic_load(&gw->connections_open));
    rc |= sg_dead_letter_metrics(gw->dead_letter, b);
    uint64_t cred_loaded, cred_failed;
    sg_creds_provider_stats(gw->creds, &cred_loaded, &cred_failed);
    rc |= sg_buf_printf(b,
                        "# HELP streamgate_credential_loads_total Credentials loaded (first "
                        "load and refreshes).\n# TYPE streamgate_credential_loads_total counter\n"
                        "streamgate_credential_loads_total %llu\n"
                        "# TYPE streamgate_credential_load_failures_total counter\n"
                        "streamgate_credential_load_failures_total %llu\n",
                        (unsigned long long)cred_loaded, (unsigned long long)cred_failed);
    rc |= sg_buf_printf(b,
                        "# TYPE streamgate_readiness_probes_total counter\n"
                        "streamgate_readiness_probes_total %llu\n"
                        "# TYPE streamgate_readiness_probe_failures_total counter\n"
                        "streamgate_readiness_probe_failures_total %llu\n"
                        "# TYPE streamgate_ready gauge\nstreamgate_ready %d\n",
                        (unsigned long long)st.probes, (unsigned long long)st.probe_failures,
                        st.ready && !atomic_load(&gw->draining));
    return rc;
}

static enum MHD_Result metrics(struct sg_http_request *req)
{
    struct sg_buf b;
    sg_buf_init(&b, 1024 * 1024);
    enum MHD_Result ret;
    if (metrics_text(req->gw, &b) != 0) {
        ret = sg_http_fail(req, SG_ANSWER_INTERNAL_ERROR, NULL);
    } else {
        struct MHD_Response *r =
            MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
        ret = MHD_NO;
        if (r) {
            MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4");
            sg_gateway_count_response(req->gw, req->route, 200);
            req->status = 200;
            req->state = SG_REQ_RESPONDED;
            ret = sg_http_deliver(req, 200, r);
        }
    }
    sg_buf_free(&b);
    return ret;
}

enum MHD_Result sg_http_ops_handle(struct sg_http_request *req, const char *path)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return sg_http_method_not_allowed(req, "GET, HEAD");
    if (strcmp(path, "/healthz") == 0)
        return sg_http_reply(req, 200, "{\"status\":\"ok\"}", 15);
    if (strcmp(path, "/readyz") == 0)
        return readyz(req);
    return metrics(req);
}
