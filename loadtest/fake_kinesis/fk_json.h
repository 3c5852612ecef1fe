/*
 * fk_json: the minimal JSON scanner fake_kinesis needs to read Kinesis
 * JSON-1.1 request bodies without building a tree.
 *
 * Every function reads the half-open range [p, end) and never reads past end.
 * Nothing is allocated; strings are returned as spans into the input.
 * Pure and thread-safe.
 */
#ifndef FK_JSON_H
#define FK_JSON_H

#include <stddef.h>

#define FK_JSON_MAX_DEPTH 32 /* deepest value fk_json_skip accepts */

/* A string value as found in the input, without its quotes. */
struct fk_str {
    const char *p; /* borrowed from the input */
    size_t n;
    int escaped; /* 1 when the span holds backslash escapes */
};

/* Returns the first non-whitespace position in [p, end), or end. */
const char *fk_json_ws(const char *p, const char *end);

/*
 * Reads the string starting at p (which must point at '"').
 * [out] out: the span between the quotes.
 * Returns the position after the closing quote, or NULL when malformed.
 */
const char *fk_json_string(const char *p, const char *end, struct fk_str *out);

/*
 * Skips any one JSON value starting at p (after whitespace).
 * Returns the position after the value, or NULL when malformed or nested
 * deeper than FK_JSON_MAX_DEPTH.
 */
const char *fk_json_skip(const char *p, const char *end, int depth);

/*
 * Unescapes s into out (at most cap bytes), UTF-8 encoding \u escapes.
 * Returns the length written, or (size_t)-1 when malformed or too long.
 */
size_t fk_json_unescape(struct fk_str s, char *out, size_t cap);

/* Returns 1 when the raw span s equals the NUL-terminated literal lit. */
int fk_json_str_is(struct fk_str s, const char *lit);

/*
 * Steps over the separator after an object member or array element.
 * [in,out] p: position after the element; moved past ',' or the closer.
 * Returns 1 when another element follows, 0 when the closer was met, -1 on
 * malformed input.
 */
int fk_json_next(const char **p, const char *end, char closer);

#endif
