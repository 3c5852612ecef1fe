/*
 * main: start-up order, signals and ordered shutdown.
 *
 * Start: libraries' global init (before any thread), configuration, logging,
 * credentials, pipeline (sender thread), HTTP server. Signals are blocked in
 * every thread and taken by main with sigwait, so handlers never run inside
 * library code.
 * SIGTERM/SIGINT: /readyz turns 503, after shutdown.delay_ms the listener
 * closes (the ALB has stopped routing here by then), the pipeline flushes and
 * answers every waiting client (at most shutdown.drain_timeout_ms), the
 * daemon stops and the process exits 0. A second SIGTERM/SIGINT exits at
 * once.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "apikeys.h"
#include "catalog.h"
#include "clock.h"
#include "config.h"
#include "creds.h"
#include "gateway.h"
#include "http_server.h"
#include "log.h"
#include "pipeline.h"
#include "policy.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: streamgate [--config FILE] [--check-config] [--version] [--help]\n"
            "       streamgate hash-key [KEY]   print the SHA-256 to configure for an API key\n"
            "                                   (read from standard input without KEY)\n"
            "\n"
            "HTTP ingestion gateway for Amazon Kinesis, compatible with the API Gateway\n"
            "Kinesis proxy (PUT /streams/{stream}/record and /records).\n"
            "\n"
            "  --config FILE    JSON configuration (default: $STREAMGATE_CONFIG)\n"
            "  --check-config   validate the configuration and exit (non-zero on error)\n"
            "  --version        print the version and exit\n"
            "  --help           print this help and exit\n"
            "\n"
            "Environment: STREAMGATE_LISTEN=host:port, STREAMGATE_LOG_LEVEL, STREAMGATE_THREADS,\n"
            "AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL and the\n"
            "standard AWS credential variables. See README.md.\n"
            "Signals: SIGTERM/SIGINT drain and exit; SIGHUP reloads API keys, CORS, limits and\n"
            "event streams' catalogs, unknown_event_types and created_at_window.\n");
}

struct options {
    const char *config;
    int check_only;
};

/* `streamgate hash-key [KEY]`: the key from the argument or one line of
 * standard input (which keeps it out of shell history and `ps`). */
static int hash_key(int argc, char **argv)
{
    char line[SG_APIKEYS_MAX_KEY_LEN + 2];
    const char *key = argc > 2 ? argv[2] : NULL;
    if (!key) {
        if (!fgets(line, sizeof line, stdin)) {
            fprintf(stderr, "streamgate: hash-key: no key on standard input\n");
            return 2;
        }
        line[strcspn(line, "\r\n")] = '\0';
        key = line;
    }
    if (!*key || strlen(key) > SG_APIKEYS_MAX_KEY_LEN) {
        fprintf(stderr, "streamgate: hash-key: a key is 1-%d bytes\n", SG_APIKEYS_MAX_KEY_LEN);
        return 2;
    }
    char hex[65];
    sg_apikeys_hash_hex(key, hex);
    OPENSSL_cleanse(line, sizeof line);
    printf("%s\n", hex);
    return 0;
}

/* Returns 0 to run, 1 to exit 0 (help/version), -1 to exit 2. */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"check-config", no_argument, NULL, 'k'},
                                             {"version", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int ch;
    o->config = getenv("STREAMGATE_CONFIG");
    o->check_only = 0;
    while ((ch = getopt_long(argc, argv, "c:kvh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->config = optarg;
            break;
        case 'k':
            o->check_only = 1;
            break;
        case 'v':
            printf("streamgate %s\n", SG_VERSION);
            return 1;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "streamgate: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    if (!o->config || !*o->config) {
        fprintf(stderr, "streamgate: no configuration: pass --config FILE or set "
                        "STREAMGATE_CONFIG\n");
        return -1;
    }
    return 0;
}

/* Enough descriptors for max_connections plus the Kinesis connections. */
static void raise_nofile(unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t target = (rlim_t)want + 256;
    if (rl.rlim_cur >= target)
        return;
    rl.rlim_cur = target < rl.rlim_max ? target : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

static void exit_now(int sig)
{
    (void)sig;
    _exit(1);
}

static void wait_for_answers(struct sg_gateway *gw, int64_t until_ms)
{
    /* Resumed connections still have to write their responses. */
    while (atomic_load(&gw->active_requests) > 0 && sg_clock_ms() < until_ms) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Event types of the policy's catalogs, for the start-up and reload logs. */
static size_t catalog_types(const struct sg_policy *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_streams; i++)
        n += p->streams[i].catalog ? sg_catalog_count(p->streams[i].catalog) : 0;
    return n;
}

/* SIGHUP: load the file again; if it is valid, swap in its API keys, CORS,
 * limits and event streams' rules (catalogs included). A bad file, or a
 * catalog that does not load, is refused and the running policy stays. */
static void reload_policy(struct sg_gateway *gw, const char *path)
{
    struct sg_config *next = malloc(sizeof *next);
    char err[512];
    if (!next) {
        sg_log(SG_LOG_ERROR, "reload refused: out of memory");
        return;
    }
    struct sg_policy *pol = NULL;
    if (sg_config_load(path, sg_env_getenv, NULL, next, err, sizeof err) == 0)
        pol = sg_policy_new(next, path, err, sizeof err);
    if (!pol) {
        sg_log(SG_LOG_ERROR, "reload refused, keeping the running configuration: %s", err);
    } else {
        sg_policy_slot_swap(&gw->policy, pol);
        sg_log(SG_LOG_INFO,
               "reloaded %s: %zu API key(s), %zu catalog event type(s); API keys, CORS, "
               "body/record limits and event rules applied (other settings need a restart)",
               path, sg_apikeys_count(pol->apikeys), catalog_types(pol));
    }
    free(next);
}

/* Waits for SIGTERM/SIGINT (handling SIGHUP on the way), flushing the log
 * buffer every LOG_FLUSH_MS: stdout is fully buffered so that an access-log
 * line costs no system call of its own at tens of thousands of requests per
 * second. */
#define LOG_FLUSH_MS 200
static int wait_for_signal(struct sg_gateway *gw, const char *path, const sigset_t *sigs)
{
    for (;;) {
        struct timespec ts = {0, LOG_FLUSH_MS * 1000000L};
        int sig = sigtimedwait(sigs, NULL, &ts);
        if (sig == SIGHUP)
            reload_policy(gw, path);
        fflush(stdout);
        if (sig == SIGTERM || sig == SIGINT)
            return sig;
    }
}

static void shutdown_gracefully(struct sg_gateway *gw, struct sg_http_server *http,
                                const sigset_t *sigs)
{
    /* From now on a second signal ends the process at once. */
    struct sigaction sa = {.sa_handler = exit_now};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN); /* no reloads while draining */
    pthread_sigmask(SIG_UNBLOCK, sigs, NULL);

    const struct sg_config *cfg = gw->cfg;
    atomic_store(&gw->draining, true);
    sg_log(SG_LOG_INFO, "shutting down: readiness off, closing the listener in %u ms",
           cfg->shutdown_delay_ms);
    struct timespec delay = {cfg->shutdown_delay_ms / 1000,
                             (long)(cfg->shutdown_delay_ms % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0)
        ;
    sg_http_server_quiesce(http);
    sg_pipeline_drain(gw->pipeline, cfg->drain_timeout_ms);
    wait_for_answers(gw, sg_clock_ms() + 2000);
    struct sg_pipeline_stats st;
    sg_pipeline_get_stats(gw->pipeline, &st);
    fflush(stdout);
    sg_log(SG_LOG_INFO, "drained: %llu records accepted by Kinesis, %llu failed, %zu requests open",
           (unsigned long long)st.records_ok, (unsigned long long)st.records_failed,
           (size_t)atomic_load(&gw->active_requests));
}

static int serve(const struct sg_config *cfg, const char *path)
{
    int rc = 1;
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* inherited by every thread */

    static struct sg_gateway gw; /* large (counters); lives until exit */
    gw.cfg = cfg;
    struct sg_http_server *http = NULL;
    char err[512];
    struct sg_policy *pol = sg_policy_new(cfg, path, err, sizeof err);
    if (!pol) {
        fprintf(stderr, "streamgate: invalid configuration %s: %s\n", path, err);
        return 2;
    }
    sg_policy_slot_init(&gw.policy, pol);
    gw.creds = sg_creds_provider_new_default();
    if (!gw.creds)
        goto out;
    gw.pipeline = sg_pipeline_new(cfg, gw.creds);
    if (!gw.pipeline || sg_pipeline_start(gw.pipeline) != 0)
        goto out;
    gw.dead_letter = sg_dead_letter_new(cfg, gw.pipeline);
    if (!gw.dead_letter)
        goto out;
    http = sg_http_server_start(&gw);
    if (!http)
        goto out;
    char fields[256];
    snprintf(fields, sizeof fields,
             "\"port\":%u,\"host\":\"%s\",\"ops_port\":%u,\"threads\":%u,\"streams\":%zu",
             sg_http_server_port(http), cfg->listen_host, sg_http_server_ops_port(http),
             cfg->threads, cfg->n_streams);
    sg_log_fields(SG_LOG_INFO, fields, "streamgate %s listening on %s:%u", SG_VERSION,
                  cfg->listen_host, sg_http_server_port(http));
    int sig = wait_for_signal(&gw, path, &sigs);
    sg_log(SG_LOG_INFO, "received %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    shutdown_gracefully(&gw, http, &sigs);
    rc = 0;
out:
    if (http)
        sg_http_server_stop(http);
    sg_pipeline_free(gw.pipeline); /* resolves (and frees) every bad-row batch */
    sg_dead_letter_free(gw.dead_letter);
    sg_creds_provider_free(gw.creds);
    sg_policy_slot_destroy(&gw.policy);
    return rc;
}

int main(int argc, char **argv)
{
    /* Full buffering, flushed every LOG_FLUSH_MS by main (wait_for_signal)
     * and at exit. */
    static char log_buffer[1 << 16];
    setvbuf(stdout, log_buffer, _IOFBF, sizeof log_buffer);
    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && strcmp(argv[1], "hash-key") == 0)
        return hash_key(argc, argv);
    struct options opt;
    int a = parse_args(argc, argv, &opt);
    if (a != 0)
        return a > 0 ? 0 : 2;

    static struct sg_config cfg; /* large (stream table); immutable once loaded */
    char err[512];
    if (sg_config_load(opt.config, sg_env_getenv, NULL, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "streamgate: invalid configuration %s: %s\n", opt.config, err);
        return 2;
    }
    struct sg_policy *pol = sg_policy_new(&cfg, opt.config, err, sizeof err);
    if (!pol) {
        fprintf(stderr, "streamgate: invalid configuration %s: %s\n", opt.config, err);
        return 2;
    }
    if (opt.check_only) {
        printf("configuration %s is valid: %zu stream(s), listen %s:%u\n", opt.config,
               cfg.n_streams, cfg.listen_host, cfg.listen_port);
        for (size_t i = 0; i < pol->n_streams; i++)
            if (pol->streams[i].catalog)
                printf(
                    "stream %s: catalog %s, %zu event type(s)\n", pol->streams[i].name,
                    sg_config_find_stream(&cfg, pol->streams[i].name, strlen(pol->streams[i].name))
                        ->catalog,
                    sg_catalog_count(pol->streams[i].catalog));
        for (size_t i = 0; i < cfg.n_streams; i++)
            if (cfg.streams[i].dead_letter_stream[0])
                printf("stream %s: refused events kept in %s\n", cfg.streams[i].name,
                       cfg.streams[i].dead_letter_stream);
        sg_policy_release(pol);
        return 0;
    }
    sg_policy_release(pol);
    enum sg_log_level lvl = SG_LOG_INFO;
    sg_log_level_parse(cfg.log_level, &lvl);
    sg_log_set_level(lvl);
    raise_nofile(cfg.max_connections);

    /* Both must run before any thread starts (libcurl-thread(3), jansson
     * threadsafety docs). */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    json_object_seed(0);
    int rc = serve(&cfg, opt.config);
    curl_global_cleanup();
    return rc;
}
