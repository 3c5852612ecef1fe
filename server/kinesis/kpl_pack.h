/*
 * kpl_pack: the entries of one PutRecords call on a stream that aggregates.
 *
 * User records are grouped by the open shard whose hash-key range holds
 * their partition key's hash (shard_map.h), in arrival order within a shard,
 * and consecutive records of one shard are packed into KPL aggregates
 * (kpl.h) of at most max_agg_bytes. Each aggregate is sent with the first
 * record's partition key and, as ExplicitHashKey, the first record's hash:
 * Kinesis then stores it in that shard, and KCL, which drops every
 * sub-record whose hash falls outside the shard it read the aggregate from,
 * keeps them all. A group of one record is sent as it came (KPL does the
 * same), without an explicit hash key.
 *
 * Pure: no I/O, no locks; the records are borrowed (record.h).
 */
#ifndef SG_KPL_PACK_H
#define SG_KPL_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "must_check.h"
#include "record.h"
#include "shard_map.h"

/* One entry of the call: `count` records from `first`, linked by ->next. */
struct sg_kpl_group {
    struct sg_record *first;
    uint32_t count;
    uint32_t shard; /* index in the map the call was packed with */
};

struct sg_kpl_pack_limits {
    size_t max_agg_bytes;  /* one aggregate, framing included */
    size_t max_entries;    /* per call (500) */
    size_t max_call_bytes; /* data + partition keys per call, as Kinesis counts */
};

/* Appends r's own PutRecords entry: the one its request encoded, or, on an
 * aggregating stream (r->entry NULL), one built from its key and data. */
SG_MUST_CHECK int sg_kpl_append_plain(struct sg_buf *body, const struct sg_record *r);

/*
 * Packs the n records of *list (linked by ->next) into entries appended to
 * body (comma-separated, after whatever body holds) and groups[0..*n_groups)
 * (room for lim->max_entries). On return *list holds the records that went
 * into the body, in group order, and *left those that did not fit this call
 * (linked by ->next, or NULL). [in] map: finished (sg_shard_map_finish).
 * Returns 0, or -1 when out of memory (body may hold part of the entries:
 * drop it; the records are all in *list, in their original order).
 */
SG_MUST_CHECK int sg_kpl_pack(struct sg_record **list, size_t n, const struct sg_shard_map *map,
                              const struct sg_kpl_pack_limits *lim, struct sg_buf *body,
                              struct sg_kpl_group *groups, size_t *n_groups,
                              struct sg_record **left);

#endif
