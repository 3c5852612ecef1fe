/*
 * inflate: request bodies sent with Content-Encoding gzip or deflate,
 * decompressed as they arrive, never past a limit. Pure: bytes in, bytes
 * appended to the caller's bounded buffer; zlib is the only dependency.
 *
 * What is accepted (RFC 9110 section 8.4.1): "gzip" (and "x-gzip") is one
 * or more gzip members read as one stream (RFC 1952: a decoder must read
 * members that follow); "deflate" is the zlib format (RFC 1950), or raw
 * deflate data when the first two bytes are no zlib header (some clients
 * send it so; browsers and curl accept both). Anything after the last
 * member (gzip) or the zlib stream is refused, as is data that ends early
 * or does not decode: the caller answers 415, as API Gateway answers a
 * body not compressed as stated.
 *
 * Bombs: the deflate ratio tops out near 1032:1, so a small body can claim
 * gigabytes. Each inflate() call gets at most (limit + 1 - produced) bytes
 * of room, so no more than limit + 1 bytes are ever produced; the first
 * byte past the limit ends the stream with SG_INFLATE_TOO_LARGE. Nothing is
 * sized from a declared length (gzip's ISIZE is mod 2^32).
 */
#ifndef SG_INFLATE_H
#define SG_INFLATE_H

#include <stddef.h>

#include "buf.h"
#include "must_check.h"

enum sg_coding {
    SG_CODING_IDENTITY = 0,
    SG_CODING_GZIP,
    SG_CODING_DEFLATE,
    SG_CODING_UNSUPPORTED,
};

/* The coding a Content-Encoding value names (case-insensitive, surrounding
 * SP/HTAB ignored). A list ("gzip, identity") is SG_CODING_UNSUPPORTED:
 * stacked codings are not decoded. */
enum sg_coding sg_coding_parse(const char *value, size_t len);

enum sg_inflate_result {
    SG_INFLATE_OK = 0,    /* all input consumed; more may follow */
    SG_INFLATE_TOO_LARGE, /* the output passed the limit: stopped there */
    SG_INFLATE_CORRUPT,   /* the data does not decode as the coding */
    SG_INFLATE_TRUNCATED, /* the input ended inside the stream (finish) */
    SG_INFLATE_TRAILING,  /* bytes after the end of the stream */
    SG_INFLATE_NO_MEMORY, /* zlib's state or the output buffer */
};

struct sg_inflate;

/* A decoder for `coding` (gzip or deflate) producing at most `limit`
 * bytes. NULL when out of memory or for another coding. */
struct sg_inflate *sg_inflate_new(enum sg_coding coding, size_t limit);
void sg_inflate_free(struct sg_inflate *z); /* NULL-safe */

/* Decodes in[0..len) (borrowed) and appends what it yields to `out`
 * (whose own limit must be at least `limit`). After a result other than
 * SG_INFLATE_OK the decoder stays in that state: later calls return it. */
SG_MUST_CHECK enum sg_inflate_result sg_inflate_feed(struct sg_inflate *z, const void *in,
                                                     size_t len, struct sg_buf *out);

/* The input is complete: SG_INFLATE_OK when the stream ended whole. */
SG_MUST_CHECK enum sg_inflate_result sg_inflate_finish(struct sg_inflate *z);

/* A client-facing sentence for a failed result, naming the coding. */
const char *sg_inflate_message(enum sg_inflate_result r, enum sg_coding coding);

#endif
