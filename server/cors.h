/*
 * cors: CORS headers for browser clients, as API Gateway's "Enable CORS"
 * sets them up (a MOCK OPTIONS answering the preflight, and
 * Access-Control-Allow-Origin on every other response, errors included).
 *
 * Configuration, the top-level key "cors" (absent = CORS off):
 *   {"allow_origins": ["https://app.example.com"],  or ["*"]; required
 *    "allow_headers": "Content-Type,X-Api-Key",      optional, default below
 *    "allow_methods": "OPTIONS,PUT",                 optional, default below
 *    "max_age_s": 600,                               optional, 0-86400
 *    "expose_headers": "x-amzn-RequestId,x-amzn-ErrorType"}  optional
 * Origins are scheme://host[:port] with no path; they are compared in the
 * form browsers send (scheme and host in lower case, the default port of
 * http/https/ws/wss left out), so "https://App.example.com:443" in the file
 * matches the Origin "https://app.example.com". Any other string, including
 * the "null" origin, never matches a list.
 *
 * What the HTTP layer does with sg_cors_headers:
 *   - OPTIONS on an ingest route when CORS is on: answer 200 with an empty
 *     body and the SG_CORS_PREFLIGHT headers, whatever the verdict (a
 *     refused origin just gets no Access-Control-Allow-Origin, and the
 *     browser blocks the call). No API key is asked for: browsers never
 *     send custom headers on a preflight.
 *   - every other response on those routes, errors (403, 429, 4xx, 5xx)
 *     included: add the SG_CORS_RESPONSE headers, so that the browser can
 *     read the error.
 *   - "Vary: Origin" is returned whenever the answer depends on the Origin
 *     (an origin list, not "*"), allowed or not, so caches keep the answers
 *     apart; merge it with any Vary the response already has.
 *
 * Thread-safety: immutable after sg_cors_new; sg_cors_headers is pure.
 */
#ifndef SG_CORS_H
#define SG_CORS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SG_CORS_MAX_ORIGINS 64
#define SG_CORS_ORIGIN_MAX 256 /* characters in one origin */
#define SG_CORS_LIST_MAX 1024  /* characters in allow_headers and the other lists */
#define SG_CORS_MAX_AGE_MAX 86400
#define SG_CORS_MAX_HEADERS 5

#define SG_CORS_DEFAULT_ALLOW_HEADERS                                                              \
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amzn-RequestId"
#define SG_CORS_DEFAULT_ALLOW_METHODS "OPTIONS,PUT"

struct sg_cors;

enum sg_cors_kind {
    SG_CORS_PREFLIGHT = 0, /* the answer to OPTIONS */
    SG_CORS_RESPONSE,      /* any other answer (PUT, errors) */
};

/* One header to add; both strings are borrowed from the sg_cors (valid until
 * sg_cors_free) or are string literals. */
struct sg_cors_header {
    const char *name;
    const char *value;
};

struct sg_cors_headers {
    size_t n;
    struct sg_cors_header h[SG_CORS_MAX_HEADERS];
};

/*
 * Builds the CORS policy from the "cors" section (borrowed; nothing of it is
 * kept). NULL means the section is absent: the policy is off and
 * sg_cors_headers adds nothing.
 * Returns the policy, or NULL with a message naming the key at fault in
 * err[0..errcap) ("cors.allow_origins[1] must be an origin like ...").
 * Free with sg_cors_free.
 */
struct sg_cors *sg_cors_new(const json_t *section, char *err, size_t errcap);

/* Releases the policy. NULL-safe. */
void sg_cors_free(struct sg_cors *c);

/* True when the section was present (OPTIONS is then answered as a preflight). NULL-safe. */
bool sg_cors_enabled(const struct sg_cors *c);

/*
 * The headers to add to a response of `kind` for a request whose Origin
 * header is `origin` (borrowed; NULL when absent). Fills *out (out->n may be
 * 0) and returns true when the origin is allowed, i.e. the headers include
 * Access-Control-Allow-Origin: for "*" always (even without an Origin, as
 * API Gateway does), for a list when the Origin is in it. On false, out may
 * still hold "Vary: Origin". NULL c (or CORS off): false with no headers.
 * Pure and thread-safe.
 */
bool sg_cors_headers(const struct sg_cors *c, enum sg_cors_kind kind, const char *origin,
                     struct sg_cors_headers *out);

#endif
