/*
 * fake_kinesis: a fast Kinesis PutRecords endpoint for the load benchmark
 * (loadtest/bench/run.sh). It stands in for Kinesis where the emulators are
 * too slow (kinesalite tops out near 9k records/s on the benchmark machine):
 * it parses every request, checks the SigV4 headers are present and well
 * formed (fk_auth.h), answers each record with a sequence number and the
 * shard its ExplicitHashKey or partition key hashes to (fk_api.h), takes KPL
 * aggregates apart (fk_kpl.h), and counts calls, Kinesis records, user
 * records, bytes and event_uuid repeats, read back with GET /stats.
 *
 * HTTP: POST / with X-Amz-Target: Kinesis_20131202.<Operation> and
 * Content-Type: application/x-amz-json-1.1. Also GET /stats, and
 * POST /stats/reset to zero the counters between benchmark runs.
 * Binds 127.0.0.1 only, prints "listening on 127.0.0.1:PORT", and on SIGINT or
 * SIGTERM prints the counters and exits 0.
 *
 * DESIGN (threads): libmicrohttpd runs the internal polling thread(s) with
 * epoll, --threads of them. Each request's body is gathered in a per-request
 * buffer (freed in the completed callback) and handled on its MHD thread.
 * With --latency-ms, the reply is built at once and the connection suspended;
 * the delay thread resumes connections in arrival order once their time has
 * come (every delay is equal, so a FIFO is in due order). Shutdown: the main
 * thread sets `stopping` under the queue lock, the delay thread then resumes
 * everything left, and only after it has joined is the daemon stopped, since
 * MHD_stop_daemon requires that no connection be suspended.
 */
#include "fk_api.h"
#include "fk_auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FK_TARGET_PREFIX "Kinesis_20131202."
#define FK_CONTENT_TYPE "application/x-amz-json-1.1"
#define FK_MAX_THREADS 64
#define FK_MAX_SKEW 900 /* seconds; AWS allows 5 minutes, we are lenient */

struct options {
    unsigned port, threads, shards, latency_ms;
    int check_skew;
};

/* One request in flight; allocated on the first call, freed when completed. */
struct request {
    int is_api;
    char *body;
    size_t len, cap;
    struct MHD_Response *delayed; /* reply waiting for the delay thread */
    unsigned delayed_status;
    struct timespec due;
    struct MHD_Connection *conn;
    struct request *next; /* delay queue link */
};

struct server {
    struct options opt;
    struct fk_api *api;
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock; /* guards the delay queue and stopping */
    pthread_cond_t cond;
    struct request *head, *tail;
    int stopping;
    pthread_t delay_thread;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: fake_kinesis [--port N] [--threads N] [--shards N] "
                 "[--latency-ms N] [--no-skew-check]\n"
                 "  --port 0 (default) picks a free port; the port is printed.\n");
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){0, 1, 4, 0, 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--no-skew-check") == 0) {
            o->check_skew = 0;
            continue;
        } else if (v == NULL) {
            rc = -1;
        } else if (strcmp(a, "--port") == 0) {
            rc = parse_uint(v, 65535, &o->port);
        } else if (strcmp(a, "--threads") == 0) {
            rc = parse_uint(v, FK_MAX_THREADS, &o->threads);
            rc = rc == 0 && o->threads > 0 ? 0 : -1;
        } else if (strcmp(a, "--shards") == 0) {
            rc = parse_uint(v, FK_API_MAX_SHARDS, &o->shards);
            rc = rc == 0 && o->shards > 0 ? 0 : -1;
        } else if (strcmp(a, "--latency-ms") == 0) {
            rc = parse_uint(v, 60000, &o->latency_ms);
        } else {
            rc = -1;
        }
        if (rc != 0) {
            fprintf(stderr, "fake_kinesis: bad argument %s\n", a);
            usage(stderr);
            return -1;
        }
        i++;
    }
    return 0;
}

static struct MHD_Response *response_from(const struct fk_reply *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(r->len, r->body, free);
    if (resp == NULL) {
        free(r->body);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, FK_CONTENT_TYPE);
    return resp;
}

static enum MHD_Result queue_reply(struct MHD_Connection *conn, const struct fk_reply *r)
{
    struct MHD_Response *resp = response_from(r);
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result queue_text(struct MHD_Connection *conn, unsigned status, const char *text,
                                  const char *type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void stats_json(struct server *srv, char *buf, size_t cap)
{
    struct fk_api_stats s;
    fk_api_stats(srv->api, &s);
    snprintf(buf, cap,
             "{\"calls\":%llu,\"records\":%llu,\"unique\":%llu,\"duplicates\":%llu,"
             "\"no_uuid\":%llu,\"bytes\":%llu,\"rejected\":%llu,\"other_calls\":%llu,"
             "\"user_records\":%llu,\"aggregates\":%llu,\"misplaced\":%llu,"
             "\"bad_aggregates\":%llu,\"shards\":%u}\n",
             (unsigned long long)s.calls, (unsigned long long)s.records,
             (unsigned long long)s.unique, (unsigned long long)s.duplicates,
             (unsigned long long)s.no_uuid, (unsigned long long)s.bytes,
             (unsigned long long)s.rejected, (unsigned long long)s.other_calls,
             (unsigned long long)s.user_records, (unsigned long long)s.aggregates,
             (unsigned long long)s.misplaced, (unsigned long long)s.bad_aggregates,
             srv->opt.shards);
}

static int has_header(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name) != NULL;
}

/* Checks the headers and runs the operation; fills r. */
static int handle_api(struct server *srv, struct MHD_Connection *conn, struct request *req,
                      struct fk_reply *r)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *date = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amz-Date");
    const char *target = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amz-Target");
    const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    char region[FK_AUTH_REGION_MAX];
    struct fk_auth_error err;
    size_t plen = strlen(FK_TARGET_PREFIX);

    if (fk_auth_check(auth, date, time(NULL), srv->opt.check_skew ? FK_MAX_SKEW : 0, has_header,
                      conn, region, &err) != 0)
        return fk_api_error(srv->api, 400, err.type, err.message, r);
    if (target == NULL || strncmp(target, FK_TARGET_PREFIX, plen) != 0)
        return fk_api_error(srv->api, 400, "UnknownOperationException",
                            "X-Amz-Target must be Kinesis_20131202.<Operation>", r);
    if (ctype == NULL || strncasecmp(ctype, FK_CONTENT_TYPE, strlen(FK_CONTENT_TYPE)) != 0)
        return fk_api_error(srv->api, 400, "SerializationException",
                            "Content-Type must be application/x-amz-json-1.1", r);
    return fk_api_handle(srv->api, target + plen, req->body, req->len, region, r);
}

/* Puts a suspended request on the delay queue, unless shutting down. */
static int delay(struct server *srv, struct request *req)
{
    int queued = 0;
    clock_gettime(CLOCK_MONOTONIC, &req->due);
    req->due.tv_sec += srv->opt.latency_ms / 1000;
    req->due.tv_nsec += (long)(srv->opt.latency_ms % 1000) * 1000000L;
    if (req->due.tv_nsec >= 1000000000L) {
        req->due.tv_sec++;
        req->due.tv_nsec -= 1000000000L;
    }
    req->next = NULL;
    pthread_mutex_lock(&srv->lock);
    if (!srv->stopping) {
        /* Suspend under the lock: the delay thread cannot resume it first. */
        MHD_suspend_connection(req->conn);
        if (srv->tail)
            srv->tail->next = req;
        else
            srv->head = req;
        srv->tail = req;
        pthread_cond_signal(&srv->cond);
        queued = 1;
    }
    pthread_mutex_unlock(&srv->lock);
    return queued;
}

static void *delay_main(void *arg)
{
    struct server *srv = arg;
    pthread_mutex_lock(&srv->lock);
    for (;;) {
        struct request *req = srv->head;
        if (req == NULL) {
            if (srv->stopping)
                break;
            pthread_cond_wait(&srv->cond, &srv->lock);
            continue;
        }
        if (!srv->stopping &&
            pthread_cond_timedwait(&srv->cond, &srv->lock, &req->due) != ETIMEDOUT)
            continue; /* woken early: re-check the head and stopping */
        srv->head = req->next;
        if (srv->head == NULL)
            srv->tail = NULL;
        MHD_resume_connection(req->conn);
    }
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

static enum MHD_Result finish_api(struct server *srv, struct MHD_Connection *conn,
                                  struct request *req)
{
    struct fk_reply r = {0};
    if (handle_api(srv, conn, req, &r) != 0)
        return queue_text(conn, 500, "{\"__type\":\"InternalFailure\",\"message\":\"oom\"}",
                          FK_CONTENT_TYPE);
    if (srv->opt.latency_ms == 0)
        return queue_reply(conn, &r);
    req->delayed = response_from(&r);
    req->delayed_status = r.status;
    if (req->delayed == NULL)
        return MHD_NO;
    req->conn = conn;
    if (delay(srv, req))
        return MHD_YES;
    enum MHD_Result ret = MHD_queue_response(conn, req->delayed_status, req->delayed);
    MHD_destroy_response(req->delayed);
    req->delayed = NULL;
    return ret;
}

/* First call of a request: route it; returns NULL with *ret set when answered. */
static struct request *start(struct server *srv, struct MHD_Connection *conn, const char *url,
                             const char *method, enum MHD_Result *ret)
{
    char buf[512];
    *ret = MHD_YES;
    if (strcmp(method, "GET") == 0 && strcmp(url, "/stats") == 0) {
        stats_json(srv, buf, sizeof(buf));
        *ret = queue_text(conn, 200, buf, "application/json");
        return NULL;
    }
    if (strcmp(method, "POST") == 0 && strcmp(url, "/stats/reset") == 0) {
        fk_api_reset(srv->api);
        stats_json(srv, buf, sizeof(buf));
        *ret = queue_text(conn, 200, buf, "application/json");
        return NULL;
    }
    if (strcmp(url, "/") != 0 || strcmp(method, "POST") != 0) {
        *ret = queue_text(conn, 404, "{\"__type\":\"NotFound\",\"message\":\"POST / only\"}",
                          FK_CONTENT_TYPE);
        return NULL;
    }
    struct request *req = calloc(1, sizeof(*req));
    if (req == NULL)
        *ret = MHD_NO;
    return req;
}

/* Appends an upload chunk; a body past FK_API_MAX_BODY is dropped (413 at the end). */
static int append(struct request *req, const char *data, size_t n)
{
    if (req->len + n > FK_API_MAX_BODY) {
        req->len = FK_API_MAX_BODY + 1;
        return -1;
    }
    if (req->len + n > req->cap) {
        size_t cap = req->cap ? req->cap : 64 * 1024;
        while (cap < req->len + n)
            cap *= 2;
        char *b = realloc(req->body, cap);
        if (b == NULL)
            return -1;
        req->body = b;
        req->cap = cap;
    }
    memcpy(req->body + req->len, data, n);
    req->len += n;
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct server *srv = cls;
    struct request *req = *con_cls;
    enum MHD_Result ret;
    if (req == NULL) {
        req = start(srv, conn, url, method, &ret);
        *con_cls = req;
        return ret;
    }
    if (*upload_data_size != 0) {
        if (req->len <= FK_API_MAX_BODY)
            (void)append(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->delayed != NULL) { /* resumed by the delay thread */
        ret = MHD_queue_response(conn, req->delayed_status, req->delayed);
        MHD_destroy_response(req->delayed);
        req->delayed = NULL;
        return ret;
    }
    if (req->len > FK_API_MAX_BODY)
        return queue_text(conn, 413,
                          "{\"__type\":\"ValidationException\",\"message\":"
                          "\"request body too large\"}",
                          FK_CONTENT_TYPE);
    return finish_api(srv, conn, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct request *req = *con_cls;
    if (req == NULL)
        return;
    if (req->delayed != NULL)
        MHD_destroy_response(req->delayed);
    free(req->body);
    free(req);
    *con_cls = NULL;
}

static int start_daemon(struct server *srv)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)srv->opt.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
    if (srv->opt.latency_ms > 0)
        flags |= MHD_ALLOW_SUSPEND_RESUME;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(srv->opt.threads > 1 ? srv->opt.threads : 0),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
    if (srv->daemon == NULL)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening on 127.0.0.1:%u\n", info ? (unsigned)info->port : srv->opt.port);
    fflush(stdout);
    return 0;
}

static void stop(struct server *srv)
{
    char buf[512];
    if (srv->opt.latency_ms > 0) {
        pthread_mutex_lock(&srv->lock);
        srv->stopping = 1;
        pthread_cond_signal(&srv->cond);
        pthread_mutex_unlock(&srv->lock);
        pthread_join(srv->delay_thread, NULL);
    }
    MHD_stop_daemon(srv->daemon);
    stats_json(srv, buf, sizeof(buf));
    printf("stats %s", buf);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct server srv;
    sigset_t set;
    int sig = 0, rc = 1;
    memset(&srv, 0, sizeof(srv));
    if (parse_options(argc, argv, &srv.opt) != 0)
        return 2;
    /* Block the stop signals before any thread starts, so sigwait gets them. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&srv.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv.cond, &ca);
    srv.api = fk_api_new(srv.opt.shards);
    if (srv.api == NULL)
        goto out;
    if (srv.opt.latency_ms > 0 && pthread_create(&srv.delay_thread, NULL, delay_main, &srv) != 0)
        goto out;
    if (start_daemon(&srv) != 0) {
        fprintf(stderr, "fake_kinesis: cannot listen on 127.0.0.1:%u\n", srv.opt.port);
        if (srv.opt.latency_ms > 0) {
            srv.stopping = 1;
            pthread_cond_signal(&srv.cond);
            pthread_join(srv.delay_thread, NULL);
        }
        goto out;
    }
    sigwait(&set, &sig);
    stop(&srv);
    rc = 0;
out:
    fk_api_free(srv.api);
    pthread_cond_destroy(&srv.cond);
    pthread_mutex_destroy(&srv.lock);
    return rc;
}
