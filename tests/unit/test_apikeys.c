/*
 * test_apikeys: server/apikeys.h: SHA-256 vectors, configuration errors
 * (each naming the key at fault), OK/FORBIDDEN/THROTTLED decisions with
 * stream allow-lists and the key length bound, every hash compared on every
 * lookup, 429 counts for bursts of N requests, Retry-After values, carrying
 * bucket levels across a reload, and concurrent checks on one key.
 */
#include "apikeys.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

#define MS INT64_C(1000000)
#define S INT64_C(1000000000)

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char *const K1 = "k1-mobile-0123456789abcdefghij";
static const char *const K2 = "k2-partner-0123456789abcdefghij";
static const char *const K3 = "k3-raw-0123456789abcdefghijklmn";
static char k_long[SG_APIKEYS_MAX_KEY_LEN + 2]; /* 256 bytes, then 257 */

static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(j != NULL, "test JSON does not parse: %s in %s", jerr.text, text);
    return j;
}

/* Builds a key set from JSON text in which @1, @2, @3 and @4 stand for the
 * hashes of K1, K2, K3 and k_long. */
static struct sg_apikeys *load(const char *tmpl, char *err, size_t errcap)
{
    char text[8192], hashes[4][65];
    const char *keys[4] = {K1, K2, K3, k_long};
    for (int i = 0; i < 4; i++)
        sg_apikeys_hash_hex(keys[i], hashes[i]);
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 65 < sizeof text; p++) {
        if (p[0] == '@' && p[1] >= '1' && p[1] <= '4') {
            memcpy(text + o, hashes[p[1] - '1'], 64);
            o += 64;
            p++;
        } else {
            text[o++] = *p;
        }
    }
    text[o] = '\0';
    json_t *j = parse_json(text);
    struct sg_apikeys *k = j ? sg_apikeys_new(j, err, errcap) : NULL;
    json_decref(j);
    return k;
}

static void test_hash_hex(void)
{
    static const struct {
        const char *key, *want;
    } rows[] = {
        {"abc", SHA_ABC},
        {"", SHA_EMPTY},
        {"The quick brown fox jumps over the lazy dog",
         "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[65];
        memset(out, 'x', sizeof out);
        sg_apikeys_hash_hex(rows[i].key, out);
        CHECK_STREQ(out, rows[i].want, rows[i].key);
    }
}

#define KEY_A "{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[\"events\"]}"

static void test_config_errors(void)
{
    static const struct {
        const char *json, *want;
    } rows[] = {
        {"[]", "api_keys must be an object"},
        {"{\"foo\":1}", "unknown key api_keys.foo"},
        {"{\"required\":\"yes\"}", "api_keys.required must be true or false"},
        {"{}", "api_keys.keys must list at least one key when api_keys.required is true"},
        {"{\"required\":true,\"keys\":[]}",
         "api_keys.keys must list at least one key when api_keys.required is true"},
        {"{\"keys\":{}}", "api_keys.keys must be an array of at most 1000 keys"},
        {"{\"keys\":[1]}", "api_keys.keys[0] must be an object"},
        {"{\"keys\":[{\"sha256\":\"" SHA_ABC "\",\"streams\":[\"*\"]}]}",
         "api_keys.keys[0].id is required"},
        {"{\"keys\":[{\"id\":\"has space\"}]}",
         "api_keys.keys[0].id must be 1-64 characters of [A-Za-z0-9_.-]"},
        {"{\"keys\":[{\"id\":\"\"}]}",
         "api_keys.keys[0].id must be 1-64 characters of [A-Za-z0-9_.-]"},
        {"{\"keys\":[{\"id\":42}]}",
         "api_keys.keys[0].id must be 1-64 characters of [A-Za-z0-9_.-]"},
        {"{\"keys\":[{\"id\":\"x12345678901234567890123456789012345678901234567890123456789012"
         "34\"}]}",
         "api_keys.keys[0].id must be 1-64 characters of [A-Za-z0-9_.-]"},
        {"{\"keys\":[{\"id\":\"a\",\"streams\":[\"*\"]}]}", "api_keys.keys[0].sha256 is required"},
        {"{\"keys\":[" KEY_A ",{\"id\":\"b\",\"sha256\":\"" SHA_EMPTY "0\"}]}",
         "api_keys.keys[1].sha256 must be 64 hex characters"},
        {"{\"keys\":[" KEY_A ",{\"id\":\"b\",\"sha256\":\"e3b0\"}]}",
         "api_keys.keys[1].sha256 must be 64 hex characters"},
        {"{\"keys\":[{\"id\":\"b\",\"sha256\":"
         "\"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}",
         "api_keys.keys[0].sha256 must be 64 hex characters"},
        {"{\"keys\":[{\"id\":\"b\",\"sha256\":12}]}",
         "api_keys.keys[0].sha256 must be 64 hex characters"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\"}]}",
         "api_keys.keys[0].streams must be an array of 1-64 stream names, or [\"*\"]"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[]}]}",
         "api_keys.keys[0].streams must be an array of 1-64 stream names, or [\"*\"]"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":\"events\"}]}",
         "api_keys.keys[0].streams must be an array of 1-64 stream names, or [\"*\"]"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[\"events\",\"*\"]}]}",
         "api_keys.keys[0].streams: \"*\" must be the only entry"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[\"ev ents\"]}]}",
         "api_keys.keys[0].streams[0] must be a stream name (1-128 characters of "
         "[a-zA-Z0-9_.-]) or \"*\""},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[\"events\",3]}]}",
         "api_keys.keys[0].streams[1] must be a stream name (1-128 characters of "
         "[a-zA-Z0-9_.-]) or \"*\""},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[\"*\"],\"rate\":0}]}",
         "api_keys.keys[0].rate must be a number between 0.001 and 1000000"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC
         "\",\"streams\":[\"*\"],\"rate\":\"9\"}]}",
         "api_keys.keys[0].rate must be a number between 0.001 and 1000000"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[\"*\"],\"rate\":2e6}]}",
         "api_keys.keys[0].rate must be a number between 0.001 and 1000000"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[\"*\"],\"burst\":5}]}",
         "api_keys.keys[0].burst needs api_keys.keys[0].rate"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC
         "\",\"streams\":[\"*\"],\"rate\":1,\"burst\":0}]}",
         "api_keys.keys[0].burst must be an integer between 1 and 1000000"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC
         "\",\"streams\":[\"*\"],\"rate\":1,\"burst\":1.5}]}",
         "api_keys.keys[0].burst must be an integer between 1 and 1000000"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC
         "\",\"streams\":[\"*\"],\"rate\":1,\"burst\":1000001}]}",
         "api_keys.keys[0].burst must be an integer between 1 and 1000000"},
        {"{\"keys\":[{\"id\":\"a\",\"sha256\":\"" SHA_ABC "\",\"streams\":[\"*\"],\"key\":\"x\"}]}",
         "unknown key api_keys.keys[0].key"},
        {"{\"keys\":[" KEY_A ",{\"id\":\"a\",\"sha256\":\"" SHA_EMPTY "\",\"streams\":[\"*\"]}]}",
         "api_keys.keys[1].id \"a\" is also api_keys.keys[0].id"},
        /* the same hash in upper case is the same key */
        {"{\"keys\":[" KEY_A ",{\"id\":\"b\",\"sha256\":"
         "\"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\","
         "\"streams\":[\"*\"]}]}",
         "api_keys.keys[1].sha256 is also the hash of api_keys.keys[0]"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char err[256] = "";
        json_t *j = parse_json(rows[i].json);
        struct sg_apikeys *k = sg_apikeys_new(j, err, sizeof err);
        CHECK(k == NULL, "row %zu accepted: %s", i, rows[i].json);
        CHECK_STREQ(err, rows[i].want, rows[i].json);
        sg_apikeys_free(k);
        json_decref(j);
    }
    /* A short error buffer is truncated, not overrun. */
    char small[12];
    json_t *j = parse_json("{\"foo\":1}");
    CHECK(sg_apikeys_new(j, small, sizeof small) == NULL, "small buffer");
    CHECK_STREQ(small, "unknown key", "truncated message");
    json_decref(j);
}

/* Whether a request without a key is refused, as sg_apikeys_check decides. */
static int required(struct sg_apikeys *k)
{
    unsigned retry_after = 0;
    const char *id = NULL;
    return sg_apikeys_check(k, NULL, "events", 0, &retry_after, &id) != SG_APIKEY_OK;
}

static void test_config_valid(void)
{
    static const struct {
        const char *json;
        int required;
        size_t n;
    } rows[] = {
        {"{\"required\":false}", 0, 0},
        {"{\"required\":false,\"keys\":[],\"_comment\":\"roll-out\"}", 0, 0},
        {"{\"keys\":[" KEY_A "]}", 1, 1},
        {"{\"required\":true,\"keys\":[" KEY_A ",{\"id\":\"B-2.x_y\",\"sha256\":\"" SHA_EMPTY
         "\",\"streams\":[\"*\"],\"rate\":0.5,\"_comment\":\"burst defaults to 1\"}]}",
         1, 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char err[256] = "";
        json_t *j = parse_json(rows[i].json);
        struct sg_apikeys *k = sg_apikeys_new(j, err, sizeof err);
        CHECK(k != NULL, "row %zu refused: %s", i, err);
        CHECK(required(k) == rows[i].required, "row %zu required", i);
        CHECK(sg_apikeys_count(k) == rows[i].n, "row %zu: %zu keys", i, sg_apikeys_count(k));
        sg_apikeys_free(k);
        json_decref(j);
    }
    char err[64];
    struct sg_apikeys *k = sg_apikeys_new(NULL, err, sizeof err);
    CHECK(k != NULL && !required(k) && sg_apikeys_count(k) == 0, "absent section");
    sg_apikeys_free(k);
    sg_apikeys_free(NULL);
}

#define THREE_KEYS                                                                                 \
    "{\"required\":%s,\"keys\":["                                                                  \
    "{\"id\":\"mobile\",\"sha256\":\"@1\",\"streams\":[\"events\"],\"rate\":1,\"burst\":2},"       \
    "{\"id\":\"partner\",\"sha256\":\"@2\",\"streams\":[\"*\"]},"                                  \
    "{\"id\":\"raw-only\",\"sha256\":\"@3\",\"streams\":[\"raw\",\"audit\"]},"                     \
    "{\"id\":\"long\",\"sha256\":\"@4\",\"streams\":[\"*\"]}]}"

enum { REQ, OPT, OFF }; /* required, optional, no section */

static void test_verdicts(void)
{
    char k1_prefix[64], k1_longer[64];
    snprintf(k1_prefix, sizeof k1_prefix, "%.*s", (int)strlen(K1) - 1, K1);
    snprintf(k1_longer, sizeof k1_longer, "%sx", K1);
    char k_too_long[SG_APIKEYS_MAX_KEY_LEN + 2];
    memset(k_too_long, 'L', SG_APIKEYS_MAX_KEY_LEN + 1);
    k_too_long[SG_APIKEYS_MAX_KEY_LEN + 1] = '\0';
    const struct {
        int mode;
        const char *key, *stream;
        enum sg_apikey_verdict want;
        const char *want_id;
    } rows[] = {
        {REQ, NULL, "events", SG_APIKEY_FORBIDDEN, NULL},
        {REQ, "", "events", SG_APIKEY_FORBIDDEN, NULL},
        {REQ, "wrong", "events", SG_APIKEY_FORBIDDEN, NULL},
        {REQ, k1_prefix, "events", SG_APIKEY_FORBIDDEN, NULL},
        {REQ, k1_longer, "events", SG_APIKEY_FORBIDDEN, NULL},
        {REQ, K1, "events", SG_APIKEY_OK, "mobile"},
        {REQ, K1, "raw", SG_APIKEY_FORBIDDEN, "mobile"},
        {REQ, K1, "Events", SG_APIKEY_FORBIDDEN, "mobile"}, /* names are case-sensitive */
        {REQ, K1, NULL, SG_APIKEY_FORBIDDEN, "mobile"},
        {REQ, K2, "events", SG_APIKEY_OK, "partner"},
        {REQ, K2, "anything", SG_APIKEY_OK, "partner"},
        {REQ, K3, "raw", SG_APIKEY_OK, "raw-only"},
        {REQ, K3, "audit", SG_APIKEY_OK, "raw-only"},
        {REQ, K3, "events", SG_APIKEY_FORBIDDEN, "raw-only"},
        {REQ, k_long, "events", SG_APIKEY_OK, "long"},          /* 256 bytes: the limit */
        {REQ, k_too_long, "events", SG_APIKEY_FORBIDDEN, NULL}, /* 257: not even hashed */
        {OPT, NULL, "events", SG_APIKEY_OK, NULL},
        {OPT, "", "events", SG_APIKEY_OK, NULL},
        {OPT, "wrong", "events", SG_APIKEY_FORBIDDEN, NULL}, /* a wrong key is not anonymous */
        {OPT, K1, "events", SG_APIKEY_OK, "mobile"},
        {OPT, K1, "raw", SG_APIKEY_FORBIDDEN, "mobile"},
        {OFF, NULL, "events", SG_APIKEY_OK, NULL},
        {OFF, "wrong", "events", SG_APIKEY_OK, NULL}, /* no section: the header is ignored */
        {OFF, K1, "raw", SG_APIKEY_OK, NULL},
    };
    char fmt[1024], err[256] = "";
    snprintf(fmt, sizeof fmt, THREE_KEYS, "true");
    struct sg_apikeys *req = load(fmt, err, sizeof err);
    snprintf(fmt, sizeof fmt, THREE_KEYS, "false");
    struct sg_apikeys *opt = load(fmt, err, sizeof err);
    struct sg_apikeys *off = sg_apikeys_new(NULL, err, sizeof err);
    CHECK(req && opt && off, "configs: %s", err);
    if (!req || !opt || !off)
        return;
    struct sg_apikeys *sets[] = {req, opt, off};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        unsigned retry = 99;
        const char *id = "unset";
        /* 10 s apart: the throttle (1/s, burst 2) never interferes here */
        enum sg_apikey_verdict v = sg_apikeys_check(sets[rows[i].mode], rows[i].key, rows[i].stream,
                                                    (int64_t)i * 10 * S, &retry, &id);
        CHECK(v == rows[i].want, "row %zu: verdict %d want %d", i, v, rows[i].want);
        CHECK(retry == 0, "row %zu: retry %u", i, retry);
        CHECK((id == NULL && rows[i].want_id == NULL) ||
                  (id && rows[i].want_id && strcmp(id, rows[i].want_id) == 0),
              "row %zu: id %s want %s", i, id ? id : "(null)",
              rows[i].want_id ? rows[i].want_id : "(null)");
    }
    sg_apikeys_free(req);
    sg_apikeys_free(opt);
    sg_apikeys_free(off);
}

/* Every lookup compares against every hash, wherever (or whether) it matches. */
static void test_all_hashes_compared(void)
{
    char fmt[1024], err[256] = "";
    snprintf(fmt, sizeof fmt, THREE_KEYS, "true");
    struct sg_apikeys *k = load(fmt, err, sizeof err);
    CHECK(k != NULL, "config: %s", err);
    if (!k)
        return;
    static const struct {
        const char *hex; /* the digest to look up */
        long want;
    } rows[] = {
        {NULL, 0}, /* filled with H(K1) */
        {NULL, 1}, /* H(K2) */
        {NULL, 2}, /* H(K3) */
        {NULL, 3}, /* H(k_long) */
        {SHA_ABC, -1}, {SHA_EMPTY, -1},
    };
    const char *keys[] = {K1, K2, K3, k_long};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char hex[65];
        unsigned char digest[32];
        if (rows[i].hex)
            memcpy(hex, rows[i].hex, 65);
        else
            sg_apikeys_hash_hex(keys[i], hex);
        for (size_t b = 0; b < 32; b++) {
            unsigned x;
            sscanf(hex + 2 * b, "%2x", &x);
            digest[b] = (unsigned char)x;
        }
        size_t compared = 0;
        long got = sg_apikeys_match_digest(k, digest, &compared);
        CHECK(got == rows[i].want, "row %zu: match %ld want %ld", i, got, rows[i].want);
        CHECK(compared == 4, "row %zu: compared %zu of 4 hashes", i, compared);
    }
    sg_apikeys_free(k);

    json_t *j = parse_json("{\"required\":false}");
    k = sg_apikeys_new(j, err, sizeof err);
    size_t compared = 99;
    unsigned char zero[32] = {0};
    CHECK(k && sg_apikeys_match_digest(k, zero, &compared) == -1 && compared == 0, "no keys");
    sg_apikeys_free(k);
    json_decref(j);
}

/* N requests at one instant (or spaced): the 429s are exactly what the bucket refuses. */
static void test_throttle_counts(void)
{
    static const struct {
        const char *rate_burst; /* JSON members */
        int n;
        int64_t spacing;
        int want_ok;
        unsigned want_retry; /* of the last 429 */
    } rows[] = {
        {"\"rate\":10,\"burst\":5", 20, 0, 5, 1},
        {"\"rate\":1,\"burst\":1", 3, 0, 1, 1},
        {"\"rate\":100,\"burst\":200", 300, 0, 200, 1},
        {"\"rate\":0.1,\"burst\":1", 2, 0, 1, 10},
        {"\"rate\":0.3,\"burst\":1", 2, 0, 1, 4}, /* 3.33 s, rounded up */
        {"\"rate\":0.01,\"burst\":3", 5, 0, 3, 100},
        {"\"rate\":4", 10, 0, 4, 1},                        /* burst defaults to ceil(rate) */
        {"\"rate\":2.5", 10, 0, 3, 1},                      /* ceil(2.5) = 3 */
        {"\"rate\":10,\"burst\":5", 20, 50 * MS, 14, 1},    /* 5 + 9.5 refilled over 950 ms */
        {"\"rate\":1000,\"burst\":1", 100, 1 * MS, 100, 0}, /* at the rate: never refused */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char fmt[512], err[256] = "";
        snprintf(fmt, sizeof fmt,
                 "{\"keys\":[{\"id\":\"t\",\"sha256\":\"@1\",\"streams\":[\"events\"],%s}]}",
                 rows[i].rate_burst);
        struct sg_apikeys *k = load(fmt, err, sizeof err);
        CHECK(k != NULL, "row %zu: %s", i, err);
        if (!k)
            continue;
        int ok = 0, throttled = 0;
        unsigned last_retry = 0;
        for (int r = 0; r < rows[i].n; r++) {
            unsigned retry;
            const char *id;
            enum sg_apikey_verdict v =
                sg_apikeys_check(k, K1, "events", 1000 * S + r * rows[i].spacing, &retry, &id);
            if (v == SG_APIKEY_OK) {
                ok++;
                CHECK(retry == 0, "row %zu: retry on OK", i);
            } else if (v == SG_APIKEY_THROTTLED) {
                throttled++;
                last_retry = retry;
                CHECK(retry >= 1 && id && strcmp(id, "t") == 0, "row %zu: retry %u", i, retry);
            }
        }
        CHECK(ok == rows[i].want_ok && throttled == rows[i].n - rows[i].want_ok,
              "row %zu: %d OK, %d throttled; want %d OK of %d", i, ok, throttled, rows[i].want_ok,
              rows[i].n);
        CHECK(last_retry == rows[i].want_retry, "row %zu: Retry-After %u want %u", i, last_retry,
              rows[i].want_retry);
        sg_apikeys_free(k);
    }
}

/* Refused requests (wrong stream, wrong key) spend no token. */
static void test_forbidden_spends_nothing(void)
{
    char err[256] = "";
    struct sg_apikeys *k = load("{\"keys\":[{\"id\":\"t\",\"sha256\":\"@1\","
                                "\"streams\":[\"events\"],\"rate\":1,\"burst\":1}]}",
                                err, sizeof err);
    CHECK(k != NULL, "%s", err);
    if (!k)
        return;
    unsigned retry;
    const char *id;
    for (int i = 0; i < 5; i++)
        CHECK(sg_apikeys_check(k, K1, "raw", 0, &retry, &id) == SG_APIKEY_FORBIDDEN, "raw %d", i);
    CHECK(sg_apikeys_check(k, K1, "events", 0, &retry, &id) == SG_APIKEY_OK, "first allowed");
    CHECK(sg_apikeys_check(k, K1, "events", 0, &retry, &id) == SG_APIKEY_THROTTLED && retry == 1,
          "second throttled");
    sg_apikeys_free(k);
}

static void test_carry_state(void)
{
    char err[256] = "";
    const char *old_cfg =
        "{\"keys\":["
        "{\"id\":\"a\",\"sha256\":\"@1\",\"streams\":[\"*\"],\"rate\":1,\"burst\":3},"
        "{\"id\":\"b\",\"sha256\":\"@2\",\"streams\":[\"*\"],\"rate\":1,\"burst\":3}]}";
    /* a's key rotated (same id, new hash), b unthrottled now, c new */
    const char *new_cfg =
        "{\"keys\":["
        "{\"id\":\"a\",\"sha256\":\"@3\",\"streams\":[\"*\"],\"rate\":1,\"burst\":3},"
        "{\"id\":\"b\",\"sha256\":\"@2\",\"streams\":[\"*\"]},"
        "{\"id\":\"c\",\"sha256\":\"@1\",\"streams\":[\"*\"],\"rate\":1,\"burst\":2}]}";
    struct sg_apikeys *old_k = load(old_cfg, err, sizeof err);
    struct sg_apikeys *new_k = load(new_cfg, err, sizeof err);
    struct sg_apikeys *fresh = load(new_cfg, err, sizeof err);
    CHECK(old_k && new_k && fresh, "configs: %s", err);
    if (!old_k || !new_k || !fresh)
        return;
    unsigned retry;
    const char *id;
    int64_t t = 50 * S;
    for (int i = 0; i < 3; i++) /* drain a */
        CHECK(sg_apikeys_check(old_k, K1, "events", t, &retry, &id) == SG_APIKEY_OK, "drain %d", i);
    CHECK(sg_apikeys_check(old_k, K2, "events", t, &retry, &id) == SG_APIKEY_OK, "b once");
    sg_apikeys_carry_state(new_k, old_k, t);
    sg_apikeys_carry_state(NULL, old_k, t);
    sg_apikeys_carry_state(new_k, NULL, t);

    /* a (now K3): still drained after the reload, unlike a fresh set */
    CHECK(sg_apikeys_check(new_k, K3, "events", t, &retry, &id) == SG_APIKEY_THROTTLED &&
              retry == 1 && strcmp(id, "a") == 0,
          "a stays drained");
    CHECK(sg_apikeys_check(fresh, K3, "events", t, &retry, &id) == SG_APIKEY_OK, "fresh a full");
    CHECK(sg_apikeys_check(new_k, K3, "events", t + 1 * S, &retry, &id) == SG_APIKEY_OK,
          "a refills at its rate");
    /* b is no longer throttled; c is new with its full burst of 2 */
    for (int i = 0; i < 10; i++)
        CHECK(sg_apikeys_check(new_k, K2, "events", t, &retry, &id) == SG_APIKEY_OK, "b %d", i);
    CHECK(sg_apikeys_check(new_k, K1, "events", t, &retry, &id) == SG_APIKEY_OK &&
              strcmp(id, "c") == 0,
          "c 1");
    CHECK(sg_apikeys_check(new_k, K1, "events", t, &retry, &id) == SG_APIKEY_OK, "c 2");
    CHECK(sg_apikeys_check(new_k, K1, "events", t, &retry, &id) == SG_APIKEY_THROTTLED, "c 3");
    sg_apikeys_free(old_k);
    sg_apikeys_free(new_k);
    sg_apikeys_free(fresh);
}

#define THREADS 4
#define TRIES 1000

struct race {
    struct sg_apikeys *k;
    int ok;
};

static void *race_main(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < TRIES; i++) {
        unsigned retry;
        const char *id;
        r->ok += sg_apikeys_check(r->k, K1, "events", 9 * S, &retry, &id) == SG_APIKEY_OK;
    }
    return NULL;
}

static void test_threads(void)
{
    char err[256] = "";
    struct sg_apikeys *k = load("{\"keys\":[{\"id\":\"t\",\"sha256\":\"@1\","
                                "\"streams\":[\"events\"],\"rate\":1,\"burst\":100}]}",
                                err, sizeof err);
    CHECK(k != NULL, "%s", err);
    if (!k)
        return;
    pthread_t th[THREADS];
    struct race r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct race){k, 0};
        CHECK(pthread_create(&th[i], NULL, race_main, &r[i]) == 0, "thread %d", i);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        total += r[i].ok;
    }
    CHECK(total == 100, "%d OK from %d threads, want the burst of 100", total, THREADS);
    sg_apikeys_free(k);
}

int main(void)
{
    memset(k_long, 'L', SG_APIKEYS_MAX_KEY_LEN);
    k_long[SG_APIKEYS_MAX_KEY_LEN] = '\0';
    test_hash_hex();
    test_config_errors();
    test_config_valid();
    test_verdicts();
    test_all_hashes_compared();
    test_throttle_counts();
    test_forbidden_spends_nothing();
    test_carry_state();
    test_threads();
    return sg_check_result("test_apikeys");
}
