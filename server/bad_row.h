/*
 * bad_row: one refused event as a JSON "bad row" for the dead-letter stream.
 *
 * Modeled on Snowplow's schema_violations bad rows: what failed and why,
 * where it came from, and the payload exactly as the client sent it, so the
 * event can be looked at, fixed and sent again. One row is one object:
 *
 *   {"failure":{"timestamp":"2026-12-06T10:00:00.123Z",
 *               "reasons":[{"path":"$.amount","rule":"type","message":"..."}]},
 *    "event_name":"payment:order:completed",      (only when there is one)
 *    "stream":"events","request_id":"...","api_key_id":"..." | null,
 *    "received_at":"2026-12-06T10:00:00.120Z",
 *    "payload":"<the bytes as sent, as a JSON string>",
 *    "payload_truncated":false}
 *
 * Size: a row must fit one Kinesis record (1 MiB with its partition key).
 * The payload is cut, on a character boundary, so that its escaped text
 * takes at most SG_BAD_ROW_PAYLOAD_MAX bytes: a JSON event (escaping at most
 * doubles it) is kept whole up to 384 KiB, any body up to 128 KiB (every
 * byte a control character, 6 bytes escaped). A cut sets payload_truncated.
 * Bytes that are not UTF-8 (only a body that is not JSON can hold them) are
 * written as U+FFFD. The other members are bounded too (event_name cut at
 * SG_BAD_ROW_EVENT_NAME_MAX bytes, the reasons' texts by their callers), so
 * a row is at most SG_BAD_ROW_MAX bytes.
 *
 * Pure: no I/O, no clock (times are parameters), no globals; thread-safe.
 */
#ifndef SG_BAD_ROW_H
#define SG_BAD_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json_scan.h"

#define SG_BAD_ROW_PAYLOAD_MAX (768u * 1024u) /* escaped payload text, quotes excluded */
#define SG_BAD_ROW_EVENT_NAME_MAX 512u        /* bytes of event_name kept */
#define SG_BAD_ROW_TEXT_MAX 512u              /* bytes kept of a reason's path/rule/message */
#define SG_BAD_ROW_REASONS_MAX 8u
/* Every member but the payload, escaped, with room to spare. */
#define SG_BAD_ROW_FIXED_MAX (16u * 1024u + SG_BAD_ROW_REASONS_MAX * 6u * 3u * SG_BAD_ROW_TEXT_MAX)
#define SG_BAD_ROW_MAX (SG_BAD_ROW_PAYLOAD_MAX + SG_BAD_ROW_FIXED_MAX)

/* One reason the event was refused (strings borrowed, NUL-terminated). */
struct sg_bad_row_reason {
    const char *path;    /* JSON path of the value at fault: "$.amount", "$" */
    const char *rule;    /* the rule's id: "type", "event_name", "json", ... */
    const char *message; /* what the client was told */
};

/* Everything a row says; strings borrowed for the call. */
struct sg_bad_row {
    int64_t failed_at_ms;   /* failure.timestamp: Unix milliseconds (wall clock) */
    int64_t received_at_ms; /* when the request arrived: Unix milliseconds */
    const struct sg_bad_row_reason *reasons;
    size_t n_reasons; /* 1..SG_BAD_ROW_REASONS_MAX (more are left out) */
    const char *event_name;
    size_t event_name_len;  /* decoded UTF-8; event_name NULL: the row has none */
    const char *stream;     /* the route's stream name */
    const char *request_id; /* the x-amzn-RequestId answered */
    const char *api_key_id; /* NULL: null (no API key) */
    const char *payload;    /* the bytes as sent */
    size_t payload_len;
};

/*
 * Appends the row's JSON text to `out`; all or nothing.
 * [out] truncated (may be NULL): whether the payload was cut.
 * Returns SG_BUF_OK, or why the append failed (out is then unchanged).
 */
SG_MUST_CHECK enum sg_buf_result sg_bad_row_append(struct sg_buf *out, const struct sg_bad_row *row,
                                                   bool *truncated);

/*
 * The event_name of an event as sent: `data` is a validated JSON value (an
 * object, or a string holding an object's JSON text, as event.h accepts).
 * Decoded into `out` (reset first), cut at SG_BAD_ROW_EVENT_NAME_MAX bytes on a
 * character boundary.
 * Returns true when the event has a string event_name, false otherwise (or
 * when memory ran out: the row then goes without it).
 */
bool sg_bad_row_event_name(struct sg_json_span data, struct sg_buf *out);

/* Appends s[0..n) as a JSON string whose escaped text (quotes excluded) takes
 * at most `cap` bytes, cut on a character boundary; bytes that are not UTF-8
 * become U+FFFD. [out] truncated: whether it was cut. All or nothing. */
SG_MUST_CHECK enum sg_buf_result sg_bad_row_append_capped(struct sg_buf *out, const char *s,
                                                          size_t n, size_t cap, bool *truncated);

#endif
