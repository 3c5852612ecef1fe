/*
 * catalog_check: one value of an event against its property schema
 * (sg_catalog_check in catalog.h), on the span of the client's bytes.
 *
 * Design
 *   Numbers are read from their digits, not through a double, wherever
 *   exactness is the rule: integer-ness (zero fractional part) and the
 *   64-bit range are decided on the decimal digits with the exponent
 *   applied, so 9223372036854775807 passes, 9223372036854775808 does not,
 *   1.0 and 1e3 are integers and 1.5 is not. The range acts as implied
 *   bounds (minimum -2^63, exclusiveMaximum 2^63) where the schema sets
 *   none on that side: a value past it breaks the schema's own bound when
 *   there is one, else the implied one (as the composed schema says). `number`'s finiteness is
 *   decided on the magnitude (digits before the point), with strtod only at
 *   the edge (values of 309 digits). Comparisons with bounds and enum
 *   values go through a double for numbers (as ajv, which reads JSON with
 *   JSON.parse) and exactly for integers (long double holds every int64).
 *   Strings are measured in code points on the raw token (an escaped
 *   surrogate pair is one), and decoded only for enum/const and formats,
 *   on the stack unless longer than 1 KiB.
 *
 *   Keywords apply only to their type, as in JSON Schema: a null that the
 *   type allows passes every keyword but enum/const, which list null when
 *   it is allowed.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_internal.h"

#define STACK_TEXT 1024

/* Digits of a validated JSON number token, exponent applied. */
struct digits {
    const char *a; /* integer digits */
    size_t na;
    const char *b; /* fraction digits */
    size_t nb;
    long long point; /* decimal point position in a ++ b */
    bool negative;
};

static void split_digits(struct sg_json_span t, struct digits *d)
{
    const char *p = t.ptr, *end = t.ptr + t.len;
    long long e = 0;
    bool eneg = false;
    memset(d, 0, sizeof *d);
    d->negative = p < end && *p == '-';
    p += d->negative;
    d->a = p;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    d->na = (size_t)(p - d->a);
    if (p < end && *p == '.') {
        d->b = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        d->nb = (size_t)(p - d->b);
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        eneg = p < end && *p == '-';
        p += p < end && (*p == '-' || *p == '+');
        /* Saturate: far past any digit count, the answer no longer changes. */
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            e = e < 1000000000000000LL ? e * 10 + (*p - '0') : e;
    }
    d->point = (long long)d->na + (eneg ? -e : e);
}

static int digit_at(const struct digits *d, long long i)
{
    if (i < 0 || (size_t)i >= d->na + d->nb)
        return 0;
    return (size_t)i < d->na ? d->a[i] - '0' : d->b[(size_t)i - d->na] - '0';
}

/* First and last non-zero digit; false when the number is zero. */
static bool nonzero_range(const struct digits *d, long long *first, long long *last)
{
    long long n = (long long)(d->na + d->nb), i;
    for (i = 0; i < n && digit_at(d, i) == 0; i++)
        ;
    if (i == n)
        return false;
    *first = i;
    for (i = n - 1; digit_at(d, i) == 0; i--)
        ;
    *last = i;
    return true;
}

enum int_rc { INT_OK = 0, INT_FRACTION, INT_RANGE };

/* An integer-valued number within int64, exactly. */
static enum int_rc read_integer(struct sg_json_span t, long long *out)
{
    struct digits d;
    long long first, last;
    split_digits(t, &d);
    *out = 0;
    if (!nonzero_range(&d, &first, &last))
        return INT_OK; /* 0, -0, 0.000e5 */
    if (last >= d.point)
        return INT_FRACTION;
    *out = d.negative ? -1 : 1; /* the side, when out of range */
    if (d.point - first > 19)
        return INT_RANGE;
    unsigned long long v = 0;
    for (long long i = first; i < d.point; i++)
        v = v * 10 + (unsigned long long)digit_at(&d, i);
    if (v > (d.negative ? 9223372036854775808ULL : 9223372036854775807ULL))
        return INT_RANGE;
    *out = d.negative ? (long long)(0 - v) : (long long)v;
    return INT_OK;
}

/* strtod of a token (not NUL-terminated). */
static double token_double(struct sg_json_span t)
{
    char small[64];
    char *buf = t.len < sizeof small ? small : malloc(t.len + 1);
    if (!buf)
        return NAN;
    memcpy(buf, t.ptr, t.len);
    buf[t.len] = '\0';
    double v = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return v;
}

/* Finite as a double: fewer than 309 digits before the point is always
 * (DBL_MAX is 1.8e308), more than 309 never; 309 asks strtod. */
static bool finite_number(struct sg_json_span t)
{
    struct digits d;
    long long first, last;
    split_digits(t, &d);
    if (!nonzero_range(&d, &first, &last))
        return true;
    long long mag = d.point - first;
    if (mag <= 308)
        return true;
    if (mag >= 310)
        return false;
    return isfinite(token_double(t));
}

__attribute__((format(printf, 3, 4))) static int fault(struct sg_catalog_fault *f, const char *rule,
                                                       const char *fmt, ...)
{
    va_list ap;
    f->rule = rule;
    va_start(ap, fmt);
    vsnprintf(f->what, sizeof f->what, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *kind_name(enum cat_kind k)
{
    static const char *const names[] = {"a string", "an integer", "a number", "a boolean",
                                        "an array"};
    return names[k];
}

static int type_fault(const struct cat_scalar *s, struct sg_catalog_fault *f)
{
    return fault(f, "type", "must be %s%s", kind_name(s->kind), s->nullable ? " or null" : "");
}

static int enum_fault(const struct cat_scalar *s, struct sg_catalog_fault *f)
{
    if (s->has & HAS_CONST)
        return fault(f, "const", "must be %s", s->values_text);
    return fault(f, "enum", "must be one of %s", s->values_text);
}

/* enum/const over a non-string value: null, a boolean or a number. */
static bool in_values(const struct cat_scalar *s, enum sg_json_type t, long double num)
{
    for (size_t i = 0; i < s->n_values; i++) {
        const struct cat_value *v = &s->values[i];
        if (v->type == t && (t != SG_JSON_NUMBER || v->num == num))
            return true;
    }
    return false;
}

static int check_bounds(const struct cat_scalar *s, long double x, struct sg_catalog_fault *f)
{
    if ((s->has & HAS_MIN) && !(x >= s->min))
        return fault(f, "minimum", "must be >= %s", s->min_text);
    if ((s->has & HAS_MAX) && !(x <= s->max))
        return fault(f, "maximum", "must be <= %s", s->max_text);
    if ((s->has & HAS_XMIN) && !(x > s->xmin))
        return fault(f, "exclusiveMinimum", "must be > %s", s->xmin_text);
    if ((s->has & HAS_XMAX) && !(x < s->xmax))
        return fault(f, "exclusiveMaximum", "must be < %s", s->xmax_text);
    return 0;
}

static int check_number(const struct cat_scalar *s, struct sg_json_span v,
                        struct sg_catalog_fault *f)
{
    long double x;
    if (s->kind == CAT_INTEGER) {
        long long i;
        enum int_rc rc = read_integer(v, &i);
        if (rc == INT_FRACTION)
            return type_fault(s, f);
        if (rc == INT_RANGE && !finite_number(v)) /* 1e400: not a number ajv can hold */
            return type_fault(s, f);
        if (rc == INT_RANGE) /* past a bound of the schema, or of the bigint */
            return check_bounds(s, i < 0 ? -1e30L : 1e30L, f) != 0 ? -1
                   : i < 0                                         ? fault(f, "minimum",
                                                                           "must be >= " SG_CATALOG_INT_MIN_TEXT " (a 64-bit integer)")
                                                                   : fault(f, "exclusiveMaximum",
                                                                           "must be < 9223372036854775808 (a 64-bit integer: at "
                                                                                                                   "most " SG_CATALOG_INT_MAX_TEXT ")");
        x = (long double)i;
    } else {
        if (!finite_number(v))
            return fault(f, "type",
                         "must be a number that is finite as a double (at most about "
                         "1.8e308 in magnitude)");
        if (!(s->has & (HAS_MIN | HAS_MAX | HAS_XMIN | HAS_XMAX | HAS_ENUM | HAS_CONST)))
            return 0;
        x = (long double)token_double(v);
    }
    if ((s->has & (HAS_ENUM | HAS_CONST)) && !in_values(s, SG_JSON_NUMBER, x))
        return enum_fault(s, f);
    return check_bounds(s, x, f);
}

/* Code points of a validated string token, as ajv's ucs2length counts the
 * JavaScript string: an escaped surrogate pair is one. */
static unsigned long long code_points(struct sg_json_span t)
{
    const unsigned char *p = (const unsigned char *)t.ptr + 1, *end = p + t.len - 2;
    unsigned long long n = 0;
    while (p < end) {
        if (*p == '\\') {
            /* \uD8xx\uDCxx (validation guarantees the pair) counts once. */
            bool pair =
                p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') && strchr("89abAB", p[3]) != NULL;
            p += p[1] == 'u' ? (pair ? 12 : 6) : 2;
            n++;
        } else {
            n += (*p & 0xc0) != 0x80;
            p++;
        }
    }
    return n;
}

static bool format_ok(enum cat_format fmt, const char *s, size_t n)
{
    switch (fmt) {
    case FMT_DATE:
        return sg_catalog_format_date(s, n);
    case FMT_DATE_TIME:
        return sg_catalog_format_date_time(s, n);
    case FMT_UUID:
        return sg_catalog_format_uuid(s, n);
    case FMT_NONE:
        break;
    }
    return true;
}

static const char *format_what(enum cat_format fmt)
{
    return fmt == FMT_DATE        ? "must be a date (format date: YYYY-MM-DD)"
           : fmt == FMT_DATE_TIME ? "must be a date-time (format date-time: RFC 3339 with a "
                                    "time zone, e.g. 2024-04-07T18:21:05Z)"
                                  : "must be a UUID (format uuid)";
}

static bool string_in_values(const struct cat_scalar *s, const char *txt, size_t n)
{
    for (size_t i = 0; i < s->n_values; i++) {
        const struct cat_value *v = &s->values[i];
        if (v->type == SG_JSON_STRING && v->len == n && memcmp(v->s, txt, n) == 0)
            return true;
    }
    return false;
}

/* enum/const and format need the decoded text; the raw bytes when there is
 * no escape. Returns 0, -1 with *f, or -2 on allocation failure. */
static int check_text(const struct cat_scalar *s, struct sg_json_span v, struct sg_catalog_fault *f)
{
    char small[STACK_TEXT];
    struct sg_buf big;
    const char *txt = v.ptr + 1;
    size_t n = v.len - 2;
    int rc = 0;
    sg_buf_init(&big, 0);
    if (memchr(txt, '\\', n)) {
        if (sg_json_string_decode_to(v, small, sizeof small, &n) == 0) {
            txt = small;
        } else if (sg_json_string_decode(v, &big) == SG_BUF_OK) {
            txt = big.data, n = big.len;
        } else {
            return -2;
        }
    }
    if ((s->has & (HAS_ENUM | HAS_CONST)) && !string_in_values(s, txt, n))
        rc = enum_fault(s, f);
    else if (s->format != FMT_NONE && !format_ok(s->format, txt, n))
        rc = fault(f, "format", "%s", format_what(s->format));
    sg_buf_free(&big);
    return rc;
}

static int check_string(const struct cat_scalar *s, struct sg_json_span v,
                        struct sg_catalog_fault *f)
{
    if (s->has & (HAS_MINLEN | HAS_MAXLEN)) {
        unsigned long long n = code_points(v);
        if ((s->has & HAS_MINLEN) && n < s->min_len)
            return fault(f, "minLength", "must be at least %llu characters long", s->min_len);
        if ((s->has & HAS_MAXLEN) && n > s->max_len)
            return fault(f, "maxLength", "must be at most %llu characters long", s->max_len);
    }
    if (!(s->has & (HAS_ENUM | HAS_CONST)) && s->format == FMT_NONE)
        return 0;
    int rc = check_text(s, v, f);
    if (rc == -2) {
        f->rule = NULL;
        snprintf(f->what, sizeof f->what, "out of memory");
        return -1;
    }
    return rc;
}

static int check_scalar(const struct cat_scalar *s, struct sg_json_span v,
                        struct sg_catalog_fault *f)
{
    enum sg_json_type t = sg_json_type_of(v);
    if (t == SG_JSON_NULL) {
        if (!s->nullable)
            return type_fault(s, f);
        if ((s->has & (HAS_ENUM | HAS_CONST)) && !in_values(s, SG_JSON_NULL, 0))
            return enum_fault(s, f);
        return 0;
    }
    switch (s->kind) {
    case CAT_STRING:
        return t == SG_JSON_STRING ? check_string(s, v, f) : type_fault(s, f);
    case CAT_INTEGER:
    case CAT_NUMBER:
        return t == SG_JSON_NUMBER ? check_number(s, v, f) : type_fault(s, f);
    case CAT_BOOLEAN:
        if (t != SG_JSON_TRUE && t != SG_JSON_FALSE)
            return type_fault(s, f);
        if ((s->has & (HAS_ENUM | HAS_CONST)) && !in_values(s, t, 0))
            return enum_fault(s, f);
        return 0;
    case CAT_ARRAY:
        break;
    }
    return type_fault(s, f);
}

static int check_array(const struct sg_catalog_prop *p, struct sg_json_span v,
                       const struct sg_json_index *idx, struct sg_catalog_fault *f)
{
    struct sg_json_iter it;
    struct sg_json_span e;
    struct sg_catalog_fault first = {NULL, -1, ""};
    unsigned long long n = 0;
    bool bad = false;
    sg_json_iter_init_indexed(&it, v, idx);
    while (sg_json_array_next(&it, &e)) {
        if (!bad && check_scalar(&p->items, e, &first) != 0) {
            bad = true;
            first.item = (long)n;
            if (!first.rule) { /* out of memory */
                *f = first;
                return -1;
            }
        }
        n++;
    }
    if (p->has_min_items && n < p->min_items)
        return fault(f, "minItems", "must have at least %llu items", p->min_items);
    if (p->has_max_items && n > p->max_items)
        return fault(f, "maxItems", "must have at most %llu items", p->max_items);
    if (bad)
        *f = first;
    return bad ? -1 : 0;
}

int sg_catalog_check(const struct sg_catalog_prop *p, struct sg_json_span v,
                     const struct sg_json_index *idx, struct sg_catalog_fault *f)
{
    f->item = -1;
    if (p->s.kind != CAT_ARRAY)
        return check_scalar(&p->s, v, f);
    enum sg_json_type t = sg_json_type_of(v);
    if (t == SG_JSON_NULL && p->s.nullable)
        return 0;
    if (t != SG_JSON_ARRAY)
        return type_fault(&p->s, f);
    return check_array(p, v, idx, f);
}
