/*
 * Unit tests of the credential module (server/creds*.c).
 *
 * Every source gets its environment as an explicit "NAME=value" table
 * (sg_env_lookup_kv), never through setenv(), and the HTTP sources talk to
 * a scripted transport (struct sg_creds_http), so the tests need no network
 * and may run in parallel. Shared files are written into a fresh temporary
 * HOME below the working directory. The refresh tests drive the real refresh
 * thread over a scripted source with millisecond backoffs.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "creds/creds_internal.h"

static bool str_is(const char *got, const char *want)
{
    return got && strcmp(got, want) == 0;
}

static const char *show(const char *s)
{
    return s ? s : "(null)";
}

#define CHECK_STR(got, want, ctx)                                                                  \
    CHECK(str_is((got), (want)), "%s: got [%s] want [%s]", (ctx), show(got), (want))

static char tmp_home[512];

/* ---- Helpers ------------------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Fetches once from `src` over the kv env; returns the result. */
static enum sg_creds_result fetch_once(struct sg_creds_source *src, struct sg_credentials **out,
                                       char *err)
{
    *out = NULL;
    err[0] = '\0';
    return sg_creds_source_fetch(src, out, err, SG_CREDS_ERR_MAX);
}

/* ---- Scripted HTTP ------------------------------------------------------- */

struct route {
    const char *method;
    const char *url; /* exact */
    long status;
    const char *body;
};

#define MAX_SEEN 16
struct fake_http {
    const struct route *routes;
    int n_requests;
    char seen[MAX_SEEN][1024]; /* "METHOD URL|header|header|...|body" */
};

static int fake_send(void *ctx, const struct sg_creds_http_request *req,
                     struct sg_creds_http_response *resp, char *err, size_t errlen)
{
    struct fake_http *f = ctx;
    if (f->n_requests < MAX_SEEN) {
        char *s = f->seen[f->n_requests];
        size_t n = (size_t)snprintf(s, 1024, "%s %s", req->method, req->url);
        for (const char *const *h = req->headers; h && *h && n < 1024; h++)
            n += (size_t)snprintf(s + n, 1024 - n, "|%s", *h);
        if (req->body && n < 1024)
            snprintf(s + n, 1024 - n, "|%.*s", (int)req->body_len, req->body);
    }
    f->n_requests++;
    for (const struct route *r = f->routes; r && r->method; r++) {
        if (strcmp(r->method, req->method) == 0 && strcmp(r->url, req->url) == 0) {
            resp->status = r->status;
            resp->len = strlen(r->body);
            resp->body = strdup(r->body);
            return 0;
        }
    }
    snprintf(err, errlen, "connection refused");
    return -1;
}

/* ---- Expiration parsing -------------------------------------------------- */

static void test_iso8601(void)
{
    static const struct {
        const char *in;
        int ok;
        time_t want;
    } cases[] = {
        {"2026-11-22T03:00:00Z", 1, 1795316400},
        {"2026-11-22T03:00:00.123456Z", 1, 1795316400},
        {"2026-11-22t03:00:00z", 1, 1795316400},
        {"2026-11-22T05:00:00+02:00", 1, 1795316400},
        {"2026-11-21T22:30:00-04:30", 1, 1795316400},
        {"1970-01-01T00:00:00Z", 1, 0},
        {"2024-02-29T00:00:00Z", 1, 1709164800},
        {"2023-02-29T00:00:00Z", 0, 0},
        {"2026-11-22T03:00:00", 0, 0},
        {"2026-11-22 03:00:00Z", 0, 0},
        {"2026-13-01T00:00:00Z", 0, 0},
        {"2026-11-22T24:00:00Z", 0, 0},
        {"2026-11-22T03:00:60Z", 0, 0},
        {"2026-11-22T03:00:00.Z", 0, 0},
        {"2026-11-22T03:00:00+2:00", 0, 0},
        {"2026-11-22T03:00:00Zjunk", 0, 0},
        {"", 0, 0},
        {"not a date at all!!", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        time_t t = 0;
        int rc = sg_creds_parse_iso8601(cases[i].in, strlen(cases[i].in), &t);
        CHECK((rc == 0) == cases[i].ok, "iso8601 [%s]: rc %d", cases[i].in, rc);
        if (cases[i].ok)
            CHECK(t == cases[i].want, "iso8601 [%s]: got %lld want %lld", cases[i].in, (long long)t,
                  (long long)cases[i].want);
    }
    char buf[32];
    sg_creds_format_iso8601(1795316400, buf, sizeof buf);
    CHECK_STR(buf, "2026-11-22T03:00:00Z", "format");
}

/* ---- Snapshots: refcount and wipe ---------------------------------------- */

static int wipe_calls;
static int wipe_dirty;

static void wipe_probe(const char *region, size_t len)
{
    wipe_calls++;
    for (size_t i = 0; i < len; i++)
        wipe_dirty |= region[i] != 0;
}

static void test_snapshot(void)
{
    CHECK(sg_credentials_new("", "s", NULL, 0, "x") == NULL, "empty key id refused");
    CHECK(sg_credentials_new("AKID", NULL, NULL, 0, "x") == NULL, "NULL secret refused");
    struct sg_credentials *c = sg_credentials_new("AKID", "SECRET", "", 42, "environment");
    CHECK(c != NULL, "new");
    if (!c)
        return;
    CHECK(c->session_token == NULL, "empty token is no token");
    CHECK(c->expiration == 42, "expiration");
    CHECK_STR(c->source, "environment", "source");
    CHECK(sg_credentials_refcount(c) == 1, "refcount 1");
    CHECK(sg_credentials_ref(c) == c, "ref returns c");
    CHECK(sg_credentials_refcount(c) == 2, "refcount 2");
    sg_credentials_set_wipe_hook(wipe_probe);
    sg_credentials_release(c);
    CHECK(wipe_calls == 0, "not freed while referenced");
    CHECK_STR(c->secret_access_key, "SECRET", "still readable");
    sg_credentials_release(c);
    CHECK(wipe_calls == 1, "freed at last release");
    CHECK(!wipe_dirty, "secret bytes wiped before free");
    sg_credentials_set_wipe_hook(NULL);
    sg_credentials_release(NULL);
    CHECK(sg_credentials_ref(NULL) == NULL, "ref(NULL)");
}

/* ---- Environment source -------------------------------------------------- */

static void test_env_source(void)
{
    static const struct {
        const char *name;
        const char *env[4];
        enum sg_creds_result want;
        const char *akid, *token;
    } cases[] = {
        {"keys",
         {"AWS_ACCESS_KEY_ID=AKIA1", "AWS_SECRET_ACCESS_KEY=s1"},
         SG_CREDS_OK,
         "AKIA1",
         NULL},
        {"keys+token",
         {"AWS_ACCESS_KEY_ID=ASIA2", "AWS_SECRET_ACCESS_KEY=s2", "AWS_SESSION_TOKEN=t2"},
         SG_CREDS_OK,
         "ASIA2",
         "t2"},
        {"no secret", {"AWS_ACCESS_KEY_ID=AKIA3"}, SG_CREDS_NOT_CONFIGURED, NULL, NULL},
        {"empty secret",
         {"AWS_ACCESS_KEY_ID=AKIA3", "AWS_SECRET_ACCESS_KEY="},
         SG_CREDS_NOT_CONFIGURED,
         NULL,
         NULL},
        {"nothing", {NULL}, SG_CREDS_NOT_CONFIGURED, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sg_creds_env *env = sg_creds_env_new(sg_env_lookup_kv, (void *)cases[i].env);
        struct sg_creds_source *src = sg_creds_env_source_new(env);
        struct sg_credentials *c;
        char err[SG_CREDS_ERR_MAX];
        enum sg_creds_result r = fetch_once(src, &c, err);
        CHECK(r == cases[i].want, "env %s: result %d (%s)", cases[i].name, r, err);
        if (r == SG_CREDS_OK) {
            CHECK_STR(c->access_key_id, cases[i].akid, cases[i].name);
            CHECK_STR(c->source, "environment", cases[i].name);
            CHECK(c->expiration == 0, "env %s: no expiration", cases[i].name);
            if (cases[i].token)
                CHECK_STR(c->session_token, cases[i].token, cases[i].name);
            else
                CHECK(c->session_token == NULL, "env %s: no token", cases[i].name);
        }
        sg_credentials_release(c);
        sg_creds_source_free(src);
        sg_creds_env_free(env);
    }
}

/* ---- Shared files -------------------------------------------------------- */

struct profile_case {
    const char *name;
    const char *credentials; /* written to HOME/.aws/credentials when not NULL */
    const char *config;      /* written to HOME/.aws/config when not NULL */
    const char *alt;         /* written to HOME/alt when not NULL */
    const char *env[4];      /* besides HOME */
    enum sg_creds_result want;
    const char *akid, *token, *source;
    const char *err_has; /* substring of the reason when not OK */
};

static const struct profile_case profile_cases[] = {
    {"credentials default",
     "[default]\naws_access_key_id = AK1\naws_secret_access_key = S1\n",
     NULL,
     NULL,
     {NULL},
     SG_CREDS_OK,
     "AK1",
     NULL,
     "profile:default",
     NULL},
    {"AWS_PROFILE selects",
     "[default]\naws_access_key_id=AK1\naws_secret_access_key=S1\n"
     "[dev]\naws_access_key_id=AK2\naws_secret_access_key=S2\naws_session_token=T2\n",
     NULL,
     NULL,
     {"AWS_PROFILE=dev"},
     SG_CREDS_OK,
     "AK2",
     "T2",
     "profile:dev",
     NULL},
    {"config [profile NAME]",
     NULL,
     "[profile dev]\nregion = eu-west-1\naws_access_key_id = AK3\naws_secret_access_key = S3\n",
     NULL,
     {"AWS_PROFILE=dev"},
     SG_CREDS_OK,
     "AK3",
     NULL,
     "profile:dev",
     NULL},
    {"config [default]",
     NULL,
     "[default]\naws_access_key_id=AK4\naws_secret_access_key=S4\n",
     NULL,
     {NULL},
     SG_CREDS_OK,
     "AK4",
     NULL,
     "profile:default",
     NULL},
    {"config [profile default]",
     NULL,
     "[profile default]\naws_access_key_id=AK5\naws_secret_access_key=S5\n",
     NULL,
     {NULL},
     SG_CREDS_OK,
     "AK5",
     NULL,
     "profile:default",
     NULL},
    {"config [NAME] is not profile NAME",
     NULL,
     "[dev]\naws_access_key_id=AK6\naws_secret_access_key=S6\n",
     NULL,
     {"AWS_PROFILE=dev"},
     SG_CREDS_NOT_CONFIGURED,
     NULL,
     NULL,
     NULL,
     "no aws_access_key_id"},
    {"credentials [profile NAME] is not NAME",
     "[profile dev]\naws_access_key_id=AK7\naws_secret_access_key=S7\n",
     NULL,
     NULL,
     {"AWS_PROFILE=dev"},
     SG_CREDS_NOT_CONFIGURED,
     NULL,
     NULL,
     NULL,
     NULL},
    {"credentials file wins over config",
     "[dev]\naws_access_key_id=FROMCRED\naws_secret_access_key=S\n",
     "[profile dev]\naws_access_key_id=FROMCONF\naws_secret_access_key=S\n"
     "aws_session_token=CONFTOKEN\n",
     NULL,
     {"AWS_PROFILE=dev"},
     SG_CREDS_OK,
     "FROMCRED",
     NULL,
     "profile:dev",
     NULL},
    {"incomplete credentials profile falls to config",
     "[dev]\naws_access_key_id=HALF\n",
     "[profile dev]\naws_access_key_id=AK8\naws_secret_access_key=S8\naws_session_token=T8\n",
     NULL,
     {"AWS_PROFILE=dev"},
     SG_CREDS_OK,
     "AK8",
     "T8",
     "profile:dev",
     NULL},
    {"AWS_SHARED_CREDENTIALS_FILE replaces the default path",
     "[default]\naws_access_key_id=DEFAULTPATH\naws_secret_access_key=S\n",
     NULL,
     "[default]\naws_access_key_id=ALTPATH\naws_secret_access_key=S\n",
     {"AWS_SHARED_CREDENTIALS_FILE=~/alt"},
     SG_CREDS_OK,
     "ALTPATH",
     NULL,
     "profile:default",
     NULL},
    {"AWS_CONFIG_FILE replaces the default path",
     NULL,
     "[default]\naws_access_key_id=DEFAULTPATH\naws_secret_access_key=S\n",
     "[profile ci]\naws_access_key_id=ALTCONF\naws_secret_access_key=S\n",
     {"AWS_CONFIG_FILE=~/alt", "AWS_PROFILE=ci"},
     SG_CREDS_OK,
     "ALTCONF",
     NULL,
     "profile:ci",
     NULL},
    {"missing custom file",
     "[default]\naws_access_key_id=AK\naws_secret_access_key=S\n",
     NULL,
     NULL,
     {"AWS_SHARED_CREDENTIALS_FILE=~/absent", "AWS_CONFIG_FILE=~/absent2"},
     SG_CREDS_NOT_CONFIGURED,
     NULL,
     NULL,
     NULL,
     "no shared credentials"},
    {"syntax: comments, CRLF, case, blanks, sub-properties",
     "# comment\r\n; other\r\n\r\n[ default ]\r\n  AWS_Access_Key_Id   =   AK9  \r\n"
     "s3 =\r\n  aws_secret_access_key = NOTTHIS\r\naws_secret_access_key=S9\r\n",
     NULL,
     NULL,
     {NULL},
     SG_CREDS_OK,
     "AK9",
     NULL,
     "profile:default",
     NULL},
    {"later duplicate wins",
     "[default]\naws_access_key_id=OLD\naws_secret_access_key=S\n[other]\nx=1\n"
     "[default]\naws_access_key_id=NEW\n",
     NULL,
     NULL,
     {NULL},
     SG_CREDS_OK,
     "NEW",
     NULL,
     "profile:default",
     NULL},
    {"role profile unsupported",
     NULL,
     "[profile r]\nrole_arn=arn:aws:iam::1:role/x\nsource_profile=default\n",
     NULL,
     {"AWS_PROFILE=r"},
     SG_CREDS_NOT_CONFIGURED,
     NULL,
     NULL,
     NULL,
     "not supported"},
    {"no files",
     NULL,
     NULL,
     NULL,
     {NULL},
     SG_CREDS_NOT_CONFIGURED,
     NULL,
     NULL,
     NULL,
     "no shared credentials"},
};

static void run_profile_case(const struct profile_case *pc)
{
    char aws_dir[600], home_var[600];
    snprintf(aws_dir, sizeof aws_dir, "%s/.aws", tmp_home);
    snprintf(home_var, sizeof home_var, "HOME=%s", tmp_home);
    mkdir(aws_dir, 0700);
    remove_file(aws_dir, "credentials");
    remove_file(aws_dir, "config");
    remove_file(tmp_home, "alt");
    if (pc->credentials)
        write_file(aws_dir, "credentials", pc->credentials);
    if (pc->config)
        write_file(aws_dir, "config", pc->config);
    if (pc->alt)
        write_file(tmp_home, "alt", pc->alt);
    const char *kv[8] = {home_var};
    for (size_t i = 0; i < 4 && pc->env[i]; i++)
        kv[i + 1] = pc->env[i];
    struct sg_creds_env *env = sg_creds_env_new(sg_env_lookup_kv, kv);
    struct sg_creds_source *src = sg_creds_profile_source_new(env);
    struct sg_credentials *c;
    char err[SG_CREDS_ERR_MAX];
    enum sg_creds_result r = fetch_once(src, &c, err);
    CHECK(r == pc->want, "profile %s: result %d (%s)", pc->name, r, err);
    if (r == SG_CREDS_OK && pc->want == SG_CREDS_OK) {
        CHECK_STR(c->access_key_id, pc->akid, pc->name);
        CHECK_STR(c->source, pc->source, pc->name);
        if (pc->token)
            CHECK_STR(c->session_token, pc->token, pc->name);
        else
            CHECK(c->session_token == NULL, "profile %s: no token", pc->name);
    }
    if (r != SG_CREDS_OK && pc->err_has)
        CHECK(strstr(err, pc->err_has) != NULL, "profile %s: reason [%s] lacks [%s]", pc->name, err,
              pc->err_has);
    sg_credentials_release(c);
    sg_creds_source_free(src);
    sg_creds_env_free(env);
}

static void test_profile_source(void)
{
    for (size_t i = 0; i < sizeof profile_cases / sizeof profile_cases[0]; i++)
        run_profile_case(&profile_cases[i]);
    /* No HOME at all: nothing to read, nothing found. */
    const char *kv[] = {NULL};
    struct sg_creds_env *env = sg_creds_env_new(sg_env_lookup_kv, kv);
    struct sg_creds_source *src = sg_creds_profile_source_new(env);
    struct sg_credentials *c;
    char err[SG_CREDS_ERR_MAX];
    CHECK(fetch_once(src, &c, err) == SG_CREDS_NOT_CONFIGURED, "no HOME: %s", err);
    sg_creds_source_free(src);
    sg_creds_env_free(env);
}

/* ---- Container ----------------------------------------------------------- */

static void test_container_url_allowed(void)
{
    static const struct {
        const char *url;
        bool ok;
    } cases[] = {
        {"http://127.0.0.1:8080/creds", true},
        {"http://127.1.2.3/creds", true},
        {"http://[::1]:9000/creds", true},
        {"http://169.254.170.2/v2/credentials/x", true},
        {"http://169.254.170.23/v1/credentials", true},
        {"http://[fd00:ec2::23]/v1/credentials", true},
        {"https://creds.example.com/get", true},
        {"HTTPS://creds.example.com/get", true},
        {"http://169.254.169.254/latest", false},
        {"http://169.254.170.3/", false},
        {"http://10.0.0.1/creds", false},
        {"http://localhost/creds", false},
        {"http://[::2]/creds", false},
        {"http://[fd00:ec2::24]/", false},
        {"http://128.0.0.1/", false},
        {"ftp://127.0.0.1/creds", false},
        {"file:///etc/passwd", false},
        {"not a url", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(sg_creds_container_url_allowed(cases[i].url) == cases[i].ok, "allow-list [%s]",
              cases[i].url);
}

#define CREDS_JSON(akid)                                                                           \
    "{\"AccessKeyId\":\"" akid "\",\"SecretAccessKey\":\"sec\",\"Token\":\"tok\","                 \
    "\"Expiration\":\"2026-11-22T03:00:00Z\"}"

static void test_container_source(void)
{
    static const struct route routes[] = {
        {"GET", "http://169.254.170.2/v2/credentials/abc", 200, CREDS_JSON("ECSKEY")},
        {"GET", "http://127.0.0.1:9/full", 200, CREDS_JSON("FULLKEY")},
        {"GET", "http://127.0.0.1:9/err", 500, "oops"},
        {"GET", "http://127.0.0.1:9/notjson", 200, "<html>"},
        {"GET", "http://127.0.0.1:9/nokey", 200, "{\"SecretAccessKey\":\"x\"}"},
        {NULL, NULL, 0, NULL},
    };
    char tokfile[600], tokvar[700];
    snprintf(tokfile, sizeof tokfile, "%s/token", tmp_home);
    snprintf(tokvar, sizeof tokvar, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s", tokfile);
    const struct {
        const char *name;
        const char *env[3];
        enum sg_creds_result want;
        const char *akid;
        const char *auth; /* expected Authorization header line or NULL */
    } cases[] = {
        {"relative",
         {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/abc"},
         SG_CREDS_OK,
         "ECSKEY",
         NULL},
        {"relative wins over full",
         {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/abc",
          "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/full"},
         SG_CREDS_OK,
         "ECSKEY",
         NULL},
        {"full + token env",
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/full",
          "AWS_CONTAINER_AUTHORIZATION_TOKEN=envtoken"},
         SG_CREDS_OK,
         "FULLKEY",
         "Authorization: envtoken"},
        {"full + token file wins over env",
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/full", tokvar,
          "AWS_CONTAINER_AUTHORIZATION_TOKEN=envtoken"},
         SG_CREDS_OK,
         "FULLKEY",
         "Authorization: filetoken-1"},
        {"full not allowed",
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://10.0.0.1/full"},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"token with CRLF",
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/full",
          "AWS_CONTAINER_AUTHORIZATION_TOKEN=a\r\nX-Evil: 1"},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"HTTP 500",
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/err"},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"not JSON",
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/notjson"},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"no key id",
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/nokey"},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"unreachable",
         {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/none"},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"not configured", {NULL}, SG_CREDS_NOT_CONFIGURED, NULL, NULL},
    };
    write_file(tmp_home, "token", "filetoken-1\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fake_http fh = {.routes = routes};
        struct sg_creds_http http = {fake_send, &fh};
        struct sg_creds_env *env = sg_creds_env_new(sg_env_lookup_kv, (void *)cases[i].env);
        struct sg_creds_source *src = sg_creds_container_source_new(env, &http);
        struct sg_credentials *c;
        char err[SG_CREDS_ERR_MAX];
        enum sg_creds_result r = fetch_once(src, &c, err);
        CHECK(r == cases[i].want, "container %s: result %d (%s)", cases[i].name, r, err);
        if (r == SG_CREDS_OK) {
            CHECK_STR(c->access_key_id, cases[i].akid, cases[i].name);
            CHECK_STR(c->session_token, "tok", cases[i].name);
            CHECK_STR(c->source, "container", cases[i].name);
            CHECK(c->expiration == 1795316400, "container %s: expiration", cases[i].name);
        }
        if (cases[i].auth)
            CHECK(strstr(fh.seen[0], cases[i].auth) != NULL, "container %s: sent [%s]",
                  cases[i].name, fh.seen[0]);
        else if (fh.n_requests)
            CHECK(strstr(fh.seen[0], "Authorization") == NULL, "container %s: no auth",
                  cases[i].name);
        if (strcmp(cases[i].name, "full not allowed") == 0 ||
            strcmp(cases[i].name, "token with CRLF") == 0)
            CHECK(fh.n_requests == 0, "container %s: never contacted", cases[i].name);
        /* The token file is read again on every fetch. */
        if (strstr(cases[i].name, "token file")) {
            sg_credentials_release(c);
            write_file(tmp_home, "token", "filetoken-2");
            r = fetch_once(src, &c, err);
            CHECK(r == SG_CREDS_OK && strstr(fh.seen[1], "Authorization: filetoken-2"),
                  "token file re-read: [%s]", fh.seen[1]);
        }
        sg_credentials_release(c);
        sg_creds_source_free(src);
        sg_creds_env_free(env);
    }
}

/* ---- IMDS ---------------------------------------------------------------- */

static void test_imds_source(void)
{
    static const struct route ok_routes[] = {
        {"PUT", "http://imds.test/latest/api/token", 200, "TOKEN123"},
        {"GET", "http://imds.test/latest/meta-data/iam/security-credentials/", 200, "myrole\n"},
        {"GET", "http://imds.test/latest/meta-data/iam/security-credentials/myrole", 200,
         "{\"Code\":\"Success\",\"AccessKeyId\":\"IMDSKEY\",\"SecretAccessKey\":\"s\","
         "\"Token\":\"t\",\"Expiration\":\"2026-11-22T03:00:00Z\"}"},
        {NULL, NULL, 0, NULL},
    };
    static const struct route no_role[] = {
        {"PUT", "http://imds.test/latest/api/token", 200, "TOKEN123"},
        {"GET", "http://imds.test/latest/meta-data/iam/security-credentials/", 404, ""},
        {NULL, NULL, 0, NULL},
    };
    static const struct route v1_only[] = {
        {"PUT", "http://imds.test/latest/api/token", 403, ""},
        {NULL, NULL, 0, NULL},
    };
    const char *env_kv[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://imds.test/", NULL};
    const struct {
        const char *name;
        const struct route *routes;
        enum sg_creds_result want;
        int requests;
    } cases[] = {
        {"ok", ok_routes, SG_CREDS_OK, 3},
        {"no role", no_role, SG_CREDS_FAILED, 2},
        {"no IMDSv2, no v1 fallback", v1_only, SG_CREDS_FAILED, 1},
        {"unreachable", NULL, SG_CREDS_FAILED, 1},
    };
    struct sg_creds_env *env = sg_creds_env_new(sg_env_lookup_kv, env_kv);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fake_http fh = {.routes = cases[i].routes};
        struct sg_creds_http http = {fake_send, &fh};
        struct sg_creds_source *src = sg_creds_imds_source_new(env, &http);
        struct sg_credentials *c;
        char err[SG_CREDS_ERR_MAX];
        enum sg_creds_result r = fetch_once(src, &c, err);
        CHECK(r == cases[i].want, "imds %s: result %d (%s)", cases[i].name, r, err);
        CHECK(fh.n_requests == cases[i].requests, "imds %s: %d requests", cases[i].name,
              fh.n_requests);
        if (r == SG_CREDS_OK) {
            CHECK_STR(c->access_key_id, "IMDSKEY", "imds");
            CHECK_STR(c->source, "imds", "imds");
            CHECK(strstr(fh.seen[0], "X-aws-ec2-metadata-token-ttl-seconds: 21600") != NULL,
                  "imds PUT ttl: %s", fh.seen[0]);
            CHECK(strstr(fh.seen[1], "X-aws-ec2-metadata-token: TOKEN123") != NULL,
                  "imds token on GET: %s", fh.seen[1]);
            CHECK(strstr(fh.seen[2], "X-aws-ec2-metadata-token: TOKEN123") != NULL,
                  "imds token on GET role: %s", fh.seen[2]);
        }
        sg_credentials_release(c);
        sg_creds_source_free(src);
    }
    sg_creds_env_free(env);
}

/* ---- Web identity -------------------------------------------------------- */

#define STS_OK                                                                                     \
    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"            \
    "<AccessKeyId>ASIAWEB</AccessKeyId><SecretAccessKey>se&amp;c</SecretAccessKey>"                \
    "<SessionToken>tok/+=</SessionToken><Expiration>2026-11-22T03:00:00.5Z</Expiration>"           \
    "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"

static void test_xml_and_form(void)
{
    static const struct {
        const char *xml, *tag, *want;
    } cases[] = {
        {STS_OK, "AccessKeyId", "ASIAWEB"},
        {STS_OK, "SecretAccessKey", "se&c"},
        {STS_OK, "SessionToken", "tok/+="},
        {"<AccessKeyId>OUTSIDE</AccessKeyId><Credentials></Credentials>", "AccessKeyId", NULL},
        {"<Credentials><AccessKeyId a=\"1\">X</AccessKeyId></Credentials>", "AccessKeyId", NULL},
        {"<Credentials><AccessKeyId>&#65;</AccessKeyId></Credentials>", "AccessKeyId", NULL},
        {"<Credentials><AccessKeyId><![CDATA[X]]></AccessKeyId></Credentials>", "AccessKeyId",
         NULL},
        {"<Credentials><AccessKeyId>X", "AccessKeyId", NULL},
        {"<Credentials><AccessKeyId>&lt;&gt;&quot;&apos;</AccessKeyId></Credentials>",
         "AccessKeyId", "<>\"'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *v = sg_creds_xml_credentials_field(cases[i].xml, strlen(cases[i].xml), cases[i].tag);
        if (cases[i].want)
            CHECK_STR(v, cases[i].want, cases[i].xml);
        else
            CHECK(v == NULL, "xml [%s]: got [%s]", cases[i].xml, v);
        free(v);
    }
    struct sg_buf b;
    sg_buf_init(&b, 1024);
    CHECK(sg_creds_form_append(&b, "arn:aws:iam::1:role/a b+c~d.e_f-g") == 0, "form append");
    CHECK_STR(b.data, "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc~d.e_f-g", "form");
    sg_buf_free(&b);
}

static void test_web_identity_source(void)
{
    static const struct route routes[] = {
        {"POST", "http://sts.local:5000", 200, STS_OK},
        {"POST", "https://sts.eu-west-1.amazonaws.com/", 200, STS_OK},
        {"POST", "https://sts.amazonaws.com/", 200, STS_OK},
        {"POST", "http://generic.local", 200, STS_OK},
        {"POST", "http://denied.local", 403,
         "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
         "<Message>Not authorized</Message></Error></ErrorResponse>"},
        {"POST", "http://garbage.local", 200, "<xml/>"},
        {NULL, NULL, 0, NULL},
    };
    char tokvar[700];
    snprintf(tokvar, sizeof tokvar, "AWS_WEB_IDENTITY_TOKEN_FILE=%s/jwt", tmp_home);
    write_file(tmp_home, "jwt", "eyJ.header+payload/sig==\n");
    const char *role = "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/r";
    const struct {
        const char *name;
        const char *env[5];
        enum sg_creds_result want;
        const char *url;
        const char *body_has;
    } cases[] = {
        {"STS endpoint var",
         {tokvar, role, "AWS_ENDPOINT_URL_STS=http://sts.local:5000",
          "AWS_ENDPOINT_URL=http://generic.local", "AWS_REGION=eu-west-1"},
         SG_CREDS_OK,
         "POST http://sts.local:5000",
         "RoleSessionName=streamgate-"},
        {"generic endpoint var",
         {tokvar, role, "AWS_ENDPOINT_URL=http://generic.local"},
         SG_CREDS_OK,
         "POST http://generic.local",
         NULL},
        {"ignore configured endpoints",
         {tokvar, role, "AWS_ENDPOINT_URL_STS=http://sts.local:5000",
          "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", "AWS_DEFAULT_REGION=eu-west-1"},
         SG_CREDS_OK,
         "POST https://sts.eu-west-1.amazonaws.com/",
         NULL},
        {"regional",
         {tokvar, role, "AWS_REGION=eu-west-1", "AWS_ROLE_SESSION_NAME=my-sess"},
         SG_CREDS_OK,
         "POST https://sts.eu-west-1.amazonaws.com/",
         "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
         "123456789012%3Arole%2Fr&RoleSessionName=my-sess&WebIdentityToken=eyJ.header%2Bpayload"
         "%2Fsig%3D%3D"},
        {"global", {tokvar, role}, SG_CREDS_OK, "POST https://sts.amazonaws.com/", NULL},
        {"denied",
         {tokvar, role, "AWS_ENDPOINT_URL_STS=http://denied.local"},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"garbage",
         {tokvar, role, "AWS_ENDPOINT_URL_STS=http://garbage.local"},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"no token file",
         {"AWS_WEB_IDENTITY_TOKEN_FILE=./absent-jwt", role},
         SG_CREDS_FAILED,
         NULL,
         NULL},
        {"no role", {tokvar}, SG_CREDS_NOT_CONFIGURED, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fake_http fh = {.routes = routes};
        struct sg_creds_http http = {fake_send, &fh};
        struct sg_creds_env *env = sg_creds_env_new(sg_env_lookup_kv, (void *)cases[i].env);
        struct sg_creds_source *src = sg_creds_web_identity_source_new(env, &http);
        struct sg_credentials *c;
        char err[SG_CREDS_ERR_MAX];
        enum sg_creds_result r = fetch_once(src, &c, err);
        CHECK(r == cases[i].want, "web identity %s: result %d (%s)", cases[i].name, r, err);
        if (r == SG_CREDS_OK) {
            CHECK_STR(c->access_key_id, "ASIAWEB", cases[i].name);
            CHECK_STR(c->secret_access_key, "se&c", cases[i].name);
            CHECK_STR(c->source, "web-identity", cases[i].name);
            CHECK(c->expiration == 1795316400, "web identity %s: expiration", cases[i].name);
            CHECK(strncmp(fh.seen[0], cases[i].url, strlen(cases[i].url)) == 0 &&
                      fh.seen[0][strlen(cases[i].url)] == '|',
                  "web identity %s: sent [%s]", cases[i].name, fh.seen[0]);
        }
        if (cases[i].body_has)
            CHECK(strstr(fh.seen[0], cases[i].body_has) != NULL, "web identity %s: body [%s]",
                  cases[i].name, fh.seen[0]);
        if (strcmp(cases[i].name, "denied") == 0)
            CHECK(strstr(err, "AccessDenied: Not authorized") != NULL, "denied reason [%s]", err);
        sg_credentials_release(c);
        sg_creds_source_free(src);
        sg_creds_env_free(env);
    }
}

/* ---- Default chain order ------------------------------------------------- */

static void test_chain_order(void)
{
    static const struct route routes[] = {
        {"GET", "http://127.0.0.1:9/full", 200, CREDS_JSON("CONTAINERKEY")},
        {"PUT", "http://imds.test/latest/api/token", 200, "T"},
        {"GET", "http://imds.test/latest/meta-data/iam/security-credentials/", 200, "r"},
        {"GET", "http://imds.test/latest/meta-data/iam/security-credentials/r", 200,
         CREDS_JSON("IMDSKEY")},
        {"POST", "http://sts.local", 200, STS_OK},
        {NULL, NULL, 0, NULL},
    };
    char home_var[600], aws_dir[600], jwt_var[700];
    snprintf(home_var, sizeof home_var, "HOME=%s", tmp_home);
    snprintf(aws_dir, sizeof aws_dir, "%s/.aws", tmp_home);
    snprintf(jwt_var, sizeof jwt_var, "AWS_WEB_IDENTITY_TOKEN_FILE=%s/jwt", tmp_home);
    write_file(aws_dir, "credentials",
               "[default]\naws_access_key_id=PROFILEKEY\n"
               "aws_secret_access_key=s\n");
    remove_file(aws_dir, "config");
    const char *env_keys = "AWS_ACCESS_KEY_ID=ENVKEY";
    const char *env_secret = "AWS_SECRET_ACCESS_KEY=s";
    const char *no_home = "HOME=./no-such-home";
    const char *role = "AWS_ROLE_ARN=arn:aws:iam::1:role/r";
    const char *sts = "AWS_ENDPOINT_URL_STS=http://sts.local";
    const char *full = "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/full";
    const char *imds = "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://imds.test";
    const char *imds_off = "AWS_EC2_METADATA_DISABLED=true";
    const struct {
        const char *name;
        const char *env[9];
        const char *akid; /* NULL: nothing found */
        const char *source;
        int requests;
    } cases[] = {
        {"env first",
         {env_keys, env_secret, home_var, jwt_var, role, sts, full, imds},
         "ENVKEY",
         "environment",
         0},
        {"profile second",
         {home_var, jwt_var, role, sts, full, imds},
         "PROFILEKEY",
         "profile:default",
         0},
        {"web identity third",
         {no_home, jwt_var, role, sts, full, imds},
         "ASIAWEB",
         "web-identity",
         1},
        {"container before IMDS", {no_home, full, imds}, "CONTAINERKEY", "container", 1},
        {"IMDS last", {no_home, imds}, "IMDSKEY", "imds", 3},
        {"IMDS disabled", {no_home, imds, imds_off}, NULL, NULL, 0},
        {"container excludes IMDS",
         {no_home, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/down", imds},
         NULL,
         NULL,
         1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fake_http fh = {.routes = routes};
        struct sg_creds_http http = {fake_send, &fh};
        struct sg_creds_env *env = sg_creds_env_new(sg_env_lookup_kv, (void *)cases[i].env);
        struct sg_creds_source *chain = sg_creds_default_chain_new(env, &http);
        struct sg_credentials *c;
        char err[SG_CREDS_ERR_MAX];
        enum sg_creds_result r = fetch_once(chain, &c, err);
        if (cases[i].akid) {
            CHECK(r == SG_CREDS_OK, "chain %s: %s", cases[i].name, err);
            if (c) {
                CHECK_STR(c->access_key_id, cases[i].akid, cases[i].name);
                CHECK_STR(c->source, cases[i].source, cases[i].name);
            }
        } else {
            CHECK(r != SG_CREDS_OK, "chain %s: found %s", cases[i].name, c ? c->access_key_id : "");
            CHECK(strstr(err, "environment:") && strstr(err, "profile:"), "chain %s: reasons [%s]",
                  cases[i].name, err);
        }
        CHECK(fh.n_requests == cases[i].requests, "chain %s: %d requests (first %s)", cases[i].name,
              fh.n_requests, fh.seen[0]);
        sg_credentials_release(c);
        sg_creds_source_free(chain);
        sg_creds_env_free(env);
    }
}

/* The tests' clock: the provider reads these instead of the real clocks
 * when a test passes fake_ms/fake_s (with no_thread), so no test waits. */
static int64_t fake_mono_ms = 1000000;
static time_t fake_wall_s = 1796551200;

static int64_t fake_ms(void)
{
    return fake_mono_ms;
}

static time_t fake_s(void)
{
    return fake_wall_s;
}

/* Moves both clocks forward by `ms`. */
static void advance(int64_t ms)
{
    static int64_t wall_ms_rem;
    fake_mono_ms += ms;
    wall_ms_rem += ms;
    fake_wall_s += (time_t)(wall_ms_rem / 1000);
    wall_ms_rem %= 1000;
}

/* ---- Cached provider over a scripted source ------------------------------ */

struct script_source {
    struct sg_creds_source base;
    atomic_int fetches;
    atomic_int fail_first;  /* this many fetches fail */
    atomic_int fail_after;  /* fetches after this many fail (0: never) */
    atomic_long lifetime_s; /* expiration = now + lifetime (0: none) */
};

static enum sg_creds_result script_fetch(struct sg_creds_source *s, struct sg_credentials **out,
                                         char *err, size_t errlen)
{
    struct script_source *sc = (struct script_source *)s;
    int n = atomic_fetch_add(&sc->fetches, 1) + 1;
    int fa = atomic_load(&sc->fail_after);
    if (n <= atomic_load(&sc->fail_first) || (fa && n > fa)) {
        snprintf(err, errlen, "scripted failure %d", n);
        return SG_CREDS_FAILED;
    }
    char akid[32];
    snprintf(akid, sizeof akid, "KEY%d", n);
    long life = atomic_load(&sc->lifetime_s);
    *out = sg_credentials_new(akid, "secret", "token", life ? fake_wall_s + life : 0, "script");
    return *out ? SG_CREDS_OK : SG_CREDS_FAILED;
}

static void script_destroy(struct sg_creds_source *s)
{
    free(s);
}

static const struct sg_creds_source_vtable script_vtable = {"script", script_fetch, script_destroy};

static struct script_source *script_new(int fail_first, int fail_after, long lifetime_s)
{
    struct script_source *s = calloc(1, sizeof *s);
    s->base.vt = &script_vtable;
    atomic_init(&s->fetches, 0);
    atomic_init(&s->fail_first, fail_first);
    atomic_init(&s->fail_after, fail_after);
    atomic_init(&s->lifetime_s, lifetime_s);
    return s;
}

static struct sg_creds_options fast_options(void)
{
    struct sg_creds_options o;
    sg_creds_options_default(&o);
    o.backoff_initial_ms = 20;
    o.backoff_max_ms = 80;
    o.invalidate_min_interval_ms = 0;
    return o;
}

/* fast_options on the fake clock, without the refresh thread. */
static struct sg_creds_options stepped_options(void)
{
    struct sg_creds_options o = fast_options();
    o.now_ms = fake_ms;
    o.now_s = fake_s;
    o.no_thread = true;
    return o;
}

static bool has_key(struct sg_creds_provider *p, const char *want)
{
    struct sg_credentials *c = sg_creds_provider_get(p);
    bool hit = c && strcmp(c->access_key_id, want) == 0;
    sg_credentials_release(c);
    return hit;
}

/* Polls get() until the key id equals want or timeout; returns elapsed ms or -1.
 * Only for the tests of the refresh thread itself. */
static int wait_for_key(struct sg_creds_provider *p, const char *want, int timeout_ms)
{
    int64_t start = now_ms();
    while (now_ms() - start < timeout_ms) {
        if (has_key(p, want))
            return (int)(now_ms() - start);
        sleep_ms(5);
    }
    return -1;
}

static void test_provider_static(void)
{
    struct sg_creds_options o = stepped_options();
    struct script_source *s = script_new(0, 0, 0);
    struct sg_creds_provider *p = sg_creds_provider_new_source(&s->base, &o);
    struct sg_credentials *c = sg_creds_provider_get(p);
    CHECK(c && strcmp(c->access_key_id, "KEY1") == 0, "first fetch in constructor");
    CHECK(c && sg_credentials_refcount(c) == 2, "get() takes a reference");
    CHECK(sg_creds_provider_turn(p, 0) == INT64_MAX, "long-term keys: no refresh scheduled");
    advance(86400 * 1000LL);
    CHECK(sg_creds_provider_turn(p, 0) == INT64_MAX && atomic_load(&s->fetches) == 1,
          "no refetch of long-term keys a day later: %d", atomic_load(&s->fetches));
    sg_creds_provider_invalidate(p);
    CHECK(sg_creds_provider_turn(p, 0) == INT64_MAX && has_key(p, "KEY2"), "invalidate refetches");
    CHECK(c && strcmp(c->access_key_id, "KEY1") == 0, "old snapshot stays valid");
    sg_credentials_release(c);
    sg_creds_provider_free(p);
}

/* The refresh thread: invalidate() wakes it, free() stops it promptly. */
static void test_provider_thread(void)
{
    struct sg_creds_options o = fast_options();
    struct script_source *s = script_new(0, 0, 0);
    struct sg_creds_provider *p = sg_creds_provider_new_source(&s->base, &o);
    CHECK(has_key(p, "KEY1"), "first fetch in constructor");
    sg_creds_provider_invalidate(p);
    CHECK(wait_for_key(p, "KEY2", 2000) >= 0, "invalidate wakes the thread");
    int64_t t0 = now_ms();
    sg_creds_provider_free(p);
    CHECK(now_ms() - t0 < 500, "free is prompt");
    sg_creds_provider_free(NULL);
}

static void test_provider_invalidate_rate_limit(void)
{
    struct sg_creds_options o = stepped_options();
    o.invalidate_min_interval_ms = 300;
    struct script_source *s = script_new(0, 0, 0);
    struct sg_creds_provider *p = sg_creds_provider_new_source(&s->base, &o);
    int64_t t0 = fake_mono_ms;
    for (int i = 0; i < 50; i++) {
        sg_creds_provider_invalidate(p);
        advance(2);
        CHECK(sg_creds_provider_turn(p, 0) == t0 + 300, "burst %d: next fetch at the interval", i);
    }
    CHECK(atomic_load(&s->fetches) == 1, "a burst of invalidations waits for the interval: %d",
          atomic_load(&s->fetches));
    advance(t0 + 300 - fake_mono_ms);
    CHECK(sg_creds_provider_turn(p, 0) == INT64_MAX && atomic_load(&s->fetches) == 2 &&
              has_key(p, "KEY2"),
          "the burst costs one fetch (%d)", atomic_load(&s->fetches));
    sg_creds_provider_free(p);
}

static void test_provider_recovers_from_nothing(void)
{
    struct sg_creds_options o = stepped_options();
    struct script_source *s = script_new(4, 0, 0);
    struct sg_creds_provider *p = sg_creds_provider_new_source(&s->base, &o);
    CHECK(!has_key(p, "KEY1"), "nothing at start");
    /* backoff 20, 40, 80, 80 ms, then success on the 5th fetch */
    static const int64_t delays[] = {20, 40, 80, 80};
    for (size_t i = 0; i < 4; i++) {
        int64_t due = sg_creds_provider_turn(p, 0);
        CHECK(due - fake_mono_ms == delays[i], "retry %zu after %lld ms", i + 1,
              (long long)(due - fake_mono_ms));
        advance(due - fake_mono_ms - 1);
        sg_creds_provider_turn(p, 0);
        CHECK(atomic_load(&s->fetches) == (int)i + 1, "not before the backoff (%zu)", i);
        advance(1);
        sg_creds_provider_turn(p, 0);
    }
    CHECK(has_key(p, "KEY5"), "recovered on the 5th fetch");
    sg_creds_provider_free(p);
}

static void test_provider_refresh_before_expiry(void)
{
    struct sg_creds_options o = stepped_options();
    o.refresh_early_s = 2;
    /* Lives 3 s: due for renewal 1 s after the fetch. */
    struct script_source *s = script_new(0, 0, 3);
    int64_t t0 = fake_mono_ms;
    struct sg_creds_provider *p = sg_creds_provider_new_source(&s->base, &o);
    CHECK(sg_creds_provider_turn(p, 0) == t0 + 1000, "renewal due 1 s later");
    advance(999);
    sg_creds_provider_turn(p, 0);
    CHECK(has_key(p, "KEY1") && atomic_load(&s->fetches) == 1, "not at once");
    advance(1);
    sg_creds_provider_turn(p, 0);
    CHECK(has_key(p, "KEY2"), "renewed before expiry");
    sg_creds_provider_free(p);
}

static void test_provider_keeps_old_until_expiry(void)
{
    struct sg_creds_options o = stepped_options();
    o.refresh_early_s = 1;
    /* First fetch works (expires in 2 s, due in 1 s), every later one fails. */
    struct script_source *s = script_new(0, 1, 2);
    struct sg_creds_provider *p = sg_creds_provider_new_source(&s->base, &o);
    time_t exp = 0;
    struct sg_credentials *c = sg_creds_provider_get(p);
    if (c)
        exp = c->expiration;
    sg_credentials_release(c);
    CHECK(exp == fake_wall_s + 2, "expires in 2 s");
    int gaps_before_expiry = 0, seen_null_after = 0;
    while (fake_wall_s <= exp + 1) {
        sg_creds_provider_turn(p, 0);
        c = sg_creds_provider_get(p);
        if (!c && fake_wall_s < exp)
            gaps_before_expiry++;
        if (!c && fake_wall_s >= exp)
            seen_null_after = 1;
        if (c && fake_wall_s >= exp)
            seen_null_after = -1;
        sg_credentials_release(c);
        advance(20);
    }
    CHECK(atomic_load(&s->fetches) >= 3, "refresh retried: %d fetches", atomic_load(&s->fetches));
    CHECK(gaps_before_expiry == 0, "old credentials kept while valid (%d gaps)",
          gaps_before_expiry);
    CHECK(seen_null_after == 1, "expired credentials are not handed out");
    sg_creds_provider_free(p);
}

struct reader_args {
    struct sg_creds_provider *p;
    atomic_bool *stop;
    atomic_int *bad;
};

static void *reader(void *arg)
{
    struct reader_args *a = arg;
    while (!atomic_load(a->stop)) {
        struct sg_credentials *c = sg_creds_provider_get(a->p);
        if (!c || strncmp(c->access_key_id, "KEY", 3) != 0 ||
            strcmp(c->secret_access_key, "secret") != 0)
            atomic_fetch_add(a->bad, 1);
        struct sg_credentials *c2 = sg_credentials_ref(c);
        sg_credentials_release(c);
        sg_credentials_release(c2);
    }
    return NULL;
}

static void test_provider_concurrent_readers(void)
{
    struct sg_creds_options o = fast_options();
    struct script_source *s = script_new(0, 0, 0);
    struct sg_creds_provider *p = sg_creds_provider_new_source(&s->base, &o);
    atomic_bool stop;
    atomic_int bad;
    atomic_init(&stop, false);
    atomic_init(&bad, 0);
    struct reader_args a = {p, &stop, &bad};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, reader, &a);
    for (int i = 0; i < 100; i++) {
        sg_creds_provider_invalidate(p);
        sleep_ms(2);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK(atomic_load(&bad) == 0, "readers always saw a valid snapshot (%d bad)",
          atomic_load(&bad));
    CHECK(atomic_load(&s->fetches) > 5, "swapped under readers: %d fetches",
          atomic_load(&s->fetches));
    sg_creds_provider_free(p);
}

static void test_provider_from_env(void)
{
    const char *kv[] = {"AWS_ACCESS_KEY_ID=AKENV", "AWS_SECRET_ACCESS_KEY=s",
                        "AWS_EC2_METADATA_DISABLED=true", NULL};
    struct sg_creds_provider *p = sg_creds_provider_new_env(sg_env_lookup_kv, kv, NULL);
    struct sg_credentials *c = sg_creds_provider_get(p);
    CHECK(c && strcmp(c->access_key_id, "AKENV") == 0, "provider over explicit env");
    sg_credentials_release(c);
    sg_creds_provider_free(p);
}

int main(void)
{
    char cwd[256];
    if (!getcwd(cwd, sizeof cwd))
        return 1;
    snprintf(tmp_home, sizeof tmp_home, "%s/creds-home-XXXXXX", cwd);
    if (!mkdtemp(tmp_home)) {
        perror("mkdtemp");
        return 1;
    }
    test_iso8601();
    test_snapshot();
    test_env_source();
    test_profile_source();
    test_container_url_allowed();
    test_container_source();
    test_imds_source();
    test_xml_and_form();
    test_web_identity_source();
    test_chain_order();
    test_provider_static();
    test_provider_thread();
    test_provider_invalidate_rate_limit();
    test_provider_recovers_from_nothing();
    test_provider_refresh_before_expiry();
    test_provider_keeps_old_until_expiry();
    test_provider_concurrent_readers();
    test_provider_from_env();

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_home);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_home);
    return sg_check_result("test_creds");
}
