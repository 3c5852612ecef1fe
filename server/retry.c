/*
 * retry: backoff computation and outcome mapping (see retry.h).
 * Outcomes become HTTP answers in answer.c.
 */
#include "retry.h"

int64_t sg_retry_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms, uint64_t random)
{
    uint64_t cap = base_ms;
    for (unsigned i = 0; i < attempt && cap < max_ms; i++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms;
    return (int64_t)(random % (cap + 1));
}

enum sg_outcome sg_retry_outcome_for(enum sg_kinesis_status status, bool unreachable)
{
    if (unreachable)
        return SG_OUTCOME_UNAVAILABLE;
    switch (status) {
    case SG_KINESIS_OK:
        return SG_OUTCOME_OK;
    case SG_KINESIS_THROTTLED:
        return SG_OUTCOME_THROTTLED;
    case SG_KINESIS_FATAL:
        return SG_OUTCOME_REFUSED;
    case SG_KINESIS_RETRYABLE:
    case SG_KINESIS_EXPIRED_TOKEN:
        break;
    }
    return SG_OUTCOME_TIMEOUT;
}

struct sg_retry_plan sg_retry_plan_for(enum sg_kinesis_status status, bool unreachable,
                                       unsigned attempt, int64_t now, int64_t deadline_ms,
                                       bool stopping, unsigned base_ms, unsigned max_ms,
                                       uint64_t random)
{
    struct sg_retry_plan plan = {.outcome = sg_retry_outcome_for(status, unreachable)};
    if (status == SG_KINESIS_FATAL) {
        plan.outcome = SG_OUTCOME_REFUSED;
        return plan;
    }
    plan.not_before_ms = now + sg_retry_backoff_ms(attempt, base_ms, max_ms, random);
    plan.retry = plan.not_before_ms < deadline_ms && !stopping;
    return plan;
}
