/*
 * pipeline_probe: readiness checks of the sender thread.
 *
 * Every kinesis.probe_interval_ms (every second while failing) each stream
 * gets a DescribeStreamSummary call over the sender's curl multi handle; its
 * answer sets the stream's health, which /readyz reports and which makes
 * submits fail fast (503) while the endpoint cannot be reached at all.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kinesis_codec.h"
#include "pipeline_internal.h"

void sg_probe_complete(struct sg_pipeline *p, struct call *c, CURLcode result)
{
    struct stream *s = c->s;
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    char why[400] = "";
    enum health h = HEALTH_OK;
    if (result != CURLE_OK) {
        h = sg_pipeline_is_unreachable(result) ? HEALTH_UNREACHABLE : HEALTH_FAILING;
        snprintf(why, sizeof why, "Kinesis endpoint %s: %.100s",
                 h == HEALTH_UNREACHABLE ? "unreachable" : "not answering", c->curl_error);
    } else if (status != 200) {
        struct sg_kinesis_error err;
        sg_kinesis_classify_call(status, c->resp.data, c->resp.len, c->error_type, &err);
        h = HEALTH_FAILING;
        snprintf(why, sizeof why, "stream %s: %.60s: %.70s", s->cfg->name, err.code, err.message);
    } else {
        json_t *root = json_loadb(c->resp.data, c->resp.len, 0, NULL);
        const char *st = json_string_value(
            json_object_get(json_object_get(root, "StreamDescriptionSummary"), "StreamStatus"));
        if (!st || (strcmp(st, "ACTIVE") != 0 && strcmp(st, "UPDATING") != 0)) {
            h = HEALTH_FAILING;
            snprintf(why, sizeof why, "stream %s is %.40s", s->cfg->name, st ? st : "unknown");
        }
        json_decref(root);
    }
    atomic_store(&p->reachable, result == CURLE_OK);
    if (h != HEALTH_OK)
        atomic_fetch_add(&p->probe_failures, 1);
    sg_pipeline_set_health(p, s, h, why);
    /* Check again soon while failing, so recovery is noticed quickly. */
    unsigned next = p->cfg->probe_interval_ms;
    if (h != HEALTH_OK && next > 1000)
        next = 1000;
    s->next_probe_ms = sg_clock_ms() + next;
    s->probing = false;
}

void sg_probe_start(struct sg_pipeline *p, struct stream *s, int64_t now)
{
    s->next_probe_ms = now + p->cfg->probe_interval_ms;
    struct sg_credentials *cr = sg_creds_provider_get(p->creds);
    if (!cr) {
        sg_pipeline_set_health(p, s, HEALTH_FAILING, "no AWS credentials available");
        s->next_probe_ms = now + 1000;
        return;
    }
    const struct sg_stream_config *sc = s->cfg;
    int is_arn = sc->stream_arn[0] != '\0';
    struct call *c = calloc(1, sizeof *c);
    int rc = -1;
    if (c) {
        c->p = p, c->s = s, c->kind = CALL_PROBE, c->started_ms = now;
        sg_buf_init(&c->body, 4096);
        sg_buf_init(&c->resp, 65536);
        rc = sg_buf_append_str(&c->body, is_arn ? "{\"StreamARN\":" : "{\"StreamName\":");
        const char *name = is_arn ? sc->stream_arn : sc->stream_name;
        rc |= sg_buf_append_json_string(&c->body, name, strlen(name));
        rc |= sg_buf_append_char(&c->body, '}');
        c->easy = sg_pipeline_take_easy(p);
    }
    if (rc != 0 || !c->easy || sg_pipeline_sign_call(p, c, cr, SG_KINESIS_TARGET_DESCRIBE_SUMMARY) != 0 ||
        sg_pipeline_setup_easy(p, c, now) != 0 ||
        curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, (long)p->cfg->connect_timeout_ms * 2) !=
            CURLE_OK ||
        curl_multi_add_handle(p->multi, c->easy) != CURLM_OK) {
        sg_pipeline_free_call(c);
        sg_credentials_release(cr);
        return;
    }
    sg_credentials_release(cr);
    sg_pipeline_track_call(p, c);
    s->probing = true;
    atomic_fetch_add(&p->probes, 1);
}

