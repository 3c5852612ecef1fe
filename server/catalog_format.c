/*
 * catalog_format: the string formats of the catalog, exactly as ajv-formats
 * 3.0.1 checks them in its "full" mode (dist/formats.js: date, getTime(true),
 * getDateTime(true), uuid), so the gateway and the ajv differential test
 * agree on every string:
 *   date       /^(\d\d\d\d)-(\d\d)-(\d\d)$/ with 1 <= month <= 12 and a real
 *              day of that month (leap years per RFC 3339 appendix C);
 *   date-time  the string split on /t|\s/i must give exactly two parts: a
 *              date and a time /^(\d\d):(\d\d):(\d\d(?:\.\d+)?)(z|([+-])(\d\d)
 *              (?::?(\d\d))?)?$/i with a time zone (strict), tz hours <= 23,
 *              minutes <= 59, and either hr <= 23, min <= 59, sec < 60 or
 *              the leap-second rule (23:59:60 in UTC once the offset is
 *              applied; sec < 61);
 *   uuid       /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i.
 * JavaScript's \d is ASCII here (no `u` flag) and its \s is the Unicode
 * white space set below; seconds are compared as JavaScript does, through
 * a double (so 59.99999999999999999 is 60).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog_internal.h"

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool leap_year(int y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

bool sg_catalog_format_date(const char *s, size_t n)
{
    static const int days[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return false;
    int y = num2(s) * 100 + num2(s + 2), m = num2(s + 5), d = num2(s + 8);
    return m >= 1 && m <= 12 && d >= 1 && d <= (m == 2 && leap_year(y) ? 29 : days[m]);
}

/* The seconds field "ss[.fff]" as JavaScript's unary + reads it. */
static double js_seconds(const char *s, size_t n)
{
    char small[64];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf)
        return 99.0; /* out of memory: not a valid second */
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return v;
}

/* getTime(true) of ajv-formats on s[0..n). */
static bool format_time(const char *s, size_t n)
{
    if (n < 8 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' ||
        !digits(s + 6, 2))
        return false;
    size_t p = 8;
    if (p < n && s[p] == '.') {
        size_t q = p + 1;
        while (q < n && s[q] >= '0' && s[q] <= '9')
            q++;
        if (q == p + 1)
            return false;
        p = q;
    }
    size_t sec_end = p;
    int sign = 1, tzh = 0, tzm = 0;
    if (p >= n)
        return false; /* strict: a time zone is required */
    if (s[p] == 'z' || s[p] == 'Z') {
        p++;
    } else if (s[p] == '+' || s[p] == '-') {
        sign = s[p] == '-' ? -1 : 1;
        if (p + 3 > n || !digits(s + p + 1, 2))
            return false;
        tzh = num2(s + p + 1);
        p += 3;
        if (p + 1 < n && s[p] == ':' && p + 3 <= n && digits(s + p + 1, 2)) {
            tzm = num2(s + p + 1);
            p += 3;
        } else if (p + 2 <= n && digits(s + p, 2)) {
            tzm = num2(s + p);
            p += 2;
        }
    } else {
        return false;
    }
    if (p != n || tzh > 23 || tzm > 59)
        return false;
    int hr = num2(s), min = num2(s + 3);
    double sec = js_seconds(s + 6, sec_end - 6);
    if (hr <= 23 && min <= 59 && sec < 60)
        return true;
    int utc_min = min - tzm * sign;
    int utc_hr = hr - tzh * sign - (utc_min < 0 ? 1 : 0);
    return (utc_hr == 23 || utc_hr == -1) && (utc_min == 59 || utc_min == -1) && sec < 61;
}

/* Length of a JavaScript /t|\s/i separator at s[0..n), or 0. */
static size_t separator_len(const unsigned char *s, size_t n)
{
    if (s[0] == 't' || s[0] == 'T' || s[0] == ' ' || (s[0] >= 0x09 && s[0] <= 0x0d))
        return 1;
    if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0) /* U+00A0 */
        return 2;
    if (n < 3)
        return 0;
    unsigned cp = ((unsigned)(s[0] & 0x0f) << 12) | ((unsigned)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
    if ((s[0] & 0xf0) != 0xe0)
        return 0;
    bool ws = cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
              cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
    return ws ? 3 : 0;
}

bool sg_catalog_format_date_time(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t at = 0, len = 0, seps = 0;
    for (size_t i = 0; i < n;) {
        size_t k = separator_len(u + i, n - i);
        if (k) {
            if (seps++ == 0)
                at = i, len = k;
            i += k;
        } else {
            i++;
        }
    }
    return seps == 1 && sg_catalog_format_date(s, at) && format_time(s + at + len, n - at - len);
}

static bool hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

bool sg_catalog_format_uuid(const char *s, size_t n)
{
    static const char urn[] = "urn:uuid:";
    if (n == 36 + sizeof urn - 1 && strncasecmp(s, urn, sizeof urn - 1) == 0)
        s += sizeof urn - 1, n -= sizeof urn - 1;
    return n == 36 && hex_run(s, 8) && s[8] == '-' && hex_run(s + 9, 4) && s[13] == '-' &&
           hex_run(s + 14, 4) && s[18] == '-' && hex_run(s + 19, 4) && s[23] == '-' &&
           hex_run(s + 24, 12);
}
