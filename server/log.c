/*
 * log: JSON-lines logging (see log.h).
 * Each line is assembled in a stack buffer and written with one fwrite under
 * stdio's own stream lock, so concurrent lines never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "buf.h"
#include "lit.h"
#include "parse_util.h"

static enum sg_log_level min_level = SG_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void sg_log_set_level(enum sg_log_level level)
{
    min_level = level;
}

int sg_log_level_parse(const char *s, enum sg_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (enum sg_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = SG_LOG_WARN;
        return 0;
    }
    return -1;
}

int sg_log_enabled(enum sg_log_level level)
{
    return level >= min_level;
}

static void format_ts(char out[32])
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

void sg_log_fields(enum sg_log_level level, const char *fields_json, const char *fmt, ...)
{
    if (!sg_log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof msg)
        n = sizeof msg - 1;

    char ts[32];
    format_ts(ts);
    struct sg_buf line;
    sg_buf_init(&line, 16384);
    int rc =
        sg_buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, level_names[level]);
    rc |= sg_log_append_json_text(&line, msg, (unsigned long)n);
    if (fields_json && *fields_json) {
        rc |= sg_buf_append_char(&line, ',');
        rc |= sg_buf_append_str(&line, fields_json);
    }
    rc |= sg_buf_append(&line, SG_LIT("}\n"));
    if (rc == 0)
        fwrite(line.data, 1, line.len, stdout);
    sg_buf_free(&line);
}

/* One ASCII byte, JSON-escaped when it must be. */
static int append_ascii(struct sg_buf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    if (c == '"' || c == '\\') {
        char e[2] = {'\\', (char)c};
        return sg_buf_append(b, e, 2);
    }
    if (c < 0x20) {
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        return sg_buf_append(b, e, 6);
    }
    return sg_buf_append_char(b, (char)c);
}

int sg_log_append_json_text(struct sg_buf *b, const char *s, unsigned long n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    int rc = sg_buf_append_char(b, '"');
    for (size_t i = 0; i < n && rc == 0;) {
        size_t len = sg_parse_utf8_seq(u + i, n - i);
        if (len == 1) {
            rc |= append_ascii(b, u[i]);
        } else if (len) {
            rc |= sg_buf_append(b, s + i, len);
        } else {
            /* Not UTF-8: the text \xHH, its backslash escaped for JSON. */
            char e[5] = {'\\', '\\', 'x', hex[u[i] >> 4], hex[u[i] & 15]};
            rc |= sg_buf_append(b, e, sizeof e);
            len = 1;
        }
        i += len;
    }
    return rc | sg_buf_append_char(b, '"');
}

void sg_log_line(const char *json, unsigned long len)
{
    flockfile(stdout);
    fwrite(json, 1, len, stdout);
    fputc('\n', stdout);
    funlockfile(stdout);
}
