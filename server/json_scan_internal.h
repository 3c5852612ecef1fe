/*
 * json_scan_internal: what the parts of json_scan share (json_validate.c,
 * json_index.c, json_iter.c, json_decode.c, json_compact.c); not part of
 * the API (json_scan.h is).
 */
#ifndef SG_JSON_SCAN_INTERNAL_H
#define SG_JSON_SCAN_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json_scan.h"
#include "parse_util.h"

#define NO_ENT UINT_MAX           /* a container the index did not record */
#define END_MASK 0x7fffffffu      /* sg_json_index_ent.end: the end offset ... */
#define END_WS 0x80000000u        /* ... and this bit: whitespace inside */
#define INDEX_MAX_DOC 0x7fffffffu /* longer documents are not indexed (31-bit ends) */

#define NO_MEMBER UINT32_MAX    /* sg_json_index_ent.first, sg_json_index_member.next */
#define KEY_ESCAPED 0x80000000u /* sg_json_index_member.key_len: the key holds a '\\' */

/* One container of an indexed document (offsets from the document's start). */
struct sg_json_index_ent {
    uint32_t start; /* of the '{' or '[' */
    uint32_t end;   /* one past the closing bracket | END_WS; while open: whitespace count */
    uint32_t next;  /* first entry after this container's subtree */
    uint32_t first; /* an object whose every member was recorded: its first member; else
                       NO_MEMBER (arrays, empty objects, objects past the members' bound) */
};

/* One member of a recorded object: its key token and value spans, as the
 * member walk (sg_json_object_next) would find them. */
struct sg_json_index_member {
    uint32_t key_off, key_len; /* the raw key token, quotes included | KEY_ESCAPED */
    uint32_t val_off, val_len; /* the value without whitespace around it */
    uint32_t val_ent;          /* the value's container entry, or NO_ENT */
    uint32_t next;             /* the object's next member, or NO_MEMBER */
};

static inline bool is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline const char *skip_ws(const char *p, const char *end)
{
    /* Most calls meet a token at once: one comparison says so. */
    if (p < end && (unsigned char)*p > ' ')
        return p;
    while (p < end && is_ws(*p))
        p++;
    return p;
}

/* Reads four hex digits at p (the caller checked there are four bytes). */
static inline int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = sg_parse_hex_digit(p[i]);
        if (h < 0)
            return -1;
        v = (v << 4) | (unsigned)h;
    }
    *out = v;
    return 0;
}

/* Eight string bytes a time (SWAR), for the validator and the walks: the
 * string loops were the largest costs per event after SHA-256 (issue 21).
 * In `hit`, a lane's high bit is set when its byte equals one of the bytes
 * looked for (the has-zero trick on w XOR the byte) or, for plain_lanes, is
 * below 0x20 or 0x80 and above. A borrow only leaves a lane that is a hit
 * itself, so the lowest set bit always marks the first true hit. */
#define LANES_ONES 0x0101010101010101u
#define LANES_HIGHS 0x8080808080808080u
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_STRINGS 1
static inline uint64_t lanes_equal(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (LANES_ONES * c);
    return (x - LANES_ONES) & ~x & LANES_HIGHS;
}

/* The first byte from p that plain_string_byte refuses, eight bytes a time
 * while eight remain (the caller's byte loop does the rest). Reading past
 * the string's closing quote is fine: the bytes are in [p, end). */
static inline const char *plain_lanes(const char *p, const char *end)
{
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t control_or_high = (((w - LANES_ONES * 0x20) & ~w) | w) & LANES_HIGHS;
        uint64_t hit = lanes_equal(w, '"') | lanes_equal(w, '\\') | control_or_high;
        if (hit)
            return p + __builtin_ctzll(hit) / 8;
        p += 8;
    }
    return p;
}
#else
#define SWAR_STRINGS 0
static inline const char *plain_lanes(const char *p, const char *end)
{
    (void)end;
    return p;
}
#endif

/* Decodes the escape at *pp (a backslash) into out, advancing *pp past it;
 * returns the bytes written (0 for a broken escape). json_decode.c. */
size_t sg_json_decode_escape(const char **pp, const char *end, unsigned char out[4]);

/* Decodes strings one byte at a time, for comparing decoded keys. */
struct dcursor {
    const char *p;
    const char *end;
    unsigned char pending[4];
    unsigned pi, pn;
};

static inline void dcursor_init(struct dcursor *c, const char *tok, size_t len)
{
    c->p = tok + 1;
    c->end = tok + (len >= 2 ? len - 1 : 1);
    c->pi = c->pn = 0;
}

/* Returns the next decoded byte, or -1 at the end of the string. */
static inline int dcursor_next(struct dcursor *c)
{
    if (c->pi < c->pn)
        return c->pending[c->pi++];
    if (c->p >= c->end)
        return -1;
    if (*c->p != '\\')
        return (unsigned char)*c->p++;
    c->pn = (unsigned)sg_json_decode_escape(&c->p, c->end, c->pending);
    c->pi = 0;
    return c->pn ? c->pending[c->pi++] : -1;
}

/* The entry of container `v` (exactly its span) in the index, or NO_ENT.
 * json_index.c. */
unsigned sg_json_index_find(const struct sg_json_index *x, struct sg_json_span v);

/* The end of the string token / value at p in a validated span. json_iter.c. */
const char *sg_json_skip_string(const char *p, const char *end);
const char *sg_json_skip_value(const char *p, const char *end);

#endif
