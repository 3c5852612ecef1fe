/*
 * kinesis_http: where Kinesis is, and the signed headers of a JSON 1.1 call.
 *
 * Shared by the PutRecords calls and the readiness probes
 * (DescribeStreamSummary) of the sender thread. No I/O: it prepares what
 * libcurl sends.
 *
 * SG_PRIVATE_HEADER: only server/kinesis/ (and its tests) include it.
 */
#ifndef SG_KINESIS_HTTP_H
#define SG_KINESIS_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "creds/creds.h"
#include "kinesis_api.h"
#include "sigv4.h"

struct sg_kinesis_endpoint {
    char url[600];  /* what libcurl connects to */
    char host[512]; /* Host header (host[:port] as in the URL) */
    char path[256]; /* path to sign, "/" by default */
};

/* Resolves the endpoint: cfg->endpoint, else https://kinesis.<region>.amazonaws.com/.
 * Returns 0, or -1 for a URL that cannot be used (no host, user-info). */
int sg_kinesis_endpoint_init(struct sg_kinesis_endpoint *ep, const struct sg_config *cfg);

/*
 * Returns the header list for a POST of `body` with `target` (X-Amz-Target),
 * signed with SigV4 for service "kinesis" at time `now`, or NULL on failure.
 * The caller frees it with curl_slist_free_all. `keys` may be NULL.
 */
struct curl_slist *sg_kinesis_signed_headers(const struct sg_kinesis_endpoint *ep,
                                             struct sg_sigv4_key_cache *keys, const char *region,
                                             const char *target, const struct sg_credentials *cr,
                                             const char *body, size_t len, time_t now);

#endif
