/*
 * json_scan: strict JSON (RFC 8259) validation and navigation over raw bytes.
 *
 * Why not jansson here: events must be stored byte-faithfully (a number keeps
 * its digits, `9.99` stays `9.99`, a 30-digit integer is kept as sent), and
 * jansson re-prints reals with 17 significant digits and refuses integers that
 * do not fit in 64 bits. So the request path works on spans of the client's
 * own bytes: validate once, then walk objects and arrays by span and copy
 * tokens through unchanged. jansson is still used where numbers don't matter
 * (configuration, Kinesis responses).
 *
 * Nothing here allocates except the optional structural index (below). A
 * span points into the caller's buffer and is valid as long as that buffer is.
 */
#ifndef SG_JSON_SCAN_H
#define SG_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define SG_JSON_MAX_DEPTH_DEFAULT 64
/* Hard ceiling of the nesting depth (the validator keeps one slot per open
 * container on the stack): a larger max_depth is clamped to it. */
#define SG_JSON_MAX_DEPTH_LIMIT 256
/* Members of one object: the default limit and the highest one allowed.
 * Any number of keys can be open at once (an object's members plus those of
 * its enclosing objects): the duplicate-key check keeps the first
 * SG_JSON_INLINE_KEYS on the stack and grows on the heap beyond them. The
 * limit bounds that check's worst case: keys crafted to collide in its hash
 * make each key of an object compare with the earlier ones. */
#define SG_JSON_MAX_MEMBERS_DEFAULT 10000u
#define SG_JSON_MAX_MEMBERS_LIMIT 100000u
#define SG_JSON_INLINE_KEYS 256u

/* What a document may hold (a NULL limits pointer: the defaults). */
struct sg_json_limits {
    unsigned max_depth;   /* nesting (0: scalars only), clamped to SG_JSON_MAX_DEPTH_LIMIT */
    unsigned max_members; /* members of one object (0: the default), clamped to
                             SG_JSON_MAX_MEMBERS_LIMIT */
};

struct sg_json_span {
    const char *ptr;
    size_t len;
};

enum sg_json_type {
    SG_JSON_INVALID = 0,
    SG_JSON_OBJECT,
    SG_JSON_ARRAY,
    SG_JSON_STRING,
    SG_JSON_NUMBER,
    SG_JSON_TRUE,
    SG_JSON_FALSE,
    SG_JSON_NULL,
};

/* Why a document was refused, so a caller can name its own limit. */
enum sg_json_error_kind {
    SG_JSON_ERR_SYNTAX = 0, /* not JSON (grammar, UTF-8, duplicate key) */
    SG_JSON_ERR_DEPTH,      /* nested deeper than max_depth */
    SG_JSON_ERR_MEMBERS,    /* an object with more than max_members members */
    SG_JSON_ERR_NO_MEMORY,  /* the duplicate-key check could not grow */
};

/* Client-facing reason a document was refused; fixed size, no allocation. */
struct sg_json_error {
    size_t offset; /* byte offset of the problem */
    enum sg_json_error_kind kind;
    char text[160]; /* e.g. "unexpected character 'x' at offset 12" */
};

struct sg_json_index;

/* How sg_json_validate reads a document: one options argument, as jansson's
 * json_loadb(buf, len, flags, &err) (was sg_json_validate, _indexed and
 * _limited). A NULL pointer: the default limits, no index. */
struct sg_json_opts {
    struct sg_json_limits limits;
    struct sg_json_index *index; /* NULL, or reset then filled; it borrows buf */
};

/*
 * Validates that buf[0..len) holds exactly one JSON value, optionally
 * surrounded by whitespace: strict grammar, UTF-8 checked in strings, control
 * characters refused, nesting and members per object within opts->limits.
 * Duplicate keys within one object are refused (as jansson's
 * JSON_REJECT_DUPLICATES does). With opts->index, also records the
 * structural index (below); an allocation failure only leaves it partial,
 * and on failure it is empty; the result and error text are the same with or
 * without one.
 * [out] value: the value without the surrounding whitespace.
 * Returns 0, or -1 and fills *err (may be NULL). Allocates only for
 * documents with more than SG_JSON_INLINE_KEYS keys open at once, and frees
 * before returning.
 */
int sg_json_validate(const char *buf, size_t len, const struct sg_json_opts *opts,
                     struct sg_json_span *value, struct sg_json_error *err);

/*
 * Structural index: for each object and array of a validated document, where
 * it ends and whether it holds insignificant whitespace, and for each object
 * the spans of its members (key token, value). Filled by sg_json_validate
 * with opts->index (the validator knows all of it for free); the indexed
 * iterators then jump over a nested container in O(1) instead of scanning it
 * again, read an object's members from the index instead of its bytes, and
 * a container without whitespace compacts to a plain copy.
 *
 * The index is an optimisation only: every function gives exactly the result
 * it gives without one. Containers past the index's bound, an index whose
 * allocation failed, or a span outside the indexed document are scanned as
 * usual. Memory: 16 bytes per recorded container, at most `max_containers`
 * (<= SG_JSON_INDEX_MAX) of them, and 24 bytes per member of a recorded
 * object, at most 4 x max_containers of them; both grown as the validator
 * meets them.
 *
 * Callers embed the struct; every field is private. It borrows the validated
 * buffer: the index is valid while that buffer is unchanged. Not thread-safe
 * to fill; reading a filled index from several threads is safe.
 */
#define SG_JSON_INDEX_MAX 65536u

struct sg_json_index_ent;
struct sg_json_index_member;

struct sg_json_index {
    const char *_base; /* the indexed document (borrowed) */
    size_t _len;
    struct sg_json_index_ent *_ents; /* owned; sorted by start offset (pre-order) */
    unsigned _n, _cap, _max;
    struct sg_json_index_member *_mem; /* owned; the members of recorded objects */
    unsigned _mn, _mcap, _mmax;
    bool _ready; /* the last validation succeeded */
};

/* Initialises an empty index that will record at most max_containers
 * containers (clamped to SG_JSON_INDEX_MAX; 0 records none). */
void sg_json_index_init(struct sg_json_index *idx, size_t max_containers);

/* Releases the index's memory; it may be reused after sg_json_index_init.
 * NULL-safe. */
void sg_json_index_free(struct sg_json_index *idx);

/* True when `v` holds no insignificant whitespace, as far as the index
 * knows: a container the index recorded without any. False when unknown. */
bool sg_json_is_compact(const struct sg_json_index *idx, struct sg_json_span v);

/* The end (one past the closing quote) of the string token at p, when it
 * holds only ASCII without a control byte or a backslash; NULL when it holds
 * anything else (an escape, a control byte, UTF-8) or is unterminated, or
 * when p is not a quote. Reads only [p, end). For fixed-shape documents
 * whose usual strings are plain (a Kinesis answer): a NULL sends the caller
 * to sg_json_validate. */
const char *sg_json_plain_string_end(const char *p, const char *end);

/* Type of an already validated value span (looks at its first byte). */
enum sg_json_type sg_json_type_of(struct sg_json_span v);

/* Iterates the members of a validated object, or the elements of a validated
 * array. Initialise with sg_json_iter_init(&it, span). */
struct sg_json_iter {
    const char *_pos;
    const char *_end;
    const struct sg_json_index *_idx; /* borrowed; NULL: scan every value */
    unsigned _next;                   /* entry of the next nested container */
    unsigned _ent;                    /* the container's own entry, or NO_ENT */
    unsigned _last;                   /* entry of the value returned last, or NO_ENT */
    unsigned _mem;                    /* member walk from the index: the next member */
    bool _members;                    /* the object's members are read from the index */
};
void sg_json_iter_init(struct sg_json_iter *it, struct sg_json_span container);

/* As sg_json_iter_init, over a container of the document `idx` indexed
 * (idx may be NULL). The iteration gives exactly the same members; nested
 * containers are jumped over. [in] idx: borrowed for the iteration. */
void sg_json_iter_init_indexed(struct sg_json_iter *it, struct sg_json_span container,
                               const struct sg_json_index *idx);

/* As sg_json_iter_init_indexed over `v`, the value `parent` returned last:
 * the parent's index entry of it spares the search. [in] parent: borrowed. */
void sg_json_iter_init_child(struct sg_json_iter *it, const struct sg_json_iter *parent,
                             struct sg_json_span v);

/* sg_json_is_compact of the iterated container, without a search. */
bool sg_json_iter_is_compact(const struct sg_json_iter *it);

/* Next object member: [out] key = the raw string token including quotes,
 * [out] value = the value span. Returns true, or false at the end. */
bool sg_json_object_next(struct sg_json_iter *it, struct sg_json_span *key,
                         struct sg_json_span *value);

/* Next array element. Returns true, or false at the end. */
bool sg_json_array_next(struct sg_json_iter *it, struct sg_json_span *value);

/* Finds a member whose decoded key equals `name`. Returns true if found. */
bool sg_json_object_get(struct sg_json_span object, const char *name, struct sg_json_span *value);

/* True when the raw key/string token `tok` decodes to exactly `lit`. */
bool sg_json_string_equals(struct sg_json_span tok, const char *lit);

/* Decodes a validated string token (with quotes) into UTF-8 bytes, appended
 * to `out` (no NUL added to the length); all or nothing. SG_BUF_TOO_LARGE
 * when the decoded text passes out's limit. */
SG_MUST_CHECK enum sg_buf_result sg_json_string_decode(struct sg_json_span tok, struct sg_buf *out);

/* Decodes a validated string token (with quotes) into dst[0..cap), without
 * allocating and without a NUL. [out] len: the decoded length.
 * Returns 0, or -1 when the decoded text is longer than cap. */
SG_MUST_CHECK int sg_json_string_decode_to(struct sg_json_span tok, char *dst, size_t cap,
                                           size_t *len);

/* Appends the validated value with all insignificant whitespace removed;
 * every token (numbers, strings with their escapes) is copied byte for byte;
 * all or nothing. SG_BUF_TOO_LARGE when the compact text passes out's limit. */
SG_MUST_CHECK enum sg_buf_result sg_json_compact(struct sg_json_span v, struct sg_buf *out);

/* sg_json_compact with an index of v's document (may be NULL): the same
 * output, copied in one go when the index knows v holds no whitespace. */
SG_MUST_CHECK enum sg_buf_result
sg_json_compact_indexed(struct sg_json_span v, const struct sg_json_index *idx, struct sg_buf *out);

#endif
