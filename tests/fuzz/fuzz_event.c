/*
 * fuzz_event: the request-path JSON scanner and the event contract.
 *
 * For any input: validation either refuses it with an offset inside the
 * input and a reason, or accepts it; then
 *   - compacting is byte-faithful: the output re-validates, has no outer
 *     whitespace, and compacting it again changes nothing;
 *   - every navigation helper stays inside the value (ASan checks that);
 *   - enrichment either succeeds with a valid JSON object and a 36-byte
 *     uuid, or fails with a message and leaves the output untouched.
 * A broken property calls abort(), which libFuzzer and the replay runner
 * both report as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
    if (!ok)
        abort();
}

static void check_compact(struct sg_json_span v)
{
    struct sg_buf once, twice;
    struct sg_json_span cv;
    struct sg_json_error err;
    sg_buf_init(&once, 0);
    sg_buf_init(&twice, 0);
    require(sg_json_compact(v, &once) == 0 && once.len <= v.len);
    require(sg_json_validate(once.data, once.len, SG_JSON_MAX_DEPTH_DEFAULT, &cv, &err) == 0);
    require(cv.ptr == once.data && cv.len == once.len);
    require(sg_json_compact(cv, &twice) == 0);
    require(twice.len == once.len && memcmp(twice.data, once.data, once.len) == 0);
    sg_buf_free(&once);
    sg_buf_free(&twice);
}

static void check_enrich(struct sg_json_span v)
{
    struct sg_buf out;
    struct sg_event_error err;
    struct sg_json_error jerr;
    struct sg_json_span ov;
    char uuid[SG_EVENT_UUID_LEN + 1];
    sg_buf_init(&out, 0);
    if (sg_event_enrich(v, &out, uuid, &err) == 0) {
        require(sg_json_validate(out.data, out.len, SG_JSON_MAX_DEPTH_DEFAULT, &ov, &jerr) == 0);
        require(sg_json_type_of(ov) == SG_JSON_OBJECT && strlen(uuid) == SG_EVENT_UUID_LEN);
    } else {
        require(err.message[0] != '\0' && out.len == 0);
    }
    sg_buf_free(&out);
}

/* Walks one level of a container through the iterators and the decoders. */
static void check_members(struct sg_json_span v)
{
    struct sg_json_iter it;
    struct sg_json_span k, m, got;
    sg_json_iter_init(&it, v);
    if (sg_json_type_of(v) == SG_JSON_ARRAY) {
        while (sg_json_array_next(&it, &m))
            check_enrich(m); /* as a Records array would hold them */
        return;
    }
    if (sg_json_type_of(v) != SG_JSON_OBJECT)
        return;
    while (sg_json_object_next(&it, &k, &m)) {
        struct sg_buf name;
        sg_buf_init(&name, 0);
        require(sg_json_string_decode(k, &name) == 0 && name.len <= k.len);
        /* Keys are unique, so the lookup finds this very member (keys with
         * a NUL cannot be looked up through a C string). */
        if (name.len > 0 && memchr(name.data, '\0', name.len) == NULL)
            require(sg_json_object_get(v, name.data, &got) && got.ptr == m.ptr &&
                    sg_json_string_equals(k, name.data));
        sg_buf_free(&name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct sg_json_span v;
    struct sg_json_error err;
    if (sg_json_validate(buf, size, SG_JSON_MAX_DEPTH_DEFAULT, &v, &err) != 0) {
        require(err.offset <= size && strncmp(err.text, "invalid JSON at offset", 22) == 0);
        return 0;
    }
    require(v.len > 0 && v.ptr >= buf && v.ptr + v.len <= buf + size);
    check_compact(v);
    check_enrich(v);
    check_members(v);
    return 0;
}
