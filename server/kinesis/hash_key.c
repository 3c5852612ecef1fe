/*
 * hash_key: see hash_key.h. The MD5 comes from OpenSSL's EVP interface (the
 * gateway already links libcrypto for SigV4).
 */
#include "hash_key.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

/* OpenSSL 3 looks a digest up by name on every EVP_md5() use; once per key
 * of every record, that look-up cost several times the MD5 of a short key
 * (loadtest/RESULTS.md, KPL aggregation). So it is fetched once: an
 * immutable object, shared by every thread, never freed. */
static EVP_MD *md5;
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;

static void fetch_md5(void)
{
    md5 = EVP_MD_fetch(NULL, "MD5", NULL);
}

sg_hash_key sg_hash_key_of_partition_key(const char *key, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    sg_hash_key k = 0;
    pthread_once(&md5_once, fetch_md5);
    /* EVP_Digest fails only without memory; a zero key then still names a
     * shard, and Kinesis, which hashes the key itself, decides the real one. */
    if (EVP_Digest(key, len, md, &md_len, md5 ? md5 : EVP_md5(), NULL) != 1 || md_len != 16)
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
