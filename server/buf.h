/*
 * buf: a growable byte buffer with a hard ceiling.
 *
 * Every buffer in streamgate that grows with client input (bodies, enriched
 * events, PutRecords payloads, responses) is an sg_buf with a named limit, so
 * that input can never make memory grow without bound: an append past the
 * limit fails and the caller answers 413/503 instead.
 *
 * Callers embed the struct; `data` and `len` may be read directly, the other
 * fields are private. The buffer is not thread-safe.
 */
#ifndef SG_BUF_H
#define SG_BUF_H

#include <stddef.h>

#include "must_check.h"

struct sg_buf {
    char *data; /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t _cap;
    size_t _limit; /* maximum len; 0 means SIZE_MAX */
};

/* Why an append or reserve failed (curl's dynbuf tells the same two apart):
 * over the limit is the input's fault (413 where a client sent it), no
 * memory is the gateway's (503). SG_BUF_OK is 0, so `rc |= ...` over several
 * appends still says whether any failed; test a single result for the cause. */
enum sg_buf_result { SG_BUF_OK = 0, SG_BUF_TOO_LARGE = 1, SG_BUF_NO_MEMORY = 2 };

/* Initialises an empty buffer that may hold at most `limit` bytes. */
void sg_buf_init(struct sg_buf *b, size_t limit);

/* Releases the memory; the buffer may be reused after sg_buf_init. NULL-safe. */
void sg_buf_free(struct sg_buf *b);

/* Empties the buffer but keeps its memory for reuse. */
void sg_buf_reset(struct sg_buf *b);

/* Ensures room for `extra` more bytes. */
SG_MUST_CHECK enum sg_buf_result sg_buf_reserve(struct sg_buf *b, size_t extra);

/* As sg_buf_reserve, for an `extra` that is only an upper bound of what will
 * be appended (raw input before decoding or compaction): reserves at most
 * what the limit leaves, so an input larger than the limit whose output fits
 * is not refused here (so only SG_BUF_NO_MEMORY can fail it). */
SG_MUST_CHECK enum sg_buf_result sg_buf_reserve_upto(struct sg_buf *b, size_t extra);

/* Appends bytes; on failure the buffer is unchanged. */
SG_MUST_CHECK enum sg_buf_result sg_buf_append(struct sg_buf *b, const void *p, size_t n);
SG_MUST_CHECK enum sg_buf_result sg_buf_append_str(struct sg_buf *b, const char *s);
SG_MUST_CHECK enum sg_buf_result sg_buf_append_char(struct sg_buf *b, char c);
SG_MUST_CHECK enum sg_buf_result sg_buf_printf(struct sg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends `s` as a quoted JSON string, escaping as RFC 8259 requires.
 * `s` must be valid UTF-8 (bytes >= 0x80 are copied as they are). */
SG_MUST_CHECK enum sg_buf_result sg_buf_append_json_string(struct sg_buf *b, const char *s,
                                                           size_t n);

/* Appends the standard base64 encoding of p[0..n) (no line breaks). */
SG_MUST_CHECK enum sg_buf_result sg_buf_append_base64(struct sg_buf *b, const void *p, size_t n);

/* Shortens the buffer to `len` bytes (no-op when len >= b->len). */
void sg_buf_truncate(struct sg_buf *b, size_t len);

#endif
