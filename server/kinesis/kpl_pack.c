/* kpl_pack: see kpl_pack.h. */
#include "kpl_pack.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash_key.h"
#include "kinesis_codec.h"
#include "kpl.h"

int sg_kpl_append_plain(struct sg_buf *body, const struct sg_record *r)
{
    if (r->entry)
        return sg_buf_append(body, r->entry, r->entry_len) == SG_BUF_OK ? 0 : -1;
    return sg_kinesis_append_entry(body, r->data, r->data_len, r->key, r->key_len, NULL);
}

struct slot {
    uint32_t shard;
    struct sg_record *r;
};

/*
 * Orders in[0, k) by shard into out, keeping arrival order within a shard,
 * records with no shard (UINT32_MAX) last: a stable counting sort, since
 * shards are few and small integers (what qsort by shard and arrival gave,
 * in two passes and without a comparison per step). Returns -1 when out of memory.
 */
static int sort_by_shard(const struct slot *in, struct slot *out, size_t k, size_t n_shards)
{
    size_t *start = calloc(n_shards + 2, sizeof *start);
    if (!start)
        return -1;
    for (size_t i = 0; i < k; i++)
        start[(in[i].shard < n_shards ? in[i].shard : n_shards) + 1]++;
    for (size_t b = 1; b <= n_shards + 1; b++)
        start[b] += start[b - 1];
    for (size_t i = 0; i < k; i++)
        out[start[in[i].shard < n_shards ? in[i].shard : n_shards]++] = in[i];
    free(start);
    return 0;
}

struct packer {
    const struct sg_kpl_pack_limits *lim;
    struct sg_buf *body;
    struct sg_kpl_group *groups;
    size_t n_groups;
    size_t call_bytes;
    struct sg_kpl_agg agg;
    struct sg_buf encoded;
    bool full; /* the call has no room left: the rest waits */
};

/* Appends one entry for slots[from, from + count) of one shard. Returns 0,
 * 1 when the call has no room for it, -1 when out of memory. */
static int emit(struct packer *pk, struct slot *slots, size_t from, size_t count)
{
    struct sg_record *first = slots[from].r;
    size_t kinesis = first->kinesis_bytes;
    if (count > 1)
        kinesis = sg_kpl_agg_size(&pk->agg) + first->key_len;
    if (pk->n_groups >= pk->lim->max_entries ||
        (pk->n_groups > 0 && pk->call_bytes + kinesis > pk->lim->max_call_bytes))
        return 1;
    if (pk->n_groups > 0 && sg_buf_append_char(pk->body, ',') != SG_BUF_OK)
        return -1;
    if (count == 1) {
        if (sg_kpl_append_plain(pk->body, first) != 0)
            return -1;
    } else {
        char ehk[SG_HASH_KEY_DEC_MAX];
        sg_hash_key_format(first->hash, ehk);
        sg_buf_reset(&pk->encoded);
        if (sg_kpl_agg_encode(&pk->agg, &pk->encoded) != 0 ||
            sg_kinesis_append_entry(pk->body, pk->encoded.data, pk->encoded.len, first->key,
                                    first->key_len, ehk) != 0)
            return -1;
    }
    pk->groups[pk->n_groups++] = (struct sg_kpl_group){first, (uint32_t)count, slots[from].shard};
    pk->call_bytes += kinesis;
    return 0;
}

/* Packs one shard's slots [from, to) into aggregates as large as allowed;
 * *done moves past every slot sent. */
static int pack_shard(struct packer *pk, struct slot *slots, size_t from, size_t to, size_t *done)
{
    size_t start = from; /* the first slot of the aggregate being filled */
    sg_kpl_agg_reset(&pk->agg);
    for (size_t i = from; i < to;) {
        struct sg_record *r = slots[i].r;
        enum sg_kpl_add_result a =
            sg_kpl_agg_add(&pk->agg, r->key, r->key_len, r->data, r->data_len);
        if (a == SG_KPL_NO_MEMORY)
            return -1;
        if (a == SG_KPL_ADDED) {
            i++;
            continue;
        }
        /* Full. A record that fits no aggregate on its own goes out alone;
         * otherwise the aggregate goes and record i starts the next one. */
        size_t count = i == start ? 1 : i - start;
        int rc = emit(pk, slots, start, count);
        if (rc != 0)
            return rc;
        start += count;
        i = start;
        *done = start;
        sg_kpl_agg_reset(&pk->agg);
    }
    if (start < to) {
        int rc = emit(pk, slots, start, to - start);
        if (rc != 0)
            return rc;
        *done = to;
    }
    return 0;
}

/* Links slots[from, to) by ->next; returns the head. */
static struct sg_record *link_slots(struct slot *slots, size_t from, size_t to)
{
    for (size_t i = from; i + 1 < to; i++)
        slots[i].r->next = slots[i + 1].r;
    if (to > from)
        slots[to - 1].r->next = NULL;
    return to > from ? slots[from].r : NULL;
}

int sg_kpl_pack(struct sg_record **list, size_t n, const struct sg_shard_map *map,
                const struct sg_kpl_pack_limits *lim, struct sg_buf *body,
                struct sg_kpl_group *groups, size_t *n_groups, struct sg_record **left)
{
    *n_groups = 0;
    *left = NULL;
    struct slot *arrived = malloc((n ? n : 1) * sizeof *arrived);
    struct slot *slots = malloc((n ? n : 1) * sizeof *slots);
    if (!arrived || !slots) {
        free(arrived);
        free(slots);
        return -1;
    }
    size_t k = 0;
    for (struct sg_record *r = *list; r && k < n; r = r->next, k++) {
        long shard = sg_shard_map_find(map, r->hash);
        /* A finished map covers every key; -1 cannot happen, but a record
         * with no shard still goes out, alone, where Kinesis puts it. */
        arrived[k] = (struct slot){shard < 0 ? UINT32_MAX : (uint32_t)shard, r};
    }
    int sorted = sort_by_shard(arrived, slots, k, map->n);
    free(arrived);
    if (sorted != 0) {
        free(slots);
        return -1;
    }
    struct packer pk = {.lim = lim, .body = body, .groups = groups};
    sg_kpl_agg_init(&pk.agg, lim->max_agg_bytes);
    sg_buf_init(&pk.encoded, 0);
    size_t done = 0;
    int rc = 0;
    for (size_t from = 0; from < k && rc == 0;) {
        size_t to = from;
        while (to < k && slots[to].shard == slots[from].shard)
            to++;
        if (slots[from].shard == UINT32_MAX) {
            for (size_t i = from; i < to && rc == 0; i++)
                if ((rc = emit(&pk, slots, i, 1)) == 0)
                    done = i + 1;
        } else {
            rc = pack_shard(&pk, slots, from, to, &done);
        }
        from = to;
    }
    sg_kpl_agg_free(&pk.agg);
    sg_buf_free(&pk.encoded);
    if (rc < 0) {
        free(slots); /* no link was changed: *list is as it came */
        return -1;
    }
    *n_groups = pk.n_groups;
    *list = link_slots(slots, 0, done);
    *left = link_slots(slots, done, k);
    free(slots);
    return 0;
}
