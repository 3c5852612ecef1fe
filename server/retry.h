/*
 * retry: backoff and the final answer for records Kinesis did not accept.
 * Pure: time and randomness are parameters.
 */
#ifndef SG_RETRY_H
#define SG_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "kinesis/kinesis_codec.h"
#include "record.h"

/* "Full jitter" exponential backoff
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
 * a delay drawn uniformly from [0, min(max_ms, base_ms * 2^attempt)], with
 * `random` a uniform 64-bit value. attempt counts from 0. */
int64_t sg_retry_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms, uint64_t random);

/* The answer a record gets if it must stop retrying after failing with
 * `status` (UNAVAILABLE when `unreachable` says no connection could be made). */
enum sg_outcome sg_retry_outcome_for(enum sg_kinesis_status status, bool unreachable);

/* What becomes of a record that just failed. */
struct sg_retry_plan {
    bool retry; /* true: send again, not before not_before_ms */
    int64_t not_before_ms;
    enum sg_outcome outcome; /* the answer now (retry false), or if the deadline passes */
};

/* The retry decision for a record whose attempt number `attempt` (from 0)
 * failed with `status` at `now`: refused records are answered at once; the
 * others wait a full-jitter backoff (sg_retry_backoff_ms with `random`) and
 * are answered instead when that wait would reach `deadline_ms` or the
 * sender is `stopping`. */
struct sg_retry_plan sg_retry_plan_for(enum sg_kinesis_status status, bool unreachable,
                                       unsigned attempt, int64_t now, int64_t deadline_ms,
                                       bool stopping, unsigned base_ms, unsigned max_ms,
                                       uint64_t random);

#endif
