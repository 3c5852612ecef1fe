/*
 * fk_kpl: see fk_kpl.h. Two passes over the protobuf: the first indexes the
 * partition key and explicit hash key tables (and counts the records), the
 * second reads each Record and resolves its indexes.
 */
#include "fk_kpl.h"

#include <openssl/md5.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A span of the input. */
struct span {
    const unsigned char *p;
    size_t n;
};

/* Reads a base-128 varint at *p (< end); returns -1 when truncated or > 64 bits. */
static int varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        unsigned char b = *(*p)++;
        if (shift == 63 && b > 1)
            return -1;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/*
 * Reads one field at *p: its number and wire type; a length-delimited value
 * is returned in *val, a varint in *num, fixed32/64 are skipped.
 * Returns -1 when malformed (groups, wire types 3 and 4, are refused).
 */
static int field(const unsigned char **p, const unsigned char *end, uint64_t *number,
                 unsigned *wire, struct span *val, uint64_t *num)
{
    uint64_t tag, len;
    if (varint(p, end, &tag) != 0)
        return -1;
    *number = tag >> 3;
    *wire = (unsigned)(tag & 7);
    if (*number == 0)
        return -1;
    switch (*wire) {
    case 0:
        return varint(p, end, num);
    case 1:
    case 5:
        len = *wire == 1 ? 8 : 4;
        if ((uint64_t)(end - *p) < len)
            return -1;
        *p += len;
        return 0;
    case 2:
        if (varint(p, end, &len) != 0 || len > (uint64_t)(end - *p))
            return -1;
        val->p = *p;
        val->n = (size_t)len;
        *p += len;
        return 0;
    default:
        return -1;
    }
}

/* Appends s to a growing array of spans. */
static int push(struct span **v, size_t *n, size_t *cap, struct span s)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        struct span *nv = realloc(*v, c * sizeof(*nv));
        if (nv == NULL)
            return -1;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = s;
    return 0;
}

/* Reads one Record message into u (key and hash resolved from the tables). */
static int record(struct span r, const struct span *keys, size_t n_keys, const struct span *hashes,
                  size_t n_hashes, struct fk_kpl_user *u)
{
    const unsigned char *p = r.p, *end = r.p + r.n;
    int has_key = 0, has_hash = 0, has_data = 0;
    uint64_t key_i = 0, hash_i = 0;
    while (p < end) {
        uint64_t number, num = 0;
        unsigned wire;
        struct span val = {0};
        if (field(&p, end, &number, &wire, &val, &num) != 0)
            return -1;
        if (number == 1 || number == 2) {
            if (wire != 0)
                return -1;
            *(number == 1 ? &key_i : &hash_i) = num;
            *(number == 1 ? &has_key : &has_hash) = 1;
        } else if (number == 3) {
            if (wire != 2)
                return -1;
            u->data = val.p;
            u->data_len = val.n;
            has_data = 1;
        }
    }
    if (!has_key || !has_data || key_i >= n_keys || (has_hash && hash_i >= n_hashes))
        return -1;
    u->key = keys[key_i].p;
    u->key_len = keys[key_i].n;
    u->hash = has_hash ? hashes[hash_i].p : NULL;
    u->hash_len = has_hash ? hashes[hash_i].n : 0;
    return 0;
}

enum fk_kpl_result fk_kpl_read(const unsigned char *d, size_t n, fk_kpl_user_fn fn, void *ctx,
                               size_t *users)
{
    unsigned char md[MD5_DIGEST_LENGTH];
    *users = 0;
    if (n < FK_KPL_MAGIC_LEN || memcmp(d, FK_KPL_MAGIC, FK_KPL_MAGIC_LEN) != 0)
        return FK_KPL_PLAIN;
    if (n < FK_KPL_MAGIC_LEN + FK_KPL_DIGEST_LEN)
        return FK_KPL_BAD_DIGEST;
    const unsigned char *pb = d + FK_KPL_MAGIC_LEN, *end = d + n - FK_KPL_DIGEST_LEN;
    MD5(pb, (size_t)(end - pb), md);
    if (memcmp(md, end, FK_KPL_DIGEST_LEN) != 0)
        return FK_KPL_BAD_DIGEST;

    struct span *keys = NULL, *hashes = NULL;
    size_t n_keys = 0, n_hashes = 0, cap_keys = 0, cap_hashes = 0, n_records = 0;
    enum fk_kpl_result rc = FK_KPL_AGGREGATE;
    for (const unsigned char *p = pb; p < end && rc == FK_KPL_AGGREGATE;) {
        uint64_t number, num;
        unsigned wire;
        struct span val = {0};
        if (field(&p, end, &number, &wire, &val, &num) != 0 || (number <= 3 && wire != 2)) {
            rc = FK_KPL_MALFORMED;
        } else if (number == 1) {
            if (push(&keys, &n_keys, &cap_keys, val) != 0)
                rc = FK_KPL_NO_MEMORY;
        } else if (number == 2) {
            if (push(&hashes, &n_hashes, &cap_hashes, val) != 0)
                rc = FK_KPL_NO_MEMORY;
        } else if (number == 3) {
            n_records++;
        }
    }
    for (const unsigned char *p = pb; p < end && rc == FK_KPL_AGGREGATE;) {
        uint64_t number, num;
        unsigned wire;
        struct span val = {0};
        struct fk_kpl_user u;
        (void)field(&p, end, &number, &wire, &val, &num); /* read once already */
        if (number != 3)
            continue;
        if (record(val, keys, n_keys, hashes, n_hashes, &u) != 0) {
            rc = FK_KPL_MALFORMED;
            break;
        }
        if (fn != NULL)
            fn(ctx, &u);
        (*users)++;
    }
    /* An aggregate without records is not one KCL would yield anything from. */
    if (rc == FK_KPL_AGGREGATE && n_records == 0)
        rc = FK_KPL_MALFORMED;
    free(keys);
    free(hashes);
    return rc;
}
