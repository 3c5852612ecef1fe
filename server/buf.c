/*
 * buf: growable byte buffer with a ceiling (see buf.h).
 * Growth doubles the capacity, clamped to the limit, so appends are amortised
 * O(1) and a buffer never holds more than limit + 1 bytes.
 */
#include "buf.h"

#include <pthread.h>
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
    /* Eight bytes a time (SWAR): a lane below 0x20, or equal to '"' or '\\'
     * after an XOR, has its high bit set in `hit` (the classic has-zero /
     * has-less tricks; a lane >= 0x80 is excluded by ~w). The answer's
     * 56-digit sequence numbers go through here 500 times a request. */
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (plain + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + plain, 8);
        uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
        uint64_t hit = ((w - ones * 0x20) | (q - ones) | (bs - ones)) & ~w & highs;
        if (hit)
            break;
        plain += 8;
    }
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

/* Base64 of the PutRecords Data, once per event. Scalar, with a table of
 * the two output bytes of every 12-bit group (8 KiB, built once): two loads
 * and two stores per 3 input bytes (six bytes from one 8-byte load), about
 * a quarter of EVP_EncodeBlock's instructions (issue 21). Not SIMD: the AVX2/AVX-512 encoders are
 * faster on the long buffers they are made for, but an event is ~330 bytes, the gateway must run on
 * any x86-64 and arm64, and valgrind (the repeatable measure, loadtest/bench/callgrind.sh) cannot
 * run AVX-512. */
static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static uint16_t b64_pairs[4096];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_build(void)
{
    for (unsigned v = 0; v < 4096; v++) {
        unsigned char two[2] = {(unsigned char)b64_alphabet[v >> 6],
                                (unsigned char)b64_alphabet[v & 63]};
        memcpy(&b64_pairs[v], two, 2); /* in memory order, whatever the endianness */
    }
}

enum sg_buf_result sg_buf_append_base64(struct sg_buf *b, const void *p, size_t n)
{
    if (n > INT32_MAX)
        return SG_BUF_TOO_LARGE;
    size_t out = 4 * ((n + 2) / 3);
    enum sg_buf_result rc = sg_buf_reserve(b, out);
    if (rc != SG_BUF_OK)
        return rc;
    pthread_once(&b64_once, b64_build);
    const unsigned char *in = p;
    char *o = b->data + b->len;
    size_t i = 0;
    /* Six bytes a time from one 8-byte load: four 12-bit groups. */
    for (; i + 8 <= n; i += 6, o += 8) {
        uint64_t v;
        memcpy(&v, in + i, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        v = __builtin_bswap64(v);
#endif
        memcpy(o, &b64_pairs[v >> 52], 2);
        memcpy(o + 2, &b64_pairs[(v >> 40) & 0xfff], 2);
        memcpy(o + 4, &b64_pairs[(v >> 28) & 0xfff], 2);
        memcpy(o + 6, &b64_pairs[(v >> 16) & 0xfff], 2);
    }
    for (; i + 3 <= n; i += 3, o += 4) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        memcpy(o, &b64_pairs[v >> 12], 2);
        memcpy(o + 2, &b64_pairs[v & 0xfff], 2);
    }
    if (i < n) { /* one or two bytes left: '=' padding, as RFC 4648 */
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        o[0] = b64_alphabet[v >> 18];
        o[1] = b64_alphabet[(v >> 12) & 63];
        o[2] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        o[3] = '=';
        o += 4;
    }
    b->len = (size_t)(o - b->data);
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
