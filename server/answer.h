/*
 * answer: every kind of answer the gateway gives, in one table: its HTTP
 * status, its x-amzn-ErrorType (API Gateway's gateway-response types; 431
 * and 501, which API Gateway never sends, are named alike) and the stem of
 * its message. Every path that answers a client picks an enum sg_answer
 * (the mappings below), never a bare status; the README's error table is
 * checked against this table (tests/unit/test_answer.c).
 */
#ifndef SG_ANSWER_H
#define SG_ANSWER_H

#include "ingest_parse.h"
#include "record.h"

enum sg_answer {
    SG_ANSWER_OK = 0,
    SG_ANSWER_BAD_REQUEST,
    SG_ANSWER_FORBIDDEN,
    SG_ANSWER_NOT_FOUND,
    SG_ANSWER_METHOD_NOT_ALLOWED,
    SG_ANSWER_TOO_LARGE,
    SG_ANSWER_UNSUPPORTED_MEDIA_TYPE,
    SG_ANSWER_TOO_MANY_REQUESTS,
    SG_ANSWER_HEADERS_TOO_LARGE,
    SG_ANSWER_INTERNAL_ERROR,
    SG_ANSWER_NOT_IMPLEMENTED,
    SG_ANSWER_BAD_GATEWAY,
    SG_ANSWER_UNAVAILABLE,
    SG_ANSWER_TIMEOUT,
    SG_ANSWER_COUNT
};

struct sg_answer_kind {
    unsigned status;
    const char *error_type; /* NULL for 200 */
    const char *stem;       /* "Bad Request", ...: the message when there is no other */
};

/* The row of `a` (a valid enum value). */
const struct sg_answer_kind *sg_answer_kind(enum sg_answer a);

/* The answer for an HTTP status (for the few places that only have one, as
 * libmicrohttpd's own errors), or SG_ANSWER_COUNT when none has it. */
enum sg_answer sg_answer_for_status(unsigned status);

/* A record's final outcome (record.h): 200, 400, 503, 502 or 504. */
enum sg_answer sg_answer_for_outcome(enum sg_outcome outcome);

/* A request body that failed as a whole (ingest_parse.h): 400, 413, 503. */
enum sg_answer sg_answer_for_ingest(enum sg_ingest_status status);

#endif
