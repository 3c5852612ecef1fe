/*
 * check.h: the few assertion macros the unit tests share.
 * A failed CHECK prints where and why and counts; the test's main returns
 * sg_check_result() so ctest sees any failure.
 */
#ifndef SG_CHECK_H
#define SG_CHECK_H

#include <stdio.h>
#include <string.h>

static int sg_check_failures;
static int sg_check_count;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        sg_check_count++;                                                                          \
        if (!(cond)) {                                                                             \
            sg_check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_STREQ(got, want, ctx)                                                                \
    CHECK(strcmp((got), (want)) == 0, "%s: got [%s] want [%s]", (ctx), (got), (want))

static inline int sg_check_result(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, sg_check_count, sg_check_failures);
    return sg_check_failures ? 1 : 0;
}

#endif
