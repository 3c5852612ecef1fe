/*
 * event: the event contract: validation and enrichment of one event.
 *
 * Input is the span of a record's `Data` value, already validated as JSON by
 * json_scan. An event is a JSON object, or a JSON string whose content is the
 * event's JSON text. Rules (the first broken one is reported):
 *   - event_uuid: string, UUID in 8-4-4-4-12 hex form (either case);
 *   - event_name: string of one or more non-empty parts separated by ':';
 *   - created_at: JSON number of Unix seconds, integer or fractional, not
 *     negative; a value that can only be milliseconds (>= 1e11, i.e. after
 *     year 5138 as seconds) is refused with a message saying so.
 * Output is the compact event with every other member kept in order and byte
 * for byte, the client's own created_datetime / event_type / event_subtype
 * members dropped, and the derived members appended at the end:
 *   "created_datetime":"2024-04-07T18:21:05Z" (".123Z" when created_at has a
 *   fraction: milliseconds, truncated), "event_type":"<part 1>",
 *   "event_subtype":"<part 2>" or null.
 * The field names live in config/event-fields.json too (the Glue table is
 * checked against that file and unit tests check it against this module).
 *
 * Pure: no I/O, no clock, no globals; thread-safe.
 */
#ifndef SG_EVENT_H
#define SG_EVENT_H

#include "buf.h"
#include "json_scan.h"

#define SG_EVENT_UUID_LEN 36
#define SG_EVENT_MS_THRESHOLD 1e11 /* created_at at or above: milliseconds */

struct sg_event_error {
    char field[32];    /* the field at fault, e.g. "created_at"; "" for the whole event */
    char message[192]; /* the rule, naming the field, for the client */
    int too_large;     /* the enriched event did not fit in out's limit (413) */
    int no_memory;     /* an allocation failed (503): not the event's fault */
};

/*
 * Validates and enriches one event.
 * [in]  data: span of the Data value (object, or string holding the object).
 * [out] out: the enriched compact event is appended (only on success; on
 *       failure out is restored to its previous length).
 * [out] uuid: the event_uuid as sent, NUL-terminated (default partition key).
 * [out] err: filled on failure.
 * Returns 0, or -1 when the event breaks a rule or out's limit is reached
 * (err->too_large is then set).
 */
int sg_event_enrich(struct sg_json_span data, struct sg_buf *out, char uuid[SG_EVENT_UUID_LEN + 1],
                    struct sg_event_error *err);

/*
 * sg_event_enrich, given the structural index of the document that holds
 * `data` (json_scan.h): the same output and errors, with fewer passes over
 * the event (nested values are jumped over; an event without whitespace or
 * client-sent derived members is copied in one go).
 * [in] idx: borrowed; NULL or an index of another document is allowed (it
 *      then only goes unused).
 */
int sg_event_enrich_indexed(struct sg_json_span data, const struct sg_json_index *idx,
                            struct sg_buf *out, char uuid[SG_EVENT_UUID_LEN + 1],
                            struct sg_event_error *err);

/*
 * sg_event_enrich_indexed, with the limits a Data string's JSON text is
 * validated with (NULL: json_scan's defaults), so an event sent as a string
 * is held to the same depth and members-per-object limits as the body.
 */
int sg_event_enrich_limited(struct sg_json_span data, const struct sg_json_index *idx,
                            const struct sg_json_limits *lim, struct sg_buf *out,
                            char uuid[SG_EVENT_UUID_LEN + 1], struct sg_event_error *err);

/*
 * Formats Unix seconds (+ milliseconds, or -1 for none) as ISO 8601 UTC:
 * "2024-04-07T18:21:05Z" or "2024-04-07T18:21:05.123Z". out needs 25 bytes.
 */
void sg_event_format_datetime(long long secs, int millis, char out[25]);

#endif
