/*
 * inflate: bounded gzip / deflate decoding of request bodies (see inflate.h).
 */
#include "inflate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>
#include <zlib.h>

/* Output is produced in steps of at most this many bytes (then copied to
 * the caller's buffer), so zlib never writes past limit + 1 in total. */
#define SG_INFLATE_STEP 16384

struct sg_inflate {
    z_stream zs;
    enum sg_coding coding;
    size_t limit, total;
    enum sg_inflate_result state; /* sticky after a failure */
    bool started;                 /* inflateInit2 done */
    bool at_end;                  /* the current stream (member) ended */
    unsigned char first[2];       /* deflate: the bytes that tell zlib from raw */
    size_t n_first;
};

enum sg_coding sg_coding_parse(const char *v, size_t len)
{
    while (len && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    static const struct {
        const char *name;
        size_t len;
        enum sg_coding coding;
    } known[] = {{"identity", 8, SG_CODING_IDENTITY},
                 {"gzip", 4, SG_CODING_GZIP},
                 {"x-gzip", 6, SG_CODING_GZIP}, /* RFC 9110 section 8.4.1.3 */
                 {"deflate", 7, SG_CODING_DEFLATE}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (len == known[i].len && strncasecmp(v, known[i].name, len) == 0)
            return known[i].coding;
    return SG_CODING_UNSUPPORTED;
}

struct sg_inflate *sg_inflate_new(enum sg_coding coding, size_t limit)
{
    if (coding != SG_CODING_GZIP && coding != SG_CODING_DEFLATE)
        return NULL;
    struct sg_inflate *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->coding = coding;
    z->limit = limit;
    return z;
}

void sg_inflate_free(struct sg_inflate *z)
{
    if (!z)
        return;
    if (z->started)
        inflateEnd(&z->zs);
    free(z);
}

/* RFC 1950 section 2.2: CM 8, CINFO <= 7, and the header a multiple of 31. */
static bool zlib_header(const unsigned char b[2])
{
    return (b[0] & 0x0f) == 8 && (b[0] >> 4) <= 7 && ((b[0] << 8) | b[1]) % 31 == 0;
}

static enum sg_inflate_result start(struct sg_inflate *z, int window_bits)
{
    int rc = inflateInit2(&z->zs, window_bits);
    if (rc != Z_OK)
        return rc == Z_MEM_ERROR ? SG_INFLATE_NO_MEMORY : SG_INFLATE_CORRUPT;
    z->started = true;
    return SG_INFLATE_OK;
}

/* Hands one step's output to the caller's buffer. */
static enum sg_inflate_result emit(struct sg_inflate *z, const unsigned char *p, size_t n,
                                   struct sg_buf *out)
{
    z->total += n;
    if (z->total > z->limit)
        return SG_INFLATE_TOO_LARGE;
    enum sg_buf_result br = sg_buf_append(out, p, n);
    if (br == SG_BUF_TOO_LARGE)
        return SG_INFLATE_TOO_LARGE;
    return br == SG_BUF_OK ? SG_INFLATE_OK : SG_INFLATE_NO_MEMORY;
}

/* A stream ended and input remains: gzip reads the next member (RFC 1952
 * section 2.2), anything else is trailing data. */
static enum sg_inflate_result next_member(struct sg_inflate *z)
{
    if (z->coding != SG_CODING_GZIP || z->zs.next_in[0] != 0x1f)
        return SG_INFLATE_TRAILING;
    if (inflateReset(&z->zs) != Z_OK)
        return SG_INFLATE_CORRUPT;
    z->at_end = false;
    return SG_INFLATE_OK;
}

/* Runs zlib over in[0..len) until the input is used up and no output is
 * pending, one bounded step at a time. */
static enum sg_inflate_result run(struct sg_inflate *z, const unsigned char *in, uInt len,
                                  struct sg_buf *out)
{
    unsigned char step[SG_INFLATE_STEP];
    z->zs.next_in = (unsigned char *)in; /* zlib's API is not const */
    z->zs.avail_in = len;
    for (;;) {
        if (z->at_end) {
            if (z->zs.avail_in == 0)
                return SG_INFLATE_OK;
            enum sg_inflate_result r = next_member(z);
            if (r != SG_INFLATE_OK)
                return r;
        }
        size_t room = z->limit - z->total + 1; /* total <= limit here */
        if (room > sizeof step)
            room = sizeof step;
        z->zs.next_out = step;
        z->zs.avail_out = (uInt)room;
        int rc = inflate(&z->zs, Z_NO_FLUSH);
        size_t got = room - z->zs.avail_out;
        if (got) {
            enum sg_inflate_result r = emit(z, step, got, out);
            if (r != SG_INFLATE_OK)
                return r;
        }
        if (rc == Z_STREAM_END) {
            z->at_end = true;
            continue;
        }
        if (rc == Z_MEM_ERROR)
            return SG_INFLATE_NO_MEMORY;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return SG_INFLATE_CORRUPT; /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
        /* Z_BUF_ERROR: no progress possible. Done once the input is used
         * up and the last step did not fill its room (nothing pending). */
        if (z->zs.avail_in == 0 && (z->zs.avail_out != 0 || rc == Z_BUF_ERROR))
            return SG_INFLATE_OK;
    }
}

/* deflate: the first two bytes tell a zlib stream from raw deflate data. */
static enum sg_inflate_result feed_first(struct sg_inflate *z, const unsigned char **in,
                                         size_t *len, struct sg_buf *out)
{
    while (z->n_first < 2 && *len) {
        z->first[z->n_first++] = **in;
        (*in)++, (*len)--;
    }
    if (z->n_first < 2)
        return SG_INFLATE_OK;
    enum sg_inflate_result r = start(z, zlib_header(z->first) ? 15 : -15);
    return r == SG_INFLATE_OK ? run(z, z->first, 2, out) : r;
}

enum sg_inflate_result sg_inflate_feed(struct sg_inflate *z, const void *in, size_t len,
                                       struct sg_buf *out)
{
    const unsigned char *p = in;
    if (z->state != SG_INFLATE_OK || len == 0)
        return z->state;
    if (!z->started) {
        z->state = z->coding == SG_CODING_GZIP ? start(z, 15 + 16) : feed_first(z, &p, &len, out);
        if (z->state != SG_INFLATE_OK || !z->started)
            return z->state;
    }
    while (len && z->state == SG_INFLATE_OK) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        z->state = run(z, p, n, out);
        p += n, len -= n;
    }
    return z->state;
}

enum sg_inflate_result sg_inflate_finish(struct sg_inflate *z)
{
    if (z->state == SG_INFLATE_OK && !z->at_end)
        z->state = SG_INFLATE_TRUNCATED;
    return z->state;
}

const char *sg_inflate_message(enum sg_inflate_result r, enum sg_coding coding)
{
    bool gz = coding == SG_CODING_GZIP;
    switch (r) {
    case SG_INFLATE_OK:
        return "";
    case SG_INFLATE_TOO_LARGE:
        return "Request body is over the limit once decompressed";
    case SG_INFLATE_CORRUPT:
        return gz ? "Request body is not gzip data as Content-Encoding: gzip says"
                  : "Request body is not deflate data as Content-Encoding: deflate says";
    case SG_INFLATE_TRUNCATED:
        return gz ? "Request body ends inside its gzip data (Content-Encoding: gzip): truncated"
                  : "Request body ends inside its deflate data (Content-Encoding: deflate): "
                    "truncated";
    case SG_INFLATE_TRAILING:
        return gz ? "Request body has bytes after the end of its gzip data (Content-Encoding: "
                    "gzip)"
                  : "Request body has bytes after the end of its deflate data "
                    "(Content-Encoding: deflate)";
    case SG_INFLATE_NO_MEMORY:
        break;
    }
    return "Service Unavailable: out of memory";
}
