/*
 * pipeline_shards: the shard map of each aggregating stream, kept by the
 * sender thread.
 *
 * ListShards (https://docs.aws.amazon.com/kinesis/latest/APIReference/
 * API_ListShards.html) pages through every shard of the stream; the next
 * page is asked for with the NextToken alone. The pages build a new map in
 * stream.loading, which replaces stream.shards once complete and sound
 * (shard_map.c), so calls are always packed with a whole map. It is
 * refreshed every SHARDS_REFRESH_MS, and sooner when an aggregate landed in a
 * shard other than the one its map named (a split or merge happened): then
 * the map is stale, and records are sent one by one until the new one is in.
 * A failed refresh keeps the old map and tries again after a second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/kinesis_api.h"
#include "kinesis/kinesis_codec.h"
#include "log.h"
#include "pipeline_internal.h"

#define SHARDS_REFRESH_MS 60000
#define SHARDS_RETRY_MS 1000
#define SHARDS_ANSWER_LIMIT (8u * 1024u * 1024u)
#define NEXT_TOKEN_MAX 2048
/* Beside the token (or the stream's ARN) the body has its JSON, escapes included. */
#define LIST_BODY_OVERHEAD 4096

static int list_body(struct sg_buf *b, const struct sg_stream_config *sc, const char *token)
{
    if (token && *token) {
        int rc = sg_buf_append_str(b, "{\"NextToken\":");
        rc |= sg_buf_append_json_string(b, token, strlen(token));
        return rc | sg_buf_append_char(b, '}');
    }
    int is_arn;
    const char *id = sg_pipeline_stream_id(sc, &is_arn);
    return sg_kinesis_append_stream_body(b, id, is_arn);
}

void sg_shards_start(struct sg_pipeline *p, struct stream *s, int64_t now, const char *token)
{
    s->next_list_ms = now + SHARDS_RETRY_MS; /* unless the refresh completes */
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->s = s, c->kind = CALL_LIST_SHARDS, c->started_ms = now;
    sg_buf_init(&c->body, NEXT_TOKEN_MAX + LIST_BODY_OVERHEAD);
    enum sg_transport_start started = SG_TRANSPORT_START_FAILED;
    if (list_body(&c->body, s->cfg, token) == 0) {
        struct sg_kinesis_request req = {SG_KINESIS_TARGET_LIST_SHARDS, c->body.data, c->body.len,
                                         (int64_t)p->cfg->call_timeout_ms, SHARDS_ANSWER_LIMIT};
        started = p->transport->ops->start(p->transport, &req, c);
    }
    if (started != SG_TRANSPORT_STARTED) {
        sg_pipeline_free_call(p, c);
        return;
    }
    if (!token || !*token)
        sg_shard_map_free(&s->loading); /* a new refresh starts from nothing */
    sg_pipeline_track_call(p, c);
    s->listing = true;
}

static void refresh_failed(struct stream *s, const char *why)
{
    sg_log(SG_LOG_WARN, "stream %s: shard map not refreshed (%s); %s", s->cfg->name, why,
           s->shards.n ? "aggregates keep the last map" : "records are sent without aggregation");
    sg_shard_map_free(&s->loading);
}

void sg_shards_complete(struct sg_pipeline *p, struct call *c, const struct sg_kinesis_reply *r)
{
    struct stream *s = c->s;
    int64_t now = p->now_ms();
    s->listing = false;
    char err[256] = "", token[NEXT_TOKEN_MAX];
    if (r->outcome != SG_TRANSPORT_ANSWERED) {
        snprintf(err, sizeof err, "ListShards: %.200s", r->error);
    } else if (r->http_status != 200) {
        struct sg_kinesis_error e;
        sg_kinesis_classify_call(r->http_status, r->body, r->body_len, r->error_type, &e);
        snprintf(err, sizeof err, "ListShards: %.60s: %.150s", e.code, e.message);
    } else if (sg_shard_map_add_page(&s->loading, r->body, r->body_len, token, sizeof token, err,
                                     sizeof err) == 0) {
        if (token[0]) {
            sg_shards_start(p, s, now, token);
            return;
        }
        if (sg_shard_map_finish(&s->loading, err, sizeof err) == 0) {
            sg_shard_map_free(&s->shards);
            s->shards = s->loading;
            memset(&s->loading, 0, sizeof s->loading);
            s->map_gen++;
            s->map_stale = false;
            s->next_list_ms = now + SHARDS_REFRESH_MS;
            sg_log(SG_LOG_INFO, "stream %s: %zu open shards, aggregates packed by shard",
                   s->cfg->name, s->shards.n);
            return;
        }
    }
    refresh_failed(s, err);
}

void sg_shards_stale(struct sg_pipeline *p, struct stream *s, int64_t now)
{
    (void)p;
    /* Aggregates wait for the new map: packing them with the stale one
     * would put more records where KCL drops them. The stale map stays for
     * checking the other answers of calls packed with it. */
    if (!s->map_stale)
        sg_log(SG_LOG_INFO,
               "stream %s: an aggregate landed outside its shard; reading the "
               "shard map again",
               s->cfg->name);
    s->map_stale = true;
    if (!s->listing && s->next_list_ms > now)
        s->next_list_ms = now;
}
