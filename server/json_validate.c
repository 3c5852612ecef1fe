/*
 * json_validate: strict RFC 8259 validation, optionally recording the
 * structural index (see json_scan.h; json_index.c reads the index).
 *
 * Design
 *   sg_json_validate is a single forward pass driven by a three-state machine
 *   (expect a value / expect a key / after a value) instead of recursion, so
 *   nesting costs one slot in a fixed array, never a C stack frame, and a
 *   hostile `[[[[...` cannot overflow the thread's stack. All state lives in
 *   one struct on the caller's stack (about 14 KB); only the optional index and a
 *   document with more than SG_JSON_INLINE_KEYS keys open at once allocate.
 *
 *   Duplicate keys: every key of the currently open objects is pushed on a
 *   key stack. An object under SMALL_OBJECT_KEYS keys (an event has about
 *   ten) compares each new key with its earlier ones: length and first eight
 *   bytes, then the rest, decoded when either holds an escape, so "a" and
 *   "\u0061" are the same key. That is cheaper than hashing every byte of
 *   every key (issue 21), and bounded: at most SMALL_OBJECT_KEYS comparisons
 *   per key. When an object reaches that count its keys move into a
 *   linear-probing hash table (hash of the *decoded* key) and every later key
 *   of it is looked up there. An
 *   object's keys are popped when it closes, newest first; removing the most
 *   recently inserted entry of a linear-probing table restores it exactly
 *   (no later entry can have probed past that slot), so no tombstones are
 *   needed. The cost is O(1) expected per key. Comparing each key with all
 *   earlier keys instead would be quadratic: a 1 MB body of 100k one-letter
 *   keys would mean ~5e9 comparisons. The first SG_JSON_INLINE_KEYS keys and
 *   their table live in the scanner (no allocation for any usual document);
 *   past them both move to the heap, doubling, and the table is rebuilt by
 *   inserting the keys again in order (which keeps the exact-removal
 *   property). The hash (FNV-1a) is not keyed, so crafted collisions can
 *   degrade one object to comparing each key against the earlier ones, but
 *   never beyond max_members keys per object: that limit bounds the worst
 *   case.
 *
 *   Structural index (optional). Navigating a validated document used to
 *   re-walk every value it stepped over: on the batch route each event's bytes
 *   were scanned about six times (validation, the records array, the record's
 *   members, the event's members twice, compaction). The validator already
 *   knows where each container ends, so sg_json_validate records it (opts->index):
 *   one entry per container, {start, end, whitespace seen inside, next},
 *   appended when the container opens, so the entries are in pre-order, i.e.
 *   sorted by start offset; `next` is the first entry after the container's
 *   subtree. An indexed iterator finds its container's entry once (binary
 *   search) and then keeps a cursor on the next nested container: in
 *   pre-order the first container inside X is X's first container child, and
 *   the one after a child's subtree is the next child. So stepping over a
 *   nested value is O(1), no hash table and no search per value. Whitespace
 *   inside a container is known from a running count of the whitespace bytes
 *   the validator skipped, compared at open and close.
 *   Why not a hash from offset to end: it costs a table per request, and a
 *   body can be crafted so its container offsets collide. The cursor cannot
 *   be attacked: each lookup is one comparison.
 *
 *   Member spans: for each object with an entry, the validator also records
 *   each member (key token, escaped or not; value span; the value's entry
 *   when it is a container), linked in order from the entry's `first`; the
 *   indexed iterators read an object's members from there instead of
 *   scanning its bytes. The value's span is known where the state machine
 *   starts the value (after the whitespace) and where it is back after it
 *   (ST_AFTER, before the whitespace), exactly as the scanning walk finds
 *   it. An object with a member the bound or an allocation left out gets
 *   no list (`first` is NO_MEMBER): it is scanned.
 *
 *   Fallback, never a wrong answer: every jump is checked (the cursor entry
 *   must start exactly at the value and end inside the iterated container);
 *   otherwise the value is scanned as without an index. The entries grow by
 *   doubling up to the index's bound; past it (or when realloc fails) later
 *   containers are not recorded and are scanned. Entries are recorded in
 *   document order, so the recorded ones are always a prefix and the cursor
 *   logic holds for a partial index.
 *
 * Invariants
 *   - No function reads outside [buf, buf + len) or the span it is given,
 *     even on input that was not validated.
 *   - A decoded string is never longer than its raw token minus the quotes
 *     (every escape shrinks or keeps its length), so one reserve up front
 *     usually makes the later appends infallible; limits apply to the
 *     decoded or compacted output, and a failed decode or compaction
 *     leaves the output buffer as it was.
 */
#include "json_scan_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INLINE_TABLE_SIZE (2u * SG_JSON_INLINE_KEYS) /* power of two: load <= 1/2 */
#define ARRAY_MARK UINT32_MAX /* open[] entry of an array (objects hold a key index) */

/* Objects up to this many keys are checked for duplicates by comparing
 * each key with the object's earlier ones (no hash); at this count the
 * object's keys move into the hash table. */
#define SMALL_OBJECT_KEYS 16u

struct key_ent {
    uint32_t off;  /* of the raw key token, from the start of the document */
    uint32_t len;  /* raw token length, quotes included */
    uint32_t hash; /* only for a key in the table */
    bool escaped;  /* the token holds a '\\' */
    bool hashed;   /* in the table (its object has SMALL_OBJECT_KEYS keys or more) */
    uint64_t head; /* the first 8 raw bytes inside the quotes, zero-padded */
};

enum scan_state { ST_VALUE, ST_KEY, ST_AFTER, ST_DONE };

struct scanner {
    const char *buf;
    const char *p;
    const char *end;
    const char *value_end;
    struct sg_json_error *err;
    unsigned depth;
    unsigned max_depth;
    unsigned max_members;
    unsigned nkeys;
    unsigned key_cap; /* capacity of keys; the table has 2 * key_cap slots */
    uint32_t table_mask;
    bool table_ready;
    struct sg_json_index *idx;              /* NULL: no index wanted */
    size_t nws;                             /* whitespace bytes skipped so far (for the index) */
    uint32_t open[SG_JSON_MAX_DEPTH_LIMIT]; /* per open container: first key index or ARRAY_MARK */
    bool open_hashed[SG_JSON_MAX_DEPTH_LIMIT]; /* per open object: its keys are in the table */
    /* Per open small object: one bit per key, from its length and head, so
     * a key whose bit is unset cannot repeat an earlier key without escapes;
     * and whether any key had an escape (then every key is compared). */
    uint64_t open_tags[SG_JSON_MAX_DEPTH_LIMIT];
    bool open_escaped[SG_JSON_MAX_DEPTH_LIMIT];
    unsigned open_ent[SG_JSON_MAX_DEPTH_LIMIT]; /* per open container: index entry or NO_ENT */
    /* Per open object whose members are recorded: its latest member; NO_MEMBER
     * for arrays, objects not recorded and objects without a member yet. */
    uint32_t last_mem[SG_JSON_MAX_DEPTH_LIMIT];
    bool mem_lost[SG_JSON_MAX_DEPTH_LIMIT]; /* a member could not be recorded */
    struct key_ent *keys;                   /* keys_inline, or the heap once more are open */
    uint32_t *table; /* key index + 1; 0 = empty slot; table_inline or the heap */
    struct key_ent keys_inline[SG_JSON_INLINE_KEYS];
    uint32_t table_inline[INLINE_TABLE_SIZE];
};

/* ---- small helpers ---- */

/* The validator's whitespace skip: also counts the bytes, so the index can
 * tell whether a container holds any (the common case adds 0). */
static inline void scan_ws(struct scanner *s)
{
    const char *q = skip_ws(s->p, s->end);
    s->nws += (size_t)(q - s->p);
    s->p = q;
}

static uint32_t fnv1a(uint32_t h, unsigned char c)
{
    return (h ^ c) * 16777619u;
}

#define FNV_BASIS 2166136261u

/* ---- error reporting ---- */

__attribute__((format(printf, 3, 4))) static int fail(struct scanner *s, const char *at,
                                                      const char *fmt, ...)
{
    size_t off = (size_t)(at - s->buf);
    char *text = s->err->text;
    s->err->offset = off;
    s->err->kind = SG_JSON_ERR_SYNTAX;
    int n = snprintf(text, sizeof s->err->text, "invalid JSON at offset %zu: ", off);
    if (n < 0 || (size_t)n >= sizeof s->err->text)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text + n, sizeof s->err->text - (size_t)n, fmt, ap); /* may truncate */
    va_end(ap);
    return -1;
}

/* "<expected> (found 'x')": names the offending byte, printably. */
static int fail_found(struct scanner *s, const char *at, const char *expected)
{
    if (at >= s->end)
        return fail(s, at, "%s (found end of input)", expected);
    unsigned char c = (unsigned char)*at;
    if (c >= 0x20 && c < 0x7f)
        return fail(s, at, "%s (found '%c')", expected, c);
    return fail(s, at, "%s (found byte 0x%02X)", expected, c);
}

/* ---- strings ---- */

/* Checks one escape sequence at *pp (a backslash) and moves past it. */
static int scan_escape(struct scanner *s, const char **pp)
{
    const char *p = *pp;
    size_t avail = (size_t)(s->end - p);
    if (avail < 2)
        return fail(s, p, "unterminated string");
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        *pp = p + 2;
        return 0;
    case 'u':
        break;
    default:
        return fail(
            s, p, "invalid escape in string (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }
    unsigned cp, lo;
    if (avail < 6 || hex4(p + 2, &cp) != 0)
        return fail(s, p, "\\u must be followed by four hex digits");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(s, p, "\\u escape is a lone UTF-16 low surrogate");
    if (cp < 0xD800 || cp > 0xDBFF) {
        *pp = p + 6;
        return 0;
    }
    /* A high surrogate is only valid as the first half of a pair. */
    if (avail < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) != 0 || lo < 0xDC00 ||
        lo > 0xDFFF)
        return fail(s, p, "\\u escape is a UTF-16 high surrogate without a low surrogate after it");
    *pp = p + 12;
    return 0;
}

/*
 * Checks one multi-byte UTF-8 sequence at *pp (lead byte >= 0x80), following
 * the well-formed byte table of RFC 3629 section 4: the narrowed second-byte
 * ranges after E0, ED, F0 and F4 refuse overlong forms, UTF-16 surrogates
 * and code points above U+10FFFF.
 */
static int scan_utf8(struct scanner *s, const char **pp)
{
    const unsigned char *p = (const unsigned char *)*pp;
    size_t avail = (size_t)(s->end - *pp);
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return fail(s, *pp, "invalid UTF-8 in string");
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return fail(s, *pp,
                    "invalid UTF-8 in string (truncated, overlong, surrogate or out of range)");
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return fail(s, *pp, "invalid UTF-8 in string (truncated sequence)");
    *pp += n;
    return 0;
}

/* Printable ASCII other than '"' and '\\': string bytes that need no
 * further look (one table load per byte on the validator's hottest loop).
 * 0x00-0x1f control, 0x22 '"', 0x5c '\\' and 0x80-0xff (UTF-8) are 0. */
static const bool plain_string_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* scan_string from p, the first byte of the string at s->p that is not
 * plain (an escape, UTF-8, a control byte, or the end of the input). */
static __attribute__((noinline)) int scan_string_rest(struct scanner *s, const char *p,
                                                      bool *escaped)
{
    for (;;) {
        /* Fast path: printable ASCII that needs no further look. */
        p = plain_lanes(p, s->end);
        while (p < s->end && plain_string_byte[(unsigned char)*p])
            p++;
        if (p >= s->end)
            return fail(s, s->end, "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            s->p = p + 1;
            return 0;
        }
        if (c < 0x20)
            return fail(s, p, "control character in string (must be escaped as \\uXXXX)");
        if (c == '\\') {
            *escaped = true;
            if (scan_escape(s, &p) != 0)
                return -1;
        } else if (scan_utf8(s, &p) != 0) {
            return -1;
        }
    }
}

/* Scans the string token at s->p (a quote); [out] escaped: it holds a '\\'.
 * Inline for the usual string, plain ASCII to its quote (no call, no saved
 * registers: ~15 strings an event); the rest out of line. */
static inline __attribute__((always_inline)) int scan_string(struct scanner *s, bool *escaped)
{
    const char *p = plain_lanes(s->p + 1, s->end);
    *escaped = false;
    if (p < s->end && *p == '"') {
        s->p = p + 1;
        return 0;
    }
    return scan_string_rest(s, p, escaped);
}

/* ---- numbers and literals ---- */

/* number = [ "-" ] int [ frac ] [ exp ] (RFC 8259 section 6). */
static int scan_number(struct scanner *s)
{
    const char *p = s->p, *end = s->end;
    if (*p == '-')
        p++;
    if (p >= end || !is_digit(*p))
        return fail_found(s, p, "expected a digit after '-'");
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return fail(s, p - 1, "leading zeros are not allowed in numbers");
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return fail_found(s, p, "expected a digit after '.' in number");
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return fail_found(s, p, "expected a digit in the number's exponent");
        while (p < end && is_digit(*p))
            p++;
    }
    s->p = p;
    return 0;
}

static int scan_literal(struct scanner *s, const char *lit, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
        return fail(s, s->p, "invalid literal (expected true, false or null)");
    s->p += n;
    return 0;
}

/* ---- containers and duplicate keys ---- */

/* Room for one more item in an array of `cap` items of `size` bytes that may
 * grow to `*max` (the first allocation holds `first`). Returns the array,
 * or NULL at the bound or on OOM (the bound then drops to what is held: no
 * retry per container; the array is unchanged). */
static void *grow(void *items, unsigned *cap, unsigned *max, size_t size, size_t first)
{
    if (*cap >= *max)
        return NULL;
    size_t n = *cap ? 2 * (size_t)*cap : first;
    if (n > *max)
        n = *max;
    void *p = realloc(items, n * size);
    if (!p) {
        *max = *cap;
        return NULL;
    }
    *cap = (unsigned)n;
    return p;
}

/* Room for one more index entry; the first guess from the size: ~70 bytes
 * per container in typical bodies. Returns 0, or -1. */
static int index_grow(struct sg_json_index *x)
{
    struct sg_json_index_ent *e = grow(x->_ents, &x->_cap, &x->_max, sizeof *e, x->_len / 64 + 16);
    if (!e)
        return -1;
    x->_ents = e;
    return 0;
}

/* Records the container opening at s->p (depth not yet raised). */
static void index_open(struct scanner *s)
{
    struct sg_json_index *x = s->idx;
    unsigned e = NO_ENT;
    if (x->_n < x->_cap || index_grow(x) == 0) {
        e = x->_n++;
        x->_ents[e].start = (uint32_t)(s->p - s->buf);
        x->_ents[e].end = (uint32_t)s->nws; /* replaced when it closes */
        x->_ents[e].first = NO_MEMBER;
    }
    s->open_ent[s->depth] = e;
    s->last_mem[s->depth] = NO_MEMBER;
    /* Arrays and objects without an entry record no members. */
    s->mem_lost[s->depth] = e == NO_ENT || *s->p != '{';
}

/* Completes the entry of the container closing at s->p (depth lowered). */
static void index_close(struct scanner *s)
{
    unsigned e = s->open_ent[s->depth];
    if (e == NO_ENT)
        return;
    struct sg_json_index_ent *ent = &s->idx->_ents[e];
    uint32_t ws = ent->end != (uint32_t)s->nws ? END_WS : 0;
    ent->end = (uint32_t)(s->p + 1 - s->buf) | ws;
    ent->next = s->idx->_n;
    if (s->mem_lost[s->depth]) /* a partial list is no list: the walk scans */
        ent->first = NO_MEMBER;
}

/* Room for one more member; the first guess from the size: ~30 bytes per
 * member in typical bodies. Returns 0, or -1. */
static int member_grow(struct sg_json_index *x)
{
    struct sg_json_index_member *m =
        grow(x->_mem, &x->_mcap, &x->_mmax, sizeof *m, x->_len / 24 + 16);
    if (!m)
        return -1;
    x->_mem = m;
    return 0;
}

/* Records the key token tok[0..len) as the innermost object's next member. */
static void member_add(struct scanner *s, const char *tok, size_t len, bool escaped)
{
    struct sg_json_index *x = s->idx;
    unsigned d = s->depth - 1;
    if (s->mem_lost[d])
        return;
    if (x->_mn >= x->_mcap && member_grow(x) != 0) {
        s->mem_lost[d] = true;
        s->last_mem[d] = NO_MEMBER;
        return;
    }
    uint32_t m = x->_mn++;
    x->_mem[m] = (struct sg_json_index_member){(uint32_t)(tok - s->buf),
                                               (uint32_t)len | (escaped ? KEY_ESCAPED : 0),
                                               0,
                                               0,
                                               NO_ENT,
                                               NO_MEMBER};
    if (s->last_mem[d] == NO_MEMBER)
        x->_ents[s->open_ent[d]].first = m;
    else
        x->_mem[s->last_mem[d]].next = m;
    s->last_mem[d] = m;
}

/* fail() for a limit: the caller learns which one from err->kind. */
__attribute__((format(printf, 4, 5))) static int
fail_limit(struct scanner *s, const char *at, enum sg_json_error_kind kind, const char *fmt, ...)
{
    char what[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fail(s, at, "%s", what);
    s->err->kind = kind;
    return -1;
}

static int push(struct scanner *s, bool is_object)
{
    if (s->depth >= s->max_depth)
        return fail_limit(s, s->p, SG_JSON_ERR_DEPTH, "nesting deeper than %u levels",
                          s->max_depth);
    if (s->idx)
        index_open(s);
    s->open_hashed[s->depth] = false;
    s->open_tags[s->depth] = 0;
    s->open_escaped[s->depth] = false;
    s->open[s->depth++] = is_object ? s->nkeys : ARRAY_MARK;
    s->p++;
    return 0;
}

/* Drops key `idx`, the newest entry, from the table (exact: see the header). */
static void table_remove(struct scanner *s, unsigned idx)
{
    uint32_t slot = s->keys[idx].hash & s->table_mask;
    while (s->table[slot] != idx + 1u)
        slot = (slot + 1u) & s->table_mask;
    s->table[slot] = 0;
}

static void pop(struct scanner *s)
{
    uint32_t base = s->open[--s->depth];
    if (base != ARRAY_MARK && s->open_hashed[s->depth])
        while (s->nkeys > base)
            table_remove(s, --s->nkeys);
    else if (base != ARRAY_MARK)
        s->nkeys = base; /* a small object's keys were never in the table */
    if (s->idx)
        index_close(s);
    s->p++;
}

static uint32_t hash_key(const char *tok, size_t len, bool escaped)
{
    uint32_t h = FNV_BASIS;
    if (!escaped) {
        for (size_t i = 1; i + 1 < len; i++)
            h = fnv1a(h, (unsigned char)tok[i]);
        return h;
    }
    struct dcursor c;
    dcursor_init(&c, tok, len);
    for (int b; (b = dcursor_next(&c)) >= 0;)
        h = fnv1a(h, (unsigned char)b);
    return h;
}

/* True when two raw string tokens decode to the same bytes. */
static bool tokens_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == blen && memcmp(a, b, alen) == 0)
        return true;
    if (!memchr(a, '\\', alen) && !memchr(b, '\\', blen))
        return false;
    struct dcursor ca, cb;
    dcursor_init(&ca, a, alen);
    dcursor_init(&cb, b, blen);
    for (;;) {
        int x = dcursor_next(&ca), y = dcursor_next(&cb);
        if (x != y)
            return false;
        if (x < 0)
            return true;
    }
}

static int fail_duplicate(struct scanner *s, const char *tok, size_t len)
{
    /* Quote short keys only: cutting a long one could split a UTF-8 sequence. */
    if (len <= 48)
        return fail(s, tok, "duplicate key %.*s in object", (int)len, tok);
    return fail(s, tok, "duplicate key in object");
}

/* Doubles the key stack and rebuilds its table on the heap. Inserting the
 * keys again in order gives the table the insertion history removal needs. */
static int grow_keys(struct scanner *s)
{
    size_t cap = 2 * (size_t)s->key_cap;
    if (cap > UINT32_MAX / 4)
        return -1;
    struct key_ent *keys = malloc(cap * sizeof *keys);
    uint32_t *table = calloc(2 * cap, sizeof *table);
    if (!keys || !table) {
        free(keys);
        free(table);
        return -1;
    }
    memcpy(keys, s->keys, s->nkeys * sizeof *keys);
    uint32_t mask = (uint32_t)(2 * cap - 1);
    for (unsigned i = 0; i < s->nkeys; i++) {
        if (!keys[i].hashed)
            continue;
        uint32_t slot = keys[i].hash & mask;
        while (table[slot])
            slot = (slot + 1u) & mask;
        table[slot] = i + 1u;
    }
    if (s->keys != s->keys_inline) {
        free(s->keys);
        free(s->table);
    }
    s->keys = keys;
    s->table = table;
    s->key_cap = (unsigned)cap;
    s->table_mask = mask;
    return 0;
}

/* The first 8 raw bytes inside the quotes of a key token, zero-padded:
 * equal keys without escapes have equal heads. */
static inline uint64_t key_head(const struct scanner *s, const char *tok, size_t len)
{
    const char *c = tok + 1;
    size_t n = len - 2;
    uint64_t w = 0;
#if SWAR_STRINGS
    if (s->end - c >= 8) {
        memcpy(&w, c, 8);
        return n >= 8 ? w : w & ((1ull << (8 * n)) - 1);
    }
#else
    (void)s;
#endif
    memcpy(&w, c, n < 8 ? n : 8);
    return w;
}

/* True when key k and the token tok[0..len) decode to the same bytes. */
static inline bool same_key(const struct scanner *s, const struct key_ent *k, const char *tok,
                            size_t len, bool escaped, uint64_t head)
{
    if (k->escaped || escaped)
        return tokens_equal(s->buf + k->off, k->len, tok, len);
    return k->len == len && k->head == head &&
           (len <= 10 || memcmp(s->buf + k->off + 9, tok + 9, len - 9) == 0);
}

/* Puts key i (of the innermost object) in the table; refuses a repeat
 * among the table's keys of that object. */
static int table_insert(struct scanner *s, unsigned i, unsigned base)
{
    struct key_ent *ke = &s->keys[i];
    const char *tok = s->buf + ke->off;
    uint32_t h = hash_key(tok, ke->len, ke->escaped);
    uint32_t slot = h & s->table_mask;
    for (; s->table[slot]; slot = (slot + 1u) & s->table_mask) {
        unsigned idx = s->table[slot] - 1u;
        const struct key_ent *k = &s->keys[idx];
        /* Entries below `base` belong to enclosing objects: same key is fine there. */
        if (idx >= base && k->hash == h && tokens_equal(s->buf + k->off, k->len, tok, ke->len))
            return fail_duplicate(s, tok, ke->len);
    }
    ke->hash = h;
    ke->hashed = true;
    s->table[slot] = i + 1u;
    return 0;
}

/* Records the key token tok[0..len) of the innermost object; refuses a
 * repeat. A small object compares the key with its earlier keys (most
 * events have about ten: cheaper than hashing every byte); a larger one
 * looks it up in the hash table, so a crafted object costs O(1) per key
 * (see the top comment), and the comparisons of a small one are bounded
 * by SMALL_OBJECT_KEYS per key. */
static int add_key(struct scanner *s, const char *tok, size_t len, bool escaped)
{
    unsigned d = s->depth - 1, base = s->open[d];
    if (s->nkeys - base >= s->max_members)
        return fail_limit(s, tok, SG_JSON_ERR_MEMBERS, "an object with more than %u members",
                          s->max_members);
    if (s->nkeys >= s->key_cap && grow_keys(s) != 0) {
        fail(s, tok, "out of memory");
        s->err->kind = SG_JSON_ERR_NO_MEMORY;
        return -1;
    }
    unsigned i = s->nkeys;
    uint64_t head = key_head(s, tok, len);
    if (!s->open_hashed[d]) {
        /* Equal keys without escapes have equal lengths and heads, hence
         * the same bit: an unset bit needs no comparison. */
        uint64_t bit = 1ull << (((head ^ len) * 0x9E3779B97F4A7C15ull) >> 58);
        if (escaped || s->open_escaped[d] || (s->open_tags[d] & bit))
            for (unsigned j = base; j < i; j++)
                if (same_key(s, &s->keys[j], tok, len, escaped, head))
                    return fail_duplicate(s, tok, len);
        s->open_tags[d] |= bit;
        s->open_escaped[d] |= escaped;
    }
    s->keys[i] = (struct key_ent){(uint32_t)(tok - s->buf), (uint32_t)len, 0, escaped, false, head};
    s->nkeys++;
    if (s->open_hashed[d])
        return table_insert(s, i, base);
    if (s->nkeys - base < SMALL_OBJECT_KEYS)
        return 0;
    /* The object grows past small: its keys (all distinct) into the table. */
    if (!s->table_ready) { /* cleared lazily: most documents never need it */
        memset(s->table_inline, 0, sizeof s->table_inline);
        s->table_ready = true;
    }
    s->open_hashed[d] = true;
    for (unsigned j = base; j < s->nkeys; j++)
        if (table_insert(s, j, base) != 0)
            return -1; /* not reached: the keys were compared */
    return 0;
}

/* ---- the state machine ---- */

static int step_value(struct scanner *s, enum scan_state *st)
{
    bool escaped, is_object;
    int r;
    scan_ws(s);
    if (s->p >= s->end)
        return fail_found(s, s->p, "expected a value");
    if (s->idx && s->depth && s->last_mem[s->depth - 1] != NO_MEMBER)
        s->idx->_mem[s->last_mem[s->depth - 1]].val_off = (uint32_t)(s->p - s->buf);
    switch (*s->p) {
    case '{':
    case '[':
        is_object = *s->p == '{';
        if (push(s, is_object) != 0)
            return -1;
        if (s->idx && s->depth > 1 && s->last_mem[s->depth - 2] != NO_MEMBER)
            s->idx->_mem[s->last_mem[s->depth - 2]].val_ent = s->open_ent[s->depth - 1];
        scan_ws(s);
        if (s->p < s->end && *s->p == (is_object ? '}' : ']')) {
            pop(s);
            *st = ST_AFTER;
        } else {
            *st = is_object ? ST_KEY : ST_VALUE;
        }
        return 0;
    case '"':
        r = scan_string(s, &escaped);
        break;
    case 't':
        r = scan_literal(s, "true", 4);
        break;
    case 'f':
        r = scan_literal(s, "false", 5);
        break;
    case 'n':
        r = scan_literal(s, "null", 4);
        break;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        r = scan_number(s);
        break;
    default:
        return fail_found(s, s->p, "expected a value");
    }
    *st = ST_AFTER;
    return r;
}

static int step_key(struct scanner *s, enum scan_state *st)
{
    bool escaped;
    scan_ws(s);
    if (s->p >= s->end || *s->p != '"')
        return fail_found(s, s->p, "expected a string key in object");
    const char *tok = s->p;
    if (scan_string(s, &escaped) != 0 || add_key(s, tok, (size_t)(s->p - tok), escaped) != 0)
        return -1;
    if (s->idx)
        member_add(s, tok, (size_t)(s->p - tok), escaped);
    scan_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return fail_found(s, s->p, "expected ':' after object key");
    s->p++;
    *st = ST_VALUE;
    return 0;
}

static int step_after(struct scanner *s, enum scan_state *st)
{
    if (s->depth == 0) {
        s->value_end = s->p;
        scan_ws(s);
        if (s->p != s->end)
            return fail_found(s, s->p, "unexpected data after the JSON value");
        *st = ST_DONE;
        return 0;
    }
    bool in_object = s->open[s->depth - 1] != ARRAY_MARK;
    if (s->idx && s->last_mem[s->depth - 1] != NO_MEMBER) { /* the member's value ends */
        struct sg_json_index_member *m = &s->idx->_mem[s->last_mem[s->depth - 1]];
        m->val_len = (uint32_t)(s->p - s->buf) - m->val_off;
    }
    scan_ws(s);
    if (s->p < s->end && *s->p == ',') {
        s->p++;
        *st = in_object ? ST_KEY : ST_VALUE;
        return 0;
    }
    if (s->p < s->end && *s->p == (in_object ? '}' : ']')) {
        pop(s);
        return 0; /* still ST_AFTER: the container was a value of its parent */
    }
    return fail_found(s, s->p,
                      in_object ? "expected ',' or '}' after object member"
                                : "expected ',' or ']' after array element");
}

static void scanner_init(struct scanner *s, const char *buf, size_t len,
                         const struct sg_json_limits *lim, struct sg_json_error *err)
{
    unsigned depth = lim ? lim->max_depth : SG_JSON_MAX_DEPTH_DEFAULT;
    unsigned members = lim && lim->max_members ? lim->max_members : SG_JSON_MAX_MEMBERS_DEFAULT;
    /* the big arrays are written before they are read */
    s->buf = buf ? buf : "";
    s->p = s->buf;
    s->end = s->buf + (buf ? len : 0);
    s->value_end = s->p;
    s->err = err;
    s->depth = 0;
    s->max_depth = depth < SG_JSON_MAX_DEPTH_LIMIT ? depth : SG_JSON_MAX_DEPTH_LIMIT;
    s->max_members = members < SG_JSON_MAX_MEMBERS_LIMIT ? members : SG_JSON_MAX_MEMBERS_LIMIT;
    s->nkeys = 0;
    s->keys = s->keys_inline;
    s->table = s->table_inline;
    s->key_cap = SG_JSON_INLINE_KEYS;
    s->table_mask = INLINE_TABLE_SIZE - 1u;
    s->table_ready = false;
    s->nws = 0;
    s->idx = NULL;
}

/* Runs the state machine to the end of the document or the first error. */
static int scan_document(struct scanner *s)
{
    enum scan_state st = ST_VALUE;
    while (st != ST_DONE) {
        int r = st == ST_VALUE ? step_value(s, &st)
                : st == ST_KEY ? step_key(s, &st)
                               : step_after(s, &st);
        if (r != 0)
            return -1;
    }
    return 0;
}

int sg_json_validate(const char *buf, size_t len, const struct sg_json_opts *opts,
                     struct sg_json_span *value, struct sg_json_error *err)
{
    struct sg_json_error scratch;
    struct scanner s;
    struct sg_json_index *idx = opts ? opts->index : NULL;
    scanner_init(&s, buf, len, opts ? &opts->limits : NULL, err ? err : &scratch);
    if (idx) {
        idx->_base = s.buf;
        idx->_len = (size_t)(s.end - s.buf);
        idx->_n = 0;
        idx->_mn = 0;
        idx->_ready = false;
        if (idx->_max > 0 && idx->_len <= INDEX_MAX_DOC)
            s.idx = idx;
    }
    s.err->offset = 0;
    s.err->kind = SG_JSON_ERR_SYNTAX;
    s.err->text[0] = '\0';
    if (len > UINT32_MAX) /* key offsets are stored in 32 bits */
        return fail(&s, s.p, "document larger than 4 GiB");

    const char *start = skip_ws(s.p, s.end);
    int rc = scan_document(&s);
    if (s.keys != s.keys_inline) {
        free(s.keys);
        free(s.table);
    }
    if (rc != 0) {
        if (idx)
            idx->_n = idx->_mn = 0;
        return -1;
    }
    if (idx)
        idx->_ready = true;
    if (value) {
        value->ptr = start;
        value->len = (size_t)(s.value_end - start);
    }
    return 0;
}
