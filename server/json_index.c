/*
 * json_index: the structural index's storage and lookup (see json_scan.h).
 * json_validate.c fills it; json_iter.c jumps with it.
 */
#include "json_scan_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sg_json_index_init(struct sg_json_index *idx, size_t max_containers)
{
    memset(idx, 0, sizeof *idx);
    idx->_max = max_containers < SG_JSON_INDEX_MAX ? (unsigned)max_containers : SG_JSON_INDEX_MAX;
    idx->_mmax = 4 * idx->_max;
}

void sg_json_index_free(struct sg_json_index *idx)
{
    if (!idx)
        return;
    free(idx->_ents);
    idx->_ents = NULL;
    idx->_n = idx->_cap = 0;
    free(idx->_mem);
    idx->_mem = NULL;
    idx->_mn = idx->_mcap = 0;
    idx->_ready = false;
}

/* The entry of container `v` (exactly its span), or NO_ENT. */
unsigned sg_json_index_find(const struct sg_json_index *x, struct sg_json_span v)
{
    if (!x || !x->_ready || x->_n == 0 || v.len < 2)
        return NO_ENT;
    uintptr_t p = (uintptr_t)v.ptr, base = (uintptr_t)x->_base;
    if (p < base || p - base >= x->_len || v.len > x->_len - (p - base))
        return NO_ENT;
    uint32_t off = (uint32_t)(p - base);
    unsigned lo = 0, hi = x->_n;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (x->_ents[mid].start < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= x->_n || x->_ents[lo].start != off ||
        (x->_ents[lo].end & END_MASK) != off + (uint32_t)v.len)
        return NO_ENT;
    return lo;
}

bool sg_json_is_compact(const struct sg_json_index *idx, struct sg_json_span v)
{
    unsigned e = sg_json_index_find(idx, v);
    return e != NO_ENT && !(idx->_ents[e].end & END_WS);
}
