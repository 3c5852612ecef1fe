/*
 * kpl_encode: a test driver for server/kpl.h. Reads user records from stdin,
 * one per line as "<partition key>\t<data>", packs them into aggregates of at
 * most argv[1] bytes (a new aggregate whenever the current one is full) and
 * prints each aggregate as one base64 line, for kpl_awslabs.test.mjs to
 * decode with awslabs' own de-aggregator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpl.h"

static int emit(struct sg_kpl_agg *a)
{
    struct sg_buf enc, b64;
    sg_buf_init(&enc, 0);
    sg_buf_init(&b64, 0);
    int rc = sg_kpl_agg_encode(a, &enc);
    if (rc == 0)
        rc = sg_buf_append_base64(&b64, enc.data, enc.len);
    if (rc == 0)
        printf("%s\n", b64.data);
    sg_buf_free(&enc);
    sg_buf_free(&b64);
    sg_kpl_agg_reset(a);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MAX_BYTES < records\n", argv[0]);
        return 2;
    }
    struct sg_kpl_agg a;
    sg_kpl_agg_init(&a, strtoul(argv[1], NULL, 10));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        char *tab = memchr(line, '\t', (size_t)n);
        if (!tab) {
            rc = 1;
            break;
        }
        size_t key_len = (size_t)(tab - line), data_len = (size_t)(n - (tab - line) - 1);
        enum sg_kpl_add_result r = sg_kpl_agg_add(&a, line, key_len, tab + 1, data_len);
        if (r == SG_KPL_FULL && sg_kpl_agg_count(&a) > 0) {
            rc = emit(&a);
            r = rc == 0 ? sg_kpl_agg_add(&a, line, key_len, tab + 1, data_len) : r;
        }
        if (r != SG_KPL_ADDED)
            rc = 1;
    }
    if (rc == 0 && sg_kpl_agg_count(&a) > 0)
        rc = emit(&a);
    free(line);
    sg_kpl_agg_free(&a);
    return rc;
}
