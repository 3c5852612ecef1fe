/*
 * test_kpl: server/kinesis/kpl.h: aggregates decoded again by a protobuf reader
 * written here from the wire-format spec (not from kpl.c), the digest, the
 * size accounting against the encoded bytes, the maximum, and consecutive
 * partition keys sharing a table entry. tests/kpl/ checks the same encoder
 * against awslabs' own decoder (npm aws-kinesis-agg).
 */
#include "kinesis/kpl.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

#define MAX_ITEMS 64

struct decoded {
    int ok;
    size_t n_keys, n_records;
    const unsigned char *keys[MAX_ITEMS];
    size_t key_len[MAX_ITEMS];
    uint64_t rec_key[MAX_ITEMS];
    const unsigned char *rec_data[MAX_ITEMS];
    size_t rec_len[MAX_ITEMS];
};

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char c = *(*p)++;
        *v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return 0;
    }
    return -1;
}

static int get_field(const unsigned char **p, const unsigned char *end, uint64_t *field,
                     uint64_t *wire, const unsigned char **val, uint64_t *len)
{
    uint64_t key;
    if (get_varint(p, end, &key) != 0)
        return -1;
    *field = key >> 3;
    *wire = key & 7;
    if (*wire == 0)
        return get_varint(p, end, len);
    if (*wire != 2 || get_varint(p, end, len) != 0 || *len > (uint64_t)(end - *p))
        return -1;
    *val = *p;
    *p += *len;
    return 0;
}

static int decode_record(const unsigned char *p, const unsigned char *end, struct decoded *d)
{
    size_t i = d->n_records;
    int have_key = 0, have_data = 0;
    while (p < end) {
        uint64_t field, wire, len;
        const unsigned char *val = NULL;
        if (get_field(&p, end, &field, &wire, &val, &len) != 0)
            return -1;
        if (field == 1 && wire == 0)
            d->rec_key[i] = len, have_key = 1;
        else if (field == 3 && wire == 2)
            d->rec_data[i] = val, d->rec_len[i] = len, have_data = 1;
        else
            return -1;
    }
    if (!have_key || !have_data || d->rec_key[i] >= d->n_keys)
        return -1;
    d->n_records++;
    return 0;
}

static void decode(const struct sg_buf *b, struct decoded *d)
{
    memset(d, 0, sizeof *d);
    const unsigned char *p = (const unsigned char *)b->data;
    if (b->len < SG_KPL_MAGIC_LEN + SG_KPL_DIGEST_LEN || memcmp(p, "\xF3\x89\x9A\xC2", 4) != 0)
        return;
    const unsigned char *pb = p + 4, *end = p + b->len - 16;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len;
    if (EVP_Digest(pb, (size_t)(end - pb), md, &md_len, EVP_md5(), NULL) != 1 ||
        memcmp(md, end, 16) != 0)
        return;
    for (const unsigned char *q = pb; q < end;) {
        uint64_t field, wire, len;
        const unsigned char *val = NULL;
        if (get_field(&q, end, &field, &wire, &val, &len) != 0 || wire != 2)
            return;
        if (field == 1 && d->n_keys < MAX_ITEMS) {
            d->keys[d->n_keys] = val;
            d->key_len[d->n_keys++] = len;
        } else if (field == 3 && d->n_records < MAX_ITEMS) {
            if (decode_record(val, val + len, d) != 0)
                return;
        } else {
            return;
        }
    }
    d->ok = 1;
}

static void test_round_trip(void)
{
    static const struct {
        const char *keys[6];
        size_t n;
        size_t want_table;
    } rows[] = {
        {{"k1"}, 1, 1},
        {{"a", "b", "c"}, 3, 3},
        {{"same", "same", "same", "other", "same"}, 5, 3}, /* consecutive keys shared */
        {{"", "x"}, 2, 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_kpl_agg a;
        sg_kpl_agg_init(&a, SG_KPL_DEFAULT_MAX_BYTES);
        char data[6][300];
        for (size_t j = 0; j < rows[i].n; j++) {
            /* data sizes around the varint boundary at 128 */
            size_t len = 60 + j * 40;
            memset(data[j], 'a' + (int)j, len);
            data[j][len] = '\0';
            enum sg_kpl_add_result r =
                sg_kpl_agg_add(&a, rows[i].keys[j], strlen(rows[i].keys[j]), data[j], len);
            CHECK(r == SG_KPL_ADDED, "row %zu record %zu added (%d)", i, j, (int)r);
        }
        struct sg_buf out;
        sg_buf_init(&out, 0);
        CHECK(sg_kpl_agg_encode(&a, &out) == 0, "row %zu encoded", i);
        CHECK(out.len == sg_kpl_agg_size(&a), "row %zu: size %zu, predicted %zu", i, out.len,
              sg_kpl_agg_size(&a));
        struct decoded d;
        decode(&out, &d);
        CHECK(d.ok, "row %zu decodes with a valid digest", i);
        CHECK(d.n_records == rows[i].n, "row %zu count", i);
        CHECK(d.n_keys == rows[i].want_table, "row %zu: %zu table keys", i, d.n_keys);
        for (size_t j = 0; d.ok && j < d.n_records; j++) {
            const char *want_key = rows[i].keys[j];
            uint64_t k = d.rec_key[j];
            CHECK(d.key_len[k] == strlen(want_key) &&
                      memcmp(d.keys[k], want_key, d.key_len[k]) == 0,
                  "row %zu record %zu key", i, j);
            CHECK(d.rec_len[j] == strlen(data[j]) &&
                      memcmp(d.rec_data[j], data[j], d.rec_len[j]) == 0,
                  "row %zu record %zu data", i, j);
        }
        sg_buf_free(&out);
        sg_kpl_agg_free(&a);
    }
}

static void test_maximum(void)
{
    /* Records of 1,000 bytes fill a 51,200-byte aggregate with 50 of them
     * (each costs a 1,008-byte record field and a 7- or 8-byte key entry);
     * the 51st is refused and leaves the aggregate as it was. */
    struct sg_kpl_agg a;
    sg_kpl_agg_init(&a, SG_KPL_DEFAULT_MAX_BYTES);
    char data[1000];
    memset(data, 'x', sizeof data);
    size_t added = 0;
    char key[16];
    for (;;) {
        int n = snprintf(key, sizeof key, "key-%zu", added);
        size_t before = sg_kpl_agg_size(&a);
        enum sg_kpl_add_result r = sg_kpl_agg_add(&a, key, (size_t)n, data, sizeof data);
        if (r != SG_KPL_ADDED) {
            CHECK(r == SG_KPL_FULL, "refused as full");
            CHECK(sg_kpl_agg_size(&a) == before, "a refused record changes nothing");
            break;
        }
        CHECK(sg_kpl_agg_size(&a) <= SG_KPL_DEFAULT_MAX_BYTES, "never over the maximum");
        added++;
    }
    CHECK(added == 50, "%zu records of 1000 bytes fit", added);
    struct sg_buf out;
    sg_buf_init(&out, 0);
    CHECK(sg_kpl_agg_encode(&a, &out) == 0 && out.len <= SG_KPL_DEFAULT_MAX_BYTES,
          "encoded %zu bytes", out.len);
    sg_kpl_agg_reset(&a);
    CHECK(sg_kpl_agg_size(&a) == 20, "reset: empty again");
    CHECK(sg_kpl_agg_add(&a, "k", 1, data, 10) == SG_KPL_ADDED, "reusable after reset");
    struct decoded d;
    sg_buf_reset(&out);
    CHECK(sg_kpl_agg_encode(&a, &out) == 0, "encode after reset");
    decode(&out, &d);
    CHECK(d.ok && d.n_records == 1 && d.n_keys == 1 && d.rec_key[0] == 0, "only the new record");
    /* A record too big for any aggregate is refused even when empty. */
    struct sg_kpl_agg small;
    sg_kpl_agg_init(&small, 100);
    CHECK(sg_kpl_agg_add(&small, "k", 1, data, 80) == SG_KPL_FULL, "too big for an empty one");
    sg_kpl_agg_free(&small);
    sg_buf_free(&out);
    sg_kpl_agg_free(&a);
}

int main(void)
{
    test_round_trip();
    test_maximum();
    return sg_check_result("test_kpl");
}
