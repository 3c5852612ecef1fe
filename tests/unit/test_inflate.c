/*
 * test_inflate: gzip and deflate request bodies (server/inflate.c).
 *
 * Inputs are made here with zlib's own encoder: gzip, zlib and raw deflate,
 * several gzip members, and each damaged the ways a client or a hostile
 * sender can damage it (cut short, trailing bytes, a flipped check byte,
 * the wrong label). Every case is decoded whole and one byte at a time,
 * with the same verdict and output. Bombs stop at limit + 1 bytes.
 */
#include "inflate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"

/* inflate.c's output step: a refused stream keeps what came before the step that
 * crossed the limit. */
#define INFLATE_STEP 16384

enum wrap { GZIP = 31, ZLIB = 15, RAW = -15 };

/* Encodes in[0..n) with `w` into a new buffer (*out_len). */
static unsigned char *encode(enum wrap w, const void *in, size_t n, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, w, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&zs, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (!out || deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static unsigned char *concat(const unsigned char *a, size_t na, const void *b, size_t nb, size_t *n)
{
    unsigned char *p = malloc(na + nb + 1);
    if (!p)
        abort();
    memcpy(p, a, na);
    memcpy(p + na, b, nb);
    *n = na + nb;
    return p;
}

/* Decodes `in` whole or byte by byte; returns the verdict, output in *out. */
static enum sg_inflate_result decode(enum sg_coding c, const unsigned char *in, size_t n,
                                     size_t limit, bool bytewise, struct sg_buf *out)
{
    struct sg_inflate *z = sg_inflate_new(c, limit);
    sg_buf_init(out, limit);
    enum sg_inflate_result r = SG_INFLATE_OK;
    if (bytewise)
        for (size_t i = 0; i < n && r == SG_INFLATE_OK; i++)
            r = sg_inflate_feed(z, in + i, 1, out);
    else
        r = sg_inflate_feed(z, in, n, out);
    if (r == SG_INFLATE_OK)
        r = sg_inflate_finish(z);
    sg_inflate_free(z);
    return r;
}

static const char TEXT[] =
    "{\"records\":[{\"Data\":{\"event_uuid\":\"u\",\"event_name\":\"a:b\"}}]}";

struct sample {
    const char *what;
    enum sg_coding label;
    unsigned char *data;
    size_t len;
    enum sg_inflate_result want;
    const char *want_out; /* when OK */
};

static void run_sample(const struct sample *s)
{
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        struct sg_buf out;
        enum sg_inflate_result r = decode(s->label, s->data, s->len, 1 << 20, bytewise != 0, &out);
        CHECK(r == s->want, "%s (%s): result %d, want %d", s->what,
              bytewise ? "byte by byte" : "whole", r, s->want);
        if (s->want == SG_INFLATE_OK && r == SG_INFLATE_OK)
            CHECK(out.len == strlen(s->want_out) && memcmp(out.data, s->want_out, out.len) == 0,
                  "%s: output of %zu bytes differs", s->what, out.len);
        if (r != SG_INFLATE_OK)
            CHECK(sg_inflate_message(r, s->label)[0] != '\0', "%s: a message", s->what);
        sg_buf_free(&out);
    }
}

static void test_samples(void)
{
    size_t gz_n, zl_n, raw_n;
    unsigned char *gz = encode(GZIP, TEXT, strlen(TEXT), &gz_n);
    unsigned char *zl = encode(ZLIB, TEXT, strlen(TEXT), &zl_n);
    unsigned char *raw = encode(RAW, TEXT, strlen(TEXT), &raw_n);
    size_t two_n, trail_n, zl_trail_n, gz_zero_n;
    unsigned char *two = concat(gz, gz_n, gz, gz_n, &two_n);
    unsigned char *trail = concat(gz, gz_n, "xyz", 3, &trail_n);
    unsigned char *zl_trail = concat(zl, zl_n, zl, zl_n, &zl_trail_n);
    unsigned char *gz_zero = concat(gz, gz_n, "\0\0\0\0", 4, &gz_zero_n);
    unsigned char *bad_crc = concat(gz, gz_n, "", 0, &(size_t){0});
    bad_crc[gz_n - 8] ^= 0x01; /* the CRC-32 of the member */
    unsigned char *bad_data = concat(gz, gz_n, "", 0, &(size_t){0});
    bad_data[12] ^= 0xff;
    char twice[sizeof TEXT * 2];
    snprintf(twice, sizeof twice, "%s%s", TEXT, TEXT);
    const struct sample samples[] = {
        {"gzip", SG_CODING_GZIP, gz, gz_n, SG_INFLATE_OK, TEXT},
        {"deflate as zlib", SG_CODING_DEFLATE, zl, zl_n, SG_INFLATE_OK, TEXT},
        {"deflate raw", SG_CODING_DEFLATE, raw, raw_n, SG_INFLATE_OK, TEXT},
        {"two gzip members read as one stream", SG_CODING_GZIP, two, two_n, SG_INFLATE_OK, twice},
        {"gzip cut short", SG_CODING_GZIP, gz, gz_n - 4, SG_INFLATE_TRUNCATED, NULL},
        {"gzip header only", SG_CODING_GZIP, gz, 10, SG_INFLATE_TRUNCATED, NULL},
        {"gzip, nothing", SG_CODING_GZIP, gz, 0, SG_INFLATE_TRUNCATED, NULL},
        {"deflate, one byte", SG_CODING_DEFLATE, zl, 1, SG_INFLATE_TRUNCATED, NULL},
        {"zlib cut short", SG_CODING_DEFLATE, zl, zl_n - 1, SG_INFLATE_TRUNCATED, NULL},
        {"gzip then garbage", SG_CODING_GZIP, trail, trail_n, SG_INFLATE_TRAILING, NULL},
        {"gzip then zero padding", SG_CODING_GZIP, gz_zero, gz_zero_n, SG_INFLATE_TRAILING, NULL},
        {"two zlib streams", SG_CODING_DEFLATE, zl_trail, zl_trail_n, SG_INFLATE_TRAILING, NULL},
        {"gzip with a wrong CRC", SG_CODING_GZIP, bad_crc, gz_n, SG_INFLATE_CORRUPT, NULL},
        {"gzip with damaged data", SG_CODING_GZIP, bad_data, gz_n, SG_INFLATE_CORRUPT, NULL},
        {"zlib labelled gzip", SG_CODING_GZIP, zl, zl_n, SG_INFLATE_CORRUPT, NULL},
        {"gzip labelled deflate", SG_CODING_DEFLATE, gz, gz_n, SG_INFLATE_CORRUPT, NULL},
        {"plain JSON labelled gzip", SG_CODING_GZIP, (unsigned char *)TEXT, strlen(TEXT),
         SG_INFLATE_CORRUPT, NULL},
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        run_sample(&samples[i]);
    free(gz), free(zl), free(raw), free(two), free(trail), free(zl_trail), free(gz_zero);
    free(bad_crc), free(bad_data);
}

/* A bomb: 64 MiB of zeros in about 64 KiB. Decoding stops at limit + 1
 * bytes, whatever the step the input arrives in. */
static void test_bomb(void)
{
    size_t big = (size_t)64 << 20;
    unsigned char *zeros = calloc(1, big);
    size_t n;
    unsigned char *bomb = encode(GZIP, zeros, big, &n);
    free(zeros);
    CHECK(n < big / 500, "the bomb is small: %zu bytes", n);
    static const size_t limits[] = {0, 1, 1024, 1048576, 10485760};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            if (bytewise && limits[i] > 1024)
                continue; /* byte by byte is slow; the small limits show it */
            struct sg_buf out;
            enum sg_inflate_result r =
                decode(SG_CODING_GZIP, bomb, n, limits[i], bytewise != 0, &out);
            CHECK(r == SG_INFLATE_TOO_LARGE, "bomb, limit %zu: result %d", limits[i], r);
            /* Everything up to the step that crossed the limit was kept, nothing past it. */
            CHECK(out.len <= limits[i] && out.len + INFLATE_STEP > limits[i],
                  "bomb, limit %zu: kept %zu", limits[i], out.len);
            sg_buf_free(&out);
        }
    free(bomb);
}

/* The limit passes at exactly the decoded size, one byte less is over. */
static void test_limit_boundary(void)
{
    size_t gz_n;
    unsigned char *gz = encode(GZIP, TEXT, strlen(TEXT), &gz_n);
    struct sg_buf out;
    CHECK(decode(SG_CODING_GZIP, gz, gz_n, strlen(TEXT), false, &out) == SG_INFLATE_OK,
          "at the limit: OK");
    sg_buf_free(&out);
    CHECK(decode(SG_CODING_GZIP, gz, gz_n, strlen(TEXT) - 1, false, &out) == SG_INFLATE_TOO_LARGE,
          "one byte over: too large");
    sg_buf_free(&out);
    free(gz);
}

static void test_parse(void)
{
    static const struct {
        const char *v;
        enum sg_coding want;
    } cases[] = {{"gzip", SG_CODING_GZIP},
                 {" GZip\t", SG_CODING_GZIP},
                 {"x-gzip", SG_CODING_GZIP},
                 {"deflate", SG_CODING_DEFLATE},
                 {"identity", SG_CODING_IDENTITY},
                 {"br", SG_CODING_UNSUPPORTED},
                 {"compress", SG_CODING_UNSUPPORTED},
                 {"gzip, identity", SG_CODING_UNSUPPORTED},
                 {"gzip;q=1", SG_CODING_UNSUPPORTED},
                 {"", SG_CODING_UNSUPPORTED},
                 {"gzipx", SG_CODING_UNSUPPORTED}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(sg_coding_parse(cases[i].v, strlen(cases[i].v)) == cases[i].want, "parse [%s]",
              cases[i].v);
    CHECK(sg_inflate_new(SG_CODING_IDENTITY, 10) == NULL, "no decoder for identity");
}

int main(void)
{
    test_samples();
    test_bomb();
    test_limit_boundary();
    test_parse();
    return sg_check_result("test_inflate");
}
