/*
 * fk_auth: see fk_auth.h. Each part of the Authorization header is its own
 * function; the first rule broken is reported, with the AWS error type the
 * real service uses for it (IncompleteSignatureException for a malformed
 * header, InvalidSignatureException for a date that does not match).
 */
#include "fk_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define SERVICE "kinesis"

struct parts {
    const char *credential, *signed_headers, *signature; /* into a copy */
};

static int fail(struct fk_auth_error *err, const char *type, const char *message)
{
    snprintf(err->type, sizeof(err->type), "%s", type);
    snprintf(err->message, sizeof(err->message), "%s", message);
    return -1;
}

static int all_of(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0' || strchr(set, s[i]) == NULL)
            return 0;
    }
    return 1;
}

#define DIGITS "0123456789"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define ALNUM DIGITS LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* Splits "k=v, k=v, k=v" (in buf, modified) into the three known parts. */
static int split_parts(char *buf, struct parts *out, struct fk_auth_error *err)
{
    memset(out, 0, sizeof(*out));
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t n = strlen(tok);
        while (n > 0 && tok[n - 1] == ' ')
            tok[--n] = '\0';
        const char **slot = NULL;
        if (strncmp(tok, "Credential=", 11) == 0)
            slot = &out->credential;
        else if (strncmp(tok, "SignedHeaders=", 14) == 0)
            slot = &out->signed_headers;
        else if (strncmp(tok, "Signature=", 10) == 0)
            slot = &out->signature;
        if (slot == NULL || *slot != NULL)
            return fail(err, "IncompleteSignatureException",
                        "Authorization header has an unknown or repeated component");
        *slot = strchr(tok, '=') + 1;
    }
    if (!out->credential || !out->signed_headers || !out->signature)
        return fail(err, "IncompleteSignatureException",
                    "Authorization header requires 'Credential', 'SignedHeaders' and "
                    "'Signature' parameters");
    return 0;
}

/* Credential=<key id>/<yyyymmdd>/<region>/kinesis/aws4_request */
static int check_credential(const char *cred, char date[9], char region[FK_AUTH_REGION_MAX],
                            struct fk_auth_error *err)
{
    const char *f[5];
    size_t len[5];
    const char *p = cred;
    for (int i = 0; i < 5; i++) {
        const char *slash = strchr(p, '/');
        f[i] = p;
        len[i] = slash ? (size_t)(slash - p) : strlen(p);
        if ((i < 4) != (slash != NULL))
            return fail(err, "IncompleteSignatureException",
                        "Credential must have 5 '/'-separated parts");
        p = slash ? slash + 1 : p;
    }
    if (len[0] == 0 || len[0] > 128 || !all_of(f[0], len[0], ALNUM))
        return fail(err, "IncompleteSignatureException", "Credential access key id is malformed");
    if (len[1] != 8 || !all_of(f[1], 8, DIGITS))
        return fail(err, "IncompleteSignatureException", "Credential date is not yyyymmdd");
    if (len[2] == 0 || len[2] >= FK_AUTH_REGION_MAX || !all_of(f[2], len[2], LOWER DIGITS "-"))
        return fail(err, "IncompleteSignatureException", "Credential region is malformed");
    if (len[3] != strlen(SERVICE) || memcmp(f[3], SERVICE, len[3]) != 0)
        return fail(err, "IncompleteSignatureException", "Credential service must be 'kinesis'");
    if (len[4] != 12 || memcmp(f[4], "aws4_request", 12) != 0)
        return fail(err, "IncompleteSignatureException", "Credential must end with 'aws4_request'");
    memcpy(date, f[1], 8);
    date[8] = '\0';
    memcpy(region, f[2], len[2]);
    region[len[2]] = '\0';
    return 0;
}

/* SignedHeaders: lowercase names, ';'-separated, sorted, host and x-amz-date among them. */
static int check_signed_headers(const char *list, fk_auth_has_header_fn has_header, void *ctx,
                                struct fk_auth_error *err)
{
    char name[128], prev[128] = "";
    int seen_host = 0, seen_date = 0;
    const char *p = list;
    for (;;) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        if (n == 0 || n >= sizeof(name) || !all_of(p, n, LOWER DIGITS "-_"))
            return fail(err, "IncompleteSignatureException", "SignedHeaders is malformed");
        memcpy(name, p, n);
        name[n] = '\0';
        if (strcmp(prev, name) >= 0)
            return fail(err, "IncompleteSignatureException",
                        "SignedHeaders must be sorted and without repeats");
        if (!has_header(ctx, name))
            return fail(err, "IncompleteSignatureException",
                        "a header listed in SignedHeaders is missing from the request");
        seen_host |= strcmp(name, "host") == 0;
        seen_date |= strcmp(name, "x-amz-date") == 0;
        memcpy(prev, name, n + 1);
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    if (!seen_host || !seen_date)
        return fail(err, "IncompleteSignatureException",
                    "SignedHeaders must include host and x-amz-date");
    return 0;
}

/* X-Amz-Date: yyyymmddThhmmssZ, on the credential's day, near now. */
static int check_date(const char *amz_date, const char *scope_date, time_t now, long max_skew,
                      struct fk_auth_error *err)
{
    if (amz_date == NULL)
        return fail(err, "IncompleteSignatureException", "X-Amz-Date header is missing");
    if (strlen(amz_date) != 16 || !all_of(amz_date, 8, DIGITS) || amz_date[8] != 'T' ||
        !all_of(amz_date + 9, 6, DIGITS) || amz_date[15] != 'Z')
        return fail(err, "IncompleteSignatureException", "X-Amz-Date is not yyyymmddThhmmssZ");
    if (memcmp(amz_date, scope_date, 8) != 0)
        return fail(err, "InvalidSignatureException",
                    "Credential date does not match the X-Amz-Date day");
    if (max_skew <= 0)
        return 0;
    struct tm tm = {0};
    char num[5] = {0};
    memcpy(num, amz_date, 4);
    tm.tm_year = (int)strtol(num, NULL, 10) - 1900;
    num[2] = '\0';
    memcpy(num, amz_date + 4, 2);
    tm.tm_mon = (int)strtol(num, NULL, 10) - 1;
    memcpy(num, amz_date + 6, 2);
    tm.tm_mday = (int)strtol(num, NULL, 10);
    memcpy(num, amz_date + 9, 2);
    tm.tm_hour = (int)strtol(num, NULL, 10);
    memcpy(num, amz_date + 11, 2);
    tm.tm_min = (int)strtol(num, NULL, 10);
    memcpy(num, amz_date + 13, 2);
    tm.tm_sec = (int)strtol(num, NULL, 10);
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || labs((long)(t - now)) > max_skew)
        return fail(err, "InvalidSignatureException",
                    "Signature expired or not yet valid: X-Amz-Date is too far from now");
    return 0;
}

int fk_auth_check(const char *authorization, const char *amz_date, time_t now, long max_skew,
                  fk_auth_has_header_fn has_header, void *ctx, char region[FK_AUTH_REGION_MAX],
                  struct fk_auth_error *err)
{
    char buf[1024], date[9];
    struct parts parts;
    size_t alg = strlen(ALGORITHM);
    if (authorization == NULL)
        return fail(err, "MissingAuthenticationTokenException", "Missing Authentication Token");
    if (strncmp(authorization, ALGORITHM, alg) != 0 || authorization[alg] != ' ')
        return fail(err, "IncompleteSignatureException",
                    "Authorization header must start with 'AWS4-HMAC-SHA256 '");
    if (strlen(authorization + alg) >= sizeof(buf))
        return fail(err, "IncompleteSignatureException", "Authorization header is too long");
    memcpy(buf, authorization + alg, strlen(authorization + alg) + 1);
    if (split_parts(buf, &parts, err) != 0 ||
        check_credential(parts.credential, date, region, err) != 0 ||
        check_signed_headers(parts.signed_headers, has_header, ctx, err) != 0)
        return -1;
    if (strlen(parts.signature) != 64 || !all_of(parts.signature, 64, DIGITS "abcdef"))
        return fail(err, "IncompleteSignatureException",
                    "Signature must be 64 lowercase hexadecimal digits");
    return check_date(amz_date, date, now, max_skew, err);
}
