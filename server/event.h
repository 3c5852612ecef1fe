/*
 * event: the event contract: validation and enrichment of one event.
 *
 * Input is the span of a record's `Data` value, already validated as JSON by
 * json_scan. An event is a JSON object, or a JSON string whose content is the
 * event's JSON text. Rules (the first broken one is reported):
 *   - event_uuid: string, UUID in 8-4-4-4-12 hex form (either case);
 *   - event_name: string of parts separated by ':', each 1-64 of [a-z0-9_],
 *     at most 255 bytes (the parts become Hive partition values and
 *     Athena table names: no '/', '=', '.', space, control character,
 *     hyphen or upper case);
 *   - created_at: JSON number of Unix seconds, integer or fractional, not
 *     negative; a value that can only be milliseconds (>= 1e11, i.e. after
 *     year 5138 as seconds) is refused with a message saying so;
 * and with a stream's rules (sg_event_rules):
 *   - the name is a type of the stream's catalog, unless unknown types are
 *     accepted;
 *   - created_at is within the stream's window around `now`;
 *   - the event's own members follow the type's schema (catalog.h), each
 *     checked as the member walk meets it; required fields at the end.
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

#include <stdbool.h>

#include "buf.h"
#include "catalog.h"
#include "json_scan.h"

#define SG_EVENT_UUID_LEN 36
#define SG_EVENT_MS_THRESHOLD 1e11 /* created_at at or above: milliseconds */

/* The created_at window of a stream without its own (config.h). */
#define SG_EVENT_MAX_AGE_DAYS_DEFAULT 3650
#define SG_EVENT_MAX_AHEAD_S_DEFAULT 86400

struct sg_event_error {
    char field[32];      /* the field at fault, e.g. "created_at"; "" for the whole event */
    char message[192];   /* the rule, naming the field, for the client */
    char path[96];       /* JSON path of the value at fault: "$.amount", "$.tags[2]", "$" */
    char rule[32];       /* rule id: json, uuid, event_name, unknown_event_type, created_at,
                            created_at_window, required, type, enum, const, minimum, maximum,
                            exclusiveMinimum, exclusiveMaximum, minLength, maxLength, format,
                            minItems, maxItems, additionalProperties */
    char event_type[65]; /* the event_type (first name part) only when the event's name is a
                            type of the stream's catalog; "" otherwise (bounded labels) */
    int too_large;       /* the enriched event did not fit in out's limit (413) */
    int no_memory;       /* an allocation failed (503): not the event's fault */
};

/* What a stream adds to the contract (config.h: catalog, unknown_event_types,
 * created_at_window). Immutable; shared by the requests of a policy. */
struct sg_event_rules {
    const struct sg_catalog *catalog; /* borrowed; NULL: no catalog */
    bool accept_unknown;              /* a name that is not a catalog type passes */
    long long max_age_s, max_ahead_s; /* created_at in [now - max_age_s, now + max_ahead_s] */
};

/* How one event is checked (all optional: zeroed means the contract only). */
struct sg_event_opts {
    /* Structural index of the document that holds `data` (json_scan.h):
     * the same output and errors, with fewer passes (nested values are
     * jumped over; an event without whitespace or client-sent derived
     * members is copied in one go). An index of another document only goes
     * unused. Borrowed. */
    const struct sg_json_index *idx;
    /* Limits a Data string's JSON text is validated with (NULL: json_scan's
     * defaults), so an event sent as a string is held to the body's limits. */
    const struct sg_json_limits *lim;
    /* The stream's rules; NULL: the contract's rules only (no catalog, no
     * created_at window). */
    const struct sg_event_rules *rules;
    long long now; /* Unix seconds, for the created_at window */
    /* The iterator over idx's document that returned `data` last (NULL:
     * none): its index entry of data spares a search. Borrowed. */
    const struct sg_json_iter *at;
};

/*
 * Validates and enriches one event.
 * [in]  data: span of the Data value (object, or string holding the object).
 * [in]  opts: NULL for the contract's rules without an index.
 * [out] out: the enriched compact event is appended (only on success; on
 *       failure out is restored to its previous length).
 * [out] uuid: the event_uuid as sent, NUL-terminated (default partition key).
 * [out] err: filled on failure.
 * Returns 0, or -1 when the event breaks a rule or out's limit is reached
 * (err->too_large is then set).
 */
int sg_event_enrich(struct sg_json_span data, const struct sg_event_opts *opts, struct sg_buf *out,
                    char uuid[SG_EVENT_UUID_LEN + 1], struct sg_event_error *err);

/*
 * Formats Unix seconds (+ milliseconds, or -1 for none) as ISO 8601 UTC:
 * "2024-04-07T18:21:05Z" or "2024-04-07T18:21:05.123Z". out needs 25 bytes.
 */
void sg_event_format_datetime(long long secs, int millis, char out[25]);

#endif
