/*
 * sigv4: AWS Signature Version 4 on OpenSSL (API in sigv4.h).
 * Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 *
 * Design
 *  - One function per step of the spec: Task 1 sg_sigv4_canonical_request,
 *    Task 2 sg_sigv4_string_to_sign, Task 3 derive_signing_key, Task 4
 *    compute_signature. sg_sigv4_authorization chains them and formats the
 *    Authorization header value.
 *  - Pure: the time comes in as amz_date, nothing here does I/O or reads
 *    globals. The only state is the caller's key cache.
 *  - Every intermediate text lives in an sg_buf capped at
 *    SG_SIGV4_CANONICAL_MAX, so an oversized header set fails with -1 instead
 *    of growing memory.
 *
 * Invariants
 *  - Every HMAC and digest result is checked; a failure makes the whole call
 *    return -1, never a signature over partial data.
 *  - Key material (kSecret, kDate, kRegion, kService, kSigning) is wiped with
 *    OPENSSL_cleanse before its memory is released or goes out of scope.
 *  - The key cache holds kSigning and a SHA-256 fingerprint of the secret,
 *    never the secret itself.
 */
#include "sigv4.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lit.h"
#include "parse_util.h"

#define SHA256_LEN 32
#define HEX_LEN (2 * SHA256_LEN)
#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"
/* "yyyymmdd/region/service"; a longer scope is signed without the cache. */
#define SCOPE_MAX 128

struct sg_sigv4_key_cache {
    bool valid;
    char scope[SCOPE_MAX];
    unsigned char secret_fp[SHA256_LEN]; /* SHA-256 of the secret: tells secrets apart */
    unsigned char key[SHA256_LEN];       /* kSigning for scope + secret */
};

/* One query parameter, already SigV4-encoded. */
struct query_param {
    const char *key;
    const char *value;
};

/* One header to sign: lower-cased name, raw value, position in the request. */
struct canon_header {
    const char *name;
    const char *value;
    size_t order;
};

/* One path segment (no '/'), borrowed from the request path. */
struct segment {
    const char *p;
    size_t n;
};

/* ---- crypto primitives ---------------------------------------------------- */

/* SHA-256 looked up once. Passing EVP_sha256() to EVP_Digest or HMAC makes
 * OpenSSL 3 fetch the implementation, allocate a context (and for HMAC a MAC
 * object) on every call: with a signature per PutRecords call that was
 * about 40k instructions per call beside the hashing itself (issue 21,
 * phase single of loadtest/bench/callgrind.sh). */
static EVP_MD *fetched_sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); /* kept for the process */
#endif
}

static const EVP_MD *sha256_md(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return fetched_sha256 ? fetched_sha256 : EVP_sha256();
}

/* One digest over up to two pieces, in a context the caller owns. */
static int digest2(EVP_MD_CTX *c, const void *a, size_t a_len, const void *b, size_t b_len,
                   unsigned char out[SHA256_LEN])
{
    unsigned int out_len = 0;
    if (!EVP_DigestInit_ex(c, sha256_md(), NULL) || !EVP_DigestUpdate(c, a, a_len) ||
        (b_len && !EVP_DigestUpdate(c, b, b_len)) || !EVP_DigestFinal_ex(c, out, &out_len) ||
        out_len != SHA256_LEN)
        return -1;
    return 0;
}

static int sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int rc = c ? digest2(c, data ? data : "", len, NULL, 0, out) : -1;
    EVP_MD_CTX_free(c);
    return rc;
}

/* HMAC-SHA256 (RFC 2104) over two digests of one context: the same bytes
 * as OpenSSL's HMAC(), without its per-call fetch and MAC object. */
#define HMAC_BLOCK 64
static int hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                       unsigned char out[SHA256_LEN])
{
    unsigned char k[HMAC_BLOCK] = {0}, pad[HMAC_BLOCK], inner[SHA256_LEN];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int rc = c ? 0 : -1;
    if (rc == 0 && key_len > HMAC_BLOCK)
        rc = digest2(c, key, key_len, NULL, 0, k); /* a long key is its hash */
    else if (rc == 0)
        memcpy(k, key, key_len);
    for (size_t i = 0; i < HMAC_BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    if (rc == 0)
        rc = digest2(c, pad, HMAC_BLOCK, msg, msg_len, inner);
    for (size_t i = 0; i < HMAC_BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    if (rc == 0)
        rc = digest2(c, pad, HMAC_BLOCK, inner, SHA256_LEN, out);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
    EVP_MD_CTX_free(c);
    return rc;
}

/* Lower-case hex, as SigV4 uses for hashes and the signature. */
static void hex_encode(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

static int sha256_hex(const void *data, size_t len, char out[HEX_LEN + 1])
{
    unsigned char md[SHA256_LEN];

    if (sha256(data, len, md) != 0)
        return -1;
    hex_encode(md, sizeof md, out);
    return 0;
}

/* ---- URI encoding ----------------------------------------------------------- */

/* RFC 3986 unreserved characters, the only bytes SigV4 leaves unencoded. */
static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* Appends s[0..n) with every byte but the unreserved ones (and '/' when
 * keep_slash) as %XY, upper-case hex, as SigV4 requires. */
static int append_uri_encoded(struct sg_buf *out, const char *s, size_t n, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            if (sg_buf_append_char(out, (char)c) != 0)
                return -1;
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 0x0f]};
            if (sg_buf_append(out, esc, sizeof esc) != 0)
                return -1;
        }
    }
    return 0;
}

/* Appends a query key or value in SigV4 form. Valid %XY escapes are decoded
 * first so the raw and the percent-encoded spelling of the same bytes sign
 * alike (AWS suite: get-vanilla-utf8-query vs get-vanilla-query-order-encoded). */
static int append_query_component(struct sg_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n && sg_parse_hex_digit(s[i + 1]) >= 0 &&
            sg_parse_hex_digit(s[i + 2]) >= 0) {
            c = (char)(sg_parse_hex_digit(s[i + 1]) << 4 | sg_parse_hex_digit(s[i + 2]));
            i += 2;
        }
        if (append_uri_encoded(out, &c, 1, false) != 0)
            return -1;
    }
    return 0;
}

/* ---- Task 1: canonical request -------------------------------------------- */

/* Splits `path` into its segments after dot-segment removal (RFC 3986 5.2.4)
 * with empty segments dropped, as the AWS suite's *-normalized cases expect
 * ("//example//" -> "/example/"). [out] *trailing_slash: the normalised path
 * ends in '/'. Returns the segment count; segs must hold one more entry than
 * path has slashes. */
static size_t split_normalized(const char *path, struct segment *segs, bool *trailing_slash)
{
    size_t n = 0;
    const char *p = path;

    *trailing_slash = false;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.')) {
            *trailing_slash = true;
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (n > 0)
                n--;
            *trailing_slash = true;
        } else {
            segs[n].p = p;
            segs[n].n = len;
            n++;
            *trailing_slash = false;
        }
        if (!end)
            return n;
        p = end + 1;
    }
}

/* Task 1, CanonicalURI: each segment URI-encoded once, so a path sent on the
 * wire already encoded gets the second encoding non-S3 services expect. With
 * normalize_path the dot segments and repeated slashes are removed first;
 * S3 (normalize_path false) keeps them.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request
 */
static int canonical_uri(const char *path, bool normalize_path, struct sg_buf *out)
{
    struct segment *segs = NULL;
    size_t n_slashes = 0, n_segs;
    bool trailing_slash;
    int rc = -1;

    if (!path || !*path)
        return sg_buf_append_char(out, '/');
    if (!normalize_path)
        return append_uri_encoded(out, path, strlen(path), true);

    for (const char *c = path; *c; c++)
        n_slashes += *c == '/';
    segs = calloc(n_slashes + 1, sizeof *segs);
    if (!segs)
        goto cleanup;
    n_segs = split_normalized(path, segs, &trailing_slash);
    for (size_t i = 0; i < n_segs; i++) {
        if (sg_buf_append_char(out, '/') != 0 ||
            append_uri_encoded(out, segs[i].p, segs[i].n, false) != 0)
            goto cleanup;
    }
    if ((n_segs == 0 || trailing_slash) && sg_buf_append_char(out, '/') != 0)
        goto cleanup;
    rc = 0;
cleanup:
    free(segs);
    return rc;
}

static int compare_query_params(const void *a, const void *b)
{
    const struct query_param *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    return c ? c : strcmp(x->value, y->value);
}

/* Encodes every "key[=value]" of `query` into `arena` as "key\0value\0" and
 * records the offsets of both strings in offs. [out] *n: parameter count.
 * Returns 0 or -1. */
static int encode_query_params(const char *query, struct sg_buf *arena, size_t (*offs)[2],
                               size_t *n)
{
    const char *p = query;

    *n = 0;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq ? (size_t)(eq - p) : len;
        if (len > 0) { /* "a&&b" has an empty parameter: nothing to sign */
            offs[*n][0] = arena->len;
            if (append_query_component(arena, p, key_len) != 0 ||
                sg_buf_append_char(arena, '\0') != 0)
                return -1;
            offs[*n][1] = arena->len;
            if ((eq && append_query_component(arena, eq + 1, len - key_len - 1) != 0) ||
                sg_buf_append_char(arena, '\0') != 0)
                return -1;
            (*n)++;
        }
        p += len + (end ? 1 : 0);
    }
    return 0;
}

/* Task 1, CanonicalQueryString: parameters URI-encoded, sorted by encoded key
 * then value, "key=value" joined by '&'; a key without '=' gets "key=". */
static int canonical_query(const char *query, struct sg_buf *out)
{
    struct sg_buf arena;
    size_t(*offs)[2] = NULL;
    struct query_param *params = NULL;
    size_t max_params = 1, n;
    int rc = -1;

    sg_buf_init(&arena, SG_SIGV4_CANONICAL_MAX);
    for (const char *c = query; *c; c++)
        max_params += *c == '&';
    offs = calloc(max_params, sizeof *offs);
    params = calloc(max_params, sizeof *params);
    if (!offs || !params)
        goto cleanup;
    if (encode_query_params(query, &arena, offs, &n) != 0)
        goto cleanup;
    /* pointers only now: the arena may have moved while it grew */
    for (size_t i = 0; i < n; i++) {
        params[i].key = arena.data + offs[i][0];
        params[i].value = arena.data + offs[i][1];
    }
    qsort(params, n, sizeof *params, compare_query_params);
    for (size_t i = 0; i < n; i++) {
        if ((i > 0 && sg_buf_append_char(out, '&') != 0) ||
            sg_buf_printf(out, "%s=%s", params[i].key, params[i].value) != 0)
            goto cleanup;
    }
    rc = sg_buf_append(out, "", 0); /* an empty query still leaves `out` terminated */
cleanup:
    free(params);
    free(offs);
    sg_buf_free(&arena);
    return rc;
}

/* Same name: keep the request's order, so repeated headers join as given. */
static int compare_headers(const void *a, const void *b)
{
    const struct canon_header *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Appends a header value trimmed, with each inner run of spaces and tabs
 * folded to one space (AWS suite: get-header-value-trim, -multiline). */
static int append_folded_value(struct sg_buf *out, const char *v)
{
    bool space_pending = false, started = false;

    for (; *v; v++) {
        if (*v == ' ' || *v == '\t') {
            space_pending = started;
            continue;
        }
        if ((space_pending && sg_buf_append_char(out, ' ') != 0) ||
            sg_buf_append_char(out, *v) != 0)
            return -1;
        space_pending = false;
        started = true;
    }
    return 0;
}

/* Lower-cases every header name into one block and sorts the headers by
 * name, stable. [out] *names: the block, caller frees. Returns 0 or -1. */
static int sort_headers(const struct sg_sigv4_header *in, size_t n, struct canon_header *out,
                        char **names)
{
    size_t total = 0, at = 0;

    for (size_t i = 0; i < n; i++) {
        if (!in[i].name || !*in[i].name)
            return -1;
        total += strlen(in[i].name) + 1;
    }
    *names = malloc(total ? total : 1);
    if (!*names)
        return -1;
    for (size_t i = 0; i < n; i++) {
        out[i].name = *names + at;
        for (const char *c = in[i].name; *c; c++)
            (*names)[at++] = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
        (*names)[at++] = '\0';
        out[i].value = in[i].value ? in[i].value : "";
        out[i].order = i;
    }
    qsort(out, n, sizeof *out, compare_headers);
    return 0;
}

/* Task 1, CanonicalHeaders and SignedHeaders: "name:value\n" per distinct
 * lower-cased name in sorted order, values of a repeated name joined by ','
 * in request order; the names joined by ';' go to signed_headers. */
static int canonical_headers(const struct sg_sigv4_header *headers, size_t n, struct sg_buf *out,
                             struct sg_buf *signed_headers)
{
    struct canon_header *sorted = calloc(n ? n : 1, sizeof *sorted);
    char *names = NULL;
    int rc = -1;

    if (!sorted || sort_headers(headers, n, sorted, &names) != 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        bool repeat = i > 0 && strcmp(sorted[i].name, sorted[i - 1].name) == 0;
        if (repeat) {
            if (sg_buf_append_char(out, ',') != 0)
                goto cleanup;
        } else if ((i > 0 && sg_buf_append_char(out, '\n') != 0) ||
                   sg_buf_append_str(out, sorted[i].name) != 0 ||
                   sg_buf_append_char(out, ':') != 0 ||
                   (i > 0 && sg_buf_append_char(signed_headers, ';') != 0) ||
                   sg_buf_append_str(signed_headers, sorted[i].name) != 0) {
            goto cleanup;
        }
        if (append_folded_value(out, sorted[i].value) != 0)
            goto cleanup;
    }
    if (n > 0 && sg_buf_append_char(out, '\n') != 0)
        goto cleanup;
    rc = sg_buf_append(signed_headers, "", 0); /* terminated even with no headers */
cleanup:
    free(names);
    free(sorted);
    return rc;
}

/* Task 1: create a canonical request.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request
 * Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
 * SignedHeaders \n HexEncode(SHA256(body)) */
int sg_sigv4_canonical_request(const struct sg_sigv4_request *req, struct sg_buf *out,
                               struct sg_buf *signed_headers)
{
    char payload_hash[HEX_LEN + 1];
    size_t sh_start;

    if (!req || !req->method || !out || !signed_headers || (req->n_headers && !req->headers))
        return -1;
    sh_start = signed_headers->len;
    if (sha256_hex(req->body, req->body_len, payload_hash) != 0)
        return -1;
    /* Appends, not printf: the canonical request is built on every call
     * (vsnprintf was ~15k instructions of a call, issue 21). */
    if (sg_buf_append_str(out, req->method) != 0 || sg_buf_append_char(out, '\n') != 0 ||
        canonical_uri(req->path, req->normalize_path, out) != 0 ||
        sg_buf_append_char(out, '\n') != 0 ||
        canonical_query(req->query ? req->query : "", out) != 0 ||
        sg_buf_append_char(out, '\n') != 0 ||
        canonical_headers(req->headers, req->n_headers, out, signed_headers) != 0 ||
        sg_buf_append_char(out, '\n') != 0 ||
        sg_buf_append(out, signed_headers->data + sh_start, signed_headers->len - sh_start) != 0 ||
        sg_buf_append_char(out, '\n') != 0 || sg_buf_append(out, payload_hash, HEX_LEN) != 0)
        return -1;
    return 0;
}

/* ---- Task 2: string to sign ------------------------------------------------- */

/* "yyyymmddThhmmssZ", the only X-Amz-Date form SigV4 accepts. */
static bool is_amz_date(const char *s)
{
    if (!s || strlen(s) != SG_SIGV4_AMZ_DATE_LEN || s[8] != 'T' || s[15] != 'Z')
        return false;
    for (size_t i = 0; i < 15; i++) {
        if (i != 8 && (s[i] < '0' || s[i] > '9'))
            return false;
    }
    return true;
}

/* Task 2: create a string to sign.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-string-to-sign
 * Algorithm \n RequestDateTime \n CredentialScope \n HexEncode(SHA256(CanonicalRequest)) */
int sg_sigv4_string_to_sign(const char *amz_date, const char *region, const char *service,
                            const char *canonical_request, size_t canonical_len, struct sg_buf *out)
{
    char creq_hash[HEX_LEN + 1];

    if (!is_amz_date(amz_date) || !region || !service || !canonical_request || !out)
        return -1;
    if (sha256_hex(canonical_request, canonical_len, creq_hash) != 0)
        return -1;
    size_t before = out->len;
    int rc = sg_buf_append(out, SG_LIT(ALGORITHM "\n"));
    rc |= sg_buf_append(out, amz_date, SG_SIGV4_AMZ_DATE_LEN);
    rc |= sg_buf_append_char(out, '\n');
    rc |= sg_buf_append(out, amz_date, 8);
    rc |= sg_buf_append_char(out, '/');
    rc |= sg_buf_append_str(out, region);
    rc |= sg_buf_append_char(out, '/');
    rc |= sg_buf_append_str(out, service);
    rc |= sg_buf_append(out, SG_LIT("/" TERMINATOR "\n"));
    rc |= sg_buf_append(out, creq_hash, HEX_LEN);
    if (rc)
        sg_buf_truncate(out, before); /* all or nothing, as one printf was */
    return rc ? -1 : 0;
}

/* ---- Task 3: signing key ------------------------------------------------------ */

/* Task 3: derive a signing key.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#derive-signing-key
 * kDate = HMAC("AWS4" + secret, yyyymmdd), kRegion = HMAC(kDate, region),
 * kService = HMAC(kRegion, service), kSigning = HMAC(kService, "aws4_request"). */
static int derive_signing_key(const char *secret, const char *date8, const char *region,
                              const char *service, unsigned char out[SHA256_LEN])
{
    size_t secret_len = strlen(secret);
    size_t k_secret_len = SG_LIT_LEN("AWS4") + secret_len;
    unsigned char *k_secret = malloc(k_secret_len);
    unsigned char k_a[SHA256_LEN], k_b[SHA256_LEN];
    int rc = -1;

    if (!k_secret)
        goto cleanup;
    memcpy(k_secret, SG_LIT("AWS4"));
    memcpy(k_secret + SG_LIT_LEN("AWS4"), secret, secret_len);
    if (hmac_sha256(k_secret, k_secret_len, date8, 8, k_a) != 0 ||
        hmac_sha256(k_a, SHA256_LEN, region, strlen(region), k_b) != 0 ||
        hmac_sha256(k_b, SHA256_LEN, service, strlen(service), k_a) != 0 ||
        hmac_sha256(k_a, SHA256_LEN, TERMINATOR, strlen(TERMINATOR), out) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (k_secret) {
        OPENSSL_cleanse(k_secret, k_secret_len);
        free(k_secret);
    }
    OPENSSL_cleanse(k_a, sizeof k_a);
    OPENSSL_cleanse(k_b, sizeof k_b);
    if (rc != 0)
        OPENSSL_cleanse(out, SHA256_LEN);
    return rc;
}

/* kSigning for the scope: from the cache when it holds this scope and secret
 * (no HMAC at all), else derived (Task 3) and stored in the cache. */
static int signing_key(struct sg_sigv4_key_cache *cache, const char *secret, const char *amz_date,
                       const char *region, const char *service, unsigned char key[SHA256_LEN])
{
    char date8[9];
    char scope[SCOPE_MAX];
    unsigned char fp[SHA256_LEN];
    int n = snprintf(scope, sizeof scope, "%.8s/%s/%s", amz_date, region, service);
    bool cacheable = cache && n > 0 && (size_t)n < sizeof scope;
    int rc = -1;

    memcpy(date8, amz_date, 8);
    date8[8] = '\0';
    if (cacheable) {
        if (sha256(secret, strlen(secret), fp) != 0)
            goto cleanup;
        if (cache->valid && strcmp(cache->scope, scope) == 0 &&
            CRYPTO_memcmp(cache->secret_fp, fp, sizeof fp) == 0) {
            memcpy(key, cache->key, SHA256_LEN);
            rc = 0;
            goto cleanup;
        }
    }
    if (derive_signing_key(secret, date8, region, service, key) != 0)
        goto cleanup;
    if (cacheable) {
        memcpy(cache->scope, scope, (size_t)n + 1);
        memcpy(cache->secret_fp, fp, sizeof fp);
        memcpy(cache->key, key, SHA256_LEN);
        cache->valid = true;
    }
    rc = 0;
cleanup:
    OPENSSL_cleanse(fp, sizeof fp);
    return rc;
}

/* ---- Task 4: signature ---------------------------------------------------------- */

/* Task 4: calculate the signature, HexEncode(HMAC(kSigning, StringToSign)).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#calculate-signature
 */
static int compute_signature(const unsigned char key[SHA256_LEN], const char *string_to_sign,
                             size_t len, char out[HEX_LEN + 1])
{
    unsigned char mac[SHA256_LEN];

    if (hmac_sha256(key, SHA256_LEN, string_to_sign, len, mac) != 0)
        return -1;
    hex_encode(mac, sizeof mac, out);
    return 0;
}

/* ---- public API ------------------------------------------------------------------ */

struct sg_sigv4_key_cache *sg_sigv4_key_cache_new(void)
{
    return calloc(1, sizeof(struct sg_sigv4_key_cache));
}

void sg_sigv4_key_cache_free(struct sg_sigv4_key_cache *cache)
{
    if (!cache)
        return;
    OPENSSL_cleanse(cache, sizeof *cache);
    free(cache);
}

void sg_sigv4_amz_date(time_t now, char out[SG_SIGV4_AMZ_DATE_LEN + 1])
{
    struct tm tm;

    /* Years outside 1000..9999 do not fit the format; a date AWS rejects
     * beats a truncated or uninitialised one. */
    if (!gmtime_r(&now, &tm) ||
        strftime(out, SG_SIGV4_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) != SG_SIGV4_AMZ_DATE_LEN)
        memcpy(out, "00000000T000000Z", SG_SIGV4_AMZ_DATE_LEN + 1);
}

int sg_sigv4_authorization(struct sg_sigv4_key_cache *cache, const struct sg_sigv4_request *req,
                           const struct sg_sigv4_credentials *creds, const char *region,
                           const char *service, const char *amz_date, char *out, size_t out_cap)
{
    struct sg_buf creq, signed_headers, sts;
    unsigned char key[SHA256_LEN];
    char signature[HEX_LEN + 1];
    int n, rc = -1;

    sg_buf_init(&creq, SG_SIGV4_CANONICAL_MAX);
    sg_buf_init(&signed_headers, SG_SIGV4_CANONICAL_MAX);
    sg_buf_init(&sts, SG_SIGV4_CANONICAL_MAX);
    if (!creds || !creds->access_key_id || !creds->secret_access_key || !region || !service ||
        !is_amz_date(amz_date) || !out || out_cap == 0)
        goto cleanup;
    if (sg_sigv4_canonical_request(req, &creq, &signed_headers) != 0 ||
        sg_sigv4_string_to_sign(amz_date, region, service, creq.data, creq.len, &sts) != 0 ||
        signing_key(cache, creds->secret_access_key, amz_date, region, service, key) != 0 ||
        compute_signature(key, sts.data, sts.len, signature) != 0)
        goto cleanup;
    n = snprintf(out, out_cap,
                 ALGORITHM " Credential=%s/%.8s/%s/%s/" TERMINATOR
                           ", SignedHeaders=%s, Signature=%s",
                 creds->access_key_id, amz_date, region, service, signed_headers.data, signature);
    if (n < 0 || (size_t)n >= out_cap)
        goto cleanup;
    rc = 0;
cleanup:
    OPENSSL_cleanse(key, sizeof key);
    sg_buf_free(&creq);
    sg_buf_free(&signed_headers);
    sg_buf_free(&sts);
    if (rc != 0 && out && out_cap > 0)
        out[0] = '\0';
    return rc;
}
