/*
 * gateway: response counting (see gateway.h).
 */
#include "gateway.h"

const unsigned sg_counted_statuses[SG_STATUS_SLOTS] = {200, 400, 403, 404, 405, 413,
                                                       415, 429, 500, 502, 503, 504};

void sg_gateway_count_response(struct sg_gateway *gw, enum sg_route_id route, unsigned status)
{
    size_t slot = SG_STATUS_SLOTS;
    for (size_t i = 0; i < SG_STATUS_SLOTS; i++)
        if (sg_counted_statuses[i] == status) {
            slot = i;
            break;
        }
    atomic_fetch_add_explicit(&gw->responses[route][slot], 1, memory_order_relaxed);
}
