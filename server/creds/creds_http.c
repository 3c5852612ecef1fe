/*
 * creds_http: the libcurl transport of the HTTP credential sources.
 *
 * One easy handle per request: fetches happen a few times an hour, so a
 * cached handle would save nothing worth its shared state. Every request has
 * connect and total timeouts, verifies TLS peers and host names, follows no
 * redirects, speaks only http/https, and buffers at most
 * SG_CREDS_HTTP_BODY_MAX bytes of answer into one allocation made up front
 * (no realloc leaves stray copies of secrets behind; the buffer is wiped on
 * free). The cancel flag (ctx) aborts a transfer from the progress callback
 * when the provider is being freed. libcurl must have been initialised with
 * curl_global_init() before any thread starts (main does it).
 */
#include "creds_internal.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sink {
    char *buf;
    size_t len;
    bool too_big;
};

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;
    if (n > SG_CREDS_HTTP_BODY_MAX - s->len) {
        s->too_big = true;
        return 0; /* aborts the transfer */
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const atomic_bool *cancel = clientp;
    return cancel && atomic_load(cancel) ? 1 : 0;
}

static int setup(CURL *h, const struct sg_creds_http_request *req, struct curl_slist *headers,
                 struct sink *sink, void *cancel)
{
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(h, CURLOPT_URL, req->url);
    rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    rc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    rc |= curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    rc |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    rc |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    rc |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, cancel);
    if (req->no_proxy) /* a proxy cannot reach, and must not see, link-local metadata */
        rc |= curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (strcmp(req->method, "POST") == 0) {
        rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        rc |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (strcmp(req->method, "GET") != 0) {
        rc |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }
    return rc == CURLE_OK ? 0 : -1;
}

static void wipe_headers(struct curl_slist *l)
{
    for (; l; l = l->next)
        OPENSSL_cleanse(l->data, strlen(l->data));
}

int sg_creds_http_curl(void *ctx, const struct sg_creds_http_request *req,
                       struct sg_creds_http_response *resp, char *err, size_t errlen)
{
    int rc = -1;
    struct curl_slist *headers = NULL;
    struct sink sink = {.buf = malloc(SG_CREDS_HTTP_BODY_MAX + 1)};
    CURL *h = curl_easy_init();
    if (!h || !sink.buf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (const char *const *hd = req->headers; hd && *hd; hd++) {
        struct curl_slist *next = curl_slist_append(headers, *hd);
        if (!next) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        headers = next;
    }
    if (setup(h, req, headers, &sink, ctx)) {
        snprintf(err, errlen, "libcurl rejected an option");
        goto out;
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s", sink.too_big ? "response too large" : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    sink.buf[sink.len] = '\0';
    resp->body = sink.buf;
    resp->len = sink.len;
    sink.buf = NULL;
    rc = 0;
out:
    sg_creds_wipe_free(sink.buf, sink.buf ? SG_CREDS_HTTP_BODY_MAX + 1 : 0);
    wipe_headers(headers); /* they may hold the container Authorization token */
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return rc;
}

void sg_creds_http_response_free(struct sg_creds_http_response *resp)
{
    if (!resp)
        return;
    sg_creds_wipe_free(resp->body, resp->body ? resp->len + 1 : 0);
    resp->body = NULL;
    resp->len = 0;
}
