/*
 * http_head: checks a request's head (request line and header fields) as
 * libmicrohttpd hands it over, before anything else of the request is
 * looked at. Pure: no I/O, no allocation, no libmicrohttpd call; the glue
 * in http_server.c feeds it one field at a time.
 *
 * What it refuses, and why: the framing of a request must mean one thing
 * to every hop (RFC 9112 section 6.3, request smuggling), so one
 * Content-Length of digits only, or one Transfer-Encoding that is exactly
 * "chunked", never both; field names are tokens and values carry no
 * CR, LF, NUL or other control byte (RFC 9110 section 5.5); HTTP/1.1 has
 * exactly one Host (RFC 9112 section 3.2); one Content-Encoding, identity,
 * gzip or deflate (inflate.h decodes the last two): another coding, or
 * codings stacked, is refused (415), since the gateway must not store
 * encoded bytes as if they were the event. The head as received must
 * fit max_header_bytes (431).
 *
 * libmicrohttpd keeps the head in place in its read buffer, with each line
 * ending, each colon and the request line's separators overwritten by NUL
 * bytes, and cuts each value at the first NUL. The glue passes the bytes
 * that lie between the end of one value (as libmicrohttpd cut it) and the
 * next line as the field's `tail`: only NULs and 1-2 of them (the line's
 * CRLF or LF) are an honest line end; anything more is a value that held a
 * NUL.
 */
#ifndef SG_HTTP_HEAD_H
#define SG_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inflate.h"

/* One header field as libmicrohttpd exposes it (borrowed pointers). */
struct sg_http_field {
    const char *name;
    size_t name_len;
    const char *value; /* leading SP/HTAB already skipped by libmicrohttpd */
    size_t value_len;
    const char *tail; /* bytes after the value up to the next line, or NULL if unknown */
    size_t tail_len;
    bool last;   /* the tail also holds the empty line that ends the head */
    bool folded; /* the value is not where it was received: libmicrohttpd
                  * joined an obs-fold continuation line to it */
};

enum sg_head_verdict {
    SG_HEAD_OK = 0,
    SG_HEAD_BAD_REQUEST,       /* 400: framing or syntax that must not be guessed at */
    SG_HEAD_TOO_LARGE,         /* 431: the head is over max_header_bytes */
    SG_HEAD_LENGTH_TOO_LARGE,  /* 413: Content-Length beyond 2^64-1 */
    SG_HEAD_UNSUPPORTED_MEDIA, /* 415: a Content-Encoding the gateway does not decode */
    SG_HEAD_NOT_IMPLEMENTED,   /* 501: a Transfer-Encoding other than chunked */
};

/* How the request says its body is framed. */
enum sg_head_body { SG_HEAD_BODY_NONE = 0, SG_HEAD_BODY_LENGTH, SG_HEAD_BODY_CHUNKED };

#define SG_HTTP_HEAD_MESSAGE_MAX 160

/* The checker's state: embedded by the caller, fields are private. */
struct sg_http_head {
    bool _http11;
    size_t _max_header_bytes;
    enum sg_head_verdict _verdict; /* the first refusal wins */
    unsigned _n_length, _n_te, _n_host;
    bool _te_chunked, _length_overflow, _length_invalid, _expect_continue;
    unsigned _n_coding;
    enum sg_coding _coding;
    uint64_t _length;
    char _message[SG_HTTP_HEAD_MESSAGE_MAX];
};

/* What a checked head says about the request (valid after finish). */
struct sg_head_info {
    enum sg_head_body body;
    uint64_t content_length; /* when body == SG_HEAD_BODY_LENGTH */
    bool expect_continue;    /* Expect: 100-continue */
    enum sg_coding coding;   /* Content-Encoding: identity, gzip or deflate */
};

/* Starts checking one request. `http11`: the request line said HTTP/1.1
 * (libmicrohttpd answers any version but 1.0 and 1.1 itself). */
void sg_http_head_init(struct sg_http_head *h, bool http11, size_t max_header_bytes);

/* Checks a request target as sent (`target`, borrowed): `visible_len` is
 * its length up to its first NUL, `target_len` what the request line held
 * between method and version (they differ when the target holds a NUL).
 * Printable ASCII only: anything else must be percent-encoded. */
void sg_http_head_target(struct sg_http_head *h, const char *target, size_t visible_len,
                         size_t target_len);

/* Checks one header field, in the order received. */
void sg_http_head_field(struct sg_http_head *h, const struct sg_http_field *f);

/* Ends the check. `head_bytes` is the head's size as received (request
 * line, fields and the empty line), 0 if unknown. Fills *info (may be NULL)
 * and returns the verdict; after a refusal, sg_http_head_message says why. */
enum sg_head_verdict sg_http_head_finish(struct sg_http_head *h, size_t head_bytes,
                                         struct sg_head_info *info)
    __attribute__((warn_unused_result));

/* The refusal's client-facing message (borrowed from h; "" when OK). */
const char *sg_http_head_message(const struct sg_http_head *h);

/* The HTTP status of a verdict (200 for SG_HEAD_OK). */
unsigned sg_http_head_status(enum sg_head_verdict v);

#endif
