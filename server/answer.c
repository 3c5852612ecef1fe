/* answer: the table of answers (see answer.h). */
#include "answer.h"

static const struct sg_answer_kind kinds[SG_ANSWER_COUNT] = {
    [SG_ANSWER_OK] = {200, NULL, "OK"},
    [SG_ANSWER_BAD_REQUEST] = {400, "BadRequestException", "Bad Request"},
    [SG_ANSWER_FORBIDDEN] = {403, "ForbiddenException", "Forbidden"},
    [SG_ANSWER_NOT_FOUND] = {404, "NotFoundException", "Not Found"},
    [SG_ANSWER_METHOD_NOT_ALLOWED] = {405, "MethodNotAllowedException", "Method Not Allowed"},
    [SG_ANSWER_TOO_LARGE] = {413, "RequestTooLargeException", "Request Too Large"},
    [SG_ANSWER_UNSUPPORTED_MEDIA_TYPE] = {415, "UnsupportedMediaTypeException",
                                          "Unsupported Media Type"},
    [SG_ANSWER_TOO_MANY_REQUESTS] = {429, "TooManyRequestsException", "Too Many Requests"},
    [SG_ANSWER_HEADERS_TOO_LARGE] = {431, "RequestHeaderFieldsTooLargeException",
                                     "Request Header Fields Too Large"},
    [SG_ANSWER_INTERNAL_ERROR] = {500, "InternalServerErrorException", "Internal server error"},
    [SG_ANSWER_NOT_IMPLEMENTED] = {501, "NotImplementedException", "Not Implemented"},
    [SG_ANSWER_BAD_GATEWAY] = {502, "BadGatewayException", "Bad Gateway"},
    [SG_ANSWER_UNAVAILABLE] = {503, "ServiceUnavailableException", "Service Unavailable"},
    [SG_ANSWER_TIMEOUT] = {504, "GatewayTimeoutException", "Gateway Timeout"},
};

const struct sg_answer_kind *sg_answer_kind(enum sg_answer a)
{
    return &kinds[a < SG_ANSWER_COUNT ? a : SG_ANSWER_INTERNAL_ERROR];
}

enum sg_answer sg_answer_for_status(unsigned status)
{
    for (int i = 0; i < SG_ANSWER_COUNT; i++)
        if (kinds[i].status == status)
            return (enum sg_answer)i;
    return SG_ANSWER_COUNT;
}

enum sg_answer sg_answer_for_outcome(enum sg_outcome outcome)
{
    switch (outcome) {
    case SG_OUTCOME_OK:
        return SG_ANSWER_OK;
    case SG_OUTCOME_INVALID:
        return SG_ANSWER_BAD_REQUEST;
    case SG_OUTCOME_THROTTLED:
    case SG_OUTCOME_UNAVAILABLE:
        return SG_ANSWER_UNAVAILABLE;
    case SG_OUTCOME_REFUSED:
        return SG_ANSWER_BAD_GATEWAY;
    case SG_OUTCOME_TIMEOUT:
    case SG_OUTCOME_PENDING:
        break;
    }
    return SG_ANSWER_TIMEOUT;
}

enum sg_answer sg_answer_for_ingest(enum sg_ingest_status status)
{
    switch (status) {
    case SG_INGEST_OK:
        return SG_ANSWER_OK;
    case SG_INGEST_TOO_LARGE:
        return SG_ANSWER_TOO_LARGE;
    case SG_INGEST_NO_MEMORY:
        return SG_ANSWER_UNAVAILABLE;
    case SG_INGEST_BAD_REQUEST:
        break;
    }
    return SG_ANSWER_BAD_REQUEST;
}
