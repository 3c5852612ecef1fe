/*
 * gateway: response counting (see gateway.h).
 */
#include "gateway.h"

void sg_gateway_count_response(struct sg_gateway *gw, enum sg_route_id route, unsigned status)
{
    /* One counter per answer of answer.h's table; SG_ANSWER_COUNT: other. */
    enum sg_answer slot = sg_answer_for_status(status);
    atomic_fetch_add_explicit(&gw->responses[route][slot], 1, memory_order_relaxed);
}
