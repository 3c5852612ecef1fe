/*
 * kinesis_api: the opening of a stream's request body (see header).
 */
#include "kinesis_api.h"

#include <string.h>

int sg_kinesis_append_open(struct sg_buf *out, const char *stream, int is_arn)
{
    int rc = sg_buf_append_str(out, is_arn ? "{\"StreamARN\":" : "{\"StreamName\":");
    rc |= sg_buf_append_json_string(out, stream, strlen(stream));
    return rc ? -1 : 0;
}

int sg_kinesis_append_stream_body(struct sg_buf *out, const char *stream, int is_arn)
{
    if (sg_kinesis_append_open(out, stream, is_arn) != 0)
        return -1;
    return sg_buf_append_char(out, '}') ? -1 : 0;
}
