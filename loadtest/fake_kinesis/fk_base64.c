/*
 * fk_base64: see fk_base64.h. Table driven: each group of four characters is
 * looked up, the four 6-bit values OR-ed into a check byte, so a bad
 * character anywhere costs one branch per group rather than one per byte.
 */
#include "fk_base64.h"

#include <stdint.h>

#define BAD 0x80

/* 256 entries: 8 rows of 16, then 4 rows of 28 and one of 16 for 0x80-0xff. */
static const unsigned char decode_table[256] = {
#define X BAD
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  /* 0x00 */
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  /* 0x10 */
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,  X,  63, /* 0x20: + / */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,  /* 0x30: digits */
    X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, /* 0x40 */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  X,  /* 0x50 */
    X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60 */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,  X,  X,  /* 0x70 */
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X, X, X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X, X, X, X, X, X, X, X,
#undef X
};

/* Decodes the last group, which may end in "=" or "==". */
static size_t decode_tail(const unsigned char *s, unsigned char *dst)
{
    unsigned a = decode_table[s[0]], b = decode_table[s[1]];
    if ((a | b) & BAD)
        return (size_t)-1;
    if (s[2] == '=') {
        if (s[3] != '=' || (b & 0x0f) != 0)
            return (size_t)-1;
        dst[0] = (unsigned char)(a << 2 | b >> 4);
        return 1;
    }
    unsigned c = decode_table[s[2]];
    if (s[3] == '=') {
        if ((c & BAD) || (c & 0x03) != 0)
            return (size_t)-1;
        dst[0] = (unsigned char)(a << 2 | b >> 4);
        dst[1] = (unsigned char)(b << 4 | c >> 2);
        return 2;
    }
    unsigned d = decode_table[s[3]];
    if ((c | d) & BAD)
        return (size_t)-1;
    dst[0] = (unsigned char)(a << 2 | b >> 4);
    dst[1] = (unsigned char)(b << 4 | c >> 2);
    dst[2] = (unsigned char)(c << 6 | d);
    return 3;
}

size_t fk_base64_decode(const char *src, size_t n, unsigned char *dst)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t out = 0;
    if (n % 4 != 0)
        return (size_t)-1;
    if (n == 0)
        return 0;
    for (size_t i = 0; i + 4 < n; i += 4) {
        unsigned a = decode_table[s[i]], b = decode_table[s[i + 1]];
        unsigned c = decode_table[s[i + 2]], d = decode_table[s[i + 3]];
        if ((a | b | c | d) & BAD)
            return (size_t)-1;
        uint32_t v = (uint32_t)(a << 18 | b << 12 | c << 6 | d);
        dst[out] = (unsigned char)(v >> 16);
        dst[out + 1] = (unsigned char)(v >> 8);
        dst[out + 2] = (unsigned char)v;
        out += 3;
    }
    size_t t = decode_tail(s + n - 4, dst + out);
    return t == (size_t)-1 ? t : out + t;
}
