/*
 * creds_parse: pure helpers the sources share - ISO 8601 times, the JSON
 * credentials document of the container and IMDS endpoints, bounded file
 * reads and wiping frees.
 *
 * Secrets pass through here (file contents, JSON bodies): every buffer that
 * held one is wiped before it is freed. jansson's own copies of the strings
 * are freed by json_decref without a wipe; that is a known limit (jansson's
 * allocator hooks are process-wide, so we do not replace them here).
 */
#include "creds_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sg_creds_wipe_free(void *p, size_t len)
{
    if (!p)
        return;
    OPENSSL_cleanse(p, len);
    free(p);
}

/* Reads exactly n decimal digits. */
static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int year, int mon)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return mon == 2 && leap ? 29 : d[mon - 1];
}

/* Parses the zone designator at s[0..n): "Z", "+hh:mm" or "-hh:mm", as
 * seconds east of UTC. */
static int parse_zone(const char *s, size_t n, long *offset)
{
    int hh, mm;
    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *offset = 0;
        return 0;
    }
    if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || digits(s + 1, 2, &hh) ||
        digits(s + 4, 2, &mm) || hh > 23 || mm > 59)
        return -1;
    *offset = (s[0] == '-' ? -1L : 1L) * (hh * 3600L + mm * 60L);
    return 0;
}

/* RFC 3339 section 5.6, date-time; leap seconds are refused. */
int sg_creds_parse_iso8601(const char *s, size_t len, time_t *out)
{
    struct tm tm = {0};
    int year, mon, day, hour, min, sec;
    long offset;
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return -1;
    if (digits(s, 4, &year) || digits(s + 5, 2, &mon) || digits(s + 8, 2, &day) ||
        digits(s + 11, 2, &hour) || digits(s + 14, 2, &min) || digits(s + 17, 2, &sec))
        return -1;
    if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) ||
        hour > 23 || min > 59 || sec > 59)
        return -1;
    size_t i = 19;
    if (s[i] == '.') { /* fraction: skipped, credentials live for minutes */
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return -1;
    }
    if (parse_zone(s + i, len - i, &offset))
        return -1;
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = t - (time_t)offset;
    return 0;
}

void sg_creds_format_iso8601(time_t t, char *out, size_t outlen)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        if (outlen)
            out[0] = '\0';
    }
}

/* A string member, or NULL when absent or not a string. Borrowed. */
static const char *member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int sg_creds_from_json(const char *body, size_t len, const char *source,
                       struct sg_credentials **out, char *err, size_t errlen)
{
    int rc = -1;
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "response is not a JSON object");
        goto out;
    }
    const char *code = member(doc, "Code"); /* IMDS only: "Success" */
    if (code && strcmp(code, "Success") != 0) {
        snprintf(err, errlen, "response Code is not Success");
        goto out;
    }
    const char *akid = member(doc, "AccessKeyId");
    const char *secret = member(doc, "SecretAccessKey");
    const char *token = member(doc, "Token");
    const char *exp = member(doc, "Expiration");
    time_t expiration = 0;
    if (!akid || !*akid || !secret || !*secret) {
        snprintf(err, errlen, "response lacks AccessKeyId or SecretAccessKey");
        goto out;
    }
    if (exp && sg_creds_parse_iso8601(exp, strlen(exp), &expiration)) {
        snprintf(err, errlen, "response has an invalid Expiration");
        goto out;
    }
    *out = sg_credentials_new(akid, secret, token, expiration, source);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

int sg_creds_read_file(const char *path, size_t max, char **out, size_t *len, char *err,
                       size_t errlen)
{
    char *buf = NULL;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char msg[128];
        int e = errno;
        snprintf(err, errlen, "cannot open %s: %s", path,
                 strerror_r(e, msg, sizeof msg) == 0 ? msg : "error");
        return -1;
    }
    buf = malloc(max + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read %s", path);
            goto err;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
            goto err;
        }
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
err:
    close(fd);
    sg_creds_wipe_free(buf, buf ? max + 1 : 0);
    return -1;
}
