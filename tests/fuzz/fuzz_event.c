/*
 * fuzz_event: the request-path JSON scanner and the event contract.
 *
 * For any input: validation either refuses it with an offset inside the
 * input and a reason, or accepts it; then
 *   - compacting is byte-faithful: the output re-validates, has no outer
 *     whitespace, and compacting it again changes nothing;
 *   - every navigation helper stays inside the value (ASan checks that);
 *   - enrichment either succeeds with a valid JSON object and a 36-byte
 *     uuid, or fails with a message and leaves the output untouched; the
 *     enriched event is at most 4x its Data's bytes plus the derived
 *     members' fixed text (the bound ingest_parse sizes its entries by), and
 *     a limit of exactly its size lets it through, one byte less refuses it
 *     as too large (the limit is on the output, not the input);
 *   - the structural index changes nothing: validating with an index (full,
 *     or bounded to a few containers so it is partial) gives the same result
 *     and error text, and at every level the indexed iterators, compaction
 *     and enrichment give exactly the spans and bytes of the plain ones; a
 *     container the index calls compact compacts to itself.
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
    require(sg_json_validate(once.data, once.len,
                             &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, NULL}, &cv,
                             &err) == 0);
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
    if (sg_event_enrich(v, NULL, &out, uuid, &err) == 0) {
        require(sg_json_validate(out.data, out.len,
                                 &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, NULL}, &ov,
                                 &jerr) == 0);
        require(sg_json_type_of(ov) == SG_JSON_OBJECT && strlen(uuid) == SG_EVENT_UUID_LEN);
        require(out.len <= 4 * v.len + 128);
        struct sg_buf at, below;
        sg_buf_init(&at, out.len);
        sg_buf_init(&below, out.len - 1);
        require(sg_event_enrich(v, NULL, &at, uuid, &err) == 0 && at.len == out.len &&
                memcmp(at.data, out.data, out.len) == 0);
        require(sg_event_enrich(v, NULL, &below, uuid, &err) == -1 && err.too_large &&
                below.len == 0);
        sg_buf_free(&at);
        sg_buf_free(&below);
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

static bool same_span(struct sg_json_span a, struct sg_json_span b)
{
    return a.ptr == b.ptr && a.len == b.len;
}

static void check_same_compact(struct sg_json_span v, const struct sg_json_index *idx)
{
    struct sg_buf a, b;
    sg_buf_init(&a, 0);
    sg_buf_init(&b, 0);
    require(sg_json_compact(v, &a) == 0 && sg_json_compact_indexed(v, idx, &b) == 0);
    require(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
    if (sg_json_is_compact(idx, v))
        require(a.len == v.len && memcmp(a.data, v.ptr, v.len) == 0);
    sg_buf_free(&a);
    sg_buf_free(&b);
}

static void check_same_enrich(struct sg_json_span v, const struct sg_json_index *idx)
{
    struct sg_buf a, b;
    struct sg_event_error ea, eb;
    char ua[SG_EVENT_UUID_LEN + 1], ub[SG_EVENT_UUID_LEN + 1];
    sg_buf_init(&a, 0);
    sg_buf_init(&b, 0);
    int ra = sg_event_enrich(v, NULL, &a, ua, &ea);
    struct sg_event_opts opts = {.idx = idx};
    int rb = sg_event_enrich(v, &opts, &b, ub, &eb);
    require(ra == rb && a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
    if (ra == 0)
        require(strcmp(ua, ub) == 0);
    else
        require(strcmp(ea.field, eb.field) == 0 && strcmp(ea.message, eb.message) == 0 &&
                ea.too_large == eb.too_large);
    sg_buf_free(&a);
    sg_buf_free(&b);
}

/* Walks v plainly and through idx side by side, at every level. */
static void check_same_walk(struct sg_json_span v, const struct sg_json_index *idx, unsigned depth)
{
    enum sg_json_type t = sg_json_type_of(v);
    check_same_compact(v, idx);
    if (depth <= 2) /* events sit at the top levels; deeper ones cost time only */
        check_same_enrich(v, idx);
    if (t != SG_JSON_OBJECT && t != SG_JSON_ARRAY)
        return;
    struct sg_json_iter pi, ii;
    struct sg_json_span pk = {NULL, 0}, pv, ik = {NULL, 0}, iv;
    sg_json_iter_init(&pi, v);
    sg_json_iter_init_indexed(&ii, v, idx);
    for (;;) {
        bool pr =
            t == SG_JSON_OBJECT ? sg_json_object_next(&pi, &pk, &pv) : sg_json_array_next(&pi, &pv);
        bool ir =
            t == SG_JSON_OBJECT ? sg_json_object_next(&ii, &ik, &iv) : sg_json_array_next(&ii, &iv);
        require(pr == ir);
        if (!pr)
            return;
        require(same_span(pv, iv) && (t != SG_JSON_OBJECT || same_span(pk, ik)));
        check_same_walk(pv, idx, depth + 1);
    }
}

static void check_index(const char *buf, size_t size, int plain_rc,
                        const struct sg_json_error *plain_err, struct sg_json_span plain)
{
    static const size_t bounds[] = {SG_JSON_INDEX_MAX, 2, 5};
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
        struct sg_json_index idx;
        struct sg_json_span v;
        struct sg_json_error err;
        sg_json_index_init(&idx, bounds[b]);
        int rc = sg_json_validate(
            buf, size, &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, &idx}, &v, &err);
        require(rc == plain_rc);
        if (rc != 0)
            require(err.offset == plain_err->offset && strcmp(err.text, plain_err->text) == 0);
        else {
            require(same_span(v, plain));
            check_same_walk(v, &idx, 0);
        }
        sg_json_index_free(&idx);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct sg_json_span v;
    struct sg_json_error err;
    if (sg_json_validate(buf, size, &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, NULL},
                         &v, &err) != 0) {
        require(err.offset <= size && strncmp(err.text, "invalid JSON at offset", 22) == 0);
        check_index(buf, size, -1, &err, v);
        return 0;
    }
    check_index(buf, size, 0, &err, v);
    require(v.len > 0 && v.ptr >= buf && v.ptr + v.len <= buf + size);
    check_compact(v);
    check_enrich(v);
    check_members(v);
    return 0;
}
