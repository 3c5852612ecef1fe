/*
 * creds_profile: the shared-files source - static keys of one profile in the
 * shared credentials file and the shared config file.
 *
 *   profile            AWS_PROFILE, else "default"
 *   credentials file   AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials;
 *                      sections "[NAME]"
 *   config file        AWS_CONFIG_FILE, else ~/.aws/config; sections
 *                      "[profile NAME]", and "[default]" for the default one
 *   keys               aws_access_key_id, aws_secret_access_key,
 *                      aws_session_token (names case-insensitive)
 *
 * "~" is HOME from the provider's environment copy. The credentials file wins
 * over the config file for a whole profile: when it has both keys of the
 * profile, key id, secret and token all come from it (as botocore, whose
 * credentials-file provider is asked before its config-file provider);
 * otherwise all three come from the config file. Values are never mixed
 * across files. Profiles that assume roles (role_arn, credential_process,
 * sso_*) are not supported: the source reports them and the chain moves on.
 * Both files are read again on every fetch, so edited files are picked up on
 * the next refresh or invalidate().
 */
#include "creds_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lit.h"

#define SG_CREDS_PATH_MAX 4096

/* ---- INI reading --------------------------------------------------------- */

struct span {
    const char *p;
    size_t n;
};

static struct span trim(const char *p, size_t n)
{
    while (n && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    return (struct span){p, n};
}

static bool span_eq(struct span s, const char *z)
{
    return s.n == strlen(z) && memcmp(s.p, z, s.n) == 0;
}

/* Does the section header text (between the brackets) name `profile`? */
static bool section_matches(struct span name, const char *profile, bool config_style)
{
    if (!config_style)
        return span_eq(name, profile);
    if (strcmp(profile, "default") == 0 && span_eq(name, "default"))
        return true;
    const size_t word = SG_LIT_LEN("profile");
    if (name.n <= word || memcmp(name.p, SG_LIT("profile")) != 0 ||
        !isspace((unsigned char)name.p[word]))
        return false;
    return span_eq(trim(name.p + word, name.n - word), profile);
}

/* State of one scan over an INI text for one key of one profile. */
struct ini_scan {
    const char *profile;
    bool config_style;
    const char *key;
    bool in_profile;        /* inside a section of the profile */
    bool after_empty_value; /* the last property had no value: indented lines belong to it */
    bool has;
    struct span found; /* the last value of `key` in the profile */
};

/* Handles one line. */
static void ini_line(struct ini_scan *st, struct span line)
{
    bool indented = line.n && isspace((unsigned char)line.p[0]);
    struct span t = trim(line.p, line.n);
    if (t.n == 0 || t.p[0] == '#' || t.p[0] == ';')
        return;
    if (t.p[0] == '[') {
        const char *close = memchr(t.p, ']', t.n);
        st->in_profile = close && section_matches(trim(t.p + 1, (size_t)(close - t.p - 1)),
                                                  st->profile, st->config_style);
        st->after_empty_value = false;
        return;
    }
    /* Indented lines under a property with an empty value are its
     * sub-properties (e.g. "s3 =\n  max_concurrent_requests = 4"). */
    if (indented && st->after_empty_value)
        return;
    const char *eq = memchr(t.p, '=', t.n);
    if (!eq)
        return;
    struct span k = trim(t.p, (size_t)(eq - t.p));
    struct span v = trim(eq + 1, t.n - (size_t)(eq - t.p) - 1);
    st->after_empty_value = v.n == 0;
    if (st->in_profile && k.n == strlen(st->key) && strncasecmp(k.p, st->key, k.n) == 0) {
        st->found = v; /* a later duplicate wins */
        st->has = true;
    }
}

char *sg_creds_ini_lookup(const char *text, size_t len, const char *profile, bool config_style,
                          const char *key)
{
    struct ini_scan st = {.profile = profile, .config_style = config_style, .key = key};
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        ini_line(&st, (struct span){p, (size_t)(line_end - p)});
        p = nl ? nl + 1 : end;
    }
    return st.has ? strndup(st.found.p, st.found.n) : NULL;
}

/* ---- The source ---------------------------------------------------------- */

struct profile_source {
    struct sg_creds_source base;
    const struct sg_creds_env *env; /* borrowed */
};

/* The keys of one profile from one file, all malloc'd or NULL. */
struct profile_keys {
    char *akid, *secret, *token;
};

static void keys_clear(struct profile_keys *k)
{
    free(k->akid);
    if (k->secret)
        sg_creds_wipe_free(k->secret, strlen(k->secret));
    if (k->token)
        sg_creds_wipe_free(k->token, strlen(k->token));
    *k = (struct profile_keys){0};
}

/* Expands `path` (or `home`/`fallback` when path is NULL) into out.
 * Returns -1 when "~" is needed but HOME is unset, or the path is too long. */
static int resolve_path(const char *path, const char *fallback, const char *home, char *out,
                        size_t outlen)
{
    int n;
    if (!path)
        n = home ? snprintf(out, outlen, "%s/%s", home, fallback) : -1;
    else if (path[0] == '~' && path[1] == '/')
        n = home ? snprintf(out, outlen, "%s%s", home, path + 1) : -1;
    else
        n = snprintf(out, outlen, "%s", path);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Reads one file and the profile's keys in it. Returns true if the file was
 * read; *unsupported is set when the profile uses a role or process. */
static bool read_keys(const char *path, const char *profile, bool config_style,
                      struct profile_keys *k, bool *unsupported)
{
    static const char *const role_keys[] = {"role_arn", "credential_process", "sso_session",
                                            "sso_start_url"};
    char *text = NULL, err[SG_CREDS_ERR_MAX];
    size_t len = 0;
    if (sg_creds_read_file(path, SG_CREDS_FILE_MAX, &text, &len, err, sizeof err))
        return false;
    k->akid = sg_creds_ini_lookup(text, len, profile, config_style, "aws_access_key_id");
    k->secret = sg_creds_ini_lookup(text, len, profile, config_style, "aws_secret_access_key");
    k->token = sg_creds_ini_lookup(text, len, profile, config_style, "aws_session_token");
    for (size_t i = 0; i < sizeof role_keys / sizeof role_keys[0]; i++) {
        char *v = sg_creds_ini_lookup(text, len, profile, config_style, role_keys[i]);
        *unsupported |= v != NULL;
        free(v);
    }
    sg_creds_wipe_free(text, len);
    return true;
}

static bool complete(const struct profile_keys *k)
{
    return k->akid && *k->akid && k->secret && *k->secret;
}

static enum sg_creds_result profile_fetch(struct sg_creds_source *s, struct sg_credentials **out,
                                          char *err, size_t errlen)
{
    const struct sg_creds_env *env = ((struct profile_source *)s)->env;
    const char *home = sg_creds_env_get(env, "HOME");
    const char *profile = sg_creds_env_get(env, "AWS_PROFILE");
    if (!profile)
        profile = "default";
    char cred_path[SG_CREDS_PATH_MAX], conf_path[SG_CREDS_PATH_MAX], source[300];
    struct profile_keys k = {0};
    bool unsupported = false, any_file = false;
    enum sg_creds_result rc = SG_CREDS_NOT_CONFIGURED;
    snprintf(source, sizeof source, "profile:%s", profile);

    if (!resolve_path(sg_creds_env_get(env, "AWS_SHARED_CREDENTIALS_FILE"), ".aws/credentials",
                      home, cred_path, sizeof cred_path))
        any_file |= read_keys(cred_path, profile, false, &k, &unsupported);
    if (!complete(&k)) {
        keys_clear(&k);
        if (!resolve_path(sg_creds_env_get(env, "AWS_CONFIG_FILE"), ".aws/config", home, conf_path,
                          sizeof conf_path))
            any_file |= read_keys(conf_path, profile, true, &k, &unsupported);
    }
    if (complete(&k)) {
        *out = sg_credentials_new(k.akid, k.secret, k.token, 0, source);
        rc = *out ? SG_CREDS_OK : SG_CREDS_FAILED;
        if (!*out)
            snprintf(err, errlen, "out of memory");
    } else if (!any_file) {
        snprintf(err, errlen, "no shared credentials or config file");
    } else if (unsupported) {
        snprintf(err, errlen, "profile %s assumes a role or runs a process (not supported)",
                 profile);
    } else {
        snprintf(err, errlen, "profile %s has no aws_access_key_id/aws_secret_access_key", profile);
    }
    keys_clear(&k);
    return rc;
}

static void profile_destroy(struct sg_creds_source *s)
{
    free(s);
}

static const struct sg_creds_source_vtable profile_vtable = {
    .name = "profile",
    .fetch = profile_fetch,
    .destroy = profile_destroy,
};

struct sg_creds_source *sg_creds_profile_source_new(const struct sg_creds_env *env)
{
    struct profile_source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.vt = &profile_vtable;
    s->env = env;
    return &s->base;
}
