/*
 * creds_container: the container source (ECS task roles, EKS Pod Identity).
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
 *
 *   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI  GET http://169.254.170.2<uri>
 *   AWS_CONTAINER_CREDENTIALS_FULL_URI      GET <uri>; plain http only to
 *       127.0.0.0/8, ::1, 169.254.170.2, 169.254.170.23, fd00:ec2::23
 *       (as aws-c-auth), https to any host
 *   Authorization header: the contents of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 *       (read again on every fetch: the agent rotates it), else
 *       AWS_CONTAINER_AUTHORIZATION_TOKEN
 *   answer: JSON AccessKeyId, SecretAccessKey, Token, Expiration
 *
 * The relative URI wins over the full one. A full URI that is not allowed is
 * a configuration error: reported, never contacted.
 */
#include "creds_internal.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lit.h"

#define ECS_HOST "http://169.254.170.2"
#define SG_CREDS_URL_MAX 2048

struct container_source {
    struct sg_creds_source base;
    const struct sg_creds_env *env;   /* borrowed */
    const struct sg_creds_http *http; /* borrowed */
};

static bool ipv4_allowed(const char *host)
{
    unsigned char a[4];
    if (inet_pton(AF_INET, host, a) != 1)
        return false;
    return a[0] == 127 || (a[0] == 169 && a[1] == 254 && a[2] == 170 && (a[3] == 2 || a[3] == 23));
}

static bool ipv6_allowed(const char *host)
{
    static const unsigned char loopback[16] = {[15] = 1};
    static const unsigned char eks[16] = {0xfd, 0x00, 0x0e, 0xc2, [15] = 0x23};
    char buf[64];
    size_t n = strlen(host);
    unsigned char a[16];
    if (n < 2 || n - 2 >= sizeof buf || host[0] != '[' || host[n - 1] != ']')
        return false;
    memcpy(buf, host + 1, n - 2);
    buf[n - 2] = '\0';
    if (inet_pton(AF_INET6, buf, a) != 1)
        return false;
    return memcmp(a, loopback, 16) == 0 || memcmp(a, eks, 16) == 0;
}

bool sg_creds_container_url_allowed(const char *url)
{
    bool ok = false;
    char *scheme = NULL, *host = NULL;
    CURLU *u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto out;
    if (strcasecmp(scheme, "https") == 0)
        ok = true;
    else if (strcasecmp(scheme, "http") == 0)
        ok = ipv4_allowed(host) || ipv6_allowed(host);
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

static bool has_ctl(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    }
    return false;
}

/* Builds "Authorization: <token>" into *header (malloc'd) or leaves it NULL
 * when no token is configured. Returns -1 on a bad token file or token. */
static int auth_header(const struct sg_creds_env *env, char **header, size_t *hlen, char *err,
                       size_t errlen)
{
    const char *file = sg_creds_env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *value = sg_creds_env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    char *text = NULL;
    size_t len = 0;
    int rc = -1;
    if (file) {
        if (sg_creds_read_file(file, SG_CREDS_FILE_MAX, &text, &len, err, errlen))
            return -1;
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
            text[--len] = '\0';
        value = text;
    }
    if (!value)
        return 0;
    if (has_ctl(value) || !*value) { /* a CR/LF would inject headers */
        snprintf(err, errlen, "invalid container authorization token");
        goto out;
    }
    *hlen = strlen(value) + sizeof "Authorization: ";
    *header = malloc(*hlen);
    if (!*header) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    snprintf(*header, *hlen, "Authorization: %s", value);
    rc = 0;
out:
    sg_creds_wipe_free(text, len);
    return rc;
}

/* The URL to ask, or -1 (with err) when the configuration is invalid. */
static int endpoint_url(const struct sg_creds_env *env, char *url, size_t urllen, char *err,
                        size_t errlen)
{
    const char *rel = sg_creds_env_get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = sg_creds_env_get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    int n = rel ? snprintf(url, urllen, ECS_HOST "%s%s", rel[0] == '/' ? "" : "/", rel)
                : snprintf(url, urllen, "%s", full);
    if (n < 0 || (size_t)n >= urllen || has_ctl(url) || strchr(url, ' ')) {
        snprintf(err, errlen, "invalid container credentials URI");
        return -1;
    }
    if (!rel && !sg_creds_container_url_allowed(full)) {
        snprintf(err, errlen,
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or "
                 "container-agent address");
        return -1;
    }
    return 0;
}

static enum sg_creds_result container_fetch(struct sg_creds_source *s, struct sg_credentials **out,
                                            char *err, size_t errlen)
{
    struct container_source *c = (struct container_source *)s;
    char url[SG_CREDS_URL_MAX], *auth = NULL;
    size_t auth_len = 0;
    struct sg_creds_http_response resp = {0};
    enum sg_creds_result rc = SG_CREDS_FAILED;
    if (!sg_creds_env_get(c->env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") &&
        !sg_creds_env_get(c->env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
        snprintf(err, errlen, "AWS_CONTAINER_CREDENTIALS_{RELATIVE,FULL}_URI not set");
        return SG_CREDS_NOT_CONFIGURED;
    }
    if (endpoint_url(c->env, url, sizeof url, err, errlen) ||
        auth_header(c->env, &auth, &auth_len, err, errlen))
        goto out;
    const char *headers[] = {"Accept: application/json", auth, NULL};
    struct sg_creds_http_request req = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .connect_timeout_ms = SG_CREDS_CONTAINER_CONNECT_MS,
        .timeout_ms = SG_CREDS_CONTAINER_TOTAL_MS,
        .no_proxy = SG_LIT_PREFIX_NOCASE(url, "http:"),
    };
    if (c->http->send(c->http->ctx, &req, &resp, err, errlen))
        goto out;
    if (resp.status != 200) {
        snprintf(err, errlen, "container endpoint answered HTTP %ld", resp.status);
        goto out;
    }
    if (sg_creds_from_json(resp.body, resp.len, "container", out, err, errlen) == 0)
        rc = SG_CREDS_OK;
out:
    sg_creds_http_response_free(&resp);
    sg_creds_wipe_free(auth, auth_len);
    return rc;
}

static void container_destroy(struct sg_creds_source *s)
{
    free(s);
}

static const struct sg_creds_source_vtable container_vtable = {
    .name = "container",
    .fetch = container_fetch,
    .destroy = container_destroy,
};

struct sg_creds_source *sg_creds_container_source_new(const struct sg_creds_env *env,
                                                      const struct sg_creds_http *http)
{
    struct container_source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.vt = &container_vtable;
    s->env = env;
    s->http = http;
    return &s->base;
}
