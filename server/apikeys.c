/*
 * apikeys: x-api-key checks and per-key throttles (see apikeys.h).
 *
 * Design: the configuration is parsed once into an array of keys, each with
 * its SHA-256, its stream allow-list and a lock-free token bucket. The only
 * state that changes afterwards is inside the buckets, so checks need no
 * lock. A presented key is hashed once (bounded: at most
 * SG_APIKEYS_MAX_KEY_LEN bytes), and the digest is compared with every
 * configured hash: the work done is the same whichever key, if any, matches.
 *
 * Invariants: ids and hashes are unique, so at most one key matches; a key
 * with `throttled` set has an initialised bucket; `enabled` is false only
 * for the set built from an absent section, which lets every request pass.
 */
#include "apikeys.h"

#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "parse_util.h"
#include "token_bucket.h"

#define DIGEST_LEN 32

struct apikey {
    char id[SG_APIKEYS_ID_MAX + 1];
    unsigned char sha256[DIGEST_LEN];
    bool all_streams;
    size_t n_streams;
    char (*streams)[SG_STREAM_NAME_MAX + 1];
    bool throttled;
    struct sg_token_bucket bucket;
};

struct sg_apikeys {
    bool enabled;  /* the section was present */
    bool required; /* a request without a key is refused */
    size_t n;
    struct apikey *keys;
};

static const char *const top_members[] = {"required", "keys", "_comment", NULL};
static const char *const key_members[] = {"id",    "sha256",   "streams", "rate",
                                          "burst", "_comment", NULL};

/* Ids appear in logs and metric labels, so they are kept to a safe charset. */
static bool valid_id(const char *s, size_t len)
{
    return sg_parse_safe_name(s, len, SG_APIKEYS_ID_MAX);
}

static int parse_id(struct apikey *key, const json_t *obj, size_t i, char *err, size_t cap)
{
    const json_t *v = json_object_get(obj, "id");
    if (!v)
        return sg_parse_fail(err, cap, "api_keys.keys[%zu].id is required", i);
    if (!json_is_string(v) || !valid_id(json_string_value(v), json_string_length(v)))
        return sg_parse_fail(err, cap,
                             "api_keys.keys[%zu].id must be 1-%d characters of [A-Za-z0-9_.-]", i,
                             SG_APIKEYS_ID_MAX);
    memcpy(key->id, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int parse_sha256(struct apikey *key, const json_t *obj, size_t i, char *err, size_t cap)
{
    const json_t *v = json_object_get(obj, "sha256");
    if (!v)
        return sg_parse_fail(err, cap, "api_keys.keys[%zu].sha256 is required", i);
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    if (json_string_length(v) != 2 * DIGEST_LEN)
        return sg_parse_fail(err, cap, "api_keys.keys[%zu].sha256 must be 64 hex characters", i);
    for (size_t b = 0; b < DIGEST_LEN; b++) {
        int hi = sg_parse_hex_digit(s[2 * b]), lo = sg_parse_hex_digit(s[2 * b + 1]);
        if (hi < 0 || lo < 0)
            return sg_parse_fail(err, cap, "api_keys.keys[%zu].sha256 must be 64 hex characters",
                                 i);
        key->sha256[b] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

static int parse_stream_list(struct apikey *key, const json_t *obj, size_t i, char *err, size_t cap)
{
    const json_t *arr = json_object_get(obj, "streams");
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > SG_APIKEYS_MAX_STREAMS)
        return sg_parse_fail(
            err, cap,
            "api_keys.keys[%zu].streams must be an array of 1-%d stream names, or [\"*\"]", i,
            SG_APIKEYS_MAX_STREAMS);
    key->streams = calloc(n, sizeof *key->streams);
    if (!key->streams)
        return sg_parse_fail(err, cap, "out of memory");
    for (size_t j = 0; j < n; j++) {
        const json_t *v = json_array_get(arr, j);
        const char *s = json_string_value(v);
        if (s && strcmp(s, "*") == 0) {
            if (n != 1)
                return sg_parse_fail(err, cap,
                                     "api_keys.keys[%zu].streams: \"*\" must be the only entry", i);
            key->all_streams = true;
            return 0;
        }
        if (!s || !sg_config_valid_stream_name(s, json_string_length(v)))
            return sg_parse_fail(err, cap,
                                 "api_keys.keys[%zu].streams[%zu] must be a stream name "
                                 "(1-128 characters of [a-zA-Z0-9_.-]) or \"*\"",
                                 i, j);
        memcpy(key->streams[j], s, json_string_length(v) + 1);
        key->n_streams = j + 1;
    }
    return 0;
}

static int parse_throttle(struct apikey *key, const json_t *obj, size_t i, char *err, size_t cap)
{
    const json_t *rate = json_object_get(obj, "rate"), *burst = json_object_get(obj, "burst");
    if (!rate && !burst)
        return 0; /* not throttled */
    if (!rate)
        return sg_parse_fail(err, cap, "api_keys.keys[%zu].burst needs api_keys.keys[%zu].rate", i,
                             i);
    double r = json_number_value(rate);
    if (!json_is_number(rate) || !(r >= SG_TOKEN_BUCKET_MIN_RATE && r <= SG_APIKEYS_MAX_RATE))
        return sg_parse_fail(err, cap,
                             "api_keys.keys[%zu].rate must be a number between 0.001 and %.0f", i,
                             SG_APIKEYS_MAX_RATE);
    /* Default burst: one second's worth of requests, as a usage plan's
     * console suggests burst >= rate. */
    json_int_t b = burst ? json_integer_value(burst) : (json_int_t)ceil(r);
    if ((burst && !json_is_integer(burst)) || b < 1 || b > (json_int_t)SG_APIKEYS_MAX_BURST)
        return sg_parse_fail(err, cap,
                             "api_keys.keys[%zu].burst must be an integer between 1 and %u", i,
                             SG_APIKEYS_MAX_BURST);
    if (sg_token_bucket_init(&key->bucket, r, (unsigned)b) != 0)
        return sg_parse_fail(err, cap,
                             "api_keys.keys[%zu]: rate %g with burst %lld is out of range", i, r,
                             (long long)b);
    key->throttled = true;
    return 0;
}

static int parse_key(struct apikey *key, const json_t *obj, size_t i, char *err, size_t cap)
{
    if (!json_is_object(obj))
        return sg_parse_fail(err, cap, "api_keys.keys[%zu] must be an object", i);
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)obj, name, v)
    {
        if (!sg_parse_name_allowed(name, key_members))
            return sg_parse_fail(err, cap, "unknown key api_keys.keys[%zu].%s", i, name);
    }
    if (parse_id(key, obj, i, err, cap) != 0 || parse_sha256(key, obj, i, err, cap) != 0 ||
        parse_stream_list(key, obj, i, err, cap) != 0 || parse_throttle(key, obj, i, err, cap) != 0)
        return -1;
    return 0;
}

/* Key i against keys 0..i-1: ids and hashes must both be unique. */
static int check_unique(const struct sg_apikeys *k, size_t i, char *err, size_t cap)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(k->keys[j].id, k->keys[i].id) == 0)
            return sg_parse_fail(err, cap,
                                 "api_keys.keys[%zu].id \"%s\" is also api_keys.keys[%zu].id", i,
                                 k->keys[i].id, j);
        if (memcmp(k->keys[j].sha256, k->keys[i].sha256, DIGEST_LEN) == 0)
            return sg_parse_fail(
                err, cap, "api_keys.keys[%zu].sha256 is also the hash of api_keys.keys[%zu]", i, j);
    }
    return 0;
}

static int parse_keys(struct sg_apikeys *k, const json_t *arr, char *err, size_t cap)
{
    if (!arr)
        return 0;
    if (!json_is_array(arr) || json_array_size(arr) > SG_APIKEYS_MAX_KEYS)
        return sg_parse_fail(err, cap, "api_keys.keys must be an array of at most %d keys",
                             SG_APIKEYS_MAX_KEYS);
    size_t n = json_array_size(arr);
    k->keys = calloc(n ? n : 1, sizeof *k->keys);
    if (!k->keys)
        return sg_parse_fail(err, cap, "out of memory");
    for (size_t i = 0; i < n; i++) {
        k->n = i + 1; /* so that free() releases a half-parsed key */
        if (parse_key(&k->keys[i], json_array_get(arr, i), i, err, cap) != 0 ||
            check_unique(k, i, err, cap) != 0)
            return -1;
    }
    return 0;
}

static int parse_section(struct sg_apikeys *k, const json_t *section, char *err, size_t cap)
{
    if (!json_is_object(section))
        return sg_parse_fail(err, cap, "api_keys must be an object");
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)section, name, v)
    {
        if (!sg_parse_name_allowed(name, top_members))
            return sg_parse_fail(err, cap, "unknown key api_keys.%s", name);
    }
    const json_t *req = json_object_get(section, "required");
    if (req && !json_is_boolean(req))
        return sg_parse_fail(err, cap, "api_keys.required must be true or false");
    k->required = !req || json_is_true(req);
    if (parse_keys(k, json_object_get(section, "keys"), err, cap) != 0)
        return -1;
    if (k->required && k->n == 0)
        return sg_parse_fail(
            err, cap, "api_keys.keys must list at least one key when api_keys.required is true");
    return 0;
}

struct sg_apikeys *sg_apikeys_new(const json_t *section, char *err, size_t errcap)
{
    struct sg_apikeys *k = calloc(1, sizeof *k);
    if (!k) {
        sg_parse_fail(err, errcap, "out of memory");
        return NULL;
    }
    if (!section)
        return k; /* disabled: every request passes */
    k->enabled = true;
    if (parse_section(k, section, err, errcap) != 0) {
        sg_apikeys_free(k);
        return NULL;
    }
    return k;
}

void sg_apikeys_free(struct sg_apikeys *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        free(k->keys[i].streams);
    free(k->keys);
    free(k);
}

long sg_apikeys_match_digest(const struct sg_apikeys *k, const unsigned char digest[32],
                             size_t *compared)
{
    long found = -1;
    size_t count = 0;
    for (size_t i = 0; i < k->n; i++) {
        /* No early exit and no branch on the result: a mask selects the
         * index, so every key costs the same whether it matches or not. */
        long equal = -(long)(CRYPTO_memcmp(digest, k->keys[i].sha256, DIGEST_LEN) == 0);
        found = (found & ~equal) | ((long)i & equal);
        count++;
    }
    if (compared)
        *compared = count;
    return found;
}

static bool stream_allowed(const struct apikey *key, const char *stream)
{
    if (key->all_streams)
        return true;
    for (size_t i = 0; stream && i < key->n_streams; i++)
        if (strcmp(key->streams[i], stream) == 0)
            return true;
    return false;
}

static int sha256(const void *p, size_t n, unsigned char out[DIGEST_LEN])
{
    unsigned int len = 0;
    return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == DIGEST_LEN ? 0 : -1;
}

/* Milliseconds to whole seconds for Retry-After, rounded up, 1..86400. */
static unsigned retry_seconds(int64_t ms)
{
    if (ms >= 86400 * INT64_C(1000))
        return 86400;
    unsigned s = (unsigned)((ms + 999) / 1000);
    return s ? s : 1;
}

enum sg_apikey_verdict sg_apikeys_check(struct sg_apikeys *k, const char *presented_key,
                                        const char *stream_public_name, int64_t now_ns,
                                        unsigned *retry_after_s, const char **key_id)
{
    *retry_after_s = 0;
    *key_id = NULL;
    if (!k || !k->enabled)
        return SG_APIKEY_OK; /* no api_keys section: the header is ignored */
    size_t len = presented_key ? strnlen(presented_key, SG_APIKEYS_MAX_KEY_LEN + 1) : 0;
    if (len == 0)
        return k->required ? SG_APIKEY_FORBIDDEN : SG_APIKEY_OK;
    if (len > SG_APIKEYS_MAX_KEY_LEN)
        return SG_APIKEY_FORBIDDEN;
    unsigned char digest[DIGEST_LEN];
    long m =
        sha256(presented_key, len, digest) == 0 ? sg_apikeys_match_digest(k, digest, NULL) : -1;
    OPENSSL_cleanse(digest, sizeof digest); /* as good as the key itself */
    if (m < 0)
        return SG_APIKEY_FORBIDDEN;
    struct apikey *key = &k->keys[m];
    *key_id = key->id;
    if (!stream_allowed(key, stream_public_name))
        return SG_APIKEY_FORBIDDEN;
    if (key->throttled) {
        int64_t wait = sg_token_bucket_take(&key->bucket, now_ns, 1);
        if (wait != 0) {
            *retry_after_s = retry_seconds(wait);
            return SG_APIKEY_THROTTLED;
        }
    }
    return SG_APIKEY_OK;
}

void sg_apikeys_carry_state(struct sg_apikeys *new_keys, const struct sg_apikeys *old_keys,
                            int64_t now_ns)
{
    if (!new_keys || !old_keys)
        return;
    for (size_t i = 0; i < new_keys->n; i++) {
        struct apikey *nk = &new_keys->keys[i];
        for (size_t j = 0; nk->throttled && j < old_keys->n; j++) {
            const struct apikey *ok = &old_keys->keys[j];
            if (ok->throttled && strcmp(ok->id, nk->id) == 0) {
                sg_token_bucket_carry(&nk->bucket, &ok->bucket, now_ns);
                break;
            }
        }
    }
}

size_t sg_apikeys_count(const struct sg_apikeys *k)
{
    return k ? k->n : 0;
}

void sg_apikeys_hash_hex(const char *key, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[DIGEST_LEN];
    out[0] = '\0';
    if (sha256(key, strlen(key), digest) != 0)
        return;
    for (size_t i = 0; i < DIGEST_LEN; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[2 * DIGEST_LEN] = '\0';
}
