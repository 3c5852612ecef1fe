/*
 * bad_row: refused events as JSON bad rows (see bad_row.h).
 *
 * The payload is escaped in two passes: the first measures each character's
 * escaped form and stops where the next one would pass the cap (so a cut
 * never splits a character or an escape), the second writes exactly that
 * much into room reserved once.
 */
#include "bad_row.h"

#include <string.h>

#include "event.h"
#include "lit.h"
#include "parse_util.h"

/* Output bytes of the character at s[i] escaped for a JSON string, and the
 * input bytes it takes (*used). *copy: it is written as the input bytes
 * themselves; otherwise its form is in esc. */
static size_t escaped_char(const unsigned char *s, size_t n, size_t i, char esc[8], size_t *used,
                           bool *copy)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = s[i];
    *used = 1;
    *copy = false;
    if (c == '"' || c == '\\') {
        esc[0] = '\\', esc[1] = (char)c;
        return 2;
    }
    if (c < 0x20) {
        static const char short_form[0x20] = {
            ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
        esc[0] = '\\';
        if (short_form[c]) {
            esc[1] = short_form[c];
            return 2;
        }
        memcpy(esc + 1, SG_LIT("u00"));
        esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
        return 6;
    }
    if (c < 0x80) {
        *copy = true;
        return 1;
    }
    size_t seq = sg_parse_utf8_seq(s + i, n - i);
    if (seq) {
        *used = seq;
        *copy = true;
        return seq;
    }
    memcpy(esc, SG_LIT("\xEF\xBF\xBD")); /* U+FFFD REPLACEMENT CHARACTER, for one bad byte */
    return SG_LIT_LEN("\xEF\xBF\xBD");
}

enum sg_buf_result sg_bad_row_append_capped(struct sg_buf *out, const char *s, size_t n, size_t cap,
                                            bool *truncated)
{
    const unsigned char *u = (const unsigned char *)s;
    char esc[8];
    size_t used, total = 0, end = 0;
    bool copy;
    *truncated = false;
    while (end < n) {
        size_t len = escaped_char(u, n, end, esc, &used, &copy);
        if (total + len > cap) {
            *truncated = true;
            break;
        }
        total += len;
        end += used;
    }
    enum sg_buf_result rc = sg_buf_reserve(out, total + 2);
    if (rc != SG_BUF_OK)
        return rc;
    char *o = out->data + out->len;
    *o++ = '"';
    for (size_t i = 0; i < end; i += used) {
        size_t len = escaped_char(u, n, i, esc, &used, &copy);
        memcpy(o, copy ? s + i : esc, len);
        o += len;
    }
    *o++ = '"';
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return SG_BUF_OK;
}

/* A short text member: "name":"value" (value cut at SG_BAD_ROW_TEXT_MAX). */
static enum sg_buf_result text_member(struct sg_buf *out, const char *name, const char *value)
{
    bool cut;
    enum sg_buf_result rc = sg_buf_append_str(out, name);
    const char *v = value ? value : "";
    return rc | sg_bad_row_append_capped(out, v, strlen(v), SG_BAD_ROW_TEXT_MAX, &cut);
}

static enum sg_buf_result time_member(struct sg_buf *out, const char *name, int64_t ms)
{
    char dt[25];
    if (ms < 0)
        ms = 0;
    sg_event_format_datetime((long long)(ms / 1000), (int)(ms % 1000), dt);
    enum sg_buf_result rc = sg_buf_append_str(out, name);
    rc |= sg_buf_append_char(out, '"');
    rc |= sg_buf_append_str(out, dt);
    return rc | sg_buf_append_char(out, '"');
}

static enum sg_buf_result failure_member(struct sg_buf *out, const struct sg_bad_row *row)
{
    enum sg_buf_result rc = sg_buf_append_str(out, "{\"failure\":{");
    rc |= time_member(out, "\"timestamp\":", row->failed_at_ms);
    rc |= sg_buf_append_str(out, ",\"reasons\":[");
    size_t n = row->n_reasons < SG_BAD_ROW_REASONS_MAX ? row->n_reasons : SG_BAD_ROW_REASONS_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct sg_bad_row_reason *r = &row->reasons[i];
        rc |= sg_buf_append_str(out, i ? ",{" : "{");
        rc |= text_member(out, "\"path\":", r->path);
        rc |= text_member(out, ",\"rule\":", r->rule);
        rc |= text_member(out, ",\"message\":", r->message);
        rc |= sg_buf_append_char(out, '}');
    }
    return rc | sg_buf_append_str(out, "]}");
}

enum sg_buf_result sg_bad_row_append(struct sg_buf *out, const struct sg_bad_row *row,
                                     bool *truncated)
{
    size_t before = out->len;
    bool cut = false, name_cut;
    enum sg_buf_result rc = failure_member(out, row);
    if (row->event_name) {
        size_t len = row->event_name_len < SG_BAD_ROW_EVENT_NAME_MAX ? row->event_name_len
                                                                     : SG_BAD_ROW_EVENT_NAME_MAX;
        rc |= sg_buf_append_str(out, ",\"event_name\":");
        rc |= sg_bad_row_append_capped(out, row->event_name, len, 6 * SG_BAD_ROW_EVENT_NAME_MAX,
                                       &name_cut);
    }
    rc |= text_member(out, ",\"stream\":", row->stream);
    rc |= text_member(out, ",\"request_id\":", row->request_id);
    if (row->api_key_id)
        rc |= text_member(out, ",\"api_key_id\":", row->api_key_id);
    else
        rc |= sg_buf_append_str(out, ",\"api_key_id\":null");
    rc |= time_member(out, ",\"received_at\":", row->received_at_ms);
    rc |= sg_buf_append_str(out, ",\"payload\":");
    rc |= sg_bad_row_append_capped(out, row->payload ? row->payload : "", row->payload_len,
                                   SG_BAD_ROW_PAYLOAD_MAX, &cut);
    rc |= sg_buf_append_str(out,
                            cut ? ",\"payload_truncated\":true}" : ",\"payload_truncated\":false}");
    if (truncated)
        *truncated = cut;
    if (rc == SG_BUF_OK)
        return SG_BUF_OK;
    sg_buf_truncate(out, before);
    return (rc & SG_BUF_NO_MEMORY) ? SG_BUF_NO_MEMORY : SG_BUF_TOO_LARGE;
}

bool sg_bad_row_event_name(struct sg_json_span data, struct sg_buf *out)
{
    struct sg_buf text;
    struct sg_json_span obj = data, name;
    struct sg_json_error jerr;
    bool found = false;
    sg_buf_reset(out);
    sg_buf_init(&text, 0);
    /* An event sent as a string holding its JSON text (event.h). */
    if (sg_json_type_of(data) == SG_JSON_STRING &&
        (sg_json_string_decode(data, &text) != SG_BUF_OK || text.len == 0 ||
         sg_json_validate(text.data, text.len, NULL, &obj, &jerr) != 0))
        goto done;
    if (sg_json_type_of(obj) != SG_JSON_OBJECT || !sg_json_object_get(obj, "event_name", &name) ||
        sg_json_type_of(name) != SG_JSON_STRING || sg_json_string_decode(name, out) != SG_BUF_OK)
        goto done;
    if (out->len > SG_BAD_ROW_EVENT_NAME_MAX) {
        size_t n = SG_BAD_ROW_EVENT_NAME_MAX;
        while (n && ((unsigned char)out->data[n] & 0xC0) == 0x80)
            n--; /* never half a character */
        sg_buf_truncate(out, n);
    }
    found = true;
done:
    sg_buf_free(&text);
    return found;
}
