/*
 * lit: string literals with their length from the compiler, never counted
 * by hand (h2o's H2O_STRLIT, curl's STRCONST).
 *
 *   sg_buf_append(out, SG_LIT("]}"))          a (pointer, length) pair
 *   SG_LIT_EQ(p, n, "records")                 p[0..n) is exactly the literal
 *   SG_LIT_PREFIX(s, "https://")               NUL-terminated s starts with it
 *
 * The `"" s ""` pasting refuses anything but a literal at compile time, so a
 * pointer (whose sizeof is not its length) cannot slip in.
 */
#ifndef SG_LIT_H
#define SG_LIT_H

#include <string.h>
#include <strings.h>

/* The length of a string literal, without its NUL. */
#define SG_LIT_LEN(s) (sizeof("" s "") - 1)

/* A literal and its length, as two arguments. */
#define SG_LIT(s) ("" s ""), SG_LIT_LEN(s)

/* Whether the n bytes at p are exactly the literal (case-sensitive / not). */
#define SG_LIT_EQ(p, n, s) ((n) == SG_LIT_LEN(s) && memcmp((p), s, SG_LIT_LEN(s)) == 0)
#define SG_LIT_EQ_NOCASE(p, n, s) ((n) == SG_LIT_LEN(s) && strncasecmp((p), s, SG_LIT_LEN(s)) == 0)

/* Whether the NUL-terminated string starts with the literal (case-sensitive / not). */
#define SG_LIT_PREFIX(str, s) (strncmp((str), s, SG_LIT_LEN(s)) == 0)
#define SG_LIT_PREFIX_NOCASE(str, s) (strncasecmp((str), s, SG_LIT_LEN(s)) == 0)

#endif
