/*
 * pipeline_probe: readiness checks of the sender thread.
 *
 * Every kinesis.probe_interval_ms (every second while failing) each stream
 * gets a DescribeStreamSummary call through the sender's transport; its
 * answer sets the stream's health, which /readyz reports and which makes
 * submits fail fast (503) while the endpoint cannot be reached at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/kinesis_api.h"
#include "kinesis/kinesis_codec.h"
#include "kinesis/shard_map.h"
#include "pipeline_internal.h"

#define PROBE_ANSWER_LIMIT 65536
/* The body names the stream: its ARN (at most SG_STREAM_ARN_MAX) and the
 * JSON around it, escapes included. */
#define PROBE_BODY_LIMIT 4096
/* While a stream fails its check, it is checked this often (at most), so
 * that recovery shows soon; also the wait after no credentials. */
#define PROBE_RETRY_MS 1000

void sg_probe_complete(struct sg_pipeline *p, struct call *c, const struct sg_kinesis_reply *r)
{
    struct stream *s = c->s;
    char why[400] = "";
    enum health h = HEALTH_OK;
    if (r->outcome != SG_TRANSPORT_ANSWERED) {
        h = r->outcome == SG_TRANSPORT_UNREACHABLE ? HEALTH_UNREACHABLE : HEALTH_FAILING;
        snprintf(why, sizeof why, "Kinesis endpoint %s: %.100s",
                 h == HEALTH_UNREACHABLE ? "unreachable" : "not answering", r->error);
    } else if (r->http_status != 200) {
        struct sg_kinesis_error err;
        sg_kinesis_classify_call(r->http_status, r->body, r->body_len, r->error_type, &err);
        h = HEALTH_FAILING;
        snprintf(why, sizeof why, "stream %s: %.60s: %.70s", s->cfg->name, err.code, err.message);
    } else {
        struct sg_stream_summary sum;
        int known = sg_stream_summary_parse(r->body, r->body_len, &sum) == 0;
        if (!known || (strcmp(sum.status, "ACTIVE") != 0 && strcmp(sum.status, "UPDATING") != 0)) {
            h = HEALTH_FAILING;
            snprintf(why, sizeof why, "stream %s is %.40s", s->cfg->name,
                     known ? sum.status : "unknown");
        } else {
            atomic_store(&s->max_record_bytes, (size_t)sum.max_record_kib * 1024); /* 0: unknown */
            s->auto_distribution = sum.auto_distribution;
            if (s->cfg->aggregation == SG_AGG_KPL && sum.auto_distribution) {
                /* Records are then sent one by one; readiness says why. */
                h = HEALTH_FAILING;
                snprintf(why, sizeof why,
                         "stream %s: aggregation \"kpl\" is configured but the stream uses "
                         "service-managed record distribution (RecordDistributionStrategy AUTO), "
                         "where KCL drops aggregated records; set aggregation to \"none\"",
                         s->cfg->name);
            }
        }
    }
    atomic_store(&p->reachable, r->outcome == SG_TRANSPORT_ANSWERED);
    if (h != HEALTH_OK)
        sg_metrics_add(&p->metrics, SG_M_READINESS_PROBE_FAILURES, 1);
    sg_pipeline_set_health(p, s, h, why);
    /* Check again soon while failing, so recovery is noticed quickly. */
    unsigned next = p->cfg->probe_interval_ms;
    if (h != HEALTH_OK && next > PROBE_RETRY_MS)
        next = PROBE_RETRY_MS;
    s->next_probe_ms = p->now_ms() + next;
    s->probing = false;
}

void sg_probe_start(struct sg_pipeline *p, struct stream *s, int64_t now)
{
    s->next_probe_ms = now + p->cfg->probe_interval_ms;
    const struct sg_stream_config *sc = s->cfg;
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->s = s, c->kind = CALL_PROBE, c->started_ms = now;
    sg_buf_init(&c->body, PROBE_BODY_LIMIT);
    int is_arn;
    const char *id = sg_pipeline_stream_id(sc, &is_arn);
    enum sg_transport_start started = SG_TRANSPORT_START_FAILED;
    if (sg_kinesis_append_stream_body(&c->body, id, is_arn) == 0) {
        struct sg_kinesis_request req = {SG_KINESIS_TARGET_DESCRIBE_SUMMARY, c->body.data,
                                         c->body.len, (int64_t)p->cfg->connect_timeout_ms * 2,
                                         PROBE_ANSWER_LIMIT};
        started = p->transport->ops->start(p->transport, &req, c);
    }
    if (started != SG_TRANSPORT_STARTED) {
        sg_pipeline_free_call(p, c);
        if (started == SG_TRANSPORT_NO_CREDENTIALS) {
            sg_pipeline_set_health(p, s, HEALTH_FAILING, "no AWS credentials available");
            s->next_probe_ms = now + PROBE_RETRY_MS;
        }
        return;
    }
    sg_pipeline_track_call(p, c);
    s->probing = true;
    sg_metrics_add(&p->metrics, SG_M_READINESS_PROBES, 1);
}
