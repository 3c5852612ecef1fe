/*
 * kinesis_transport_curl: the Kinesis transport over one libcurl multi
 * handle (see kinesis_transport.h).
 *
 * DESIGN. Owned and driven by the sender thread alone: the multi handle, the
 * list of transfers in flight and the idle easy handles. Each call signs its
 * body with the current credentials (SigV4, kinesis_http.c, with this
 * transport's signing-key cache) and reuses an idle easy handle with the
 * options every call shares already set; a handle goes back to the idle set
 * only after every option that points into the finished transfer is cleared.
 * Connections are kept alive by libcurl across calls.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "kinesis_http.h"
#include "kinesis_transport.h"
#include "log.h"
#include "sigv4.h"

/* Idle handles kept for the next calls: a fresh handle per call cost its
 * allocation and every option's setup each time. */
#define SPARE_EASY 16

struct xfer {
    struct xfer *prev, *next; /* the transfers in flight */
    void *ctx;
    CURL *easy;
    struct curl_slist *headers;
    struct sg_buf answer;
    char error_type[64];
    char curl_error[CURL_ERROR_SIZE];
};

struct curl_transport {
    struct sg_kinesis_transport base; /* first: the vtable */
    const struct sg_config *cfg;
    struct sg_creds_provider *creds;
    struct sg_kinesis_endpoint ep;
    struct sg_sigv4_key_cache *keys;
    CURLM *multi;
    struct xfer *active;
    CURL *spare[SPARE_EASY];
    size_t n_spare;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *x = userdata;
    return sg_buf_append(&x->answer, ptr, size * nmemb) == 0 ? size * nmemb : 0;
}

/* Keeps the x-amzn-ErrorType header: some errors name themselves only there. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *x = userdata;
    size_t n = size * nmemb;
    static const char name[] = "x-amzn-errortype:";
    if (n > sizeof name && strncasecmp(ptr, name, sizeof name - 1) == 0) {
        const char *v = ptr + sizeof name - 1;
        size_t vl = n - (sizeof name - 1);
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        snprintf(x->error_type, sizeof x->error_type, "%.*s", (int)vl, v);
    }
    return n;
}

/* An easy handle with the options every call shares: idle or new. */
static CURL *take_easy(struct curl_transport *t)
{
    if (t->n_spare)
        return t->spare[--t->n_spare];
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    int rc = 0;
    rc |= (int)curl_easy_setopt(e, CURLOPT_URL, t->ep.url);
    rc |= (int)curl_easy_setopt(e, CURLOPT_POST, 1L);
    rc |= (int)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    rc |= (int)curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    rc |= (int)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    rc |= (int)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)t->cfg->connect_timeout_ms);
    rc |= (int)curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= (int)curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    rc |= (int)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc) {
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

static int setup_easy(struct xfer *x, const struct sg_kinesis_request *req)
{
    CURL *e = x->easy;
    int rc = 0;
    rc |= (int)curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
    rc |= (int)curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    rc |= (int)curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    rc |= (int)curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    rc |= (int)curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    rc |= (int)curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    rc |= (int)curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_error);
    rc |= (int)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
    return rc ? -1 : 0;
}

/* Clears the options that point into a transfer about to be freed, before
 * its handle waits among the idle ones. */
static int forget_xfer(CURL *e)
{
    int rc = 0;
    rc |= (int)curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
    rc |= (int)curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    rc |= (int)curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
    rc |= (int)curl_easy_setopt(e, CURLOPT_HEADERDATA, NULL);
    rc |= (int)curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
    rc |= (int)curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
    return rc ? -1 : 0;
}

static void free_xfer(struct curl_transport *t, struct xfer *x, int in_multi)
{
    if (x->prev)
        x->prev->next = x->next;
    else if (t->active == x)
        t->active = x->next;
    if (x->next)
        x->next->prev = x->prev;
    if (x->easy) {
        if (in_multi)
            curl_multi_remove_handle(t->multi, x->easy);
        if (t->n_spare < SPARE_EASY && forget_xfer(x->easy) == 0)
            t->spare[t->n_spare++] = x->easy;
        else
            curl_easy_cleanup(x->easy);
    }
    curl_slist_free_all(x->headers);
    sg_buf_free(&x->answer);
    free(x);
}

static enum sg_transport_start start(struct sg_kinesis_transport *base,
                                     const struct sg_kinesis_request *req, void *ctx)
{
    struct curl_transport *t = (struct curl_transport *)base;
    struct sg_credentials *cr = sg_creds_provider_get(t->creds);
    if (!cr)
        return SG_TRANSPORT_NO_CREDENTIALS;
    struct xfer *x = calloc(1, sizeof *x);
    if (x) {
        x->ctx = ctx;
        sg_buf_init(&x->answer, req->max_answer_bytes);
        x->easy = take_easy(t);
        x->headers = sg_kinesis_signed_headers(&t->ep, t->keys, t->cfg->region, req->target, cr,
                                               req->body, req->body_len, time(NULL));
    }
    sg_credentials_release(cr);
    if (!x || !x->easy || !x->headers || setup_easy(x, req) != 0 ||
        curl_multi_add_handle(t->multi, x->easy) != CURLM_OK) {
        if (x)
            free_xfer(t, x, 0);
        return SG_TRANSPORT_START_FAILED;
    }
    x->next = t->active;
    if (t->active)
        t->active->prev = x;
    t->active = x;
    return SG_TRANSPORT_STARTED;
}

static int is_unreachable(CURLcode code)
{
    return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
           code == CURLE_COULDNT_RESOLVE_PROXY;
}

static void report(struct curl_transport *t, struct xfer *x, CURLcode result,
                   sg_kinesis_done_fn done, void *owner)
{
    struct sg_kinesis_reply reply = {.error_type = x->error_type, .error = x->curl_error};
    if (result == CURLE_OK) {
        reply.outcome = SG_TRANSPORT_ANSWERED;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &reply.http_status);
        reply.body = x->answer.data ? x->answer.data : "";
        reply.body_len = x->answer.len;
    } else {
        reply.outcome = is_unreachable(result) ? SG_TRANSPORT_UNREACHABLE : SG_TRANSPORT_FAILED;
        if (!x->curl_error[0])
            snprintf(x->curl_error, sizeof x->curl_error, "%s", curl_easy_strerror(result));
    }
    void *ctx = x->ctx;
    /* The reply points into the transfer: free it only after the callback
     * (which may start new calls meanwhile). */
    done(owner, ctx, &reply);
    free_xfer(t, x, 1);
}

static size_t report_finished(struct curl_transport *t, sg_kinesis_done_fn done, void *owner)
{
    size_t n = 0;
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(t->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        report(t, x, m->data.result, done, owner);
        n++;
    }
    return n;
}

static size_t run(struct sg_kinesis_transport *base, int wait_ms, sg_kinesis_done_fn done,
                  void *owner)
{
    struct curl_transport *t = (struct curl_transport *)base;
    int running = 0;
    curl_multi_perform(t->multi, &running);
    size_t n = report_finished(t, done, owner);
    if (n == 0 && wait_ms > 0)
        curl_multi_poll(t->multi, NULL, 0, wait_ms, NULL);
    return n;
}

static void wakeup(struct sg_kinesis_transport *base)
{
    curl_multi_wakeup(((struct curl_transport *)base)->multi);
}

static void cancel(struct sg_kinesis_transport *base, void *ctx)
{
    struct curl_transport *t = (struct curl_transport *)base;
    for (struct xfer *x = t->active; x; x = x->next) {
        if (x->ctx == ctx) {
            free_xfer(t, x, 1);
            return;
        }
    }
}

static void credentials_rejected(struct sg_kinesis_transport *base)
{
    /* The provider rate-limits refreshes, so a burst of refusals costs one. */
    sg_creds_provider_invalidate(((struct curl_transport *)base)->creds);
}

static void transport_free(struct sg_kinesis_transport *base)
{
    struct curl_transport *t = (struct curl_transport *)base;
    while (t->active)
        free_xfer(t, t->active, 1);
    while (t->n_spare)
        curl_easy_cleanup(t->spare[--t->n_spare]);
    if (t->multi)
        curl_multi_cleanup(t->multi);
    sg_sigv4_key_cache_free(t->keys);
    free(t);
}

static const struct sg_kinesis_transport_ops curl_ops = {
    .start = start,
    .run = run,
    .wakeup = wakeup,
    .cancel = cancel,
    .credentials_rejected = credentials_rejected,
    .free = transport_free,
};

struct sg_kinesis_transport *sg_kinesis_transport_curl_new(const struct sg_config *cfg,
                                                           struct sg_creds_provider *creds)
{
    struct curl_transport *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->base.ops = &curl_ops;
    t->cfg = cfg;
    t->creds = creds;
    if (sg_kinesis_endpoint_init(&t->ep, cfg) != 0) {
        sg_log(SG_LOG_ERROR, "invalid Kinesis endpoint %s", cfg->endpoint);
        transport_free(&t->base);
        return NULL;
    }
    t->multi = curl_multi_init();
    t->keys = sg_sigv4_key_cache_new();
    if (!t->multi || !t->keys) {
        transport_free(&t->base);
        return NULL;
    }
    /* One connection per call in flight, and probes reuse them. */
    curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)(cfg->max_in_flight * cfg->n_streams));
    return &t->base;
}

void sg_kinesis_transport_free(struct sg_kinesis_transport *t)
{
    if (t)
        t->ops->free(t);
}
