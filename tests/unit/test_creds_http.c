/*
 * test_creds_http: a small driver of the credential provider for the
 * integration tests (tests/integration/test_creds.py), which point it at
 * local endpoints through its environment.
 *
 *   test_creds_http
 *       Self-check without network (what ctest runs as a unit test): a
 *       provider over an explicit environment table resolves its keys.
 *   test_creds_http --env [--watch MS] [--invalidate-at MS] [--backoff-ms MS]
 *                         [--early S]
 *       Builds the default chain from the process environment (with libcurl),
 *       then prints one line per event on stdout:
 *         initial source=S akid=K expires=ISO|none token=yes|no   (or "initial none")
 *         rotated t_ms=T source=S akid=K expires=...               (key id changed)
 *         gap t_ms=T                      (get() returned NULL after credentials existed)
 *         done rotations=N gaps=G gets=C
 *       Only key ids are printed, never secrets or tokens.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "creds/creds_internal.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void describe(const char *what, long long t, const struct sg_credentials *c)
{
    char exp[32] = "none";
    if (c->expiration)
        sg_creds_format_iso8601(c->expiration, exp, sizeof exp);
    if (t >= 0)
        printf("%s t_ms=%lld source=%s akid=%s expires=%s token=%s\n", what, t, c->source,
               c->access_key_id, exp, c->session_token ? "yes" : "no");
    else
        printf("%s source=%s akid=%s expires=%s token=%s\n", what, c->source, c->access_key_id, exp,
               c->session_token ? "yes" : "no");
    fflush(stdout);
}

static int self_check(void)
{
    const char *kv[] = {"AWS_ACCESS_KEY_ID=AKIDSELFCHECK", "AWS_SECRET_ACCESS_KEY=x",
                        "AWS_EC2_METADATA_DISABLED=true", NULL};
    struct sg_creds_provider *p = sg_creds_provider_new_env(sg_env_lookup_kv, kv, NULL);
    struct sg_credentials *c = sg_creds_provider_get(p);
    int ok = c && strcmp(c->access_key_id, "AKIDSELFCHECK") == 0 &&
             strcmp(c->source, "environment") == 0;
    if (c)
        describe("initial", -1, c);
    sg_credentials_release(c);
    sg_creds_provider_free(p);
    printf("test_creds_http self-check: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

struct args {
    long watch_ms, invalidate_at_ms;
    struct sg_creds_options opts;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    sg_creds_options_default(&a->opts);
    a->watch_ms = 0;
    a->invalidate_at_ms = -1;
    for (int i = 2; i < argc; i += 2) { /* --flag value pairs */
        if (i + 1 >= argc)
            return -1;
        long v = strtol(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--watch") == 0)
            a->watch_ms = v;
        else if (strcmp(argv[i], "--invalidate-at") == 0)
            a->invalidate_at_ms = v;
        else if (strcmp(argv[i], "--backoff-ms") == 0)
            a->opts.backoff_initial_ms = (int)v;
        else if (strcmp(argv[i], "--early") == 0)
            a->opts.refresh_early_s = (int)v;
        else
            return -1;
    }
    return 0;
}

static void watch(struct sg_creds_provider *p, const struct args *a, const char *first_akid)
{
    char last[128];
    snprintf(last, sizeof last, "%s", first_akid ? first_akid : "");
    long long start = now_ms();
    int rotations = 0, gaps = 0, gets = 0;
    bool had = first_akid != NULL, invalidated = false;
    for (long long t = 0; t < a->watch_ms; t = now_ms() - start) {
        if (!invalidated && a->invalidate_at_ms >= 0 && t >= a->invalidate_at_ms) {
            sg_creds_provider_invalidate(p);
            invalidated = true;
        }
        struct sg_credentials *c = sg_creds_provider_get(p);
        gets++;
        if (!c && had) {
            gaps++;
            printf("gap t_ms=%lld\n", t);
        } else if (c && strcmp(c->access_key_id, last) != 0) {
            rotations++;
            snprintf(last, sizeof last, "%s", c->access_key_id);
            describe("rotated", t, c);
        }
        had |= c != NULL;
        sg_credentials_release(c);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    printf("done rotations=%d gaps=%d gets=%d\n", rotations, gaps, gets);
}

int main(int argc, char **argv)
{
    struct args a;
    if (argc < 2)
        return self_check();
    if (strcmp(argv[1], "--env") != 0 || parse_args(argc, argv, &a)) {
        fprintf(stderr,
                "usage: %s [--env [--watch MS] [--invalidate-at MS] [--backoff-ms MS] "
                "[--early S]]\n",
                argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct sg_creds_provider *p = sg_creds_provider_new_env(sg_env_getenv, NULL, &a.opts);
    if (!p)
        return 1;
    struct sg_credentials *c = sg_creds_provider_get(p);
    if (c)
        describe("initial", -1, c);
    else
        printf("initial none\n");
    watch(p, &a, c ? c->access_key_id : NULL);
    sg_credentials_release(c);
    long long t0 = now_ms();
    sg_creds_provider_free(p);
    printf("freed in %lld ms\n", now_ms() - t0);
    curl_global_cleanup();
    return 0;
}
