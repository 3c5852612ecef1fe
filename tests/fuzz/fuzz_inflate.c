/*
 * fuzz_inflate: the request-body decoder (inflate.h) on any bytes.
 * The input's first byte picks the coding (even: gzip, odd: deflate), the
 * second the output limit (0-255 times 64 bytes), the third the size of
 * the pieces the rest is fed in (1-256 bytes, as a socket might split it);
 * the rest is the body. Then:
 *   - no more than limit + 1 bytes are ever decoded, and the buffer keeps
 *     at most `limit`;
 *   - the result is one of the enum's; a failure is sticky and has a
 *     message; OK means the buffer holds every decoded byte;
 *   - the same body fed whole gives the same result and the same bytes.
 * A broken property calls abort(), which libFuzzer and the replay runner
 * both report as a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
    if (!ok)
        abort();
}

static enum sg_inflate_result decode(enum sg_coding c, size_t limit, const uint8_t *in, size_t n,
                                     size_t piece, struct sg_buf *out)
{
    struct sg_inflate *z = sg_inflate_new(c, limit);
    require(z != NULL);
    sg_buf_init(out, limit);
    enum sg_inflate_result r = SG_INFLATE_OK;
    for (size_t off = 0; off < n && r == SG_INFLATE_OK; off += piece)
        r = sg_inflate_feed(z, in + off, n - off < piece ? n - off : piece, out);
    if (r == SG_INFLATE_OK)
        r = sg_inflate_finish(z);
    require(r <= SG_INFLATE_NO_MEMORY);
    if (r != SG_INFLATE_OK) {
        require(sg_inflate_feed(z, in, n ? 1 : 0, out) == r || n == 0);
        require(sg_inflate_message(r, c)[0] != '\0');
    }
    require(out->len <= limit);
    sg_inflate_free(z);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    enum sg_coding c = data[0] & 1 ? SG_CODING_DEFLATE : SG_CODING_GZIP;
    size_t limit = (size_t)data[1] * 64, piece = (size_t)data[2] + 1;
    const uint8_t *body = data + 3;
    size_t n = size - 3;
    struct sg_buf a, b;
    enum sg_inflate_result ra = decode(c, limit, body, n, piece, &a);
    enum sg_inflate_result rb = decode(c, limit, body, n, n ? n : 1, &b);
    require(ra == rb);
    if (ra == SG_INFLATE_OK)
        require(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
    sg_buf_free(&a);
    sg_buf_free(&b);
    return 0;
}
