/*
 * fk_json: see fk_json.h. A strict subset reader: it accepts exactly RFC 8259
 * values, except that numbers are only checked for their character set
 * (the fake endpoint never interprets a number).
 */
#include "fk_json.h"

#include <string.h>

const char *fk_json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

const char *fk_json_string(const char *p, const char *end, struct fk_str *out)
{
    if (p >= end || *p != '"')
        return NULL;
    p++;
    out->p = p;
    out->escaped = 0;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            out->n = (size_t)(p - out->p);
            return p + 1;
        }
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            out->escaped = 1;
            if (++p >= end)
                return NULL;
        }
        p++;
    }
    return NULL;
}

static const char *skip_literal(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0)
        return NULL;
    return p + n;
}

static const char *skip_number(const char *p, const char *end)
{
    const char *start = p;
    while (p < end && (strchr("0123456789+-.eE", *p) != NULL && *p != '\0'))
        p++;
    return p > start ? p : NULL;
}

/* Skips the members or elements of a container whose opener is at p. */
static const char *skip_container(const char *p, const char *end, int depth)
{
    char closer = *p == '{' ? '}' : ']';
    int is_object = *p == '{';
    p = fk_json_ws(p + 1, end);
    if (p < end && *p == closer)
        return p + 1;
    for (;;) {
        if (is_object) {
            struct fk_str key;
            p = fk_json_string(fk_json_ws(p, end), end, &key);
            if (p == NULL)
                return NULL;
            p = fk_json_ws(p, end);
            if (p >= end || *p != ':')
                return NULL;
            p++;
        }
        p = fk_json_skip(p, end, depth + 1);
        if (p == NULL)
            return NULL;
        int more = fk_json_next(&p, end, closer);
        if (more <= 0)
            return more == 0 ? p : NULL;
    }
}

const char *fk_json_skip(const char *p, const char *end, int depth)
{
    struct fk_str s;
    if (depth > FK_JSON_MAX_DEPTH)
        return NULL;
    p = fk_json_ws(p, end);
    if (p >= end)
        return NULL;
    switch (*p) {
    case '"':
        return fk_json_string(p, end, &s);
    case '{':
    case '[':
        return skip_container(p, end, depth);
    case 't':
        return skip_literal(p, end, "true");
    case 'f':
        return skip_literal(p, end, "false");
    case 'n':
        return skip_literal(p, end, "null");
    default:
        return skip_number(p, end);
    }
}

int fk_json_next(const char **p, const char *end, char closer)
{
    const char *q = fk_json_ws(*p, end);
    if (q >= end)
        return -1;
    if (*q == ',') {
        *p = q + 1;
        return 1;
    }
    if (*q == closer) {
        *p = q + 1;
        return 0;
    }
    return -1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits at s; returns the code unit or -1. */
static long read_u16(const char *s, const char *end)
{
    long v = 0;
    if (end - s < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Appends code point cp as UTF-8; returns bytes written or 0 if no room. */
static size_t put_utf8(unsigned long cp, char *out, size_t room)
{
    if (cp < 0x80 && room >= 1) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800 && room >= 2) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000 && room >= 3) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    if (cp >= 0x10000 && room >= 4) {
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
    }
    return 0;
}

/* Decodes the \u escape at s (pointing after "\u"), pairing surrogates. */
static const char *read_unicode(const char *s, const char *end, unsigned long *cp)
{
    long hi = read_u16(s, end);
    if (hi < 0)
        return NULL;
    s += 4;
    if (hi < 0xd800 || hi > 0xdfff) {
        *cp = (unsigned long)hi;
        return s;
    }
    if (hi > 0xdbff || end - s < 6 || s[0] != '\\' || s[1] != 'u')
        return NULL;
    long lo = read_u16(s + 2, end);
    if (lo < 0xdc00 || lo > 0xdfff)
        return NULL;
    *cp = 0x10000 + (((unsigned long)hi - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
    return s + 6;
}

size_t fk_json_unescape(struct fk_str s, char *out, size_t cap)
{
    const char *p = s.p, *end = s.p + s.n;
    size_t n = 0;
    while (p < end) {
        unsigned long cp;
        if (*p != '\\') {
            cp = (unsigned char)*p++;
            if (n >= cap)
                return (size_t)-1;
            out[n++] = (char)cp;
            continue;
        }
        if (++p >= end)
            return (size_t)-1;
        const char *esc = strchr("\"\\/bfnrt", *p);
        if (*p != '\0' && esc != NULL) {
            cp = (unsigned long)("\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"]);
            p++;
        } else if (*p == 'u') {
            p = read_unicode(p + 1, end, &cp);
            if (p == NULL)
                return (size_t)-1;
        } else {
            return (size_t)-1;
        }
        size_t w = put_utf8(cp, out + n, cap - n);
        if (w == 0)
            return (size_t)-1;
        n += w;
    }
    return n;
}

int fk_json_str_is(struct fk_str s, const char *lit)
{
    size_t n = strlen(lit);
    return !s.escaped && s.n == n && memcmp(s.p, lit, n) == 0;
}
