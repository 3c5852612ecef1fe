/*
 * creds_internal.h: what the credential module's files share, and the hooks
 * its tests use. Not for the rest of streamgate (use creds.h).
 *
 * Vocabulary: a *source* is one place credentials come from (environment,
 * shared files, web identity, container endpoint, IMDS), behind the vtable
 * below, one source per creds_<name>.c file. The *chain* (creds_chain.c) is a
 * source that asks its sources in SDK order. The public sg_creds_provider
 * (creds.c) wraps one source - normally the chain - with the cached snapshot
 * and the refresh thread.
 *
 * Sources never read the process environment themselves: they read an
 * sg_creds_env, a copy of the variables they know, taken once when the
 * provider is built, through a lookup function the caller chooses (getenv in
 * production, a table in tests). So tests need no setenv() and the refresh
 * thread never calls getenv() while another thread might call setenv().
 *
 * SG_PRIVATE_HEADER: only server/creds/ (and its tests) include it.
 */
#ifndef SG_CREDS_INTERNAL_H
#define SG_CREDS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "creds.h"
#include "env.h"
#include "must_check.h"

struct sg_buf;

/* Limits. */
#define SG_CREDS_HTTP_BODY_MAX 16384   /* container/IMDS/STS answers are ~1-3 KiB */
#define SG_CREDS_FILE_MAX (256 * 1024) /* shared config files, token files */
#define SG_CREDS_ERR_MAX 256           /* size of the err out-params below */

/* Defaults of struct sg_creds_options. */
#define SG_CREDS_REFRESH_EARLY_S 300 /* as aws-c-auth: renew 5 minutes before Expiration */
#define SG_CREDS_BACKOFF_INITIAL_MS 1000
#define SG_CREDS_BACKOFF_MAX_MS 60000
#define SG_CREDS_INVALIDATE_MIN_INTERVAL_MS 1000

/* Timeouts of the HTTP sources (ms). IMDS is short so that a machine that is
 * not on EC2 does not stall start-up. */
#define SG_CREDS_IMDS_CONNECT_MS 1000
#define SG_CREDS_IMDS_TOTAL_MS 2000
#define SG_CREDS_CONTAINER_CONNECT_MS 2000
#define SG_CREDS_CONTAINER_TOTAL_MS 5000
#define SG_CREDS_STS_CONNECT_MS 3000
#define SG_CREDS_STS_TOTAL_MS 10000

/* ---- Environment ------------------------------------------------------- */

/* Lookups (sg_env_getenv, sg_env_lookup_kv, or a test's own): env.h. */

struct sg_creds_env;

/* Copies every variable the sources read (AWS_*, HOME) through `lookup`.
 * Empty values count as unset. Returns NULL on OOM. */
struct sg_creds_env *sg_creds_env_new(sg_env_lookup_fn lookup, void *ctx);
void sg_creds_env_free(struct sg_creds_env *e);

/* Returns the copied value (borrowed, lives as long as `e`) or NULL when unset
 * or not a variable the module knows. */
const char *sg_creds_env_get(const struct sg_creds_env *e, const char *name);

/* True when the variable is set to "true", case-insensitively. */
bool sg_creds_env_is_true(const struct sg_creds_env *e, const char *name);

/* ---- Snapshots ----------------------------------------------------------- */

/* Builds a snapshot with one reference. Copies every string. `token` may be
 * NULL or empty (no session token). Returns NULL on OOM or when the key id or
 * secret is NULL or empty. */
SG_MUST_CHECK struct sg_credentials *sg_credentials_new(const char *access_key_id,
                                                        const char *secret, const char *token,
                                                        time_t expiration, const char *source);

/* Current reference count (tests only; racy by nature). */
int sg_credentials_refcount(const struct sg_credentials *c);

/* Test hook: called with the secret bytes region just before it is freed,
 * after it was wiped. NULL (the default) in production. */
typedef void (*sg_credentials_wipe_hook_fn)(const char *region, size_t len);
void sg_credentials_set_wipe_hook(sg_credentials_wipe_hook_fn hook);

/* ---- Parsing helpers (pure) --------------------------------------------- */

/* Parses an ISO 8601 / RFC 3339 UTC time: YYYY-MM-DDTHH:MM:SS, optional
 * fraction, then Z or +hh:mm / -hh:mm. Returns 0 and sets *out, or -1. */
SG_MUST_CHECK int sg_creds_parse_iso8601(const char *s, size_t len, time_t *out);

/* Formats `t` as YYYY-MM-DDTHH:MM:SSZ into out (>= 21 bytes). */
void sg_creds_format_iso8601(time_t t, char *out, size_t outlen);

/* Builds a snapshot from the JSON of the container and IMDS endpoints
 * (AccessKeyId, SecretAccessKey, Token, Expiration). Returns 0 and a new
 * snapshot in *out, or -1 with a reason (never secret) in err. */
SG_MUST_CHECK int sg_creds_from_json(const char *body, size_t len, const char *source,
                                     struct sg_credentials **out, char *err, size_t errlen);

/* Reads a whole file of at most `max` bytes into a NUL-terminated malloc'd
 * buffer (*len bytes). Returns 0, or -1 with a reason in err. The caller
 * wipes and frees the buffer (sg_creds_wipe_free). */
SG_MUST_CHECK int sg_creds_read_file(const char *path, size_t max, char **out, size_t *len,
                                     char *err, size_t errlen);

/* OPENSSL_cleanse(p, len) then free(p). NULL-safe. */
void sg_creds_wipe_free(void *p, size_t len);

/* ---- HTTP ---------------------------------------------------------------- */

struct sg_creds_http_request {
    const char *method; /* "GET", "PUT" or "POST" */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;           /* POST body, or NULL */
    size_t body_len;
    long connect_timeout_ms;
    long timeout_ms;
    bool no_proxy; /* true for link-local metadata endpoints */
};

struct sg_creds_http_response {
    long status;
    char *body; /* NUL-terminated, owned; may hold secrets: free with _response_free */
    size_t len;
};

/* Sends one request. Returns 0 when a response arrived (any status), -1 on a
 * transport error (reason in err). `resp` is filled on 0 and must then be
 * released with sg_creds_http_response_free. */
typedef int (*sg_creds_http_send_fn)(void *ctx, const struct sg_creds_http_request *req,
                                     struct sg_creds_http_response *resp, char *err, size_t errlen);

/* How sources talk HTTP: libcurl in production (sg_creds_http_curl), a table
 * in unit tests. Borrowed by the sources; must outlive them. */
struct sg_creds_http {
    sg_creds_http_send_fn send;
    void *ctx;
};

/* libcurl implementation: one easy handle per request, TLS verified, no
 * redirects, http/https only. ctx is a `const atomic_bool *` cancel flag (or
 * NULL): when it becomes true the transfer is aborted, so freeing the
 * provider does not wait for a slow endpoint. */
int sg_creds_http_curl(void *ctx, const struct sg_creds_http_request *req,
                       struct sg_creds_http_response *resp, char *err, size_t errlen);

/* Wipes and frees the body. NULL-safe, idempotent. */
void sg_creds_http_response_free(struct sg_creds_http_response *resp);

/* ---- Sources ------------------------------------------------------------- */

enum sg_creds_result {
    SG_CREDS_OK = 0,
    SG_CREDS_NOT_CONFIGURED, /* this source does not apply here; the chain moves on */
    SG_CREDS_FAILED,         /* configured but failed (network, parse, HTTP status) */
};

struct sg_creds_source;

struct sg_creds_source_vtable {
    const char *name; /* for logs: "environment", "profile", ... */
    /* Resolves credentials. On SG_CREDS_OK, *out holds a new snapshot (one
     * reference, transferred). Otherwise err holds a reason without secrets.
     * Called from one thread at a time. May block on I/O. */
    enum sg_creds_result (*fetch)(struct sg_creds_source *s, struct sg_credentials **out, char *err,
                                  size_t errlen);
    void (*destroy)(struct sg_creds_source *s);
};

/* Every source struct starts with this. */
struct sg_creds_source {
    const struct sg_creds_source_vtable *vt;
};

static inline enum sg_creds_result sg_creds_source_fetch(struct sg_creds_source *s,
                                                         struct sg_credentials **out, char *err,
                                                         size_t errlen)
{
    return s->vt->fetch(s, out, err, errlen);
}

/* NULL-safe. */
void sg_creds_source_free(struct sg_creds_source *s);

/* Constructors. `env` and `http` are borrowed and must outlive the source.
 * Each returns NULL only on OOM. */
struct sg_creds_source *sg_creds_env_source_new(const struct sg_creds_env *env);
struct sg_creds_source *sg_creds_profile_source_new(const struct sg_creds_env *env);
struct sg_creds_source *sg_creds_web_identity_source_new(const struct sg_creds_env *env,
                                                         const struct sg_creds_http *http);
struct sg_creds_source *sg_creds_container_source_new(const struct sg_creds_env *env,
                                                      const struct sg_creds_http *http);
struct sg_creds_source *sg_creds_imds_source_new(const struct sg_creds_env *env,
                                                 const struct sg_creds_http *http);

/* The chain: takes ownership of `n` sources (even on failure) and asks them
 * in order; the first SG_CREDS_OK wins. */
struct sg_creds_source *sg_creds_chain_new(struct sg_creds_source **sources, size_t n);

/* The SDK default chain over `env`: environment, shared files, web identity,
 * then the container source if AWS_CONTAINER_CREDENTIALS_{RELATIVE,FULL}_URI
 * is set, else IMDS unless AWS_EC2_METADATA_DISABLED=true. */
struct sg_creds_source *sg_creds_default_chain_new(const struct sg_creds_env *env,
                                                   const struct sg_creds_http *http);

/* Pieces of the sources, exposed for unit tests. */

/* Container: is `url` allowed as AWS_CONTAINER_CREDENTIALS_FULL_URI?
 * https: any host; http: only 127.0.0.0/8, ::1, 169.254.170.2,
 * 169.254.170.23, fd00:ec2::23 (IP literals; names are refused). */
bool sg_creds_container_url_allowed(const char *url);

/* Shared files: looks up `key` of profile `profile` in the text of an INI
 * file. `config_style`: sections are "[profile NAME]" (and "[default]" /
 * "[profile default]" for default), else "[NAME]". Returns a malloc'd value or
 * NULL. */
char *sg_creds_ini_lookup(const char *text, size_t len, const char *profile, bool config_style,
                          const char *key);

/* Web identity: the text of element <tag> inside <Credentials> of an STS
 * answer, with the five XML entities decoded. Returns malloc'd or NULL. */
char *sg_creds_xml_credentials_field(const char *xml, size_t len, const char *tag);

/* Appends the application/x-www-form-urlencoded form of s (RFC 3986
 * unreserved characters kept, every other byte %XX). Returns 0 or -1. */
SG_MUST_CHECK int sg_creds_form_append(struct sg_buf *b, const char *s);

/* ---- Provider construction with explicit inputs ------------------------- */

/* The provider's clocks: monotonic milliseconds (the refresh schedule) and
 * Unix seconds (credentials' Expiration). */
typedef int64_t (*sg_creds_clock_ms_fn)(void);
typedef time_t (*sg_creds_clock_s_fn)(void);

struct sg_creds_options {
    int refresh_early_s;            /* renew this long before Expiration */
    int backoff_initial_ms;         /* first retry delay after a failure */
    int backoff_max_ms;             /* ceiling of the doubling delay */
    int invalidate_min_interval_ms; /* invalidate() refetches at most this often */
    /* sg_clock_ms and time() unless a test passes its own (NULL: those).
     * The refresh thread waits on CLOCK_MONOTONIC: a clock of one's own goes
     * with no_thread. */
    sg_creds_clock_ms_fn now_ms;
    sg_creds_clock_s_fn now_s;
    /* No refresh thread: the caller runs each step with
     * sg_creds_provider_turn (unit tests, on their own clock). */
    bool no_thread;
};

/* Fills the defaults above. */
void sg_creds_options_default(struct sg_creds_options *o);

/* The default chain over the variables `lookup` returns, with libcurl. `opts`
 * may be NULL (defaults). Returns NULL only on OOM. */
struct sg_creds_provider *sg_creds_provider_new_env(sg_env_lookup_fn lookup, void *lookup_ctx,
                                                    const struct sg_creds_options *opts);

/* A provider over any source (taken, even on failure), e.g. a scripted one in
 * unit tests. `opts` may be NULL. Returns NULL only on OOM. */
struct sg_creds_provider *sg_creds_provider_new_source(struct sg_creds_source *src,
                                                       const struct sg_creds_options *opts);

/*
 * One step of the refresh: waits up to `max_wait_ms` (0: not at all) for the
 * next fetch to fall due, an invalidate() or free(), then fetches when it is
 * due at opts.now_ms() (the schedule, or an invalidate() within its rate
 * limit), swaps the snapshot and reschedules. Returns the monotonic time of
 * the next fetch, INT64_MAX when only an invalidate() brings one. The
 * refresh thread loops over it; with opts.no_thread the caller runs it
 * (one thread at a time), as the pipeline's tests run sg_pipeline_turn.
 */
int64_t sg_creds_provider_turn(struct sg_creds_provider *p, int64_t max_wait_ms);

#endif
