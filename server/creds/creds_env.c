/*
 * creds_env: the environment source - AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN, read from the
 * provider's copy of the environment (creds_vars.c). No I/O.
 */
#include "creds_internal.h"

#include <stdio.h>
#include <stdlib.h>

struct env_source {
    struct sg_creds_source base;
    const struct sg_creds_env *env; /* borrowed */
};

static enum sg_creds_result env_fetch(struct sg_creds_source *s, struct sg_credentials **out,
                                      char *err, size_t errlen)
{
    const struct sg_creds_env *env = ((struct env_source *)s)->env;
    const char *akid = sg_creds_env_get(env, "AWS_ACCESS_KEY_ID");
    const char *secret = sg_creds_env_get(env, "AWS_SECRET_ACCESS_KEY");
    if (!akid || !secret) {
        snprintf(err, errlen, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
        return SG_CREDS_NOT_CONFIGURED;
    }
    *out = sg_credentials_new(akid, secret, sg_creds_env_get(env, "AWS_SESSION_TOKEN"), 0,
                              "environment");
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return SG_CREDS_FAILED;
    }
    return SG_CREDS_OK;
}

static void env_destroy(struct sg_creds_source *s)
{
    free(s);
}

static const struct sg_creds_source_vtable env_vtable = {
    .name = "environment",
    .fetch = env_fetch,
    .destroy = env_destroy,
};

struct sg_creds_source *sg_creds_env_source_new(const struct sg_creds_env *env)
{
    struct env_source *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.vt = &env_vtable;
    s->env = env;
    return &s->base;
}
