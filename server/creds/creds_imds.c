/*
 * creds_imds: the EC2 instance metadata source, IMDSv2 only.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-v2-how-it-works.html
 *
 *   1. PUT /latest/api/token, X-aws-ec2-metadata-token-ttl-seconds: 21600
 *   2. GET /latest/meta-data/iam/security-credentials/    -> role name (first line)
 *   3. GET /latest/meta-data/iam/security-credentials/ROLE -> JSON credentials
 *   steps 2 and 3 carry X-aws-ec2-metadata-token: <token>.
 *
 * Endpoint http://169.254.169.254, or AWS_EC2_METADATA_SERVICE_ENDPOINT.
 * Off when AWS_EC2_METADATA_DISABLED=true (the chain then leaves it out).
 * Timeouts are short so that start-up off EC2 costs about a second. There is
 * no fallback to IMDSv1: an instance that requires v1 is misconfigured, and v1
 * is what SSRF attacks use. A fresh session token is taken per fetch (a few
 * per hour), so no token cache.
 */
#include "creds_internal.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_CREDS_PATH "/latest/meta-data/iam/security-credentials/"
#define SG_CREDS_IMDS_URL_MAX 1024
#define SG_CREDS_IMDS_HEADER_MAX 1024

struct imds_source {
    struct sg_creds_source base;
    const struct sg_creds_env *env;   /* borrowed */
    const struct sg_creds_http *http; /* borrowed */
};

/* One request to the metadata service; only a 200 counts. */
static int imds_call(struct imds_source *m, const char *method, const char *path,
                     const char *header, struct sg_creds_http_response *resp, char *err,
                     size_t errlen)
{
    const char *base = sg_creds_env_get(m->env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    char url[SG_CREDS_IMDS_URL_MAX];
    if (!base)
        base = IMDS_DEFAULT_ENDPOINT;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    int n = snprintf(url, sizeof url, "%.*s%s", (int)bl, base, path);
    if (n < 0 || (size_t)n >= sizeof url) {
        snprintf(err, errlen, "IMDS URL too long");
        return -1;
    }
    const char *headers[] = {header, NULL};
    struct sg_creds_http_request req = {
        .method = method,
        .url = url,
        .headers = headers,
        .connect_timeout_ms = SG_CREDS_IMDS_CONNECT_MS,
        .timeout_ms = SG_CREDS_IMDS_TOTAL_MS,
        .no_proxy = true,
    };
    if (m->http->send(m->http->ctx, &req, resp, err, errlen))
        return -1;
    if (resp->status != 200) {
        snprintf(err, errlen, "IMDS %s %s answered HTTP %ld", method, path, resp->status);
        sg_creds_http_response_free(resp);
        return -1;
    }
    return 0;
}

/* Step 2's answer: the first line, which must look like a role name. */
static int first_line(const char *body, char *out, size_t outlen)
{
    size_t n = strcspn(body, "\r\n");
    if (n == 0 || n >= outlen)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = body[i];
        if (c <= 0x20 || c == '/' || c == '?' || c == '#' || c == '%' || c == 0x7f)
            return -1;
    }
    memcpy(out, body, n);
    out[n] = '\0';
    return 0;
}

static enum sg_creds_result imds_fetch(struct sg_creds_source *s, struct sg_credentials **out,
                                       char *err, size_t errlen)
{
    struct imds_source *m = (struct imds_source *)s;
    struct sg_creds_http_response resp = {0};
    char token_header[SG_CREDS_IMDS_HEADER_MAX], role[256], path[sizeof role + 64];
    enum sg_creds_result rc = SG_CREDS_FAILED;

    /* Step 1: session token. */
    if (imds_call(m, "PUT", "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds: 21600",
                  &resp, err, errlen))
        return SG_CREDS_FAILED;
    int n = snprintf(token_header, sizeof token_header, "X-aws-ec2-metadata-token: %.*s",
                     (int)strcspn(resp.body, "\r\n"), resp.body);
    sg_creds_http_response_free(&resp);
    if (n < 0 || (size_t)n >= sizeof token_header) {
        snprintf(err, errlen, "IMDS token too long");
        goto out;
    }
    /* Step 2: the role attached to the instance profile. */
    if (imds_call(m, "GET", IMDS_CREDS_PATH, token_header, &resp, err, errlen))
        goto out;
    n = first_line(resp.body, role, sizeof role);
    sg_creds_http_response_free(&resp);
    if (n) {
        snprintf(err, errlen, "IMDS lists no usable IAM role");
        goto out;
    }
    /* Step 3: that role's credentials. */
    snprintf(path, sizeof path, IMDS_CREDS_PATH "%s", role);
    if (imds_call(m, "GET", path, token_header, &resp, err, errlen))
        goto out;
    if (sg_creds_from_json(resp.body, resp.len, "imds", out, err, errlen) == 0)
        rc = SG_CREDS_OK;
    sg_creds_http_response_free(&resp);
out:
    OPENSSL_cleanse(token_header, sizeof token_header);
    return rc;
}

static void imds_destroy(struct sg_creds_source *s)
{
    free(s);
}

static const struct sg_creds_source_vtable imds_vtable = {
    .name = "imds",
    .fetch = imds_fetch,
    .destroy = imds_destroy,
};

struct sg_creds_source *sg_creds_imds_source_new(const struct sg_creds_env *env,
                                                 const struct sg_creds_http *http)
{
    struct imds_source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.vt = &imds_vtable;
    s->env = env;
    s->http = http;
    return &s->base;
}
