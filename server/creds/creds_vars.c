/*
 * creds_vars: the copy of the environment the credential sources read.
 *
 * Taken once, when a provider is built, through a caller-chosen lookup
 * function. Afterwards it is immutable, so the refresh thread can read it
 * without locks and without calling getenv() (not safe against a concurrent
 * setenv()). Values may be secrets (AWS_SECRET_ACCESS_KEY, the container
 * authorization token): all are wiped on free.
 */
#include "creds_internal.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every variable a source reads. Adding one here is all it takes. */
static const char *const known_names[] = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "HOME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
};
#define N_KNOWN (sizeof known_names / sizeof known_names[0])

struct sg_creds_env {
    char *values[N_KNOWN]; /* NULL when unset or empty */
};

struct sg_creds_env *sg_creds_env_new(sg_env_lookup_fn lookup, void *ctx)
{
    struct sg_creds_env *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    for (size_t i = 0; i < N_KNOWN; i++) {
        const char *v = lookup(known_names[i], ctx);
        if (!v || !*v)
            continue;
        e->values[i] = strdup(v);
        if (!e->values[i])
            goto err;
    }
    return e;
err:
    sg_creds_env_free(e);
    return NULL;
}

void sg_creds_env_free(struct sg_creds_env *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < N_KNOWN; i++) {
        if (e->values[i])
            sg_creds_wipe_free(e->values[i], strlen(e->values[i]));
    }
    free(e);
}

const char *sg_creds_env_get(const struct sg_creds_env *e, const char *name)
{
    for (size_t i = 0; i < N_KNOWN; i++) {
        if (strcmp(known_names[i], name) == 0)
            return e->values[i];
    }
    return NULL;
}

bool sg_creds_env_is_true(const struct sg_creds_env *e, const char *name)
{
    const char *v = sg_creds_env_get(e, name);
    return v && strcasecmp(v, "true") == 0;
}
