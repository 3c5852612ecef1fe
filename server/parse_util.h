/*
 * parse_util: small helpers shared by the modules that parse configuration
 * sections (config.c, apikeys.c, cors.c), hex text (json_validate.c, sigv4.c,
 * apikeys.c) and UTF-8 text they pass on (kinesis_codec.c, log.c), so each
 * rule is written once.
 */
#ifndef SG_PARSE_UTIL_H
#define SG_PARSE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Formats a message naming the key at fault into err[0..cap); returns -1 so
 * that parsers can `return sg_parse_fail(...)`. */
int sg_parse_fail(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when `name` is one of the NULL-terminated `allowed` names. */
bool sg_parse_name_allowed(const char *name, const char *const *allowed);

/* True when s[0..len) is 1..max characters of [a-zA-Z0-9_.-] (Kinesis stream
 * names; API key ids, which appear in logs and metric labels). */
bool sg_parse_safe_name(const char *s, size_t len, size_t max);

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 when it is not one. */
size_t sg_parse_utf8_seq(const unsigned char *s, size_t n);

/* The value of one hex digit (either case), or -1. */
static inline int sg_parse_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
