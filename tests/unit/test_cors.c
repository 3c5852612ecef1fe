/*
 * test_cors: server/cors.h: configuration errors (each naming the key at
 * fault), origin matching (scheme + host + port, host case-insensitive,
 * default ports, look-alike hosts refused), and the exact headers of a
 * preflight and of an actual response for "*", for an origin list and with
 * CORS off.
 */
#include "cors.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static json_t *parse_json(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(j != NULL, "test JSON does not parse: %s in %s", jerr.text, text);
    return j;
}

static struct sg_cors *load(const char *text, char *err, size_t cap)
{
    json_t *j = parse_json(text);
    struct sg_cors *c = j ? sg_cors_new(j, err, cap) : NULL;
    json_decref(j);
    return c;
}

/* "Name: value\n" for each header, in order. */
static void render(const struct sg_cors_headers *h, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < h->n && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s: %s\n", h->h[i].name, h->h[i].value);
}

#define ORIGIN_ERR "must be an origin like https://app.example.com (scheme://host[:port], no path)"
#define LIST_ERR "must be a comma-separated list of names (at most 1024 characters)"

static void test_config_errors(void)
{
    static const struct {
        const char *json, *want;
    } rows[] = {
        {"[]", "cors must be an object"},
        {"{}", "cors.allow_origins is required"},
        {"{\"allow_origins\":[\"*\"],\"origins\":1}", "unknown key cors.origins"},
        {"{\"allow_origins\":[]}",
         "cors.allow_origins must be an array of 1-64 origins, or [\"*\"]"},
        {"{\"allow_origins\":\"*\"}",
         "cors.allow_origins must be an array of 1-64 origins, or [\"*\"]"},
        {"{\"allow_origins\":[\"https://a.example\",\"*\"]}",
         "cors.allow_origins: \"*\" must be the only entry"},
        {"{\"allow_origins\":[\"https://a.example\",\"https://a.example/\"]}",
         "cors.allow_origins[1] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"a.example\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://a.example/app\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://user@a.example\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://a.example:0\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://a.example:65536\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://a.example:\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://[]\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://*.example.com\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"null\"]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[42]}", "cors.allow_origins[0] " ORIGIN_ERR},
        {"{\"allow_origins\":[\"https://a.example\",\"HTTPS://A.example:443\"]}",
         "cors.allow_origins[1] repeats cors.allow_origins[0]"},
        {"{\"allow_origins\":[\"*\"],\"allow_headers\":\"\"}", "cors.allow_headers " LIST_ERR},
        {"{\"allow_origins\":[\"*\"],\"allow_headers\":\"Content-Type,\"}",
         "cors.allow_headers " LIST_ERR},
        {"{\"allow_origins\":[\"*\"],\"allow_headers\":\"X-A,,X-B\"}",
         "cors.allow_headers " LIST_ERR},
        {"{\"allow_origins\":[\"*\"],\"allow_headers\":\"X A\"}", "cors.allow_headers " LIST_ERR},
        {"{\"allow_origins\":[\"*\"],\"allow_headers\":\"X-A\\r\\nSet-Cookie: a\"}",
         "cors.allow_headers " LIST_ERR},
        {"{\"allow_origins\":[\"*\"],\"allow_headers\":[\"X-A\"]}", "cors.allow_headers " LIST_ERR},
        {"{\"allow_origins\":[\"*\"],\"allow_methods\":\"PUT;GET\"}",
         "cors.allow_methods " LIST_ERR},
        {"{\"allow_origins\":[\"*\"],\"expose_headers\":\"x-amzn-RequestId:\"}",
         "cors.expose_headers " LIST_ERR},
        {"{\"allow_origins\":[\"*\"],\"max_age_s\":-1}",
         "cors.max_age_s must be an integer between 0 and 86400"},
        {"{\"allow_origins\":[\"*\"],\"max_age_s\":86401}",
         "cors.max_age_s must be an integer between 0 and 86400"},
        {"{\"allow_origins\":[\"*\"],\"max_age_s\":\"600\"}",
         "cors.max_age_s must be an integer between 0 and 86400"},
        {"{\"allow_origins\":[\"*\"],\"max_age_s\":1.5}",
         "cors.max_age_s must be an integer between 0 and 86400"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char err[256] = "";
        struct sg_cors *c = load(rows[i].json, err, sizeof err);
        CHECK(c == NULL, "row %zu accepted: %s", i, rows[i].json);
        CHECK_STREQ(err, rows[i].want, rows[i].json);
        sg_cors_free(c);
    }
    /* A list at the length limit is fine, one more character is not. */
    char big[1200], text[1300], err[256] = "";
    memset(big, 'a', 1024);
    big[1024] = '\0';
    snprintf(text, sizeof text, "{\"allow_origins\":[\"*\"],\"allow_headers\":\"%s\"}", big);
    struct sg_cors *c = load(text, err, sizeof err);
    CHECK(c != NULL, "1024 characters: %s", err);
    sg_cors_free(c);
    snprintf(text, sizeof text, "{\"allow_origins\":[\"*\"],\"allow_headers\":\"%sa\"}", big);
    c = load(text, err, sizeof err);
    CHECK(c == NULL, "1025 characters accepted");
    CHECK_STREQ(err, "cors.allow_headers " LIST_ERR, "1025 characters");
    sg_cors_free(c);
}

static void test_origin_matching(void)
{
    char err[256] = "";
    struct sg_cors *c = load("{\"allow_origins\":[\"https://app.example.com\","
                             "\"http://localhost:3000\",\"https://App.Example.ORG:443\","
                             "\"http://[::1]:8080\",\"capacitor://localhost\","
                             "\"http://Intranet:80\"]}",
                             err, sizeof err);
    CHECK(c != NULL, "config: %s", err);
    if (!c)
        return;
    char long_origin[400];
    snprintf(long_origin, sizeof long_origin, "https://%0300d.example.com", 0);
    const struct {
        const char *origin;
        const char *want; /* Access-Control-Allow-Origin, NULL when refused */
    } rows[] = {
        {"https://app.example.com", "https://app.example.com"},
        {"https://APP.Example.com", "https://app.example.com"}, /* host case-insensitive */
        {"HTTPS://app.example.com", "https://app.example.com"},
        {"https://app.example.com:443", "https://app.example.com"}, /* default port */
        {"https://app.example.com:8443", NULL},
        {"http://app.example.com", NULL}, /* scheme */
        {"https://app.example.com/", NULL},
        {"https://app.example.com.evil.test", NULL},
        {"https://evilapp.example.com", NULL},
        {"https://app.example.co", NULL},
        {"http://localhost:3000", "http://localhost:3000"},
        {"http://localhost", NULL},
        {"http://localhost:3001", NULL},
        {"https://localhost:3000", NULL},
        {"https://app.example.org", "https://app.example.org"},
        {"http://[::1]:8080", "http://[::1]:8080"},
        {"http://[::1]", NULL},
        {"capacitor://localhost", "capacitor://localhost"},
        {"capacitor://localhost:443", NULL}, /* no default port for other schemes */
        {"http://intranet", "http://intranet"},
        {"null", NULL},
        {"", NULL},
        {NULL, NULL},
        {"https://", NULL},
        {"https://app.example.com:99999", NULL},
        {"https://app.example.com:", NULL},
        {"https://app.example.com\r\nX-Evil: 1", NULL},
        {long_origin, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_cors_headers h;
        const char *o = rows[i].origin ? rows[i].origin : "(null)";
        for (int kind = SG_CORS_PREFLIGHT; kind <= SG_CORS_RESPONSE; kind++) {
            bool ok = sg_cors_headers(c, (enum sg_cors_kind)kind, rows[i].origin, &h);
            CHECK(ok == (rows[i].want != NULL), "%s kind %d: allowed %d", o, kind, ok);
            CHECK(h.n >= 1 && strcmp(h.h[h.n - 1].name, "Vary") == 0 &&
                      strcmp(h.h[h.n - 1].value, "Origin") == 0,
                  "%s kind %d: Vary: Origin last", o, kind);
            if (rows[i].want) {
                CHECK(strcmp(h.h[0].name, "Access-Control-Allow-Origin") == 0, "%s: name", o);
                CHECK_STREQ(h.h[0].value, rows[i].want, o);
            } else {
                CHECK(h.n == 1, "%s kind %d: %zu headers on refusal", o, kind, h.n);
            }
        }
    }
    sg_cors_free(c);
}

#define ACAH_DEFAULT "Access-Control-Allow-Headers: " SG_CORS_DEFAULT_ALLOW_HEADERS "\n"
#define ACAM_DEFAULT "Access-Control-Allow-Methods: OPTIONS,PUT\n"

static void test_header_sets(void)
{
    static const char *const cfg_any_full =
        "{\"allow_origins\":[\"*\"],\"max_age_s\":600,"
        "\"expose_headers\":\"x-amzn-RequestId,x-amzn-ErrorType\"}";
    static const char *const cfg_list = "{\"allow_origins\":[\"https://app.example.com\"]}";
    static const char *const cfg_custom =
        "{\"allow_origins\":[\"https://app.example.com\"],\"allow_headers\":\"Content-Type, "
        "X-Api-Key\",\"allow_methods\":\"PUT,OPTIONS\",\"max_age_s\":0,"
        "\"expose_headers\":\"x-amzn-RequestId\",\"_comment\":\"c\"}";
    static const struct {
        const char *cfg; /* NULL: no section */
        enum sg_cors_kind kind;
        const char *origin;
        bool want_ok;
        const char *want;
    } rows[] = {
        {cfg_any_full, SG_CORS_PREFLIGHT, "https://anything.test", true,
         "Access-Control-Allow-Origin: *\n" ACAH_DEFAULT ACAM_DEFAULT
         "Access-Control-Max-Age: 600\n"},
        {cfg_any_full, SG_CORS_PREFLIGHT, NULL, true,
         "Access-Control-Allow-Origin: *\n" ACAH_DEFAULT ACAM_DEFAULT
         "Access-Control-Max-Age: 600\n"},
        {cfg_any_full, SG_CORS_RESPONSE, "null", true,
         "Access-Control-Allow-Origin: *\n"
         "Access-Control-Expose-Headers: x-amzn-RequestId,x-amzn-ErrorType\n"},
        {cfg_list, SG_CORS_PREFLIGHT, "https://app.example.com", true,
         "Access-Control-Allow-Origin: https://app.example.com\n" ACAH_DEFAULT ACAM_DEFAULT
         "Vary: Origin\n"},
        {cfg_list, SG_CORS_RESPONSE, "https://app.example.com", true,
         "Access-Control-Allow-Origin: https://app.example.com\nVary: Origin\n"},
        {cfg_list, SG_CORS_PREFLIGHT, "https://other.example.com", false, "Vary: Origin\n"},
        {cfg_list, SG_CORS_RESPONSE, "https://other.example.com", false, "Vary: Origin\n"},
        {cfg_list, SG_CORS_RESPONSE, NULL, false, "Vary: Origin\n"},
        {cfg_custom, SG_CORS_PREFLIGHT, "https://app.example.com", true,
         "Access-Control-Allow-Origin: https://app.example.com\n"
         "Access-Control-Allow-Headers: Content-Type, X-Api-Key\n"
         "Access-Control-Allow-Methods: PUT,OPTIONS\n"
         "Access-Control-Max-Age: 0\n"
         "Vary: Origin\n"},
        {cfg_custom, SG_CORS_RESPONSE, "https://app.example.com", true,
         "Access-Control-Allow-Origin: https://app.example.com\n"
         "Access-Control-Expose-Headers: x-amzn-RequestId\n"
         "Vary: Origin\n"},
        {NULL, SG_CORS_PREFLIGHT, "https://app.example.com", false, ""},
        {NULL, SG_CORS_RESPONSE, NULL, false, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char err[256] = "", got[2048];
        struct sg_cors *c =
            rows[i].cfg ? load(rows[i].cfg, err, sizeof err) : sg_cors_new(NULL, err, sizeof err);
        CHECK(c != NULL, "row %zu: %s", i, err);
        if (!c)
            continue;
        CHECK(sg_cors_enabled(c) == (rows[i].cfg != NULL), "row %zu enabled", i);
        struct sg_cors_headers h;
        h.n = 99;
        bool ok = sg_cors_headers(c, rows[i].kind, rows[i].origin, &h);
        render(&h, got, sizeof got);
        CHECK(ok == rows[i].want_ok, "row %zu: allowed %d", i, ok);
        CHECK(h.n <= SG_CORS_MAX_HEADERS, "row %zu: %zu headers", i, h.n);
        CHECK(strcmp(got, rows[i].want) == 0, "row %zu: got\n%swant\n%s", i, got, rows[i].want);
        sg_cors_free(c);
    }
    struct sg_cors_headers h;
    h.n = 7;
    CHECK(!sg_cors_headers(NULL, SG_CORS_RESPONSE, "https://a.test", &h) && h.n == 0, "NULL");
    CHECK(!sg_cors_enabled(NULL), "NULL enabled");
    sg_cors_free(NULL);
}

int main(void)
{
    test_config_errors();
    test_origin_matching();
    test_header_sets();
    return sg_check_result("test_cors");
}
