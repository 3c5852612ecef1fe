/*
 * cors: the CORS policy and the headers it adds (see cors.h).
 *
 * Design: every origin, configured or presented, goes through one
 * canonicaliser that produces the serialisation browsers send; a match is
 * then a plain string comparison (origins are not secrets). The value of
 * Access-Control-Allow-Origin is the configured canonical string, never the
 * request's bytes, so nothing from the client is reflected into a header.
 *
 * Invariants: `any` and n_origins > 0 exclude each other when enabled; every
 * stored list value holds only header-token characters, commas and spaces,
 * so it is safe to put in a response header as it is.
 */
#include "cors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lit.h"
#include "parse_util.h"

struct sg_cors {
    bool enabled;
    bool any; /* allow_origins ["*"] */
    size_t n_origins;
    char origins[SG_CORS_MAX_ORIGINS][SG_CORS_ORIGIN_MAX + 1]; /* canonical */
    char allow_headers[SG_CORS_LIST_MAX + 1];
    char allow_methods[SG_CORS_LIST_MAX + 1];
    char expose_headers[SG_CORS_LIST_MAX + 1]; /* "" = not sent */
    char max_age[16];                          /* "" = not sent */
};

static const char *const members[] = {"allow_origins",
                                      "allow_headers",
                                      "allow_methods",
                                      "max_age_s",
                                      "expose_headers",
                                      "_comment",
                                      NULL};

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1), then "://". */
static size_t scan_scheme(const char *s, size_t len)
{
    size_t i = 0;
    if (len == 0 || !is_alpha(s[0]))
        return 0;
    while (i < len &&
           (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    return len - i >= SG_LIT_LEN("://") && memcmp(s + i, SG_LIT("://")) == 0 ? i : 0;
}

/* A host name (letters, digits, '-', '.') or a bracketed IPv6 literal. */
static size_t scan_host(const char *s, size_t len)
{
    size_t i = 0;
    if (len > 0 && s[0] == '[') {
        for (i = 1; i < len && s[i] != ']'; i++)
            if (!is_digit(s[i]) && !strchr("abcdefABCDEF:.", s[i]))
                return 0;
        return i < len && i > 1 ? i + 1 : 0;
    }
    while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '-' || s[i] == '.'))
        i++;
    return i;
}

static unsigned default_port(const char *scheme, size_t n)
{
    if (SG_LIT_EQ(scheme, n, "http") || SG_LIT_EQ(scheme, n, "ws"))
        return 80;
    if (SG_LIT_EQ(scheme, n, "https") || SG_LIT_EQ(scheme, n, "wss"))
        return 443;
    return 0;
}

/* ":" 1*5DIGIT with a value 1-65535 up to the end; 0 for none, -1 if bad. */
static long scan_port(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (s[0] != ':' || len < 2 || len > 6)
        return -1;
    long v = 0;
    for (size_t i = 1; i < len; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535 ? v : -1;
}

/*
 * Writes the serialisation browsers use for the origin s[0..len) into
 * out[SG_CORS_ORIGIN_MAX + 1]: scheme and host in lower case, the scheme's
 * default port left out. Returns 0, or -1 when s is not scheme://host[:port].
 */
static int canonical_origin(const char *s, size_t len, char *out)
{
    if (len > SG_CORS_ORIGIN_MAX)
        return -1;
    size_t sl = scan_scheme(s, len);
    if (sl == 0)
        return -1;
    const char *host = s + sl + 3;
    size_t rest = len - sl - 3, hl = scan_host(host, rest);
    if (hl == 0)
        return -1;
    long port = scan_port(host + hl, rest - hl);
    if (port < 0)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < sl; i++)
        out[o++] = lower(s[i]);
    memcpy(out + o, SG_LIT("://"));
    o += SG_LIT_LEN("://");
    for (size_t i = 0; i < hl; i++)
        out[o++] = lower(host[i]);
    out[o] = '\0';
    if (port > 0 && (unsigned long)port != default_port(out, sl))
        snprintf(out + o, SG_CORS_ORIGIN_MAX + 1 - o, ":%ld", port);
    return 0;
}

static int parse_origins(struct sg_cors *c, const json_t *arr, char *err, size_t cap)
{
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > SG_CORS_MAX_ORIGINS)
        return sg_parse_fail(err, cap,
                             "cors.allow_origins must be an array of 1-%d origins, or [\"*\"]",
                             SG_CORS_MAX_ORIGINS);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(arr, i);
        const char *s = json_string_value(v);
        if (s && strcmp(s, "*") == 0) {
            if (n != 1)
                return sg_parse_fail(err, cap, "cors.allow_origins: \"*\" must be the only entry");
            c->any = true;
            return 0;
        }
        if (!s || canonical_origin(s, json_string_length(v), c->origins[i]) != 0)
            return sg_parse_fail(
                err, cap,
                "cors.allow_origins[%zu] must be an origin like https://app.example.com "
                "(scheme://host[:port], no path)",
                i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->origins[j], c->origins[i]) == 0)
                return sg_parse_fail(
                    err, cap, "cors.allow_origins[%zu] repeats cors.allow_origins[%zu]", i, j);
        c->n_origins = i + 1;
    }
    return 0;
}

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(char c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A comma-separated list of tokens, spaces allowed around the commas. */
static bool valid_list(const char *s)
{
    bool in_token = false, any = false;
    for (; *s; s++) {
        if (is_tchar(*s)) {
            in_token = any = true;
        } else if (*s == ',') {
            if (!in_token)
                return false;
            in_token = false;
        } else if (*s != ' ') {
            return false;
        } else if (in_token && s[1] && is_tchar(s[1])) {
            return false; /* a space inside a name */
        }
    }
    return in_token && any;
}

static int parse_list(char *dst, const json_t *section, const char *name, const char *def,
                      char *err, size_t cap)
{
    const json_t *v = json_object_get(section, name);
    if (!v) {
        snprintf(dst, SG_CORS_LIST_MAX + 1, "%s", def);
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) > SG_CORS_LIST_MAX ||
        !valid_list(json_string_value(v)))
        return sg_parse_fail(
            err, cap, "cors.%s must be a comma-separated list of names (at most %d characters)",
            name, SG_CORS_LIST_MAX);
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int parse_max_age(struct sg_cors *c, const json_t *section, char *err, size_t cap)
{
    const json_t *v = json_object_get(section, "max_age_s");
    if (!v)
        return 0;
    json_int_t s = json_integer_value(v);
    if (!json_is_integer(v) || s < 0 || s > SG_CORS_MAX_AGE_MAX)
        return sg_parse_fail(err, cap, "cors.max_age_s must be an integer between 0 and %d",
                             SG_CORS_MAX_AGE_MAX);
    snprintf(c->max_age, sizeof c->max_age, "%lld", (long long)s);
    return 0;
}

static int parse_section(struct sg_cors *c, const json_t *section, char *err, size_t cap)
{
    if (!json_is_object(section))
        return sg_parse_fail(err, cap, "cors must be an object");
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)section, name, v)
    {
        bool known = false;
        for (size_t i = 0; members[i]; i++)
            known |= strcmp(name, members[i]) == 0;
        if (!known)
            return sg_parse_fail(err, cap, "unknown key cors.%s", name);
    }
    const json_t *origins = json_object_get(section, "allow_origins");
    if (!origins)
        return sg_parse_fail(err, cap, "cors.allow_origins is required");
    if (parse_origins(c, origins, err, cap) != 0 ||
        parse_list(c->allow_headers, section, "allow_headers", SG_CORS_DEFAULT_ALLOW_HEADERS, err,
                   cap) != 0 ||
        parse_list(c->allow_methods, section, "allow_methods", SG_CORS_DEFAULT_ALLOW_METHODS, err,
                   cap) != 0 ||
        parse_list(c->expose_headers, section, "expose_headers", "", err, cap) != 0 ||
        parse_max_age(c, section, err, cap) != 0)
        return -1;
    return 0;
}

struct sg_cors *sg_cors_new(const json_t *section, char *err, size_t errcap)
{
    struct sg_cors *c = calloc(1, sizeof *c);
    if (!c) {
        sg_parse_fail(err, errcap, "out of memory");
        return NULL;
    }
    if (!section)
        return c; /* off */
    c->enabled = true;
    if (parse_section(c, section, err, errcap) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void sg_cors_free(struct sg_cors *c)
{
    free(c);
}

bool sg_cors_enabled(const struct sg_cors *c)
{
    return c && c->enabled;
}

/* The configured origin matching the request's, or NULL. */
static const char *match_origin(const struct sg_cors *c, const char *origin)
{
    char canon[SG_CORS_ORIGIN_MAX + 1];
    if (!origin || canonical_origin(origin, strnlen(origin, SG_CORS_ORIGIN_MAX + 1), canon) != 0)
        return NULL;
    for (size_t i = 0; i < c->n_origins; i++)
        if (strcmp(c->origins[i], canon) == 0)
            return c->origins[i];
    return NULL;
}

static void add(struct sg_cors_headers *out, const char *name, const char *value)
{
    if (value[0] && out->n < SG_CORS_MAX_HEADERS)
        out->h[out->n++] = (struct sg_cors_header){name, value};
}

bool sg_cors_headers(const struct sg_cors *c, enum sg_cors_kind kind, const char *origin,
                     struct sg_cors_headers *out)
{
    out->n = 0;
    if (!c || !c->enabled)
        return false;
    const char *allowed = c->any ? "*" : match_origin(c, origin);
    if (allowed) {
        add(out, "Access-Control-Allow-Origin", allowed);
        if (kind == SG_CORS_PREFLIGHT) {
            add(out, "Access-Control-Allow-Headers", c->allow_headers);
            add(out, "Access-Control-Allow-Methods", c->allow_methods);
            add(out, "Access-Control-Max-Age", c->max_age);
        } else {
            add(out, "Access-Control-Expose-Headers", c->expose_headers);
        }
    }
    if (!c->any)
        add(out, "Vary", "Origin");
    return allowed != NULL;
}
