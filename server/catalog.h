/*
 * catalog: the event catalog of a stream, loaded once into an immutable,
 * compiled structure (README "Event catalog").
 *
 * A catalog is a directory of JSON Schema (draft 2020-12 subset) documents,
 * one per event type: `<event_name with ':' as '.'>.json`. A document
 * describes the type's own top-level fields; the common fields (event_uuid,
 * event_name, created_at) and the derived ones (created_datetime,
 * event_type, event_subtype) are implied and may not be declared.
 *
 * Supported, each keyword mapping to a column: at the top `type: "object"`,
 * `properties`, `required`, `additionalProperties` (boolean, default true);
 * per property `type` (required: one of string, integer, number, boolean,
 * array, or [one of those, "null"]), `enum`, `const`, `minimum`, `maximum`,
 * `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength`, `format`
 * (date-time, date, uuid), `items` (a scalar property schema), `minItems`,
 * `maxItems`; the annotations `title`, `description`, `examples`, `$comment`
 * (and `$schema`, `$id` at the top). Everything else is refused, `pattern`
 * included (PCRE2 does not keep ECMA-262 semantics), and so are nested
 * objects: one column per top-level field, so clients send flat fields.
 * Field names are Glue/Athena columns: ^[a-z][a-z0-9_]{0,127}$; a field
 * name declared with two types in two documents is refused (one column per
 * name).
 *
 * Loader errors name the file, the JSON path inside it and the reason:
 *   config/catalog/payment.order.completed.json: $.properties.amount.pattern:
 *   keyword not supported (...)
 *
 * Values are checked on spans of the client's bytes (json_scan.h), never a
 * json_t: see sg_catalog_check. Semantics, as JSON Schema 2020-12 and ajv:
 *   integer: a number whose fractional part is zero (1, 1.0, 1e3, -0) and
 *            whose value fits a signed 64-bit integer (the lake's bigint);
 *   number:  any JSON number finite as an IEEE-754 double (1e400 is not);
 *   lengths: in code points of the unescaped string;
 *   enum/const: numbers by value (1 == 1.0), strings after unescaping;
 *   formats: ajv-formats 3.0.1 "full" mode (catalog_format.c).
 *
 * A loaded catalog is immutable and refcounted: any thread may read it; the
 * reload (SIGHUP) swaps whole catalogs, never edits one.
 */
#ifndef SG_CATALOG_H
#define SG_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "json_scan.h"

#define SG_CATALOG_MAX_TYPES 4096
#define SG_CATALOG_MAX_PROPS 256     /* declared fields of one type */
#define SG_CATALOG_FIELD_MAX 128     /* bytes of a field name */
#define SG_CATALOG_NAME_MAX 255      /* bytes of an event name */
#define SG_CATALOG_PART_MAX 64       /* bytes of one part of an event name */
#define SG_CATALOG_MAX_DOC (1 << 20) /* bytes of one schema document */
#define SG_CATALOG_INT_MIN_TEXT "-9223372036854775808"
#define SG_CATALOG_INT_MAX_TEXT "9223372036854775807"

struct sg_catalog;
struct sg_catalog_type;
struct sg_catalog_prop;

/* One document handed to sg_catalog_new: its file name (for messages and
 * the event name) and its text. */
struct sg_catalog_source {
    const char *file; /* e.g. "config/catalog/payment.order.completed.json" */
    const char *text;
    size_t len;
};

/*
 * Loads every `*.json` file of `dir` (other files and dot files are
 * ignored). Returns a catalog with one reference, or NULL with
 * "<file>: <JSON path>: <reason>" (or a reason about the directory) in err.
 */
struct sg_catalog *sg_catalog_load(const char *dir, char *err, size_t cap);

/* As sg_catalog_load, from documents in memory (tests, the fuzzer). The
 * event name is taken from the base name of each source's `file`. */
struct sg_catalog *sg_catalog_new(const struct sg_catalog_source *src, size_t n, char *err,
                                  size_t cap);

struct sg_catalog *sg_catalog_ref(struct sg_catalog *c);
void sg_catalog_release(struct sg_catalog *c); /* NULL-safe; frees at zero */

size_t sg_catalog_count(const struct sg_catalog *c);

/* True when s[0..len) follows the event-name rule: parts separated by ':',
 * each 1-64 of [a-z0-9_], at most 255 bytes in all. */
bool sg_catalog_valid_event_name(const char *s, size_t len);

/* The type named s[0..len) (decoded bytes), or NULL. O(1) expected. */
const struct sg_catalog_type *sg_catalog_find(const struct sg_catalog *c, const char *s,
                                              size_t len);

/* The type's event name, NUL-terminated (borrowed from the catalog). */
const char *sg_catalog_type_name(const struct sg_catalog_type *t);

/* additionalProperties: false. */
bool sg_catalog_type_closed(const struct sg_catalog_type *t);

/*
 * The property whose name is the decoded key token `key` (a raw JSON string
 * token, quotes included), or NULL. [out] index: the property's index.
 */
const struct sg_catalog_prop *sg_catalog_type_prop(const struct sg_catalog_type *t,
                                                   struct sg_json_span key, unsigned *index);

/* The name of a property (NUL-terminated, borrowed). */
const char *sg_catalog_prop_name(const struct sg_catalog_prop *p);

/* Required properties: their count and the i-th's index, in the order of
 * the document's `required`. */
unsigned sg_catalog_type_nrequired(const struct sg_catalog_type *t);
unsigned sg_catalog_type_required(const struct sg_catalog_type *t, unsigned i);
const struct sg_catalog_prop *sg_catalog_type_prop_at(const struct sg_catalog_type *t, unsigned i);

/* Why a value broke its property schema. */
struct sg_catalog_fault {
    const char *rule; /* a rule id ("type", "enum", "minimum", ...), static */
    long item;        /* the array element at fault, or -1 for the value itself */
    char what[160];   /* "must be a number", "must be one of \"EUR\", \"USD\"" */
};

/*
 * Checks the value span `v` (validated JSON) against property `p`.
 * [in] idx: index of v's document, or NULL (only used to walk arrays).
 * Returns 0, or -1 with *f filled. Allocates only for a string over 1 KiB
 * whose format is checked (its decoded text); returns -1 with rule NULL on
 * allocation failure.
 */
int sg_catalog_check(const struct sg_catalog_prop *p, struct sg_json_span v,
                     const struct sg_json_index *idx, struct sg_catalog_fault *f);

#endif
