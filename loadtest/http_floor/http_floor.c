/*
 * http_floor: what libmicrohttpd alone costs per request on this machine,
 * the floor under the gateway's single-record route (loadtest/RESULTS.md).
 *
 * It answers every request with a body shaped like the gateway's answer
 * (SequenceNumber/ShardId, Content-Type and x-amzn-RequestId headers) after
 * reading the request body, and does nothing else: no parsing, no Kinesis.
 * The daemon is started with the gateway's flags (internal epoll threads,
 * suspend/resume, turbo) and --threads of them, so the CPU it uses per
 * request under the benchmark's wrk load is what any gateway built on
 * libmicrohttpd pays before doing its own work. Two modes:
 *   direct   - the answer is queued inside the request handler (what a
 *              server that acknowledges before delivery does);
 *   deferred - the handler suspends the connection and a completer thread
 *              resumes the waiting connections in batches, as the gateway's
 *              sender does when Kinesis answers; the answer is queued on
 *              resume (acknowledgement after delivery, minus the delivery).
 *
 *   http_floor [--port N] [--threads N] [--mode direct|deferred]
 *              [--poller epoll|poll]
 * --poller poll runs libmicrohttpd's poll(2) loop instead of the gateway's
 * epoll: a suspended connection then costs no epoll_ctl (with epoll, 0.9.75
 * removes the socket from the set on suspend and adds it back after the
 * resume, two system calls per request), at the price of every poll(2)
 * passing every connection of the thread (what the comparison measures;
 * the gateway stays on epoll, see loadtest/RESULTS.md).
 * Binds 127.0.0.1, prints "listening on 127.0.0.1:PORT", exits 0 on SIGINT
 * or SIGTERM.
 *
 * DESIGN: a request's state is one of three static markers in *con_cls (no
 * per-request allocation). The completer owns nothing but the queue of
 * suspended connections; on shutdown it resumes whatever is left before the
 * daemon is stopped, since MHD_stop_daemon requires that none be suspended.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANSWER                                                                                     \
    "{\"SequenceNumber\":\"49590338271490256608559692538361571095921575989136588898\","            \
    "\"ShardId\":\"shardId-000000000000\"}"
#define REQUEST_ID "5b1d6f9e-3c2a-4f8e-9d7b-1a2b3c4d5e6f"
#define MAX_QUEUE 65536

/* Request states, stored in *con_cls. */
static const char STATE_READING = 'r', STATE_WAITING = 'w';

struct completer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct MHD_Connection **queue; /* suspended connections, MAX_QUEUE at most */
    size_t n;
    bool stop;
};

struct server {
    bool deferred;
    bool poll; /* MHD_USE_POLL instead of MHD_USE_EPOLL */
    struct completer done;
};

static enum MHD_Result answer(struct MHD_Connection *conn)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof ANSWER - 1, (void *)(uintptr_t)ANSWER, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    enum MHD_Result ok = MHD_add_response_header(r, "Content-Type", "application/json");
    if (ok == MHD_YES)
        ok = MHD_add_response_header(r, "x-amzn-RequestId", REQUEST_ID);
    if (ok == MHD_YES)
        ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

/* Hands a connection to the completer; false when the queue is full. */
static bool defer(struct completer *c, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&c->mu);
    bool ok = c->n < MAX_QUEUE && !c->stop;
    if (ok) {
        c->queue[c->n++] = conn;
        if (c->n == 1)
            pthread_cond_signal(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct server *srv = cls;
    (void)url, (void)method, (void)version, (void)upload_data;
    if (*con_cls == NULL) {
        *con_cls = (void *)&STATE_READING;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* read and dropped: only the HTTP cost is measured */
        return MHD_YES;
    }
    if (*con_cls == &STATE_WAITING || !srv->deferred)
        return answer(conn);
    *con_cls = (void *)&STATE_WAITING;
    MHD_suspend_connection(conn);
    if (!defer(&srv->done, conn)) {
        MHD_resume_connection(conn); /* answered at once on the next call */
    }
    return MHD_YES;
}

/* Resumes every waiting connection each time the queue becomes non-empty,
 * in one pass: the batch a Kinesis answer would acknowledge. */
static void *completer_main(void *arg)
{
    struct completer *c = arg;
    struct MHD_Connection **batch = malloc(MAX_QUEUE * sizeof *batch);
    if (!batch) {
        fprintf(stderr, "http_floor: out of memory\n");
        exit(1);
    }
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (c->n == 0 && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        size_t n = c->n;
        memcpy(batch, c->queue, n * sizeof *batch);
        c->n = 0;
        bool stop = c->stop;
        pthread_mutex_unlock(&c->mu);
        for (size_t i = 0; i < n; i++)
            MHD_resume_connection(batch[i]);
        if (stop)
            break;
        pthread_mutex_lock(&c->mu);
    }
    free(batch);
    return NULL;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned port = 0, threads = 2;
    struct server srv = {.deferred = true};
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!v) {
            bad = 1;
        } else if (strcmp(argv[i], "--port") == 0) {
            bad = parse_uint(v, 65535, &port);
        } else if (strcmp(argv[i], "--threads") == 0) {
            bad = parse_uint(v, 64, &threads) || threads == 0;
        } else if (strcmp(argv[i], "--poller") == 0) {
            srv.poll = strcmp(v, "poll") == 0;
            bad = !srv.poll && strcmp(v, "epoll") != 0;
        } else if (strcmp(argv[i], "--mode") == 0) {
            srv.deferred = strcmp(v, "deferred") == 0;
            bad = !srv.deferred && strcmp(v, "direct") != 0;
        } else {
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "usage: http_floor [--port N] [--threads N] "
                            "[--mode direct|deferred] [--poller epoll|poll]\n");
            return 2;
        }
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* threads inherit it; main waits */

    struct completer *c = &srv.done;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->queue = malloc(MAX_QUEUE * sizeof *c->queue);
    pthread_t completer;
    if (!c->queue || pthread_create(&completer, NULL, completer_main, c) != 0) {
        fprintf(stderr, "http_floor: cannot start the completer\n");
        return 1;
    }

    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | (srv.poll ? MHD_USE_POLL : MHD_USE_EPOLL) |
            MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_TURBO,
        0, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    const union MHD_DaemonInfo *di = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!di) {
        fprintf(stderr, "http_floor: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    printf("listening on 127.0.0.1:%u\n", (unsigned)di->port);
    fflush(stdout);

    int sig;
    sigwait(&sigs, &sig);
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(completer, NULL);
    MHD_stop_daemon(d);
    free(c->queue);
    return 0;
}
