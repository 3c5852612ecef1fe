/*
 * sigv4: AWS Signature Version 4 on OpenSSL (HMAC-SHA256, SHA-256).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 *
 * Pure: the time is a parameter, nothing here does I/O or reads globals.
 * A signing-key cache (one per sender thread; not thread-safe) keeps the
 * derived key per (date, region, service, secret) so the four HMACs of the
 * key derivation run once a day, not once a request.
 *
 * SG_PRIVATE_HEADER: only server/kinesis/ (and its tests) include it.
 */
#ifndef SG_SIGV4_H
#define SG_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

#define SG_SIGV4_AMZ_DATE_LEN 16 /* "20150830T123600Z" */
#define SG_SIGV4_AUTHZ_MAX 1024  /* room for any Authorization value we produce */
/* Ceiling of each intermediate text (canonical request, signed headers,
 * string to sign); a request whose canonical form is larger fails with -1. */
#define SG_SIGV4_CANONICAL_MAX (64 * 1024)

struct sg_sigv4_header {
    const char *name;  /* any case; canonicalised to lower case */
    const char *value; /* trimmed and inner whitespace runs folded when canonicalised */
};

struct sg_sigv4_request {
    const char *method;                    /* "POST" */
    const char *path;                      /* path as sent on the wire, e.g. "/" */
    const char *query;                     /* raw query without '?', "" for none */
    const struct sg_sigv4_header *headers; /* every header to sign, host included */
    size_t n_headers;
    const void *body;
    size_t body_len;
    bool normalize_path; /* true for every service but S3 */
};

struct sg_sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL for long-term keys */
};

struct sg_sigv4_key_cache;

/* Returns a new empty cache, or NULL on OOM. */
struct sg_sigv4_key_cache *sg_sigv4_key_cache_new(void);
/* Frees the cache, wiping the cached key. NULL-safe. */
void sg_sigv4_key_cache_free(struct sg_sigv4_key_cache *cache);

/* Formats `now` as the X-Amz-Date value, e.g. "20150830T123600Z".
 * A time whose UTC year is outside 1000..9999 gives "00000000T000000Z". */
void sg_sigv4_amz_date(time_t now, char out[SG_SIGV4_AMZ_DATE_LEN + 1]);

/*
 * Computes the Authorization header value for `req`.
 * The caller must already have put `host` and `x-amz-date` (= amz_date) in
 * req->headers, and `x-amz-security-token` when creds->session_token is set.
 * [in,out] cache: may be NULL (key derived every call).
 * [out] out: NUL-terminated "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
 * Returns 0, or -1 (out_cap too small, OOM, or an OpenSSL failure).
 */
int sg_sigv4_authorization(struct sg_sigv4_key_cache *cache, const struct sg_sigv4_request *req,
                           const struct sg_sigv4_credentials *creds, const char *region,
                           const char *service, const char *amz_date, char *out, size_t out_cap);

/* The individual steps, exposed for the AWS test-suite unit test. Each
 * appends to `out` and returns 0 or -1 (the buffers may then hold partial
 * output). The canonical request URI-encodes req->path once (every byte but
 * A-Z a-z 0-9 - _ . ~ and '/'), and decodes then re-encodes query keys and
 * values. */
SG_MUST_CHECK int sg_sigv4_canonical_request(const struct sg_sigv4_request *req, struct sg_buf *out,
                                             struct sg_buf *signed_headers);
SG_MUST_CHECK int sg_sigv4_string_to_sign(const char *amz_date, const char *region,
                                          const char *service, const char *canonical_request,
                                          size_t canonical_len, struct sg_buf *out);

#endif
