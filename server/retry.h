/*
 * retry: backoff and the final answer for records Kinesis did not accept.
 * Pure: time and randomness are parameters.
 */
#ifndef SG_RETRY_H
#define SG_RETRY_H

#include <stdint.h>

#include "kinesis_codec.h"
#include "record.h"

/* "Full jitter" exponential backoff
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
 * a delay drawn uniformly from [0, min(max_ms, base_ms * 2^attempt)], with
 * `random` a uniform 64-bit value. attempt counts from 0. */
int64_t sg_retry_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms, uint64_t random);

/* The answer a record gets if it must stop retrying after failing with
 * `status` (UNAVAILABLE when `unreachable` says no connection could be made). */
enum sg_outcome sg_retry_outcome_for(enum sg_kinesis_status status, int unreachable);

/* HTTP status for a final outcome: 200, 400, 503, 503, 502, 504. */
int sg_retry_http_status(enum sg_outcome outcome);

#endif
