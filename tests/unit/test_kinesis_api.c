/*
 * test_kinesis_api: server/kinesis/kinesis_api.h.
 *   - sg_kinesis_append_stream_body: exact bytes for a name, an ARN and a
 *     name that needs escaping; the body parses and names the stream;
 *   - a body past the buffer's ceiling fails;
 *   - the X-Amz-Target values as Kinesis spells them.
 */
#include "kinesis/kinesis_api.h"

#include <jansson.h>
#include <string.h>

#include "check.h"

static void test_stream_body(void)
{
    static const struct {
        const char *stream;
        int is_arn;
        const char *want;
        const char *member;
    } rows[] = {
        {"events", 0, "{\"StreamName\":\"events\"}", "StreamName"},
        {"arn:aws:kinesis:us-east-1:123456789012:stream/x", 1,
         "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/x\"}", "StreamARN"},
        {"a\"b\\c", 0, "{\"StreamName\":\"a\\\"b\\\\c\"}", "StreamName"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_buf b;
        sg_buf_init(&b, 4096);
        CHECK(sg_kinesis_append_stream_body(&b, rows[i].stream, rows[i].is_arn) == 0, "row %zu", i);
        CHECK_STREQ(b.data ? b.data : "", rows[i].want, rows[i].stream);
        json_error_t err;
        json_t *root = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &err);
        const char *got = json_string_value(json_object_get(root, rows[i].member));
        CHECK(root && json_object_size(root) == 1 && got && strcmp(got, rows[i].stream) == 0,
              "row %zu parses and names the stream", i);
        json_decref(root);
        sg_buf_free(&b);
    }
    struct sg_buf small;
    sg_buf_init(&small, 8);
    CHECK(sg_kinesis_append_stream_body(&small, "events", 0) != 0, "past the ceiling fails");
    sg_buf_free(&small);
}

static void test_targets(void)
{
    CHECK_STREQ(SG_KINESIS_TARGET_PUT_RECORDS, "Kinesis_20131202.PutRecords", "PutRecords");
    CHECK_STREQ(SG_KINESIS_TARGET_DESCRIBE_SUMMARY, "Kinesis_20131202.DescribeStreamSummary",
                "DescribeStreamSummary");
    CHECK_STREQ(SG_KINESIS_TARGET_LIST_SHARDS, "Kinesis_20131202.ListShards", "ListShards");
}

int main(void)
{
    test_stream_body();
    test_targets();
    return sg_check_result("test_kinesis_api");
}
