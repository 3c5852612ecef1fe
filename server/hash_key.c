/*
 * hash_key: see hash_key.h. The MD5 comes from OpenSSL's EVP interface (the
 * gateway already links libcrypto for SigV4).
 */
#include "hash_key.h"

#include <openssl/evp.h>
#include <string.h>

sg_hash_key sg_hash_key_of_partition_key(const char *key, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    sg_hash_key k = 0;
    /* EVP_Digest fails only without memory; a zero key then still names a
     * shard, and Kinesis, which hashes the key itself, decides the real one. */
    if (EVP_Digest(key, len, md, &md_len, EVP_md5(), NULL) != 1 || md_len != 16)
        return 0;
    for (int i = 0; i < 16; i++)
        k = (k << 8) | md[i];
    return k;
}

int sg_hash_key_parse(const char *s, size_t len, sg_hash_key *out)
{
    if (len == 0 || len > SG_HASH_KEY_DEC_MAX - 1 || (s[0] == '0' && len > 1))
        return -1;
    const sg_hash_key max = ~(sg_hash_key)0;
    sg_hash_key k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (k > (max - d) / 10)
            return -1;
        k = k * 10 + d;
    }
    *out = k;
    return 0;
}

size_t sg_hash_key_format(sg_hash_key k, char out[SG_HASH_KEY_DEC_MAX])
{
    char rev[SG_HASH_KEY_DEC_MAX];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + (unsigned)(k % 10));
        k /= 10;
    } while (k);
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = '\0';
    return n;
}

long sg_hash_range_find(const struct sg_hash_range *ranges, size_t n, sg_hash_key k)
{
    size_t lo = 0, hi = n; /* the answer, if any, is the last range with start <= k */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ranges[mid].start <= k)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || k > ranges[lo - 1].end)
        return -1;
    return (long)(lo - 1);
}
