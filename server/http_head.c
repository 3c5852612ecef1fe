/*
 * http_head: request head checks (see http_head.h).
 */
#include "http_head.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 section 5.6.2: tchar. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 9110 section 5.5: field-value bytes are VCHAR, obs-text, SP, HTAB. */
static bool is_field_byte(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool name_is(const struct sg_http_field *f, const char *want)
{
    size_t n = strlen(want);
    return f->name_len == n && strncasecmp(f->name, want, n) == 0;
}

/* The value without trailing SP/HTAB (libmicrohttpd skips leading ones). */
static size_t trimmed_len(const struct sg_http_field *f)
{
    size_t n = f->value_len;
    while (n && (f->value[n - 1] == ' ' || f->value[n - 1] == '\t'))
        n--;
    return n;
}

static bool value_is(const struct sg_http_field *f, const char *want)
{
    size_t n = strlen(want);
    return trimmed_len(f) == n && strncasecmp(f->value, want, n) == 0;
}

/* Records the first refusal only: the message names the first fault. */
static void refuse_quoting(struct sg_http_head *h, enum sg_head_verdict v, const char *before,
                           const char *arg, size_t arg_len, const char *after)
{
    if (h->_verdict != SG_HEAD_OK)
        return;
    h->_verdict = v;
    if (arg_len > 40)
        arg_len = 40; /* a name or value quoted back stays short */
    char quoted[41];
    for (size_t i = 0; i < arg_len; i++) /* printable ASCII only: it goes back in JSON */
        quoted[i] = arg[i] >= 0x20 && arg[i] < 0x7f ? arg[i] : '?';
    quoted[arg_len] = '\0';
    snprintf(h->_message, sizeof h->_message, "%s%s%s", before, quoted, after);
}

static void refuse(struct sg_http_head *h, enum sg_head_verdict v, const char *message)
{
    refuse_quoting(h, v, message, "", 0, "");
}

void sg_http_head_init(struct sg_http_head *h, bool http11, size_t max_header_bytes)
{
    memset(h, 0, sizeof *h);
    h->_http11 = http11;
    h->_max_header_bytes = max_header_bytes;
}

void sg_http_head_target(struct sg_http_head *h, const char *target, size_t visible_len,
                         size_t target_len)
{
    if (visible_len != target_len) {
        refuse(h, SG_HEAD_BAD_REQUEST, "Invalid request target: it holds a NUL byte");
        return;
    }
    for (size_t i = 0; i < visible_len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c <= 0x20 || c >= 0x7f) {
            refuse(h, SG_HEAD_BAD_REQUEST,
                   "Invalid request target: bytes other than printable ASCII must be "
                   "percent-encoded");
            return;
        }
    }
}

/* Content-Length: one value of digits only (RFC 9110 section 8.6). */
static void content_length(struct sg_http_head *h, const struct sg_http_field *f)
{
    h->_n_length++;
    size_t n = trimmed_len(f);
    uint64_t v = 0;
    bool overflow = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)f->value[i];
        if (c < '0' || c > '9') {
            h->_length_invalid = true;
            return;
        }
        unsigned d = (unsigned)(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
    }
    if (n == 0)
        h->_length_invalid = true;
    h->_length_overflow |= overflow;
    h->_length = v;
}

/* Checks the bytes libmicrohttpd left between the value and the next line. */
static void line_end(struct sg_http_head *h, const struct sg_http_field *f)
{
    if (!f->tail)
        return;
    size_t lo = f->last ? 2 : 1, hi = f->last ? 4 : 2;
    bool clean = f->tail_len >= lo && f->tail_len <= hi;
    for (size_t i = 0; clean && i < f->tail_len; i++)
        clean = f->tail[i] == '\0';
    if (!clean)
        refuse_quoting(h, SG_HEAD_BAD_REQUEST, "Invalid value of header ", f->name, f->name_len,
                       ": it holds a NUL byte");
}

void sg_http_head_field(struct sg_http_head *h, const struct sg_http_field *f)
{
    if (f->name_len == 0) {
        refuse(h, SG_HEAD_BAD_REQUEST, "Invalid header line: empty field name");
        return;
    }
    for (size_t i = 0; i < f->name_len; i++)
        if (!is_tchar((unsigned char)f->name[i])) {
            refuse_quoting(h, SG_HEAD_BAD_REQUEST, "Invalid header name ", f->name, f->name_len,
                           ": only token characters, no space before the colon");
            return;
        }
    for (size_t i = 0; i < f->value_len; i++)
        if (!is_field_byte((unsigned char)f->value[i])) {
            refuse_quoting(h, SG_HEAD_BAD_REQUEST, "Invalid value of header ", f->name, f->name_len,
                           ": control characters (CR, NUL, ...) are not allowed");
            return;
        }
    if (f->folded)
        refuse_quoting(h, SG_HEAD_BAD_REQUEST, "Invalid value of header ", f->name, f->name_len,
                       ": obsolete line folding is not allowed");
    else
        line_end(h, f);
    if (name_is(f, "Content-Length")) {
        content_length(h, f);
    } else if (name_is(f, "Transfer-Encoding")) {
        h->_n_te++;
        h->_te_chunked = value_is(f, "chunked");
        if (!h->_te_chunked)
            refuse_quoting(h, SG_HEAD_NOT_IMPLEMENTED, "Transfer-Encoding ", f->value,
                           trimmed_len(f),
                           " is not supported: send Content-Length or Transfer-Encoding: chunked");
    } else if (name_is(f, "Host")) {
        h->_n_host++;
    } else if (name_is(f, "Content-Encoding")) {
        h->_coding = sg_coding_parse(f->value, f->value_len);
        if (h->_coding == SG_CODING_UNSUPPORTED || ++h->_n_coding > 1)
            refuse_quoting(h, SG_HEAD_UNSUPPORTED_MEDIA, "Content-Encoding ", f->value,
                           trimmed_len(f),
                           h->_n_coding > 1 ? " is a second coding: send one of gzip, deflate "
                                              "or identity"
                                            : " is not supported: send gzip, deflate or identity");
    } else if (name_is(f, "Expect")) {
        h->_expect_continue |= value_is(f, "100-continue");
    }
}

/* The checks that need every field: framing and Host. */
static void whole_head(struct sg_http_head *h)
{
    if (h->_n_te > 1)
        refuse(h, SG_HEAD_BAD_REQUEST, "Transfer-Encoding must be sent once");
    if (h->_n_te && h->_n_length)
        refuse(h, SG_HEAD_BAD_REQUEST,
               "Content-Length and Transfer-Encoding must not both be sent");
    if (h->_n_length > 1)
        refuse(h, SG_HEAD_BAD_REQUEST, "Content-Length must be sent once");
    if (h->_length_invalid)
        refuse(h, SG_HEAD_BAD_REQUEST, "Invalid Content-Length: it must be a decimal number");
    if (h->_length_overflow)
        refuse(h, SG_HEAD_LENGTH_TOO_LARGE, "Content-Length is too large");
    if (h->_http11 && h->_n_host == 0)
        refuse(h, SG_HEAD_BAD_REQUEST, "HTTP/1.1 requests must have a Host header");
    if (h->_n_host > 1)
        refuse(h, SG_HEAD_BAD_REQUEST, "Host must be sent once");
}

enum sg_head_verdict sg_http_head_finish(struct sg_http_head *h, size_t head_bytes,
                                         struct sg_head_info *info)
{
    if (head_bytes > h->_max_header_bytes) {
        /* Over the size, the rest is not worth naming: this refusal wins. */
        h->_verdict = SG_HEAD_TOO_LARGE;
        snprintf(h->_message, sizeof h->_message,
                 "Request header fields are over the %zu-byte limit", h->_max_header_bytes);
    }
    whole_head(h);
    if (info) {
        info->body = h->_n_te       ? SG_HEAD_BODY_CHUNKED
                     : h->_n_length ? SG_HEAD_BODY_LENGTH
                                    : SG_HEAD_BODY_NONE;
        info->content_length = h->_length;
        info->expect_continue = h->_expect_continue;
        info->coding = h->_coding;
    }
    return h->_verdict;
}

const char *sg_http_head_message(const struct sg_http_head *h)
{
    return h->_message;
}

unsigned sg_http_head_status(enum sg_head_verdict v)
{
    switch (v) {
    case SG_HEAD_OK:
        return 200;
    case SG_HEAD_BAD_REQUEST:
        break;
    case SG_HEAD_TOO_LARGE:
        return 431;
    case SG_HEAD_LENGTH_TOO_LARGE:
        return 413;
    case SG_HEAD_UNSUPPORTED_MEDIA:
        return 415;
    case SG_HEAD_NOT_IMPLEMENTED:
        return 501;
    }
    return 400;
}
