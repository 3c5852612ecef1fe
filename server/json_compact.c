/*
 * json_compact: a validated value without its insignificant whitespace (see
 * json_scan.h); token bytes unchanged, all or nothing.
 */
#include "json_scan_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sg_buf_result sg_json_compact_indexed(struct sg_json_span v, const struct sg_json_index *idx,
                                           struct sg_buf *out)
{
    /* Nothing to drop: the same bytes, and the same all-or-nothing append. */
    if (sg_json_is_compact(idx, v))
        return sg_buf_append(out, v.ptr, v.len);
    return sg_json_compact(v, out);
}

enum sg_buf_result sg_json_compact(struct sg_json_span v, struct sg_buf *out)
{
    if (v.len == 0)
        return SG_BUF_OK;
    /* Compact output is never longer than its input, so this reserve
     * usually makes the appends infallible; the limit applies to the output
     * (whitespace does not count), so only the room left is reserved. */
    size_t before = out->len;
    enum sg_buf_result rc = sg_buf_reserve_upto(out, v.len);
    const char *p = v.ptr, *end = v.ptr + v.len;
    while (rc == SG_BUF_OK && p < end) {
        const char *run = p;
        while (p < end && !is_ws(*p))
            p = *p == '"' ? sg_json_skip_string(p, end) : p + 1;
        if (p > run)
            rc = sg_buf_append(out, run, (size_t)(p - run));
        p = skip_ws(p, end);
    }
    if (rc != SG_BUF_OK)
        sg_buf_truncate(out, before); /* all or nothing */
    return rc;
}
