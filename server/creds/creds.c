/*
 * creds: credential snapshots and the cached, self-refreshing provider.
 *
 * DESIGN
 *
 * Snapshot. struct sg_credentials is the first member of a private struct
 * that adds an atomic reference count and one allocation holding every string
 * (key id, secret, token, source). It never changes after construction, so
 * any number of threads may read it without locks. The last release wipes the
 * strings with OPENSSL_cleanse before free().
 *
 * Provider. Owns one source (normally the SDK default chain) and a refresh
 * thread:
 *   - `lock` guards `current` (the snapshot handed out, may be NULL),
 *     `invalidated` and `stop`. It is held only to swap or read pointers and
 *     flags: no I/O, no logging and no source call ever happens under it.
 *   - get() takes a reference to `current` under the lock and returns. It does
 *     no I/O; a snapshot whose Expiration has passed is not handed out.
 *   - The refresh thread alone calls the source, and alone touches the
 *     schedule fields (next_ms, backoff_ms, last_fetch_ms). It fetches
 *     unlocked, then swaps the new snapshot in under the lock and releases the
 *     old one outside it (readers that still hold the old one keep it valid).
 *   - Schedule: temporary credentials are renewed opts.refresh_early_s before
 *     their Expiration (5 min by default, as aws-c-auth). A failed fetch is
 *     retried after opts.backoff_initial_ms, doubling up to
 *     opts.backoff_max_ms; the old snapshot stays until it expires. With
 *     nothing found at start the same backoff keeps trying, so a gateway
 *     started before its credentials exist recovers on its own. Long-term
 *     credentials (no Expiration) are fetched again only on invalidate().
 *   - invalidate() sets a flag and signals `wake`; the thread refetches at
 *     once, but no more often than opts.invalidate_min_interval_ms, so a burst
 *     of ExpiredToken answers from many senders costs one fetch.
 *   - Time comes from opts.now_ms (monotonic: the schedule) and opts.now_s
 *     (wall clock: Expiration), sg_clock_ms and time() unless a test passes
 *     its own; one refresh step is sg_creds_provider_turn, which the thread
 *     loops over, and which a test without the thread (opts.no_thread)
 *     calls itself after moving its clock, as the pipeline's tests drive
 *     sg_pipeline_turn.
 *   - Waits are pthread_cond_timedwait on CLOCK_MONOTONIC (wall-clock steps do
 *     not stretch them). sg_creds_provider_free() sets `stop`, signals and
 *     joins; the libcurl transfers watch `stop` through their progress
 *     callback, so free() returns within a fraction of a second even in the
 *     middle of a slow fetch.
 * The constructor runs the first fetch in the caller's thread before the
 * refresh thread starts, so a provider that found credentials answers get()
 * at once.
 */
#include "creds_internal.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "log.h"

/* ---- Snapshots ----------------------------------------------------------- */

struct snapshot {
    struct sg_credentials pub; /* first: a struct sg_credentials * is a struct snapshot * */
    atomic_int refs;
    size_t blob_len;
    char blob[]; /* key id, secret, token, source; each NUL-terminated */
};

static sg_credentials_wipe_hook_fn wipe_hook;

void sg_credentials_set_wipe_hook(sg_credentials_wipe_hook_fn hook)
{
    wipe_hook = hook;
}

static char *put_string(char **cursor, const char *s, size_t n)
{
    char *start = *cursor;
    memcpy(start, s, n);
    start[n] = '\0';
    *cursor += n + 1;
    return start;
}

struct sg_credentials *sg_credentials_new(const char *access_key_id, const char *secret,
                                          const char *token, time_t expiration, const char *source)
{
    if (!access_key_id || !*access_key_id || !secret || !*secret)
        return NULL;
    if (!source)
        source = "";
    size_t la = strlen(access_key_id), ls = strlen(secret), lt = token ? strlen(token) : 0,
           lsrc = strlen(source);
    size_t blob_len = la + ls + lt + lsrc + 4;
    struct snapshot *s = malloc(sizeof *s + blob_len);
    if (!s)
        return NULL;
    char *cursor = s->blob;
    s->pub.access_key_id = put_string(&cursor, access_key_id, la);
    s->pub.secret_access_key = put_string(&cursor, secret, ls);
    s->pub.session_token = lt ? put_string(&cursor, token, lt) : NULL;
    s->pub.source = put_string(&cursor, source, lsrc);
    s->pub.expiration = expiration;
    s->blob_len = blob_len;
    atomic_init(&s->refs, 1);
    return &s->pub;
}

struct sg_credentials *sg_credentials_ref(struct sg_credentials *c)
{
    if (c)
        atomic_fetch_add_explicit(&((struct snapshot *)c)->refs, 1, memory_order_relaxed);
    return c;
}

void sg_credentials_release(struct sg_credentials *c)
{
    if (!c)
        return;
    struct snapshot *s = (struct snapshot *)c;
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    OPENSSL_cleanse(s->blob, s->blob_len);
    if (wipe_hook)
        wipe_hook(s->blob, s->blob_len);
    free(s);
}

int sg_credentials_refcount(const struct sg_credentials *c)
{
    return atomic_load(&((struct snapshot *)c)->refs);
}

/* ---- Provider ------------------------------------------------------------ */

#define NEVER INT64_MAX

struct sg_creds_provider {
    pthread_mutex_t lock;
    pthread_cond_t wake;            /* invalidate() and free() signal it */
    struct sg_credentials *current; /* guarded by lock; NULL when none */
    bool invalidated;               /* guarded by lock */
    atomic_bool stop;               /* written under lock; read unlocked by libcurl callbacks */

    /* Refresh thread only (the constructor before the thread starts). */
    struct sg_creds_source *source;
    struct sg_creds_options opts;
    int64_t next_ms; /* monotonic time of the next fetch, or NEVER */
    int64_t last_fetch_ms;
    int backoff_ms;
    bool loaded_once;

    pthread_t thread;
    bool thread_started;

    /* Fetch outcomes, for /metrics (read from any thread): the
     * credential rows of metrics.h. */
    struct sg_metrics metrics;

    /* Inputs of the default chain, owned (NULL for new_source). */
    struct sg_creds_env *env;
    struct sg_creds_http http;
};

/* One service log line about the chain, with the source that answered and a
 * detail such as "HTTP 500" or an expiry time (never a secret). */
static void log_creds(enum sg_log_level level, const char *msg, const char *source,
                      const char *detail)
{
    struct sg_buf fields;
    sg_buf_init(&fields, 2 * SG_CREDS_ERR_MAX + 64);
    int rc = 0;
    if (source) {
        rc |= sg_buf_append_str(&fields, "\"source\":");
        rc |= sg_buf_append_json_string(&fields, source, strlen(source));
    }
    if (detail) {
        rc |= sg_buf_append_str(&fields, source ? ",\"detail\":" : "\"detail\":");
        rc |= sg_log_append_json_text(&fields, detail, strlen(detail));
    }
    sg_log_fields(level, rc == 0 ? fields.data : NULL, "%s", msg);
    sg_buf_free(&fields);
}

static time_t wall_clock_s(void)
{
    return time(NULL);
}

void sg_creds_options_default(struct sg_creds_options *o)
{
    o->refresh_early_s = SG_CREDS_REFRESH_EARLY_S;
    o->backoff_initial_ms = SG_CREDS_BACKOFF_INITIAL_MS;
    o->backoff_max_ms = SG_CREDS_BACKOFF_MAX_MS;
    o->invalidate_min_interval_ms = SG_CREDS_INVALIDATE_MIN_INTERVAL_MS;
    o->now_ms = sg_clock_ms;
    o->now_s = wall_clock_s;
    o->no_thread = false;
}

/* Next fetch after a failure (or after credentials that already fall inside
 * the early window): now + backoff, and the backoff doubles. */
static void schedule_backoff(struct sg_creds_provider *p)
{
    p->next_ms = p->opts.now_ms() + p->backoff_ms;
    p->backoff_ms =
        p->backoff_ms > p->opts.backoff_max_ms / 2 ? p->opts.backoff_max_ms : p->backoff_ms * 2;
}

static void schedule_after_success(struct sg_creds_provider *p, time_t expiration, time_t now)
{
    if (expiration == 0) {
        p->next_ms = NEVER;
        p->backoff_ms = p->opts.backoff_initial_ms;
        return;
    }
    time_t delay_s = expiration - p->opts.refresh_early_s - now;
    if (delay_s <= 0) { /* short-lived answer: try again soon, without hammering */
        schedule_backoff(p);
        return;
    }
    p->next_ms = p->opts.now_ms() + (int64_t)delay_s * 1000;
    p->backoff_ms = p->opts.backoff_initial_ms;
}

static void log_loaded(struct sg_creds_provider *p, const struct sg_credentials *c)
{
    char detail[64] = "no expiration";
    if (c->expiration) {
        char when[32];
        sg_creds_format_iso8601(c->expiration, when, sizeof when);
        snprintf(detail, sizeof detail, "expires %s", when);
    }
    log_creds(SG_LOG_INFO, p->loaded_once ? "credentials refreshed" : "credentials loaded",
              c->source, detail);
    p->loaded_once = true;
}

/* Replaces `current` with `c` (reference transferred; may be NULL). */
static void swap_current(struct sg_creds_provider *p, struct sg_credentials *c)
{
    pthread_mutex_lock(&p->lock);
    struct sg_credentials *old = p->current;
    p->current = c;
    pthread_mutex_unlock(&p->lock);
    sg_credentials_release(old);
}

/* Drops `current` once its Expiration has passed: useless to callers now. */
static void drop_if_expired(struct sg_creds_provider *p, time_t now)
{
    struct sg_credentials *old = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->current && p->current->expiration && p->current->expiration <= now) {
        old = p->current;
        p->current = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    if (old)
        log_creds(SG_LOG_WARN, "credentials expired before a refresh succeeded", old->source, NULL);
    sg_credentials_release(old);
}

/* One fetch and its consequences. Refresh thread (or constructor) only. */
static void refresh_once(struct sg_creds_provider *p)
{
    char err[SG_CREDS_ERR_MAX] = "";
    struct sg_credentials *fresh = NULL;
    p->last_fetch_ms = p->opts.now_ms();
    enum sg_creds_result r = sg_creds_source_fetch(p->source, &fresh, err, sizeof err);
    time_t now = p->opts.now_s();
    if (r == SG_CREDS_OK) {
        sg_metrics_add(&p->metrics, SG_M_CREDENTIAL_LOADS, 1);
        time_t expiration = fresh->expiration;
        log_loaded(p, fresh);
        swap_current(p, fresh);
        schedule_after_success(p, expiration, now);
        return;
    }
    if (atomic_load(&p->stop))
        return;
    sg_metrics_add(&p->metrics, SG_M_CREDENTIAL_LOAD_FAILURES, 1);
    drop_if_expired(p, now);
    int delay = p->backoff_ms;
    schedule_backoff(p);
    char detail[SG_CREDS_ERR_MAX + 48];
    snprintf(detail, sizeof detail, "%s; retry in %d ms", err, delay);
    log_creds(SG_LOG_WARN, p->loaded_once ? "credentials refresh failed" : "no credentials found",
              NULL, detail);
}

static void wait_until(struct sg_creds_provider *p, int64_t due_ms)
{
    if (due_ms == NEVER) {
        pthread_cond_wait(&p->wake, &p->lock);
        return;
    }
    struct timespec ts = {.tv_sec = due_ms / 1000, .tv_nsec = (due_ms % 1000) * 1000000};
    int rc = pthread_cond_timedwait(&p->wake, &p->lock, &ts);
    (void)rc; /* ETIMEDOUT or a wake-up: the caller re-evaluates either way */
}

/* When the next fetch is due: the schedule, or sooner after invalidate()
 * within its rate limit. Under lock. */
static int64_t next_due(const struct sg_creds_provider *p)
{
    int64_t due = p->next_ms;
    if (p->invalidated) {
        int64_t soonest = p->last_fetch_ms + p->opts.invalidate_min_interval_ms;
        if (soonest < due)
            due = soonest;
    }
    return due;
}

int64_t sg_creds_provider_turn(struct sg_creds_provider *p, int64_t max_wait_ms)
{
    pthread_mutex_lock(&p->lock);
    int64_t due = next_due(p), now = p->opts.now_ms();
    if (now < due && max_wait_ms > 0 && !atomic_load(&p->stop)) {
        /* The lock is held from next_due() to the wait: an invalidate() or
         * free() in between cannot be missed. */
        wait_until(p, due - now > max_wait_ms ? now + max_wait_ms : due);
        due = next_due(p);
    }
    if (!atomic_load(&p->stop) && p->opts.now_ms() >= due) {
        p->invalidated = false;
        pthread_mutex_unlock(&p->lock);
        refresh_once(p);
        pthread_mutex_lock(&p->lock);
        due = next_due(p);
    }
    pthread_mutex_unlock(&p->lock);
    return due;
}

static void *refresh_main(void *arg)
{
    struct sg_creds_provider *p = arg;
    while (!atomic_load(&p->stop))
        sg_creds_provider_turn(p, NEVER);
    return NULL;
}

static struct sg_creds_provider *provider_alloc(const struct sg_creds_options *opts)
{
    struct sg_creds_provider *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        goto err_free;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        goto err_free;
    if (pthread_mutex_init(&p->lock, NULL) != 0)
        goto err_cond;
    atomic_init(&p->stop, false);
    if (opts)
        p->opts = *opts;
    else
        sg_creds_options_default(&p->opts);
    if (!p->opts.now_ms)
        p->opts.now_ms = sg_clock_ms;
    if (!p->opts.now_s)
        p->opts.now_s = wall_clock_s;
    if (p->opts.backoff_initial_ms < 1)
        p->opts.backoff_initial_ms = 1;
    if (p->opts.backoff_max_ms < p->opts.backoff_initial_ms)
        p->opts.backoff_max_ms = p->opts.backoff_initial_ms;
    p->backoff_ms = p->opts.backoff_initial_ms;
    p->next_ms = NEVER;
    return p;
err_cond:
    pthread_cond_destroy(&p->wake);
err_free:
    free(p);
    return NULL;
}

/* First fetch, then the thread. Frees p and returns NULL on failure. */
static struct sg_creds_provider *provider_start(struct sg_creds_provider *p)
{
    if (!p->source) {
        sg_creds_provider_free(p);
        return NULL;
    }
    refresh_once(p);
    if (p->opts.no_thread)
        return p;
    if (pthread_create(&p->thread, NULL, refresh_main, p) != 0) {
        sg_creds_provider_free(p);
        return NULL;
    }
    p->thread_started = true;
    return p;
}

struct sg_creds_provider *sg_creds_provider_new_source(struct sg_creds_source *src,
                                                       const struct sg_creds_options *opts)
{
    struct sg_creds_provider *p = provider_alloc(opts);
    if (!p) {
        sg_creds_source_free(src);
        return NULL;
    }
    p->source = src;
    return provider_start(p);
}

struct sg_creds_provider *sg_creds_provider_new_env(sg_env_lookup_fn lookup, void *lookup_ctx,
                                                    const struct sg_creds_options *opts)
{
    struct sg_creds_provider *p = provider_alloc(opts);
    if (!p)
        return NULL;
    p->http.send = sg_creds_http_curl;
    p->http.ctx = &p->stop;
    p->env = sg_creds_env_new(lookup, lookup_ctx);
    if (p->env)
        p->source = sg_creds_default_chain_new(p->env, &p->http);
    return provider_start(p);
}

struct sg_creds_provider *sg_creds_provider_new_default(void)
{
    return sg_creds_provider_new_env(sg_env_getenv, NULL, NULL);
}

void sg_creds_provider_free(struct sg_creds_provider *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stop, true);
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    if (p->thread_started)
        pthread_join(p->thread, NULL);
    sg_creds_source_free(p->source);
    sg_credentials_release(p->current);
    sg_creds_env_free(p->env);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
}

struct sg_credentials *sg_creds_provider_get(struct sg_creds_provider *p)
{
    if (!p)
        return NULL;
    time_t now = p->opts.now_s();
    pthread_mutex_lock(&p->lock);
    struct sg_credentials *c = p->current;
    if (c && c->expiration && c->expiration <= now)
        c = NULL; /* expired and not yet replaced: better none than a rejected one */
    sg_credentials_ref(c);
    pthread_mutex_unlock(&p->lock);
    return c;
}

void sg_creds_provider_invalidate(struct sg_creds_provider *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->invalidated = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void sg_creds_source_free(struct sg_creds_source *s)
{
    if (s)
        s->vt->destroy(s);
}

void sg_creds_provider_read_metrics(struct sg_creds_provider *p, struct sg_metrics_snapshot *into)
{
    sg_metrics_read(&p->metrics, into);
}
