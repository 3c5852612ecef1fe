/*
 * http_server: MHD daemon, routing, per-request state and the access log
 * (see http_server.h).
 */
#include "http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "http_internal.h"
#include "http_reply.h"
#include "http_respond.h"
#include "lit.h"
#include "log.h"
#include "mhd_compat.h"

/* What one daemon serves: the traffic listener serves everything (but
 * /metrics when a separate operations listener exists); the operations
 * listener serves only /healthz, /readyz and /metrics. */
struct listener {
    struct sg_gateway *gw;
    bool ops_only;
    bool metrics;
    struct sg_http_conns *conns; /* its open connections (http_conns.c) */
};

/* New connections wait here while the daemon is at its connection limit
 * (libmicrohttpd stops accepting then) until the guard sheds slots; a SYN
 * that finds it full is dropped and retried by the client a second later.
 * The kernel caps it at net.core.somaxconn (4096 by default since Linux
 * 5.4). */
#define SG_HTTP_LISTEN_BACKLOG 4096

struct sg_http_server {
    struct MHD_Daemon *daemon, *ops_daemon;
    struct listener traffic, ops;
    struct sg_http_guard *guard;
    unsigned port, ops_port;
    MHD_socket quiesced_fd; /* the traffic listener's socket once quiesced, closed after the stop */
};

/* ---- routing ----------------------------------------------------------- */

/* x-api-key, as API Gateway usage plans check it. Returns true to go on, or
 * false after answering 403/429 (in *ret). */
static bool check_api_key(struct sg_http_request *req, enum MHD_Result *ret)
{
    const char *key = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "x-api-key");
    unsigned retry_after = 0;
    enum sg_apikey_verdict v =
        sg_apikeys_check(req->policy->apikeys, key, req->stream->name, sg_clock_ms() * 1000000,
                         &retry_after, &req->api_key_id);
    if (v == SG_APIKEY_OK)
        return true;
    *ret = v == SG_APIKEY_THROTTLED ? sg_http_fail(req, SG_ANSWER_TOO_MANY_REQUESTS, NULL)
                                    : sg_http_fail(req, SG_ANSWER_FORBIDDEN, NULL);
    return false;
}

/* "/streams/{name}/record" or ".../records": sets the route and stream, or
 * answers 400/404 itself (returns false then). */
static bool route_ingest(struct sg_http_request *req, const char *url, enum MHD_Result *ret)
{
    /* `url` is the path as sent, not decoded: "%2F" is no separator and
     * "%00" no end, so neither can reach a route or a stream. */
    static const char prefix[] = "/streams/";
    if (strncmp(url, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *name = url + sizeof prefix - 1;
    const char *slash = strchr(name, '/');
    if (!slash)
        return false;
    const char *rest = slash + 1;
    if (strcmp(rest, "record") == 0)
        req->route = SG_RT_RECORD;
    else if (strcmp(rest, "records") == 0)
        req->route = SG_RT_RECORDS;
    else
        return false;
    /* A browser's preflight carries no API key: answer it before any check,
     * as API Gateway's "Enable CORS" mock integration does. */
    if (strcmp(req->method, "OPTIONS") == 0 && sg_cors_enabled(req->policy->cors)) {
        *ret = sg_http_reply_preflight(req);
        return true;
    }
    size_t len = (size_t)(slash - name);
    if (!sg_config_valid_stream_name(name, len)) {
        *ret = sg_http_fail(req, SG_ANSWER_BAD_REQUEST,
                            "Invalid stream name: use 1-128 characters of [a-zA-Z0-9_.-]");
        return true;
    }
    const struct sg_config *cfg = req->gw->cfg;
    req->stream = sg_config_find_stream(cfg, name, len);
    if (!req->stream) {
        char msg[200];
        snprintf(msg, sizeof msg, "Stream %.*s is not configured on this gateway", (int)len, name);
        *ret = sg_http_fail(req, SG_ANSWER_NOT_FOUND, msg);
        return true;
    }
    req->stream_idx = (size_t)(req->stream - cfg->streams);
    if (check_api_key(req, ret))
        *ret = sg_http_ingest_begin(req);
    return true;
}

/* MHD_OPTION_URI_LOG_CALLBACK: runs once per request, right after the
 * request line, before libmicrohttpd decodes the path. The request state is
 * born here so that the path is kept as sent, and so that an answer
 * libmicrohttpd gives by itself later (bad header line, ...) still reaches
 * on_completed and the access log. Returns the state (owned by MHD's
 * con_cls until on_completed), or NULL when out of memory. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    const struct listener *l = cls;
    size_t visible = strlen(uri), path_len = strcspn(uri, "?");
    /* target[] holds the path, then the whole target (query included) as
     * sent, for the head gate: libmicrohttpd decodes its own copy in place. */
    struct sg_http_request *req = calloc(1, sizeof *req + path_len + 1 + visible + 1);
    if (!req)
        return NULL;
    req->gw = l->gw;
    req->conn = conn;
    req->route = SG_RT_OTHER;
    req->start_ms = sg_clock_ms();
    memcpy(req->target, uri, path_len);
    req->target_sent = req->target + path_len + 1;
    memcpy(req->target_sent, uri, visible);
    req->target_raw = uri;
    req->target_visible = visible;
    size_t kept = path_len < sizeof req->path - 1 ? path_len : sizeof req->path - 1;
    memcpy(req->path, req->target, kept); /* the access log's path, cut (calloc'ed: ends) */
    sg_rand_uuid(req->request_id);
    req->respond.request_id = req->request_id;
    req->policy = sg_policy_slot_get(&l->gw->policy);
    atomic_fetch_add(&l->gw->active_requests, 1);
    sg_http_gate_track(req);
    req->guard = sg_http_conn_of(conn);
    /* A later request's head counts from its request line (the idle
     * deadline bounded the wait for it); the first one's from the accept. */
    if (sg_http_conn_phase(req->guard) == SG_CONN_IDLE)
        sg_http_conn_set_phase(req->guard, SG_CONN_HEAD);
    return req;
}

/* Joins every X-Forwarded-For line, in order, as one list. */
struct xff_join {
    char buf[4096];
    size_t len;
    bool cut;
};

static enum MHD_Result join_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct xff_join *j = cls;
    if (!SG_LIT_EQ_NOCASE(key, key_size, "X-Forwarded-For") || !value)
        return MHD_YES;
    if (j->len + value_size + 2 > sizeof j->buf) {
        /* Too long to read whole: the entries the proxies added are on the
         * right, so keep the rightmost lines only. */
        j->cut = true;
        j->len = 0;
        if (value_size + 1 > sizeof j->buf)
            return MHD_YES;
    }
    if (j->len)
        j->buf[j->len++] = ',';
    memcpy(j->buf + j->len, value, value_size);
    j->len += value_size;
    return MHD_YES;
}

/* The caller's address and trace id, when the TCP peer is a trusted proxy
 * (trusted_proxies): from X-Forwarded-For, the right-most address that is
 * not a trusted proxy. From any other peer both headers are ignored. */
static void client_address(struct sg_http_request *req)
{
    const struct sg_config *cfg = req->gw->cfg;
    if (!cfg->n_trusted_proxies)
        return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct sg_ip peer, client;
    if (!ci || sg_ip_from_sockaddr(ci->client_addr, &peer) != 0 ||
        !sg_cidr_match(cfg->trusted_proxies, cfg->n_trusted_proxies, &peer))
        return;
    struct xff_join j = {.len = 0};
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, join_xff, &j);
    if (sg_xff_client(j.buf, j.len, cfg->trusted_proxies, cfg->n_trusted_proxies, &client))
        sg_ip_format(&client, req->client_ip, sizeof req->client_ip);
    const char *trace = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Amzn-Trace-Id");
    if (trace)
        snprintf(req->trace_id, sizeof req->trace_id, "%s", trace);
}

/* Whether an answer decided now may wait until the body is read (keeping
 * the connection): only for a short body of known length that the client
 * sends without waiting for 100 Continue. */
static bool can_defer(const struct sg_head_info *info)
{
    if (info->body == SG_HEAD_BODY_NONE)
        return true;
    return info->body == SG_HEAD_BODY_LENGTH && !info->expect_continue &&
           info->content_length <= SG_HTTP_SKIP_BODY_MAX;
}

static enum MHD_Result route(const struct listener *l, struct sg_http_request *req)
{
    enum MHD_Result ret = MHD_YES;
    const char *path = req->target;
    if (!l->ops_only && route_ingest(req, path, &ret))
        return ret;
    if (sg_http_ops_is_path(path) && (l->metrics || strcmp(path, "/metrics") != 0)) {
        req->route = SG_RT_OPS;
        return sg_http_ops_handle(req, path);
    }
    return sg_http_fail(req, SG_ANSWER_NOT_FOUND, NULL);
}

/* The first call: the head is complete, no body byte has been passed. */
static enum MHD_Result first_call(const struct listener *l, struct sg_http_request *req,
                                  const char *method, const char *version)
{
    req->started = true;
    sg_http_gate_untrack(req);
    size_t mlen = strnlen(method, sizeof req->method - 1);
    memcpy(req->method, method, mlen); /* cut as before; calloc'ed, so it ends */
    if (req->answered_raw)
        return MHD_NO; /* answered from the libmicrohttpd log hook: close */
    sg_http_request_headers_in(req);
    client_address(req);
    struct sg_http_head head;
    struct sg_head_info info;
    enum sg_head_verdict v = sg_http_gate_check(req, &head, method, version, &info);
    if (v != SG_HEAD_OK) {
        /* The framing is in doubt: answer at once, never read on. */
        req->respond.close = true;
        return sg_http_fail(req, sg_answer_for_status(sg_http_head_status(v)),
                            sg_http_head_message(&head));
    }
    req->defer_ok = can_defer(&info);
    req->coding = info.coding;
    req->in_first_call = true;
    enum MHD_Result ret = route(l, req);
    req->in_first_call = false;
    /* A body to read (kept or read and dropped) is held to the minimum
     * rate; otherwise the request is being answered. */
    bool reading =
        info.body != SG_HEAD_BODY_NONE && (req->state != SG_REQ_RESPONDED || req->pending != NULL);
    sg_http_conn_set_phase(req->guard, reading ? SG_CONN_BODY : SG_CONN_BUSY);
    if (info.body == SG_HEAD_BODY_CHUNKED && req->state != SG_REQ_RESPONDED)
        sg_http_gate_track_chunked(req); /* so that a chunk error is answered as ours */
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)conn;
    (void)url; /* decoded by libmicrohttpd: routing uses req->target */
    struct sg_http_request *req = *con_cls;
    if (!req)
        return MHD_NO; /* on_uri ran out of memory: drop the connection */
    if (!req->started)
        return first_call(cls, req, method, version);
    if (*upload_data_size == 0) {
        sg_http_gate_untrack(req); /* the body is complete */
        if (sg_http_conn_phase(req->guard) == SG_CONN_BODY)
            sg_http_conn_set_phase(req->guard, SG_CONN_BUSY);
    } else {
        sg_http_conn_add_body(req->guard, *upload_data_size);
    }
    if (req->pending) {
        if (*upload_data_size) {
            req->body_bytes += *upload_data_size; /* read and dropped */
            *upload_data_size = 0;
            return MHD_YES;
        }
        struct MHD_Response *r = req->pending;
        req->pending = NULL;
        enum MHD_Result ret = MHD_queue_response(req->conn, req->pending_status, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (req->route == SG_RT_RECORD || req->route == SG_RT_RECORDS)
        return sg_http_ingest_continue(req, upload_data, upload_data_size);
    *upload_data_size = 0; /* already answered: drop any body */
    return MHD_YES;
}

/* ---- completion and access log ----------------------------------------- */

static void access_log(const struct sg_http_request *req, enum MHD_RequestTerminationCode toe)
{
    char ip[SG_IP_TEXT_MAX] = "";
    struct sg_ip peer;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (req->client_ip[0])
        snprintf(ip, sizeof ip, "%s", req->client_ip);
    else if (ci && sg_ip_from_sockaddr(ci->client_addr, &peer) == 0)
        sg_ip_format(&peer, ip, sizeof ip);
    struct sg_buf b;
    sg_buf_init(&b, 4096);
    int rc = sg_buf_printf(&b, "{\"type\":\"access\",\"requestId\":\"%s\",\"ip\":\"%s\",",
                           req->request_id, ip);
    rc |= sg_buf_append_str(&b, "\"method\":");
    /* The method and path are the client's bytes, as sent. */
    rc |= sg_log_append_json_text(&b, req->method, strlen(req->method));
    rc |= sg_buf_append_str(&b, ",\"path\":");
    rc |= sg_log_append_json_text(&b, req->path, strlen(req->path));
    rc |= sg_buf_printf(&b, ",\"status\":%u,\"latencyMs\":%lld,\"records\":%zu,\"stream\":",
                        req->status, (long long)(sg_clock_ms() - req->start_ms), req->ingest.n);
    const char *stream = req->stream ? req->stream->name : "";
    rc |= sg_buf_append_json_string(&b, stream, strlen(stream));
    rc |= sg_buf_append_str(&b, ",\"apiKeyId\":");
    const char *kid = req->api_key_id ? req->api_key_id : "";
    rc |= sg_buf_append_json_string(&b, kid, strlen(kid));
    rc |= sg_buf_printf(&b, ",\"bytes\":%zu", req->body_bytes);
    rc |= sg_buf_append_str(&b, ",\"traceId\":");
    rc |= sg_log_append_json_text(&b, req->trace_id, strlen(req->trace_id));
    rc |= sg_buf_append_str(&b, ",\"error\":");
    rc |= sg_log_append_json_text(&b, req->error, strlen(req->error));
    rc |= sg_buf_printf(&b, ",\"completed\":%s}",
                        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "true" : "false");
    if (rc == 0)
        sg_log_line(b.data, b.len);
    sg_buf_free(&b);
}

/* A request whose connection the guard closed: no answer went out; the
 * access log has the status the rule stands for and why. */
static void closed_by_guard(struct sg_http_request *req)
{
    enum sg_conn_close_reason r = sg_http_conn_reason(req->guard);
    if (r == SG_CONN_OPEN || req->status != 0)
        return;
    const struct sg_config *cfg = req->gw->cfg;
    switch (r) {
    case SG_CONN_HEADER_TIMEOUT:
        req->status = 408;
        snprintf(req->error, sizeof req->error,
                 "closed: the head was not whole within %us (limits.header_timeout_s)",
                 cfg->header_timeout_s);
        break;
    case SG_CONN_BODY_TOO_SLOW:
        req->status = 408;
        snprintf(req->error, sizeof req->error,
                 "closed: the body came slower than %zu bytes/s (limits.body_min_bytes_per_s)",
                 cfg->body_min_rate);
        break;
    default:
        req->status = 503;
        snprintf(req->error, sizeof req->error,
                 "closed: shed at the connection limit (limits.max_connections)");
        break;
    }
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct sg_gateway *gw = ((const struct listener *)cls)->gw;
    struct sg_http_request *req = *con_cls;
    if (!req)
        return;
    *con_cls = NULL;
    sg_http_gate_untrack(req);
    if (req->answered_raw) {
        sg_gateway_count_response(gw, req->route, req->status);
    } else if (req->status == 0) {
        /* libmicrohttpd answered by itself: a bad header line or a head over
         * its memory before the handler ran, bad chunked framing after. */
        req->status = sg_http_gate_mhd_status(conn);
        if (req->status) {
            snprintf(req->error, sizeof req->error, "answered by libmicrohttpd");
            sg_gateway_count_response(gw, req->route, req->status);
        }
    }
    if (req->pending)
        MHD_destroy_response(req->pending); /* the client left during the body */
    if (atomic_load(&req->ticket.pending) != 0) {
        /* Cannot happen while suspended connections are resumed before the
         * daemon stops; leaking beats freeing memory the sender still uses. */
        sg_log(SG_LOG_ERROR, "request %s completed with records pending", req->request_id);
        return;
    }
    closed_by_guard(req);
    /* The connection waits for its next request (or is about to close). */
    sg_http_conn_set_phase(req->guard, SG_CONN_IDLE);
    if (gw->cfg->access_log)
        access_log(req, toe);
    sg_http_ingest_free(req);
    sg_policy_release(req->policy);
    free(req);
    atomic_fetch_sub(&gw->active_requests, 1);
}

/* ---- daemon ------------------------------------------------------------ */

static int listen_addr(const char *host, unsigned port, struct sockaddr_storage *ss,
                       unsigned *flags)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *flags |= MHD_USE_IPv6;
        return 0;
    }
    return -1;
}

static struct MHD_Daemon *start_daemon(const struct sg_config *cfg, struct listener *l,
                                       const char *host, unsigned port, unsigned threads,
                                       unsigned *bound_port)
{
    struct sockaddr_storage ss;
    /* MHD_USE_ERROR_LOG: libmicrohttpd's messages reach sg_http_gate_mhd_log,
     * which also answers the errors it would garble (http_gate.c). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ITC | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
    if (listen_addr(host, port, &ss, &flags) != 0) {
        sg_log(SG_LOG_ERROR, "listen address %s is not an IP address", host);
        return NULL;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, l,
        /* First, so that no message goes to libmicrohttpd's stderr logger. */
        MHD_OPTION_EXTERNAL_LOGGER, sg_http_gate_mhd_log, l, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)cfg->max_connections,
        /* The guard (http_conns.c) ends idle connections at idle_timeout_s;
         * libmicrohttpd's own idle timeout, a second later, still ends a
         * client that stops reading its answer. */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->idle_timeout_s + 1,
        MHD_OPTION_NOTIFY_CONNECTION, sg_http_conns_notify, l->conns, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, l, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)SG_HTTP_LISTEN_BACKLOG,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, l,
        /* The pool holds the head, the read buffer and the answer's header
         * lines: with only max_header_bytes, a head just under it left no
         * room for the answer, which was then never sent. The gateway
         * enforces max_header_bytes itself (431, http_head.c); heads beyond
         * the pool get libmicrohttpd's own 431. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->max_header_bytes + SG_MHD_POOL_SLACK,
        MHD_OPTION_END);
    if (!d) {
        sg_log(SG_LOG_ERROR, "cannot listen on %s:%u", host, port);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = di ? di->port : port;
    return d;
}

struct sg_http_server *sg_http_server_start(struct sg_gateway *gw)
{
    const struct sg_config *cfg = gw->cfg;
    char why[512];
    if (sg_mhd_version_check(why, sizeof why) != 0) {
        sg_log(SG_LOG_ERROR, "%s", why);
        return NULL;
    }
    struct sg_http_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->quiesced_fd = MHD_INVALID_SOCKET;
    bool separate_ops = cfg->ops_host[0] != '\0';
    s->traffic = (struct listener){gw, false, !separate_ops, sg_http_conns_new(gw)};
    s->ops = (struct listener){gw, true, true, separate_ops ? sg_http_conns_new(gw) : NULL};
    if (s->traffic.conns && (!separate_ops || s->ops.conns))
        s->daemon = start_daemon(cfg, &s->traffic, cfg->listen_host, cfg->listen_port, cfg->threads,
                                 &s->port);
    if (s->daemon && separate_ops)
        s->ops_daemon = start_daemon(cfg, &s->ops, cfg->ops_host, cfg->ops_port, 1, &s->ops_port);
    struct sg_http_conns *sets[2] = {s->traffic.conns, s->ops.conns};
    if (s->daemon && (!separate_ops || s->ops_daemon))
        s->guard = sg_http_guard_start(sets, 2);
    if (!s->daemon || (separate_ops && !s->ops_daemon) || !s->guard) {
        sg_http_server_stop(s);
        return NULL;
    }
    return s;
}

unsigned sg_http_server_ops_port(const struct sg_http_server *s)
{
    return s->ops_daemon ? s->ops_port : 0;
}

unsigned sg_http_server_port(const struct sg_http_server *s)
{
    return s->port;
}

/* MHD_quiesce_daemon hands the listening socket back, but its threads may
 * still be taking it out of their epoll sets: closing it now raced with
 * their epoll_ctl (and the number could be reused meanwhile). Its contract:
 * close it only after MHD_stop_daemon. shutdown(2) ends the listening at
 * once instead (Linux: the backlog is reset and new connections are
 * refused, as the close did), without giving the number up. */
void sg_http_server_quiesce(struct sg_http_server *s)
{
    if (s->quiesced_fd != MHD_INVALID_SOCKET)
        return;
    s->quiesced_fd = MHD_quiesce_daemon(s->daemon);
    if (s->quiesced_fd != MHD_INVALID_SOCKET)
        shutdown(s->quiesced_fd, SHUT_RDWR);
}

void sg_http_server_stop(struct sg_http_server *s)
{
    if (!s)
        return;
    sg_http_guard_stop(s->guard); /* first: it reaches into the daemons' sockets */
    if (s->ops_daemon)
        MHD_stop_daemon(s->ops_daemon);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    if (s->quiesced_fd != MHD_INVALID_SOCKET)
        close(s->quiesced_fd);
    sg_http_conns_free(s->traffic.conns);
    sg_http_conns_free(s->ops.conns);
    free(s);
}
