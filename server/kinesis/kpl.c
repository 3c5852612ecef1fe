/*
 * kpl: see kpl.h. Protobuf wire format (protobuf.dev/programming-guides/
 * encoding): a field is a varint key (field number << 3 | wire type) then,
 * for wire type 2 (length-delimited), a varint length and the bytes; uint64
 * fields are wire type 0, a plain varint.
 */
#include "kpl.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

/* Field keys of kpl.h's messages. */
#define KEY_AGG_PARTITION_KEY 0x0A /* field 1, length-delimited */
#define KEY_AGG_RECORD 0x1A        /* field 3, length-delimited */
#define KEY_REC_KEY_INDEX 0x08     /* field 1, varint */
#define KEY_REC_DATA 0x1A          /* field 3, length-delimited */

#define VARINT_MAX 10

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static int append_varint(struct sg_buf *b, uint64_t v)
{
    unsigned char tmp[VARINT_MAX];
    return sg_buf_append(b, tmp, put_varint(tmp, v));
}

/* Bytes of one length-delimited field holding n bytes. */
static size_t field_len(size_t n)
{
    return 1 + varint_len(n) + n;
}

static size_t record_len(size_t key_index, size_t data_len)
{
    return 1 + varint_len(key_index) + field_len(data_len);
}

void sg_kpl_agg_init(struct sg_kpl_agg *a, size_t max_bytes)
{
    memset(a, 0, sizeof *a);
    sg_buf_init(&a->_keys, 0);
    sg_buf_init(&a->_records, 0);
    a->_max_bytes = max_bytes;
}

void sg_kpl_agg_free(struct sg_kpl_agg *a)
{
    if (!a)
        return;
    sg_buf_free(&a->_keys);
    sg_buf_free(&a->_records);
}

void sg_kpl_agg_reset(struct sg_kpl_agg *a)
{
    sg_buf_reset(&a->_keys);
    sg_buf_reset(&a->_records);
    a->_count = a->_n_keys = a->_last_key_off = a->_last_key_len = 0;
}

size_t sg_kpl_agg_size(const struct sg_kpl_agg *a)
{
    return SG_KPL_MAGIC_LEN + a->_keys.len + a->_records.len + SG_KPL_DIGEST_LEN;
}

static int same_as_last_key(const struct sg_kpl_agg *a, const char *key, size_t key_len)
{
    return a->_n_keys > 0 && a->_last_key_len == key_len &&
           memcmp(a->_keys.data + a->_last_key_off, key, key_len) == 0;
}

enum sg_kpl_add_result sg_kpl_agg_add(struct sg_kpl_agg *a, const char *key, size_t key_len,
                                      const void *data, size_t data_len)
{
    int new_key = !same_as_last_key(a, key, key_len);
    size_t index = new_key ? a->_n_keys : a->_n_keys - 1;
    size_t rec = record_len(index, data_len);
    size_t grows = field_len(rec) + (new_key ? field_len(key_len) : 0);
    if (sg_kpl_agg_size(a) + grows > a->_max_bytes)
        return SG_KPL_FULL;
    if (sg_buf_reserve(&a->_keys, new_key ? field_len(key_len) : 0) != 0 ||
        sg_buf_reserve(&a->_records, field_len(rec)) != 0)
        return SG_KPL_NO_MEMORY;
    /* Room is reserved, so none of the appends below can fail. */
    int rc = 0;
    if (new_key) {
        rc |= sg_buf_append_char(&a->_keys, KEY_AGG_PARTITION_KEY);
        rc |= append_varint(&a->_keys, key_len);
        a->_last_key_off = a->_keys.len;
        a->_last_key_len = key_len;
        rc |= sg_buf_append(&a->_keys, key, key_len);
        a->_n_keys++;
    }
    rc |= sg_buf_append_char(&a->_records, KEY_AGG_RECORD);
    rc |= append_varint(&a->_records, rec);
    rc |= sg_buf_append_char(&a->_records, KEY_REC_KEY_INDEX);
    rc |= append_varint(&a->_records, index);
    rc |= sg_buf_append_char(&a->_records, KEY_REC_DATA);
    rc |= append_varint(&a->_records, data_len);
    rc |= sg_buf_append(&a->_records, data, data_len);
    if (rc != 0)
        return SG_KPL_NO_MEMORY;
    a->_count++;
    return SG_KPL_ADDED;
}

int sg_kpl_agg_encode(const struct sg_kpl_agg *a, struct sg_buf *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int rc = -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return -1;
    if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, a->_keys.data, a->_keys.len) != 1 ||
        EVP_DigestUpdate(ctx, a->_records.data, a->_records.len) != 1 ||
        EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != SG_KPL_DIGEST_LEN)
        goto done;
    if (sg_buf_reserve(out, sg_kpl_agg_size(a)) != 0)
        goto done;
    rc = sg_buf_append(out, SG_KPL_MAGIC, SG_KPL_MAGIC_LEN);
    rc |= sg_buf_append(out, a->_keys.data, a->_keys.len);
    rc |= sg_buf_append(out, a->_records.data, a->_records.len);
    rc |= sg_buf_append(out, md, md_len);
done:
    EVP_MD_CTX_free(ctx);
    return rc;
}
