/*
 * json_decode: JSON string tokens -> their bytes (see json_scan.h). A
 * decoded string is never longer than its raw token minus the quotes
 * (every escape shrinks or keeps its length), so one reserve up front
 * usually makes the later appends infallible; a failed decode leaves the
 * output buffer as it was.
 */
#include "json_scan_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t utf8_encode(unsigned cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Decodes the escape at *pp (a backslash) of a validated string into UTF-8
 * and moves past it. Returns the byte count (0 only on a malformed escape,
 * which validation has excluded; a lone surrogate then becomes U+FFFD).
 */
size_t sg_json_decode_escape(const char **pp, const char *end, unsigned char out[4])
{
    const char *p = *pp;
    unsigned cp, lo;
    if (end - p < 2) {
        *pp = end;
        return 0;
    }
    *pp = p + 2;
    switch (p[1]) {
    case 'b':
        out[0] = '\b';
        return 1;
    case 'f':
        out[0] = '\f';
        return 1;
    case 'n':
        out[0] = '\n';
        return 1;
    case 'r':
        out[0] = '\r';
        return 1;
    case 't':
        out[0] = '\t';
        return 1;
    case 'u':
        break;
    default:
        out[0] = (unsigned char)p[1];
        return 1; /* '"', '\\', '/' */
    }
    if (end - p < 6 || hex4(p + 2, &cp) != 0) {
        *pp = end;
        return 0;
    }
    *pp = p + 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end - p >= 12 && p[6] == '\\' && p[7] == 'u' && hex4(p + 8, &lo) == 0 && lo >= 0xDC00 &&
            lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            *pp = p + 12;
        } else {
            cp = 0xFFFD;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    return utf8_encode(cp, out);
}

enum sg_buf_result sg_json_string_decode(struct sg_json_span tok, struct sg_buf *out)
{
    if (tok.len < 2)
        return SG_BUF_OK;
    const char *p = tok.ptr + 1, *end = tok.ptr + tok.len - 1;
    size_t before = out->len;
    /* The raw length bounds the decoded one; the limit applies to the
     * decoded text, so an escaped string over the limit may still fit. */
    enum sg_buf_result rc = sg_buf_reserve_upto(out, (size_t)(end - p));
    while (rc == SG_BUF_OK && p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        const char *stop = bs ? bs : end;
        if (stop > p)
            rc = sg_buf_append(out, p, (size_t)(stop - p));
        p = stop;
        if (rc == SG_BUF_OK && p < end) {
            unsigned char u[4];
            size_t n = sg_json_decode_escape(&p, end, u);
            if (n)
                rc = sg_buf_append(out, u, n);
        }
    }
    if (rc != SG_BUF_OK)
        sg_buf_truncate(out, before); /* all or nothing */
    return rc;
}

int sg_json_string_decode_to(struct sg_json_span tok, char *dst, size_t cap, size_t *len)
{
    size_t n = 0;
    *len = 0;
    if (tok.len < 2)
        return 0;
    const char *p = tok.ptr + 1, *end = tok.ptr + tok.len - 1;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((bs ? bs : end) - p);
        if (run > cap - n)
            return -1;
        if (run)
            memcpy(dst + n, p, run);
        n += run;
        p += run;
        if (p < end) {
            unsigned char u[4];
            size_t k = sg_json_decode_escape(&p, end, u);
            if (k > cap - n)
                return -1;
            if (k)
                memcpy(dst + n, u, k);
            n += k;
        }
    }
    *len = n;
    return 0;
}
