/*
 * gateway: the context every request handler receives.
 * Built once in main; the pointers are borrowed and outlive the HTTP server.
 * Counters are atomics so that the hot path never takes a lock for them.
 */
#ifndef SG_GATEWAY_H
#define SG_GATEWAY_H

#include <stdatomic.h>
#include <stdint.h>

#include "answer.h"
#include "config.h"
#include "conn_guard.h"
#include "creds.h"
#include "dead_letter.h"
#include "pipeline.h"
#include "policy.h"

enum sg_route_id { SG_RT_RECORD = 0, SG_RT_RECORDS, SG_RT_OPS, SG_RT_OTHER, SG_RT_COUNT };

struct sg_gateway {
    const struct sg_config *cfg;
    struct sg_pipeline *pipeline;
    struct sg_creds_provider *creds;
    struct sg_dead_letter *dead_letter; /* refusal counters and bad rows (dead_letter.h) */
    struct sg_policy_slot policy;       /* API keys, CORS, limits: swapped on SIGHUP */
    atomic_bool draining;               /* SIGTERM seen: /readyz answers 503 */
    atomic_size_t active_requests;      /* begun, not yet completed */
    /* by route and answer (answer.h); the last slot counts other statuses */
    atomic_uint_fast64_t responses[SG_RT_COUNT][SG_ANSWER_COUNT + 1];
    atomic_uint_fast64_t events_accepted, events_rejected;
    /* connections of the listeners, closed by reason (conn_guard.h) */
    atomic_uint_fast64_t connections_closed[SG_CONN_REASON_COUNT];
    atomic_size_t connections_open;
};

/* Counts a response of `status` on `route`. */
void sg_gateway_count_response(struct sg_gateway *gw, enum sg_route_id route, unsigned status);

#endif
