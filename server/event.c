/*
 * event: validation and enrichment of one event (the contract is in event.h).
 *
 * Design
 *   Three steps over spans of the client's bytes, never a json_t, so numbers
 *   and escapes reach the output exactly as sent:
 *     1. find the event: the Data object itself, or the JSON text decoded
 *        from a Data string (validated again with sg_json_validate);
 *     2. one pass over the members picks out event_uuid, event_name and
 *        created_at, and notes whether any client-sent derived member is
 *        there, then each rule is checked in the order event.h lists;
 *        with a catalog the same pass checks the event's own members: the
 *        type is looked up when the walk meets event_name (members met
 *        before it, usually none, are held: up to 32 by span, the rest
 *        walked again), and each member is checked against its property
 *        (catalog_check.c) as it is met, keeping the first fault in
 *        document order; required fields are a bitmap of the properties
 *        seen, read at the end;
 *     3. the output is written: kept members (compacted, token bytes
 *        unchanged), then the derived members.
 *   With the structural index of the request body (opts->idx) step 2 reads
 *   the members the validator recorded and jumps over nested values (from
 *   opts->at, the walk that met the event, without a search), and step 3
 *   is a single copy of the event's bytes when the index says the event
 *   holds no whitespace and
 *   step 2 saw no derived member: the member walk would then reproduce
 *   those bytes exactly ('{', the members as sent, joined by ','). So a
 *   typical event is walked once after validation instead of twice plus a
 *   compaction pass. Without an index (or for a string-wrapped event, whose
 *   decoded text is another document) the member walk is used.
 *   created_at is read from its decimal digits, not through a double, so
 *   the milliseconds are exact (1712514065.123 gives .123, where a double
 *   holds 1712514065.1229999) and exponent forms need no special case: the
 *   value is the digit string with the decimal point moved by the exponent.
 *
 * Invariants
 *   - Nothing is appended to `out` until every rule has passed, and the
 *     output's upper bound is reserved before the first append, so a
 *     failure leaves `out` exactly as it was.
 *   - Allocation happens only for a string-wrapped event (its decoded text),
 *     for an event_name that contains escapes, for a member string over
 *     1 KiB whose enum or format is checked, and to name an undeclared
 *     member in an error.
 */
#include "event.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lit.h"

#define F_UUID "event_uuid"
#define F_NAME "event_name"
#define F_CREATED "created_at"
#define F_DATETIME "created_datetime"
#define F_TYPE "event_type"
#define F_SUBTYPE "event_subtype"

#define MSG_DATA "Data must be a JSON object (the event)"
#define MSG_UUID F_UUID " must be a UUID string like 123e4567-e89b-12d3-a456-426614174000"
#define MSG_NAME                                                                                   \
    F_NAME " must be parts separated by ':', each 1-64 characters of a-z, 0-9 and '_', at most "   \
           "255 bytes (e.g. payment:order:completed)"
#define MSG_CREATED F_CREATED " must be a number of Unix seconds"

#define MS_THRESHOLD ((long long)SG_EVENT_MS_THRESHOLD)
#define MAX_SECS 253402300799LL /* 9999-12-31T23:59:59Z */

/* Members met before event_name, kept until the type is known. */
#define PENDING_MAX 32

/* The catalog's part of the member walk: the type, found when the walk
 * meets event_name, and the first member that breaks it. */
struct schema_walk {
    const struct sg_catalog *catalog; /* NULL: no schema checks */
    const struct sg_catalog_type *type;
    const struct sg_json_index *idx;
    bool resolved;    /* event_name was met (type may still be NULL) */
    unsigned ordinal; /* of the member being walked */
    unsigned name_ordinal;
    unsigned n_pending, n_before; /* members before the name: held, all */
    uint64_t seen[(SG_CATALOG_MAX_PROPS + 63) / 64];
    bool faulted, no_memory;
    unsigned fault_ordinal;
    struct sg_json_span fault_key;            /* the member's key token */
    const struct sg_catalog_prop *fault_prop; /* NULL: not declared (additionalProperties) */
    struct sg_catalog_fault fault;
    /* Last: not cleared per event (written before they are read). */
    struct sg_json_span pending_k[PENDING_MAX], pending_v[PENDING_MAX];
    unsigned pending_o[PENDING_MAX];
};

/* The members the rules need, found in one pass. */
struct event_fields {
    struct sg_json_span uuid, name, created;
    bool has_uuid, has_name, has_created;
    bool has_derived; /* a member step 3 drops is present */
    bool compact;     /* the index knows the event holds no whitespace */
    struct schema_walk w;
};

enum key_kind { KEY_OTHER, KEY_UUID, KEY_NAME, KEY_CREATED, KEY_DERIVED };

/* event_name decoded and split. `type`/`subtype` point into the token or into `buf`. */
struct event_name {
    const char *type;
    size_t type_len;
    const char *subtype; /* NULL when the name has a single part */
    size_t subtype_len;
    const char *full; /* the whole decoded name */
    size_t full_len;
    struct sg_buf buf; /* used only when the token has escapes */
};

struct created_at {
    long long secs;
    int millis;    /* -1 when created_at has no fraction */
    bool fraction; /* a non-zero digit after the point (beyond the millis too) */
};

/* Fills err: the field, the rule id, the path "$.<field>" ("$" for the
 * whole event) and the message. Returns -1. */
__attribute__((format(printf, 4, 5))) static int
set_err(struct sg_event_error *err, const char *field, const char *rule, const char *fmt, ...)
{
    snprintf(err->field, sizeof err->field, "%s", field);
    snprintf(err->rule, sizeof err->rule, "%s", rule);
    snprintf(err->path, sizeof err->path, "$%s%s", field[0] ? "." : "", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap); /* may truncate a quoted JSON error */
    va_end(ap);
    return -1;
}

/* Step 1: [out] ev: the event object, inside `data` or inside `inner`. */
static int find_event(struct sg_json_span data, const struct sg_json_limits *lim,
                      struct sg_buf *inner, struct sg_json_span *ev, struct sg_event_error *err)
{
    struct sg_json_error jerr;
    enum sg_json_type t = sg_json_type_of(data);
    if (t == SG_JSON_OBJECT) {
        *ev = data;
        return 0;
    }
    if (t != SG_JSON_STRING)
        return set_err(err, "", "json", MSG_DATA);
    if (sg_json_string_decode(data, inner) != 0) { /* the limit fits: only OOM */
        err->no_memory = 1;
        return set_err(err, "", "", "out of memory");
    }
    struct sg_json_opts jo = {lim ? *lim : (struct sg_json_limits){SG_JSON_MAX_DEPTH_DEFAULT, 0},
                              NULL};
    if (sg_json_validate(inner->data, inner->len, &jo, ev, &jerr) != 0) {
        err->no_memory = jerr.kind == SG_JSON_ERR_NO_MEMORY;
        return set_err(err, "", "json", MSG_DATA "; the Data string does not hold valid JSON: %s",
                       jerr.text);
    }
    if (sg_json_type_of(*ev) != SG_JSON_OBJECT)
        return set_err(err, "", "json",
                       MSG_DATA "; the Data string holds JSON that is not an object");
    return 0;
}

/* Which of the names this module knows the key token decodes to. One
 * decode per key instead of a comparison per name; the longest name is 16
 * bytes, so a key that does not decode into 24 is none of them. */
static inline __attribute__((always_inline)) enum key_kind key_kind(struct sg_json_span k)
{
    static const struct {
        const char *name;
        size_t len;
        enum key_kind kind;
    } names[] = {
        {F_UUID, sizeof F_UUID - 1, KEY_UUID},
        {F_NAME, sizeof F_NAME - 1, KEY_NAME},
        {F_CREATED, sizeof F_CREATED - 1, KEY_CREATED},
        {F_DATETIME, sizeof F_DATETIME - 1, KEY_DERIVED},
        {F_TYPE, sizeof F_TYPE - 1, KEY_DERIVED},
        {F_SUBTYPE, sizeof F_SUBTYPE - 1, KEY_DERIVED},
    };
    char buf[24];
    const char *s;
    size_t n;
    /* The shortest name has 10 bytes and decoding never lengthens a key:
     * most keys of an event are shorter and need no look. */
    if (k.len < 2 + 10)
        return KEY_OTHER;
    /* The names hold no '\\': a raw key equal to one is that name, and a
     * key of 10 raw bytes with an escape decodes to fewer. */
    s = k.ptr + 1;
    n = k.len - 2;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (n == names[i].len && memcmp(s, names[i].name, n) == 0)
            return names[i].kind;
    if (n == 10 || !memchr(s, '\\', n))
        return KEY_OTHER;
    if (sg_json_string_decode_to(k, buf, sizeof buf, &n) != 0)
        return KEY_OTHER;
    s = buf;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (n == names[i].len && memcmp(s, names[i].name, n) == 0)
            return names[i].kind;
    return KEY_OTHER;
}

/* One member of the event's own against the type's schema. Members are
 * met in document order except those held before event_name; the fault
 * kept is the first in document order. */
static void check_member(struct schema_walk *w, struct sg_json_span k, struct sg_json_span v,
                         unsigned ordinal)
{
    unsigned i;
    if (!w->type)
        return;
    const struct sg_catalog_prop *p = sg_catalog_type_prop(w->type, k, &i);
    if (p)
        w->seen[i / 64] |= 1ull << (i % 64);
    if (w->faulted && w->fault_ordinal < ordinal)
        return;
    struct sg_catalog_fault f;
    if (p ? sg_catalog_check(p, v, w->idx, &f) == 0 : !sg_catalog_type_closed(w->type))
        return;
    if (p && !f.rule) {
        w->no_memory = true;
        return;
    }
    w->faulted = true;
    w->fault_ordinal = ordinal;
    w->fault_key = k;
    w->fault_prop = p;
    if (p)
        w->fault = f;
}

/* event_name met: find its type (decoded; a name longer than any type's
 * is none), then check the members held until now. */
static void resolve_type(struct schema_walk *w, struct sg_json_span name)
{
    char buf[SG_CATALOG_NAME_MAX + 1];
    size_t n;
    w->resolved = true;
    w->name_ordinal = w->ordinal;
    if (sg_json_type_of(name) == SG_JSON_STRING &&
        sg_json_string_decode_to(name, buf, sizeof buf, &n) == 0)
        w->type = sg_catalog_find(w->catalog, buf, n);
    for (unsigned j = 0; j < w->n_pending; j++)
        check_member(w, w->pending_k[j], w->pending_v[j], w->pending_o[j]);
}

/* Members before event_name past PENDING_MAX: a second walk over them (an
 * event that puts its name after 32 other members pays for it). */
static void check_overflow(struct schema_walk *w, struct sg_json_span ev)
{
    struct sg_json_iter it;
    struct sg_json_span k, v;
    unsigned ordinal = 0, other = 0;
    sg_json_iter_init_indexed(&it, ev, w->idx);
    while (sg_json_object_next(&it, &k, &v) && ordinal < w->name_ordinal) {
        if (key_kind(k) == KEY_OTHER && other++ >= PENDING_MAX)
            check_member(w, k, v, ordinal);
        ordinal++;
    }
}

static void walk_other(struct schema_walk *w, struct sg_json_span k, struct sg_json_span v)
{
    if (!w->catalog)
        return;
    if (w->resolved) {
        check_member(w, k, v, w->ordinal);
    } else if (w->n_pending < PENDING_MAX) {
        w->pending_k[w->n_pending] = k;
        w->pending_v[w->n_pending] = v;
        w->pending_o[w->n_pending++] = w->ordinal;
    }
    w->n_before += !w->resolved;
}

/* Step 2a: one pass over the members (keys compared decoded; no duplicates).
 * With a catalog, each member of the event's own is checked as it is met.
 * [in] idx: of ev's document, or NULL. */
static void collect_fields(struct sg_json_span ev, const struct sg_json_index *idx,
                           const struct sg_json_iter *at, struct event_fields *f)
{
    struct sg_json_iter it;
    struct sg_json_span k, v;
    struct schema_walk *w = &f->w;
    if (at && idx)
        sg_json_iter_init_child(&it, at, ev);
    else
        sg_json_iter_init_indexed(&it, ev, idx);
    f->compact = sg_json_iter_is_compact(&it);
    for (w->ordinal = 0; sg_json_object_next(&it, &k, &v); w->ordinal++) {
        /* The first of each wins (keys are unique once validated anyway). */
        switch (key_kind(k)) {
        case KEY_UUID:
            if (!f->has_uuid)
                f->uuid = v;
            f->has_uuid = true;
            break;
        case KEY_NAME:
            if (!f->has_name) {
                f->name = v;
                if (w->catalog)
                    resolve_type(w, v);
            }
            f->has_name = true;
            break;
        case KEY_CREATED:
            if (!f->has_created)
                f->created = v;
            f->has_created = true;
            break;
        case KEY_DERIVED:
            f->has_derived = true;
            break;
        case KEY_OTHER:
            walk_other(w, k, v);
            break;
        }
    }
    if (w->type && w->n_before > PENDING_MAX)
        check_overflow(w, ev);
}

static bool is_hex(char c)
{
    unsigned u = (unsigned char)c;
    return u - '0' < 10u || (u | 0x20u) - 'a' < 6u; /* | 0x20: 'A'-'F' to 'a'-'f' */
}

/* Rule: 8-4-4-4-12 hex digits, either case (RFC 9562 section 4 text form). */
static int check_uuid(struct sg_json_span tok, char uuid[SG_EVENT_UUID_LEN + 1],
                      struct sg_event_error *err)
{
    size_t n;
    if (sg_json_type_of(tok) != SG_JSON_STRING ||
        sg_json_string_decode_to(tok, uuid, SG_EVENT_UUID_LEN, &n) != 0 || n != SG_EVENT_UUID_LEN)
        goto bad;
    if (uuid[8] != '-' || uuid[13] != '-' || uuid[18] != '-' || uuid[23] != '-')
        goto bad;
    for (size_t i = 0; i < SG_EVENT_UUID_LEN; i++)
        if (!is_hex(uuid[i]) && i != 8 && i != 13 && i != 18 && i != 23)
            goto bad;
    uuid[SG_EVENT_UUID_LEN] = '\0';
    return 0;
bad:
    uuid[0] = '\0';
    return set_err(err, F_UUID, "uuid", MSG_UUID);
}

/* Splits off parts 1 and 2 of a name sg_catalog_valid_event_name passed
 * (parts of [a-z0-9_], none empty: no part to check here). */
static int split_name(const char *s, size_t len, struct event_name *nm)
{
    const char *c1 = len ? memchr(s, ':', len) : NULL;
    if (len == 0)
        return -1;
    nm->type = s;
    nm->type_len = c1 ? (size_t)(c1 - s) : len;
    if (c1) {
        const char *rest = c1 + 1;
        const char *c2 = memchr(rest, ':', len - (size_t)(rest - s));
        nm->subtype = rest;
        nm->subtype_len = c2 ? (size_t)(c2 - rest) : len - (size_t)(rest - s);
    }
    return 0;
}

static int check_name(struct sg_json_span tok, struct event_name *nm, struct sg_event_error *err)
{
    if (sg_json_type_of(tok) != SG_JSON_STRING)
        return set_err(err, F_NAME, "event_name", MSG_NAME);
    const char *s = tok.ptr + 1;
    size_t len = tok.len - 2;
    if (memchr(s, '\\', len)) { /* escapes: split the decoded text ("\u003a" is a ':') */
        if (sg_json_string_decode(tok, &nm->buf) != 0) { /* the limit fits: only OOM */
            err->no_memory = 1;
            return set_err(err, "", "", "out of memory");
        }
        s = nm->buf.data ? nm->buf.data : "";
        len = nm->buf.len;
    }
    if (!sg_catalog_valid_event_name(s, len) || split_name(s, len, nm) != 0)
        return set_err(err, F_NAME, "event_name", MSG_NAME);
    nm->full = s;
    nm->full_len = len;
    return 0;
}

/* A JSON number's digits: int ++ frac, decimal point after int_len + exp. */
struct decimal {
    const char *int_digits;
    size_t int_len;
    const char *frac_digits;
    size_t frac_len;
    long long point; /* position of the decimal point in the digit string */
    bool negative;
};

static void split_number(struct sg_json_span tok, struct decimal *d)
{
    const char *p = tok.ptr, *end = tok.ptr + tok.len;
    long long exp = 0;
    bool exp_neg = false;
    memset(d, 0, sizeof *d);
    d->negative = p < end && *p == '-';
    p += d->negative;
    d->int_digits = p;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    d->int_len = (size_t)(p - d->int_digits);
    if (p < end && *p == '.') {
        d->frac_digits = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        d->frac_len = (size_t)(p - d->frac_digits);
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        exp_neg = p < end && *p == '-';
        p += p < end && (*p == '-' || *p == '+');
        /* Saturate: past 1e15 the value is astronomically large or small anyway. */
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            exp = exp < 1000000000000000LL ? exp * 10 + (*p - '0') : exp;
    }
    d->point = (long long)d->int_len + (exp_neg ? -exp : exp);
}

static int digit_at(const struct decimal *d, long long i)
{
    if (i < 0 || (size_t)i >= d->int_len + d->frac_len)
        return 0;
    return (size_t)i < d->int_len ? d->int_digits[i] - '0'
                                  : d->frac_digits[(size_t)i - d->int_len] - '0';
}

/* Whole seconds of the decimal, saturated at MS_THRESHOLD. */
static long long whole_seconds(const struct decimal *d)
{
    long long n = (long long)(d->int_len + d->frac_len), v = 0, i;
    for (i = 0; i < d->point && i < n && v < MS_THRESHOLD; i++)
        v = v * 10 + digit_at(d, i);
    /* Point beyond the digits: trailing zeros (few matter once v > 0). */
    for (; i < d->point && v > 0 && v < MS_THRESHOLD; i++)
        v *= 10;
    return v < MS_THRESHOLD ? v : MS_THRESHOLD;
}

static bool all_zero(const struct decimal *d)
{
    for (size_t i = 0; i < d->int_len; i++)
        if (d->int_digits[i] != '0')
            return false;
    for (size_t i = 0; i < d->frac_len; i++)
        if (d->frac_digits[i] != '0')
            return false;
    return true;
}

/* Rule: a non-negative number of Unix seconds below the milliseconds threshold. */
static int check_created_at(struct sg_json_span tok, struct created_at *ca,
                            struct sg_event_error *err)
{
    struct decimal d;
    if (sg_json_type_of(tok) != SG_JSON_NUMBER)
        return set_err(err, F_CREATED, "created_at", MSG_CREATED);
    split_number(tok, &d);
    if (d.negative && !all_zero(&d)) /* -0 is zero, not negative */
        return set_err(err, F_CREATED, "created_at", MSG_CREATED ", not negative");
    ca->secs = whole_seconds(&d);
    if (ca->secs >= MS_THRESHOLD)
        return set_err(err, F_CREATED, "created_at",
                       MSG_CREATED "; this value looks like milliseconds (>= 1e11)");
    if (ca->secs > MAX_SECS) /* implied by the threshold today; kept if it ever rises */
        return set_err(err, F_CREATED, "created_at", MSG_CREATED " before the year 10000");
    ca->millis = -1;
    ca->fraction = false;
    for (long long i = d.point < 0 ? 0 : d.point; i < (long long)(d.int_len + d.frac_len); i++)
        ca->fraction |= digit_at(&d, i) != 0;
    if ((long long)(d.int_len + d.frac_len) > d.point) /* digits after the point */
        ca->millis = digit_at(&d, d.point) * 100 + digit_at(&d, d.point + 1) * 10 +
                     digit_at(&d, d.point + 2);
    return 0;
}

/* Rule: now - max_age_s <= created_at <= now + max_ahead_s (exact: the
 * whole seconds and whether a fraction follows them). */
static int check_window(const struct created_at *ca, const struct sg_event_rules *r, long long now,
                        struct sg_event_error *err)
{
    long long lo = now - r->max_age_s, hi = now + r->max_ahead_s;
    if (ca->secs >= lo && (ca->secs < hi || (ca->secs == hi && !ca->fraction)))
        return 0;
    return set_err(err, F_CREATED, "created_at_window",
                   F_CREATED " must be within the stream's created_at_window: from %lld days "
                             "before the gateway's clock to %lld s after it",
                   r->max_age_s / 86400, r->max_ahead_s);
}

/* The decoded key token `tok` for a path, cut to fit `cap` at a character
 * boundary; control characters are written as \uXXXX, so a key holding
 * NUL or a newline shows in the message instead of cutting it. Returns its
 * length (0 when it cannot be decoded: out of memory). */
static size_t decoded_prefix(struct sg_json_span tok, char *dst, size_t cap)
{
    struct sg_buf b;
    size_t n = 0;
    sg_buf_init(&b, 0);
    if (sg_json_string_decode(tok, &b) == SG_BUF_OK) {
        for (size_t i = 0; i < b.len; i++) {
            unsigned char c = (unsigned char)b.data[i];
            if (c < 0x20 || c == 0x7f) {
                if (n + 6 > cap)
                    break;
                static const char hex[] = "0123456789abcdef";
                memcpy(dst + n, SG_LIT("\\u00"));
                dst[n + 4] = hex[c >> 4];
                dst[n + 5] = hex[c & 15];
                n += 6;
                continue;
            }
            size_t len = 1; /* a whole UTF-8 sequence or nothing */
            while (i + len < b.len && ((unsigned char)b.data[i + len] & 0xc0) == 0x80)
                len++;
            if (n + len > cap)
                break;
            memcpy(dst + n, b.data + i, len);
            n += len;
            i += len - 1;
        }
    }
    sg_buf_free(&b);
    return n;
}

/* The type's schema: the first member at fault in document order, then
 * the first required field missing in the order of `required`. */
static int check_schema(const struct schema_walk *w, const struct event_name *nm,
                        struct sg_event_error *err)
{
    const char *name = sg_catalog_type_name(w->type);
    if (w->no_memory) {
        err->no_memory = 1;
        return set_err(err, "", "", "out of memory");
    }
    if (w->faulted && !w->fault_prop) {
        char key[sizeof err->path - 3]; /* "$." + the key fills the path */
        size_t n = decoded_prefix(w->fault_key, key, sizeof key);
        set_err(err, "", "additionalProperties",
                "%s: $.%.*s is not a field of this event type (it declares "
                "additionalProperties false)",
                name, (int)n, key);
        snprintf(err->path, sizeof err->path, "$.%.*s", (int)n, key);
        return -1;
    }
    if (w->faulted) {
        const char *field = sg_catalog_prop_name(w->fault_prop);
        char item[24] = "";
        if (w->fault.item >= 0)
            snprintf(item, sizeof item, "[%ld]", w->fault.item);
        set_err(err, field, w->fault.rule, "%s: $.%s%s %s", name, field, item, w->fault.what);
        snprintf(err->path, sizeof err->path, "$.%s%s", field, item);
        return -1;
    }
    for (unsigned i = 0; i < sg_catalog_type_nrequired(w->type); i++) {
        unsigned idx = sg_catalog_type_required(w->type, i);
        if (!(w->seen[idx / 64] & (1ull << (idx % 64)))) {
            const char *field = sg_catalog_prop_name(sg_catalog_type_prop_at(w->type, idx));
            return set_err(err, field, "required", "%s: $.%s is required", name, field);
        }
    }
    (void)nm;
    return 0;
}

/* Step 2b: the rules, first broken one reported, in event.h's order.
 * [in] r: the stream's rules or NULL; now: for the window. */
static int check_rules(const struct event_fields *f, const struct sg_event_rules *r, long long now,
                       char uuid[SG_EVENT_UUID_LEN + 1], struct event_name *nm,
                       struct created_at *ca, struct sg_event_error *err)
{
    if (!f->has_uuid)
        return set_err(err, F_UUID, "required", "missing required field " F_UUID);
    if (check_uuid(f->uuid, uuid, err) != 0)
        return -1;
    if (!f->has_name)
        return set_err(err, F_NAME, "required", "missing required field " F_NAME);
    if (check_name(f->name, nm, err) != 0)
        return -1;
    if (f->w.type) { /* a catalog type: a bounded label for metrics (no printf: every event) */
        size_t n =
            nm->type_len < sizeof err->event_type ? nm->type_len : sizeof err->event_type - 1;
        memcpy(err->event_type, nm->type, n);
        err->event_type[n] = '\0';
    }
    if (r && r->catalog && !f->w.type && !r->accept_unknown)
        return set_err(err, F_NAME, "unknown_event_type",
                       "%.*s: $.event_name is not an event type of this stream's catalog "
                       "(unknown_event_types is \"reject\")",
                       (int)nm->full_len, nm->full);
    if (!f->has_created)
        return set_err(err, F_CREATED, "required", "missing required field " F_CREATED);
    if (check_created_at(f->created, ca, err) != 0)
        return -1;
    if (r && check_window(ca, r, now, err) != 0)
        return -1;
    return f->w.type ? check_schema(&f->w, nm, err) : 0;
}

static bool is_derived_key(struct sg_json_span key)
{
    return sg_json_string_equals(key, F_DATETIME) || sg_json_string_equals(key, F_TYPE) ||
           sg_json_string_equals(key, F_SUBTYPE);
}

/* The kept members as the member walk writes them: '{' and the members,
 * each compacted, without the client's derived members. */
static int write_members(struct sg_json_span ev, const struct sg_json_index *idx,
                         struct sg_buf *out)
{
    struct sg_json_iter it;
    struct sg_json_span k, v;
    int rc = sg_buf_append_char(out, '{');
    bool first = true;
    sg_json_iter_init_indexed(&it, ev, idx);
    while (rc == 0 && sg_json_object_next(&it, &k, &v)) {
        if (is_derived_key(k))
            continue;
        if (!first)
            rc |= sg_buf_append_char(out, ',');
        first = false;
        rc |= sg_buf_append(out, k.ptr, k.len);
        rc |= sg_buf_append_char(out, ':');
        rc |= sg_json_compact_indexed(v, idx, out);
    }
    return rc;
}

/* Step 3. Written in place; if out's limit is reached part-way the output is
 * cut back, so out is unchanged on failure.
 * [in] idx: of ev's document, or NULL; has_derived, compact: from step 2. */
static int write_event(struct sg_json_span ev, const struct sg_json_index *idx, bool has_derived,
                       bool compact, const struct event_name *nm, const struct created_at *ca,
                       struct sg_buf *out)
{
    static const char k_dt[] = ",\"" F_DATETIME "\":\"";
    static const char k_type[] = "\",\"" F_TYPE "\":";
    static const char k_sub[] = ",\"" F_SUBTYPE "\":";
    char dt[25];
    size_t before = out->len;
    /* Members never grow when compacted: one reserve covers most writes.
     * Only what the limit leaves: the limit is on the stored bytes, and an
     * event padded with whitespace may be larger than what it stores. */
    if (sg_buf_reserve_upto(out, ev.len + 128) != 0)
        return -1;

    int rc;
    /* Nothing to drop, nothing to compact: the walk's output is the event's
     * own bytes up to its closing brace. */
    if (!has_derived && compact)
        rc = sg_buf_append(out, ev.ptr, ev.len - 1);
    else
        rc = write_members(ev, idx, out);
    /* The derived members in one append. The rules guarantee a kept member,
     * so the leading comma is right; the name's parts are [a-z0-9_] (the
     * rule on event_name): nothing in them to escape. */
    char
        tail[sizeof k_dt + sizeof dt + sizeof k_type + sizeof k_sub + 2 * SG_CATALOG_NAME_MAX + 16];
    char *t = tail;
    sg_event_format_datetime(ca->secs, ca->millis, dt);
    size_t dt_len = strlen(dt);
    memcpy(t, k_dt, sizeof k_dt - 1), t += sizeof k_dt - 1;
    memcpy(t, dt, dt_len), t += dt_len;
    memcpy(t, k_type, sizeof k_type - 1), t += sizeof k_type - 1;
    *t++ = '"';
    memcpy(t, nm->type, nm->type_len), t += nm->type_len;
    *t++ = '"';
    memcpy(t, k_sub, sizeof k_sub - 1), t += sizeof k_sub - 1;
    if (nm->subtype) {
        *t++ = '"';
        memcpy(t, nm->subtype, nm->subtype_len), t += nm->subtype_len;
        *t++ = '"';
    } else {
        memcpy(t, SG_LIT("null")), t += SG_LIT_LEN("null");
    }
    *t++ = '}';
    rc |= sg_buf_append(out, tail, (size_t)(t - tail));
    if (rc)
        sg_buf_truncate(out, before);
    return rc ? -1 : 0;
}

static void clear_err(struct sg_event_error *err)
{
    err->field[0] = '\0';
    err->message[0] = '\0';
    err->path[0] = '\0';
    err->rule[0] = '\0';
    err->event_type[0] = '\0';
    err->too_large = 0;
    err->no_memory = 0;
}

int sg_event_enrich(struct sg_json_span data, const struct sg_event_opts *opts, struct sg_buf *out,
                    char uuid[SG_EVENT_UUID_LEN + 1], struct sg_event_error *err)
{
    static const struct sg_event_opts none = {0};
    struct sg_buf inner;
    struct event_name nm = {0};
    struct event_fields f;
    struct created_at ca = {0, -1, false};
    struct sg_json_span ev;
    int rc = -1;
    const struct sg_json_index *idx;

    if (!opts)
        opts = &none;
    idx = opts->idx;
    sg_buf_init(&inner, data.len + 1);
    sg_buf_init(&nm.buf, data.len + 1);
    uuid[0] = '\0';
    clear_err(err);
    if (find_event(data, opts->lim, &inner, &ev, err) != 0)
        goto done;
    if (ev.ptr != data.ptr) /* string-wrapped: the index is of another document */
        idx = NULL;
    /* Only what the walk reads is cleared: the pending spans are written
     * before they are read. */
    memset(&f, 0, offsetof(struct event_fields, w));
    memset(&f.w, 0, offsetof(struct schema_walk, pending_k));
    f.w.catalog = opts->rules ? opts->rules->catalog : NULL;
    f.w.idx = idx;
    collect_fields(ev, idx, idx ? opts->at : NULL, &f);
    if (check_rules(&f, opts->rules, opts->now, uuid, &nm, &ca, err) != 0)
        goto done;
    if (write_event(ev, idx, f.has_derived, f.compact, &nm, &ca, out) != 0) {
        set_err(err, "", "record_size", "the event is too large");
        err->too_large = 1;
        goto done;
    }
    rc = 0;
done:
    sg_buf_free(&inner);
    sg_buf_free(&nm.buf);
    return rc;
}

/*
 * Days since 1970-01-01 to a proleptic Gregorian date. Counts in 400-year
 * eras (146097 days) starting on March 1st, so the leap day is the last day
 * of its year and needs no special case.
 */
static void civil_from_days(long long days, long long *y, unsigned *m, unsigned *d)
{
    long long z = days + 719468; /* days from 0000-03-01 */
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* 0 = March */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static char *put_digits(char *o, unsigned long long v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        o[i] = (char)('0' + v % 10);
    return o + width;
}

/* Two digits of v (0-99): one division instead of two (every event). */
static char *put2(char *o, unsigned v)
{
    unsigned t = v / 10;
    o[0] = (char)('0' + t);
    o[1] = (char)('0' + (v - 10 * t));
    return o + 2;
}

void sg_event_format_datetime(long long secs, int millis, char out[25])
{
    long long y;
    unsigned mo, d;
    /* Only four-digit years fit the format: clamp to 1970 .. 9999. */
    secs = secs < 0 ? 0 : secs > MAX_SECS ? MAX_SECS : secs;
    long long sod = secs % 86400;
    civil_from_days(secs / 86400, &y, &mo, &d);
    char *o = put_digits(out, (unsigned long long)y, 4);
    unsigned day_s = (unsigned)sod, min = day_s / 60;
    *o++ = '-';
    o = put2(o, mo);
    *o++ = '-';
    o = put2(o, d);
    *o++ = 'T';
    o = put2(o, min / 60);
    *o++ = ':';
    o = put2(o, min % 60);
    *o++ = ':';
    o = put2(o, day_s - 60 * min);
    if (millis >= 0) {
        *o++ = '.';
        o = put_digits(o, (unsigned long long)(millis > 999 ? 999 : millis), 3);
    }
    *o++ = 'Z';
    *o = '\0';
}
