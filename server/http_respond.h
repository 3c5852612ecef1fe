/*
 * http_respond: JSON responses in API Gateway's shape.
 *
 * Every response carries x-amzn-RequestId and Content-Type: application/json;
 * errors are {"message": "..."} with an x-amzn-ErrorType header named after
 * the status (one table, below in the .c), and 503/429 add Retry-After.
 */
#ifndef SG_HTTP_RESPOND_H
#define SG_HTTP_RESPOND_H

#include <microhttpd.h>
#include <stddef.h>

#define SG_RETRY_AFTER_S 1

/* Queues `body` (copied) with `status`. Returns MHD_YES/MHD_NO. */
enum MHD_Result sg_respond_json(struct MHD_Connection *conn, unsigned status,
                                const char *request_id, const char *body, size_t len);

/* Queues {"message": message} with `status` and its x-amzn-ErrorType.
 * `allow` (may be NULL) sets the Allow header of a 405. */
enum MHD_Result sg_respond_error(struct MHD_Connection *conn, unsigned status,
                                 const char *request_id, const char *message, const char *allow);

/* The x-amzn-ErrorType for a status, e.g. "BadRequestException". */
const char *sg_respond_error_type(unsigned status);

#endif
