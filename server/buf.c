/*
 * buf: growable byte buffer with a ceiling (see buf.h).
 * Growth doubles the capacity, clamped to the limit, so appends are amortised
 * O(1) and a buffer never holds more than limit + 1 bytes.
 */
#include "buf.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lit.h"

void sg_buf_init(struct sg_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->_cap = 0;
    b->_limit = limit ? limit : SIZE_MAX - 1;
}

void sg_buf_free(struct sg_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->_cap = 0;
}

void sg_buf_reset(struct sg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

enum sg_buf_result sg_buf_reserve(struct sg_buf *b, size_t extra)
{
    if (extra > b->_limit - b->len)
        return SG_BUF_TOO_LARGE;
    size_t need = b->len + extra + 1; /* + NUL */
    if (need <= b->_cap)
        return SG_BUF_OK;
    size_t cap = b->_cap ? b->_cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->_limit + 1)
        cap = b->_limit + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return SG_BUF_NO_MEMORY;
    b->data = p;
    b->_cap = cap;
    return SG_BUF_OK;
}

enum sg_buf_result sg_buf_reserve_upto(struct sg_buf *b, size_t extra)
{
    size_t room = b->_limit - b->len;
    return sg_buf_reserve(b, extra < room ? extra : room);
}

enum sg_buf_result sg_buf_append(struct sg_buf *b, const void *p, size_t n)
{
    enum sg_buf_result rc = sg_buf_reserve(b, n);
    if (rc != SG_BUF_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SG_BUF_OK;
}

enum sg_buf_result sg_buf_append_str(struct sg_buf *b, const char *s)
{
    return sg_buf_append(b, s, strlen(s));
}

enum sg_buf_result sg_buf_append_char(struct sg_buf *b, char c)
{
    return sg_buf_append(b, &c, 1);
}

enum sg_buf_result sg_buf_printf(struct sg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SG_BUF_NO_MEMORY; /* vsnprintf fails only for want of memory or a bad format */
    enum sg_buf_result rc = sg_buf_reserve(b, (size_t)n);
    if (rc != SG_BUF_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return SG_BUF_OK;
}

static size_t json_string_len(const char *s, size_t n)
{
    size_t out = 2;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out += (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') ? 2
               : c < 0x20                                                     ? 6
                                                                              : 1;
    }
    return out;
}

enum sg_buf_result sg_buf_append_json_string(struct sg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* Fast path, the usual case: nothing to escape, one copy. */
    size_t plain = 0;
    while (plain < n && (unsigned char)s[plain] >= 0x20 && s[plain] != '"' && s[plain] != '\\')
        plain++;
    if (plain == n) {
        enum sg_buf_result rc = sg_buf_reserve(b, n + 2);
        if (rc != SG_BUF_OK)
            return rc;
        char *o = b->data + b->len;
        o[0] = '"';
        memcpy(o + 1, s, n);
        o[n + 1] = '"';
        b->len += n + 2;
        b->data[b->len] = '\0';
        return SG_BUF_OK;
    }
    /* Size exactly first, so that a string that fits is never refused. */
    if (n > (SIZE_MAX - 2) / 6)
        return SG_BUF_TOO_LARGE;
    enum sg_buf_result rc = sg_buf_reserve(b, json_string_len(s, n));
    if (rc != SG_BUF_OK)
        return rc;
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c >= 0x20) {
            *o++ = (char)c;
        } else if (c == '\n') {
            *o++ = '\\', *o++ = 'n';
        } else if (c == '\r') {
            *o++ = '\\', *o++ = 'r';
        } else if (c == '\t') {
            *o++ = '\\', *o++ = 't';
        } else {
            memcpy(o, SG_LIT("\\u00"));
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return SG_BUF_OK;
}

enum sg_buf_result sg_buf_append_base64(struct sg_buf *b, const void *p, size_t n)
{
    size_t out = 4 * ((n + 2) / 3);
    if (n > INT32_MAX)
        return SG_BUF_TOO_LARGE;
    enum sg_buf_result rc = sg_buf_reserve(b, out);
    if (rc != SG_BUF_OK)
        return rc;
    int w = EVP_EncodeBlock((unsigned char *)b->data + b->len, p, (int)n);
    if (w < 0)
        return SG_BUF_NO_MEMORY;
    b->len += (size_t)w;
    b->data[b->len] = '\0';
    return SG_BUF_OK;
}

void sg_buf_truncate(struct sg_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

char *sg_buf_take(struct sg_buf *b, size_t *len)
{
    if (b->len == 0) { /* as documented: an empty buffer gives NULL */
        sg_buf_free(b);
        if (len)
            *len = 0;
        return NULL;
    }
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->_cap = 0;
    return p;
}
