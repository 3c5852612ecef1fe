/*
 * fk_base64: strict standard-alphabet base64 decoding (RFC 4648 section 4,
 * padded), the encoding of a Kinesis record's Data blob. Pure, thread-safe.
 */
#ifndef FK_BASE64_H
#define FK_BASE64_H

#include <stddef.h>

/*
 * Decodes the n characters at src into dst, which needs n / 4 * 3 bytes.
 * dst may equal src (in-place decoding): every output byte lands at or
 * before the input it came from.
 * Returns the decoded length, or (size_t)-1 when src is not padded base64
 * (bad character, n not a multiple of 4, misplaced '=').
 */
size_t fk_base64_decode(const char *src, size_t n, unsigned char *dst);

#endif
