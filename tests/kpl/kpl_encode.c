/*
 * kpl_encode: a test driver for server/kinesis/kpl.h and kpl_pack.h. Reads user
 * records from stdin, one per line as "<partition key>\t<data>".
 *   kpl_encode MAX_BYTES: packs them into aggregates of at most MAX_BYTES (a
 *     new one whenever the current one is full) and prints each aggregate as
 *     one base64 line;
 *   kpl_encode MAX_BYTES SHARDS: packs them as a PutRecords call on a stream
 *     of SHARDS even shards would carry them (kpl_pack.h) and prints the
 *     call's entries as one JSON array;
 * for kpl_awslabs.test.mjs to decode with awslabs' own de-aggregator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/kinesis_codec.h"
#include "kinesis/kpl.h"
#include "kinesis/kpl_pack.h"

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

/* A ListShards answer for `n` even shards. */
static int even_map(struct sg_shard_map *m, unsigned n)
{
    struct sg_buf body;
    sg_buf_init(&body, 0);
    int rc = sg_buf_append_str(&body, "{\"Shards\":[");
    sg_hash_key step = (~(sg_hash_key)0) / n;
    for (unsigned i = 0; i < n; i++) {
        char a[SG_HASH_KEY_DEC_MAX], b[SG_HASH_KEY_DEC_MAX];
        sg_hash_key_format(i ? step * i + 1 : 0, a);
        sg_hash_key_format(i + 1 == n ? ~(sg_hash_key)0 : step * (i + 1), b);
        rc |= sg_buf_printf(&body,
                            "%s{\"ShardId\":\"shardId-%012u\",\"HashKeyRange\":{"
                            "\"StartingHashKey\":\"%s\",\"EndingHashKey\":\"%s\"}}",
                            i ? "," : "", i, a, b);
    }
    rc |= sg_buf_append_str(&body, "]}");
    char token[8], err[160];
    if (rc == 0 &&
        (sg_shard_map_add_page(m, body.data, body.len, token, sizeof token, err, sizeof err) != 0 ||
         sg_shard_map_finish(m, err, sizeof err) != 0)) {
        fprintf(stderr, "%s\n", err);
        rc = 1;
    }
    sg_buf_free(&body);
    return rc;
}

/* Every record of stdin as one call of a stream with `shards` shards. */
static int pack_call(size_t max_bytes, unsigned shards)
{
    struct sg_shard_map map = {0};
    if (shards == 0 || even_map(&map, shards) != 0)
        return 1;
    size_t n = 0, cap = 0;
    struct sg_record *recs = NULL;
    struct sg_buf *entries = NULL;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, stdin)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        char *tab = memchr(line, '\t', (size_t)len);
        if (!tab)
            return 1;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            recs = realloc(recs, cap * sizeof *recs);
            entries = realloc(entries, cap * sizeof *entries);
            if (!recs || !entries)
                return 1;
        }
        struct sg_record *r = &recs[n];
        memset(r, 0, sizeof *r);
        r->key_len = (size_t)(tab - line);
        r->data_len = (size_t)len - r->key_len - 1;
        char *copy = malloc((size_t)len + 1);
        if (!copy)
            return 1;
        memcpy(copy, line, (size_t)len + 1);
        r->key = copy;
        r->data = copy + r->key_len + 1;
        r->hash = sg_hash_key_of_partition_key(r->key, r->key_len);
        r->kinesis_bytes = r->key_len + r->data_len;
        sg_buf_init(&entries[n], 0);
        if (sg_kinesis_append_entry(&entries[n], r->data, r->data_len, r->key, r->key_len, NULL))
            return 1;
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        recs[i].entry = entries[i].data;
        recs[i].entry_len = entries[i].len;
        recs[i].next = i + 1 < n ? &recs[i + 1] : NULL;
    }
    struct sg_kpl_pack_limits lim = {max_bytes, n ? n : 1, (size_t)-1};
    struct sg_kpl_group *groups = calloc(n ? n : 1, sizeof *groups);
    struct sg_record *list = n ? &recs[0] : NULL, *left = NULL;
    struct sg_buf body;
    sg_buf_init(&body, 0);
    size_t n_groups = 0;
    int rc = !groups || sg_kpl_pack(&list, n, &map, &lim, &body, groups, &n_groups, &left) != 0 ||
             left != NULL;
    if (rc == 0)
        printf("[%s]\n", body.data ? body.data : "");
    sg_buf_free(&body);
    for (size_t i = 0; i < n; i++) {
        free((char *)recs[i].key);
        sg_buf_free(&entries[i]);
    }
    free(groups);
    free(recs);
    free(entries);
    free(line);
    sg_shard_map_free(&map);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s MAX_BYTES [SHARDS] < records\n", argv[0]);
        return 2;
    }
    if (argc == 3)
        return pack_call(strtoul(argv[1], NULL, 10), (unsigned)strtoul(argv[2], NULL, 10));
    struct sg_kpl_agg a;
    sg_kpl_agg_init(&a, strtoul(argv[1], NULL, 10));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    size_t held = 0; /* records in `a` since the last emit */
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
        if (r == SG_KPL_FULL && held > 0) {
            rc = emit(&a);
            held = 0;
            r = rc == 0 ? sg_kpl_agg_add(&a, line, key_len, tab + 1, data_len) : r;
        }
        if (r != SG_KPL_ADDED)
            rc = 1;
        else
            held++;
    }
    if (rc == 0 && held > 0)
        rc = emit(&a);
    free(line);
    sg_kpl_agg_free(&a);
    return rc;
}
