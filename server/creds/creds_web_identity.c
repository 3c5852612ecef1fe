/*
 * creds_web_identity: the STS web identity source (EKS IRSA, any OIDC token).
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 *
 *   AWS_WEB_IDENTITY_TOKEN_FILE  the token, read again on every fetch (rotated)
 *   AWS_ROLE_ARN                 the role to assume
 *   AWS_ROLE_SESSION_NAME        optional; default "streamgate-<unix time>"
 *   endpoint   AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL (both ignored when
 *              AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), else
 *              https://sts.<AWS_REGION|AWS_DEFAULT_REGION>.amazonaws.com, else
 *              the global https://sts.amazonaws.com
 *
 * The call is an unsigned form POST (the token is the proof of identity):
 * Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=..&
 * RoleSessionName=..&WebIdentityToken=... The answer is XML; we need four leaf
 * elements of <Credentials> (AccessKeyId, SecretAccessKey, SessionToken,
 * Expiration), or Code and Message of an <Error>.
 *
 * Why no XML library: the schema is fixed, AWS-generated and tiny, the answer
 * is bounded (SG_CREDS_HTTP_BODY_MAX), and the values we read are plain text
 * (base64-like keys and tokens, a timestamp). A general parser (libxml2)
 * would add a dependency with DTD/entity-expansion attack surface to read
 * four strings. The extractor below finds <Tag>text</Tag> inside
 * <Credentials>...</Credentials>, refuses elements with attributes or nested
 * markup, and decodes the five predefined entities; anything else (numeric
 * entities, CDATA) fails the fetch instead of being misread.
 */
#include "creds_internal.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define STS_VERSION "2011-06-15"
#define SG_CREDS_STS_URL_MAX 2048
#define SG_CREDS_STS_BODY_MAX (3 * SG_CREDS_FILE_MAX + 4096)

struct web_identity_source {
    struct sg_creds_source base;
    const struct sg_creds_env *env;   /* borrowed */
    const struct sg_creds_http *http; /* borrowed */
};

/* ---- XML extraction ------------------------------------------------------ */

/* memmem() is a GNU extension; this is all we need of it. */
static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++) {
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    }
    return NULL;
}

/* Finds the text between <tag> and </tag> in [p, end). */
static const char *xml_element(const char *p, const char *end, const char *tag, size_t *len)
{
    char open[64], close[64];
    int no = snprintf(open, sizeof open, "<%s>", tag);
    int nc = snprintf(close, sizeof close, "</%s>", tag);
    if (no < 0 || (size_t)no >= sizeof open || nc < 0 || (size_t)nc >= sizeof close)
        return NULL;
    const char *start = find(p, (size_t)(end - p), open, (size_t)no);
    if (!start)
        return NULL;
    start += no;
    const char *stop = find(start, (size_t)(end - start), close, (size_t)nc);
    if (!stop)
        return NULL;
    *len = (size_t)(stop - start);
    return start;
}

/* Decodes the five predefined entities; refuses markup and other entities. */
static char *xml_text(const char *p, size_t n)
{
    static const struct {
        const char *name;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        if (p[i] == '<')
            goto bad;
        if (p[i] != '&') {
            *o++ = p[i++];
            continue;
        }
        size_t k = 0, nents = sizeof ents / sizeof ents[0];
        while (k < nents && (n - i < strlen(ents[k].name) ||
                             memcmp(p + i, ents[k].name, strlen(ents[k].name)) != 0))
            k++;
        if (k == nents)
            goto bad;
        *o++ = ents[k].c;
        i += strlen(ents[k].name);
    }
    *o = '\0';
    return out;
bad:
    sg_creds_wipe_free(out, n + 1);
    return NULL;
}

char *sg_creds_xml_credentials_field(const char *xml, size_t len, const char *tag)
{
    size_t clen, flen;
    const char *creds = xml_element(xml, xml + len, "Credentials", &clen);
    if (!creds)
        return NULL;
    const char *field = xml_element(creds, creds + clen, tag, &flen);
    return field ? xml_text(field, flen) : NULL;
}

/* ---- Request ------------------------------------------------------------- */

int sg_creds_form_append(struct sg_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (unreserved ? sg_buf_append_char(b, (char)c) : sg_buf_append(b, enc, 3))
            return -1;
    }
    return 0;
}

static bool region_ok(const char *r)
{
    if (!*r)
        return false;
    for (; *r; r++) {
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '-'))
            return false;
    }
    return true;
}

static int sts_url(const struct sg_creds_env *env, char *url, size_t urllen)
{
    const char *ep = NULL, *region = sg_creds_env_get(env, "AWS_REGION");
    int n;
    if (!sg_creds_env_is_true(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
        ep = sg_creds_env_get(env, "AWS_ENDPOINT_URL_STS");
        if (!ep)
            ep = sg_creds_env_get(env, "AWS_ENDPOINT_URL");
    }
    if (!region)
        region = sg_creds_env_get(env, "AWS_DEFAULT_REGION");
    if (ep)
        n = snprintf(url, urllen, "%s", ep);
    else if (region && region_ok(region))
        n = snprintf(url, urllen, "https://sts.%s.amazonaws.com/", region);
    else
        n = snprintf(url, urllen, "https://sts.amazonaws.com/");
    return n < 0 || (size_t)n >= urllen ? -1 : 0;
}

/* The form body. Room for the largest body is reserved up front so the buffer
 * (which holds the token) is never reallocated into stray copies. */
static int build_body(struct sg_buf *b, const char *role, const char *session, const char *token)
{
    if (sg_buf_reserve(b, 3 * (strlen(role) + strlen(session) + strlen(token)) + 256))
        return -1;
    int rc =
        sg_buf_append_str(b, "Action=AssumeRoleWithWebIdentity&Version=" STS_VERSION "&RoleArn=");
    rc |= sg_creds_form_append(b, role);
    rc |= sg_buf_append_str(b, "&RoleSessionName=");
    rc |= sg_creds_form_append(b, session);
    rc |= sg_buf_append_str(b, "&WebIdentityToken=");
    rc |= sg_creds_form_append(b, token);
    return rc ? -1 : 0;
}

/* ---- Response ------------------------------------------------------------ */

static void describe_error(const struct sg_creds_http_response *resp, char *err, size_t errlen)
{
    size_t elen = 0, clen = 0, mlen = 0;
    const char *e = xml_element(resp->body, resp->body + resp->len, "Error", &elen);
    const char *code = e ? xml_element(e, e + elen, "Code", &clen) : NULL;
    const char *msg = e ? xml_element(e, e + elen, "Message", &mlen) : NULL;
    snprintf(err, errlen, "STS answered HTTP %ld%s%.*s%s%.*s", resp->status, code ? ": " : "",
             code ? (int)(clen > 64 ? 64 : clen) : 0, code ? code : "", msg ? ": " : "",
             msg ? (int)(mlen > 160 ? 160 : mlen) : 0, msg ? msg : "");
}

static int parse_credentials(const struct sg_creds_http_response *resp, struct sg_credentials **out,
                             char *err, size_t errlen)
{
    int rc = -1;
    char *akid = sg_creds_xml_credentials_field(resp->body, resp->len, "AccessKeyId");
    char *secret = sg_creds_xml_credentials_field(resp->body, resp->len, "SecretAccessKey");
    char *token = sg_creds_xml_credentials_field(resp->body, resp->len, "SessionToken");
    char *exp = sg_creds_xml_credentials_field(resp->body, resp->len, "Expiration");
    time_t expiration = 0;
    if (!akid || !secret || !token || !exp) {
        snprintf(err, errlen, "STS answer lacks a Credentials field");
        goto out;
    }
    if (sg_creds_parse_iso8601(exp, strlen(exp), &expiration)) {
        snprintf(err, errlen, "STS answer has an invalid Expiration");
        goto out;
    }
    *out = sg_credentials_new(akid, secret, token, expiration, "web-identity");
    if (!*out)
        snprintf(err, errlen, "out of memory or empty key");
    else
        rc = 0;
out:
    free(akid);
    free(exp);
    if (secret)
        sg_creds_wipe_free(secret, strlen(secret));
    if (token)
        sg_creds_wipe_free(token, strlen(token));
    return rc;
}

/* ---- The source ---------------------------------------------------------- */

static enum sg_creds_result sts_call(struct web_identity_source *w, const char *url,
                                     const struct sg_buf *body, struct sg_credentials **out,
                                     char *err, size_t errlen)
{
    static const char *const headers[] = {
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        "Accept: text/xml",
        NULL,
    };
    struct sg_creds_http_response resp = {0};
    struct sg_creds_http_request req = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .body = body->data,
        .body_len = body->len,
        .connect_timeout_ms = SG_CREDS_STS_CONNECT_MS,
        .timeout_ms = SG_CREDS_STS_TOTAL_MS,
    };
    enum sg_creds_result rc = SG_CREDS_FAILED;
    if (w->http->send(w->http->ctx, &req, &resp, err, errlen))
        return SG_CREDS_FAILED;
    if (resp.status != 200)
        describe_error(&resp, err, errlen);
    else if (parse_credentials(&resp, out, err, errlen) == 0)
        rc = SG_CREDS_OK;
    sg_creds_http_response_free(&resp);
    return rc;
}

static enum sg_creds_result
web_identity_fetch(struct sg_creds_source *s, struct sg_credentials **out, char *err, size_t errlen)
{
    struct web_identity_source *w = (struct web_identity_source *)s;
    const char *file = sg_creds_env_get(w->env, "AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = sg_creds_env_get(w->env, "AWS_ROLE_ARN");
    const char *session = sg_creds_env_get(w->env, "AWS_ROLE_SESSION_NAME");
    char url[SG_CREDS_STS_URL_MAX], session_buf[64], *token = NULL;
    size_t token_len = 0;
    struct sg_buf body;
    enum sg_creds_result rc = SG_CREDS_FAILED;
    if (!file || !role) {
        snprintf(err, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN not set");
        return SG_CREDS_NOT_CONFIGURED;
    }
    if (!session) {
        snprintf(session_buf, sizeof session_buf, "streamgate-%lld", (long long)time(NULL));
        session = session_buf;
    }
    sg_buf_init(&body, SG_CREDS_STS_BODY_MAX);
    if (sts_url(w->env, url, sizeof url)) {
        snprintf(err, errlen, "STS endpoint URL too long");
        goto out;
    }
    if (sg_creds_read_file(file, SG_CREDS_FILE_MAX, &token, &token_len, err, errlen))
        goto out;
    while (token_len && (token[token_len - 1] == '\n' || token[token_len - 1] == '\r' ||
                         token[token_len - 1] == ' '))
        token[--token_len] = '\0';
    if (build_body(&body, role, session, token)) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = sts_call(w, url, &body, out, err, errlen);
out:
    if (body.data)
        OPENSSL_cleanse(body.data, body.len);
    sg_buf_free(&body);
    sg_creds_wipe_free(token, token_len);
    return rc;
}

static void web_identity_destroy(struct sg_creds_source *s)
{
    free(s);
}

static const struct sg_creds_source_vtable web_identity_vtable = {
    .name = "web-identity",
    .fetch = web_identity_fetch,
    .destroy = web_identity_destroy,
};

struct sg_creds_source *sg_creds_web_identity_source_new(const struct sg_creds_env *env,
                                                         const struct sg_creds_http *http)
{
    struct web_identity_source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.vt = &web_identity_vtable;
    s->env = env;
    s->http = http;
    return &s->base;
}
