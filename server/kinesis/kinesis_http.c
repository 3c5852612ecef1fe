/*
 * kinesis_http: endpoint resolution and signed JSON 1.1 headers (see header).
 */
#include "kinesis_http.h"

#include <stdio.h>
#include <string.h>

#include "kinesis_api.h"

int sg_kinesis_endpoint_init(struct sg_kinesis_endpoint *ep, const struct sg_config *cfg)
{
    if (cfg->endpoint[0])
        snprintf(ep->url, sizeof ep->url, "%s", cfg->endpoint);
    else
        snprintf(ep->url, sizeof ep->url, SG_KINESIS_ENDPOINT_FORMAT, cfg->region);
    const char *h = strstr(ep->url, "://");
    if (!h)
        return -1;
    h += 3;
    size_t hl = strcspn(h, "/?#");
    if (hl == 0 || hl >= sizeof ep->host)
        return -1;
    memcpy(ep->host, h, hl);
    ep->host[hl] = '\0';
    if (strchr(ep->host, '@'))
        return -1; /* user-info in an endpoint would leak into logs */
    const char *path = h + hl;
    size_t pl = strcspn(path, "?#");
    if (pl == 0)
        snprintf(ep->path, sizeof ep->path, "/");
    else
        snprintf(ep->path, sizeof ep->path, "%.*s", (int)pl, path);
    return 0;
}

static struct curl_slist *add_header(struct curl_slist *l, const char *name, const char *value)
{
    char line[SG_SIGV4_AUTHZ_MAX + 64];
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *n = curl_slist_append(l, line);
    if (!n)
        curl_slist_free_all(l);
    return n;
}

struct curl_slist *sg_kinesis_signed_headers(const struct sg_kinesis_endpoint *ep,
                                             struct sg_sigv4_key_cache *keys, const char *region,
                                             const char *target, const struct sg_credentials *cr,
                                             const char *body, size_t len, time_t now)
{
    char date[SG_SIGV4_AMZ_DATE_LEN + 1], authz[SG_SIGV4_AUTHZ_MAX];
    sg_sigv4_amz_date(now, date);
    struct sg_sigv4_header h[5] = {
        {"Content-Type", SG_KINESIS_CONTENT_TYPE},
        {"Host", ep->host},
        {"X-Amz-Date", date},
        {"X-Amz-Target", target},
        {"X-Amz-Security-Token", cr->session_token},
    };
    size_t nh = cr->session_token ? 5 : 4;
    struct sg_sigv4_request req = {"POST", ep->path, "", h, nh, body, len, true};
    struct sg_sigv4_credentials sc = {cr->access_key_id, cr->secret_access_key, cr->session_token};
    if (sg_sigv4_authorization(keys, &req, &sc, region, SG_KINESIS_SERVICE, date, authz,
                               sizeof authz) != 0)
        return NULL;
    struct curl_slist *l = NULL;
    for (size_t i = 0; i < nh; i++)
        if (!(l = add_header(l, h[i].name, h[i].value)))
            return NULL;
    /* No "Expect: 100-continue" round trip, no Accept header to sign. */
    struct curl_slist *n;
    if (!(l = add_header(l, "Authorization", authz)))
        return NULL;
    if (!(n = curl_slist_append(l, "Expect:")) || !(l = n, n = curl_slist_append(l, "Accept:"))) {
        curl_slist_free_all(l);
        return NULL;
    }
    return n;
    return l;
}
