/*
 * apikeys: optional API keys in the `x-api-key` header, as API Gateway usage
 * plans do (403 for a missing or unknown key, 429 past the key's throttle).
 *
 * Configuration, the top-level key "api_keys" (absent = no keys):
 *   {"required": true,                 optional, default true
 *    "keys": [{"id": "mobile-app",     1-64 of [A-Za-z0-9_.-], unique
 *              "sha256": "<64 hex>",   SHA-256 of the key, unique
 *              "streams": ["events"],  public stream names, or ["*"] for all
 *              "rate": 100,            optional, requests/s (0.001-1000000)
 *              "burst": 200}]}         optional, 1-1000000, default ceil(rate)
 * A key without "rate" is not throttled. Only hashes are configured, so the
 * file holds no secret; `streamgate hash-key` (sg_apikeys_hash_hex) prints
 * the hash of a new key.
 *
 * Decisions (sg_apikeys_check), in order:
 *   - no key (header missing or empty): OK when not required, else FORBIDDEN;
 *   - a key is presented: it must match a configured hash, even when keys
 *     are not required (a wrong key fails loudly instead of passing as
 *     anonymous, so a roll-out can be checked before "required" is set);
 *   - the stream must be in the key's allow-list (before the throttle, so
 *     refused requests spend no tokens);
 *   - the key's bucket must have a token, else THROTTLED with Retry-After.
 * Keys are compared in constant time: the presented key is hashed once and
 * compared with CRYPTO_memcmp against every configured hash, with no early
 * exit, so timing reveals neither which key nor which prefix matched.
 *
 * Thread-safety: after sg_apikeys_new the set is immutable except for the
 * per-key token buckets, which are lock-free (token_bucket.h); any number of
 * threads may call sg_apikeys_check concurrently.
 */
#ifndef SG_APIKEYS_H
#define SG_APIKEYS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SG_APIKEYS_MAX_KEYS 1000
#define SG_APIKEYS_ID_MAX 64
#define SG_APIKEYS_MAX_STREAMS 64     /* per key */
#define SG_APIKEYS_MAX_KEY_LEN 256    /* longer presented keys: FORBIDDEN, not hashed */
#define SG_APIKEYS_MAX_RATE 1000000.0 /* requests/s */
#define SG_APIKEYS_MAX_BURST 1000000u

struct sg_apikeys;

enum sg_apikey_verdict {
    SG_APIKEY_OK = 0,
    SG_APIKEY_FORBIDDEN, /* 403 {"message":"Forbidden"} */
    SG_APIKEY_THROTTLED, /* 429 {"message":"Too Many Requests"} + Retry-After */
};

/*
 * Builds the key set from the "api_keys" section (borrowed; nothing of it is
 * kept). NULL means the section is absent: keys are not required and none is
 * configured, so every request without a key is OK.
 * Returns the set, or NULL with a message naming the key at fault in
 * err[0..errcap) ("api_keys.keys[1].sha256 must be 64 hex characters";
 * "out of memory" on allocation failure). Free with sg_apikeys_free.
 */
struct sg_apikeys *sg_apikeys_new(const json_t *section, char *err, size_t errcap);

/* Releases the set. NULL-safe. No thread may be inside sg_apikeys_check. */
void sg_apikeys_free(struct sg_apikeys *k);

/*
 * Decides one request for stream `stream_public_name` (the {stream} of the
 * URL) at monotonic time `now_ns` (the clock of every call on this set).
 * presented_key: the x-api-key header value, NUL-terminated, or NULL when
 * the header is missing; borrowed.
 * [out] retry_after_s: seconds for Retry-After when THROTTLED (>= 1, rounded
 * up), else 0. [out] key_id: the matched key's id (borrowed from `k`, valid
 * until sg_apikeys_free) for logs and metrics, or NULL when no key matched.
 * Thread-safe; takes one token from the matched key's bucket when OK.
 */
enum sg_apikey_verdict sg_apikeys_check(struct sg_apikeys *k, const char *presented_key,
                                        const char *stream_public_name, int64_t now_ns,
                                        unsigned *retry_after_s, const char **key_id);

/*
 * Carries the token-bucket levels of `old` into `new` for keys with the same
 * id (and a rate in both), so that a reload (SIGHUP) refills nobody's burst;
 * see sg_token_bucket_carry for changed rates or bursts. Call before `new`
 * is published to other threads; `old` may still be in use by them.
 * `now_ns` is the clock of sg_apikeys_check (the levels depend on it).
 * NULL-safe on both.
 */
void sg_apikeys_carry_state(struct sg_apikeys *new_keys, const struct sg_apikeys *old_keys,
                            int64_t now_ns);

/* Number of configured keys. */
size_t sg_apikeys_count(const struct sg_apikeys *k);

/*
 * Writes the lowercase hex SHA-256 of the NUL-terminated `key` into out
 * (64 characters + NUL), the value for "sha256" in the configuration.
 * On a digest failure (OpenSSL out of memory) out is "" instead. Keys
 * longer than SG_APIKEYS_MAX_KEY_LEN are never accepted by sg_apikeys_check,
 * so the CLI should refuse to hash them (API Gateway keys are 20-128
 * alphanumeric characters).
 */
void sg_apikeys_hash_hex(const char *key, char out[65]);

/*
 * The matching step of sg_apikeys_check, exposed for tests: compares
 * `digest` with every configured hash and returns the index of the match
 * or -1. [out] compared: how many hashes were compared (always the number
 * of keys: there is no early exit). Thread-safe.
 */
long sg_apikeys_match_digest(const struct sg_apikeys *k, const unsigned char digest[32],
                             size_t *compared);

#endif
